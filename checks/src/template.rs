//! The template a submission is graded against: its files, each with a content hash.
//!
//! An exported assignment lists its files in [`FILE_LIST`] (`sha256sum` format); the grader takes
//! every file that is not a lab file from the template, and checks each against its hash. A
//! repository without that list (the kit itself) lists its files with `git ls-files`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};
use sha2::{Digest, Sha256};

/// The template's file list, relative to its root.
pub const FILE_LIST: &str = "checks/template-files.sha256";

/// One file of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFile {
    /// Relative to the template's root, `/`-separated.
    pub path: String,
    /// sha256 of its content, lowercase hex.
    pub sha256: String,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub root: PathBuf,
    pub files: Vec<TemplateFile>,
}

impl Template {
    /// The template at `root`: its file list, or git's when it has none. With `verify`, every
    /// file must match its hash, and `expected` (if given) is the hash of the list itself.
    pub fn open(root: &Path, verify: bool, expected: Option<&str>) -> anyhow::Result<Self> {
        let list = root.join(FILE_LIST);
        let files = if list.is_file() {
            let text = fs::read_to_string(&list)
                .with_context(|| format!("cannot read {}", list.display()))?;
            if let Some(expected) = expected {
                let actual = sha256_hex(text.as_bytes());
                ensure!(
                    actual.eq_ignore_ascii_case(expected.trim()),
                    "the template's file list {} has the hash {actual}, not the {expected} this \
                     grading was set up with: grade with the template that was exported for it",
                    list.display()
                );
            }
            parse_list(&text)?
        } else {
            ensure!(
                expected.is_none(),
                "{} has no {FILE_LIST}: it is not an exported template",
                root.display()
            );
            git_files(root)?
                .into_iter()
                .map(|path| {
                    let sha256 = file_sha256(&root.join(&path))?;
                    Ok(TemplateFile { path, sha256 })
                })
                .collect::<anyhow::Result<_>>()?
        };
        let template = Self {
            root: root.to_path_buf(),
            files,
        };
        if verify {
            for file in &template.files {
                let actual = file_sha256(&template.root.join(&file.path))
                    .with_context(|| format!("the template lacks {}", file.path))?;
                ensure!(
                    actual == file.sha256,
                    "the template's {} is not the exported one (its hash differs)",
                    file.path
                );
            }
        }
        Ok(template)
    }

    pub fn get(&self, path: &str) -> Option<&TemplateFile> {
        self.files.iter().find(|file| file.path == path)
    }
}

/// The list's text for `files`: one `HASH  PATH` line each, in path order.
pub fn list_text(files: &[TemplateFile]) -> String {
    let mut files = files.to_vec();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
        .iter()
        .map(|file| format!("{}  {}\n", file.sha256, file.path))
        .collect()
}

fn parse_list(text: &str) -> anyhow::Result<Vec<TemplateFile>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            let Some((hash, path)) = line.split_once("  ") else {
                bail!("{FILE_LIST}:{}: not `HASH  PATH`", number + 1);
            };
            ensure!(
                hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                "{FILE_LIST}:{}: not a sha256",
                number + 1
            );
            ensure!(
                safe_relative(path),
                "{FILE_LIST}:{}: {path:?} is not a path inside the template",
                number + 1
            );
            Ok(TemplateFile {
                path: path.to_owned(),
                sha256: hash.to_ascii_lowercase(),
            })
        })
        .collect()
}

/// A relative path that stays inside its root: no `..`, no absolute path, no empty part.
pub fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The files git tracks in `root` (and new ones it does not ignore), that exist.
fn git_files(root: &Path) -> anyhow::Result<Vec<String>> {
    let output = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .context("cannot run git to list the template's files")?;
    ensure!(
        output.status.success(),
        "git ls-files in {} failed: {}",
        root.display(),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let mut files: Vec<String> = String::from_utf8(output.stdout)?
        .split('\0')
        .filter(|path| !path.is_empty() && root.join(path).is_file())
        .map(str::to_owned)
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(sha256_hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_round_trips_and_refuses_paths_outside() {
        let files = vec![
            TemplateFile {
                path: "b/c.rs".to_owned(),
                sha256: sha256_hex(b"c"),
            },
            TemplateFile {
                path: "a.rs".to_owned(),
                sha256: sha256_hex(b"a"),
            },
        ];
        let text = list_text(&files);
        assert!(text.starts_with(&format!("{}  a.rs\n", sha256_hex(b"a"))));
        let parsed = parse_list(&text).expect("parses");
        assert_eq!(parsed.len(), 2);
        for bad in ["../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "./a"] {
            let line = format!("{}  {bad}\n", sha256_hex(b"x"));
            assert!(parse_list(&line).is_err(), "{bad}");
        }
        assert!(parse_list("abc  a.rs\n").is_err());
    }

    #[test]
    fn an_exported_template_is_checked_against_its_hashes() {
        let dir = tempfile::tempdir().expect("a folder");
        let root = dir.path();
        fs::create_dir_all(root.join("checks")).expect("a folder");
        fs::write(root.join("a.rs"), "fn a() {}").expect("written");
        let files = vec![TemplateFile {
            path: "a.rs".to_owned(),
            sha256: sha256_hex(b"fn a() {}"),
        }];
        let list = list_text(&files);
        fs::write(root.join(FILE_LIST), &list).expect("written");
        let hash = sha256_hex(list.as_bytes());
        let template = Template::open(root, true, Some(&hash)).expect("the template is intact");
        assert_eq!(template.files, files);

        assert!(Template::open(root, true, Some(&sha256_hex(b"other"))).is_err());
        fs::write(root.join("a.rs"), "fn a() { evil() }").expect("written");
        let error = Template::open(root, true, Some(&hash)).expect_err("tampered");
        assert!(format!("{error:#}").contains("a.rs"), "{error:#}");
        // Without verification (a student's own checkout) the list is still the list.
        assert!(Template::open(root, false, None).is_ok());
    }
}
