//! What is graded: a workspace assembled from the template's files and the submission's lab files
//! only. Nothing else of the submission reaches the build or the grader: not a Cargo
//! configuration, not a build script, not an edited grader, not a new file anywhere.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;

use crate::app_manifest::{graded_manifest, NotGraded};
use crate::lab_files::{is_lab_file, APP_MANIFEST};
use crate::template::{file_sha256, Template};

/// The graded app's package name: not the template's, so that its build never takes the place
/// of the template's own `starter` in a target folder both use.
pub const GRADED_PACKAGE: &str = "graded-starter";

/// At most this many files are named in each note; the rest are counted.
const NAMED: usize = 12;

/// The assembled workspace, removed when dropped.
#[derive(Debug)]
pub struct Workspace {
    dir: tempfile::TempDir,
    /// What of the submission was not graded and why, for the student and the tutor.
    pub notes: Vec<String>,
    /// The lab files taken from the submission, as paths in the workspace.
    lab_files: Vec<PathBuf>,
}

impl Workspace {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Gives the submission's files the current time, so that Cargo compiles them afresh
    /// whatever a shared target folder holds: called right before the build, under its lock
    /// (a time given earlier could be older than another grading's build).
    pub fn touch_lab_files(&self) -> std::io::Result<()> {
        let now = SystemTime::now();
        for path in &self.lab_files {
            fs::File::options()
                .append(true)
                .open(path)
                .and_then(|file| file.set_modified(now))?;
        }
        Ok(())
    }
}

/// Assembles the graded workspace in a new temporary folder: every template file that is not
/// a lab file from the template, every lab file from the submission. `Ok(Err(_))` is a
/// submission that is not graded.
pub fn assemble(
    template: &Template,
    submission: &Path,
) -> anyhow::Result<Result<Workspace, NotGraded>> {
    let dir = tempfile::Builder::new()
        .prefix("taskoverflow-graded-")
        .tempdir()
        .context("cannot create a folder to assemble the graded workspace in")?;
    let root = dir.path();
    for file in &template.files {
        if is_lab_file(&file.path) {
            continue;
        }
        let from = template.root.join(&file.path);
        let to = root.join(&file.path);
        copy(&from, &to)?;
        // The template's own time: an unchanged template file never makes Cargo rebuild.
        let modified = fs::metadata(&from)?.modified()?;
        set_modified(&to, modified)?;
    }

    let mut changed = Vec::new();
    let mut left_out = Vec::new();
    let mut ignored = Vec::new();
    let mut found_manifest = false;
    let mut lab_files = Vec::new();
    for path in submission_files(submission)? {
        let from = submission.join(&path);
        let metadata = fs::symlink_metadata(&from)?;
        if is_lab_file(&path) {
            if !metadata.is_file() {
                return Ok(Err(NotGraded {
                    file: path,
                    reason: "is a symbolic link, not a file: hand in the file itself".to_owned(),
                }));
            }
            let to = root.join(&path);
            if path == APP_MANIFEST {
                found_manifest = true;
                let template_manifest = fs::read_to_string(template.root.join(APP_MANIFEST))
                    .context("the template has no starter/Cargo.toml")?;
                let student = match fs::read_to_string(&from) {
                    Ok(text) => text,
                    Err(error) => {
                        return Ok(Err(NotGraded {
                            file: path,
                            reason: format!("cannot be read as text: {error}"),
                        }))
                    }
                };
                match graded_manifest(&template_manifest, &student, GRADED_PACKAGE) {
                    Ok((text, notes)) => {
                        write(&to, text.as_bytes())?;
                        ignored.extend(notes);
                    }
                    Err(refused) => return Ok(Err(refused)),
                }
            } else {
                copy(&from, &to)?;
            }
            lab_files.push(to);
            continue;
        }
        // The template's own file list is the template's, not a file the student hands in.
        if path == crate::template::FILE_LIST {
            continue;
        }
        match template.get(&path) {
            Some(file) if metadata.is_file() && file_sha256(&from)? == file.sha256 => {}
            Some(_) => changed.push(path),
            None => left_out.push(path),
        }
    }
    if !found_manifest {
        return Ok(Err(NotGraded {
            file: APP_MANIFEST.to_owned(),
            reason: "is missing: the app cannot be built without it".to_owned(),
        }));
    }

    let mut notes = Vec::new();
    if !changed.is_empty() {
        notes.push(format!(
            "changed outside the lab's files, graded as the template has them: {}",
            named(&changed)
        ));
    }
    if !left_out.is_empty() {
        notes.push(format!(
            "not in the template and not a lab file, left out: {}",
            named(&left_out)
        ));
    }
    notes.extend(ignored.into_iter().map(|what| format!("ignored: {what}")));
    Ok(Ok(Workspace {
        dir,
        notes,
        lab_files,
    }))
}

fn named(paths: &[String]) -> String {
    let mut shown: Vec<&str> = paths.iter().take(NAMED).map(String::as_str).collect();
    let more = paths.len().saturating_sub(NAMED);
    let more = (more > 0).then(|| format!("and {more} more"));
    shown.extend(more.as_deref());
    shown.join(", ")
}

/// Every file and link of the submission, relative and `/`-separated, without its `.git` and
/// build output.
fn submission_files(submission: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(submission)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() != 1 || !matches!(entry.file_name().to_str(), Some(".git" | "target"))
        });
    for entry in walk {
        let entry = entry.with_context(|| format!("cannot read {}", submission.display()))?;
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(submission)?;
        let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
        let Some(parts) = parts else {
            // A name that is not UTF-8 is no lab file: note it by its lossy name.
            files.push(relative.to_string_lossy().into_owned());
            continue;
        };
        files.push(parts.join("/"));
    }
    Ok(files)
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn write(to: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(to, bytes).with_context(|| format!("cannot write {}", to.display()))
}

fn set_modified(path: &Path, time: SystemTime) -> anyhow::Result<()> {
    fs::File::options()
        .append(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .with_context(|| format!("cannot set the time of {}", path.display()))
}

/// The root of the repository a test binary of `checks` was built from, found at run time:
/// Cargo runs a test with its package's folder as the working directory and says so in
/// `CARGO_MANIFEST_DIR`.
pub fn repository_of_this_test() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .and_then(|checks| checks.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The target folder a program of `checks` runs from, found at run time: a test binary sits in
/// `<target>/<profile>/deps/`, a binary such as `watch` in `<target>/<profile>/`.
pub fn target_dir_of_this_program() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| target_dir_of(&exe))
        .unwrap_or_else(|| repository_of_this_test().join("target"))
}

fn target_dir_of(program: &Path) -> Option<PathBuf> {
    let mut folder = program.parent()?;
    if folder.file_name()? == "deps" {
        folder = folder.parent()?;
    }
    Some(folder.parent()?.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{list_text, sha256_hex, TemplateFile, FILE_LIST};

    #[test]
    fn the_target_folder_is_found_from_a_test_binary_and_from_a_binary() {
        for program in [
            "/kit/target/debug/deps/lab-0123abcd",
            "/kit/target/debug/watch",
        ] {
            assert_eq!(
                target_dir_of(Path::new(program)),
                Some(PathBuf::from("/kit/target")),
                "{program}"
            );
        }
    }

    const MANIFEST: &str =
        "[package]\nname = \"starter\"\nversion = \"0.1.0\"\n\n[dependencies]\nanyhow = \"1\"\n";

    /// A template with a manifest, an app file, the grader and a k6 script.
    fn template(dir: &Path) -> Template {
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"starter\", \"checks\"]\n",
            ),
            ("starter/Cargo.toml", MANIFEST),
            ("starter/src/main.rs", "fn main() {}\n"),
            ("checks/src/lib.rs", "// the grader\n"),
            ("k6/planners-and-studiers.js", "// k6\n"),
        ];
        let mut listed = Vec::new();
        for (path, text) in files {
            write(&dir.join(path), text.as_bytes()).expect("written");
            listed.push(TemplateFile {
                path: path.to_owned(),
                sha256: sha256_hex(text.as_bytes()),
            });
        }
        write(&dir.join(FILE_LIST), list_text(&listed).as_bytes()).expect("written");
        Template::open(dir, true, None).expect("a template")
    }

    fn submission(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a folder");
        write(&dir.path().join("starter/Cargo.toml"), MANIFEST.as_bytes()).expect("written");
        for (path, text) in files {
            write(&dir.path().join(path), text.as_bytes()).expect("written");
        }
        dir
    }

    #[test]
    fn only_lab_files_come_from_the_submission() {
        let template_dir = tempfile::tempdir().expect("a folder");
        let template = template(template_dir.path());
        let student = submission(&[
            ("starter/src/main.rs", "fn main() { println!(\"lab\") }\n"),
            ("starter/build.rs", "fn main() {}\n"),
            (".cargo/config.toml", "[env]\nX = \"1\"\n"),
            ("checks/src/lib.rs", "// gutted\n"),
            ("k6/planners-and-studiers.js", "// fixed\n"),
        ]);
        let workspace = assemble(&template, student.path())
            .expect("assembled")
            .expect("graded");
        let root = workspace.root();
        let read = |path: &str| fs::read_to_string(root.join(path)).expect(path);
        assert_eq!(
            read("starter/src/main.rs"),
            "fn main() { println!(\"lab\") }\n"
        );
        assert_eq!(read("checks/src/lib.rs"), "// the grader\n");
        assert_eq!(read("k6/planners-and-studiers.js"), "// fixed\n");
        assert!(read("starter/Cargo.toml").contains("graded-starter"));
        assert!(!root.join("starter/build.rs").exists());
        assert!(!root.join(".cargo").exists());
        let notes = workspace.notes.join("\n");
        assert!(notes.contains("checks/src/lib.rs"), "{notes}");
        assert!(notes.contains("starter/build.rs") && notes.contains(".cargo/config.toml"));
    }

    #[test]
    fn a_manifest_that_configures_the_build_is_not_graded() {
        let template_dir = tempfile::tempdir().expect("a folder");
        let template = template(template_dir.path());
        let student = submission(&[(
            "starter/Cargo.toml",
            "[package]\nname = \"starter\"\nbuild = \"src/b.rs\"\n",
        )]);
        let refused = assemble(&template, student.path())
            .expect("assembled")
            .expect_err("not graded");
        assert_eq!(refused.file, "starter/Cargo.toml");
    }

    #[cfg(unix)]
    #[test]
    fn a_lab_file_that_is_a_link_is_not_graded() {
        let template_dir = tempfile::tempdir().expect("a folder");
        let template = template(template_dir.path());
        let student = submission(&[]);
        fs::create_dir_all(student.path().join("starter/src")).expect("a folder");
        std::os::unix::fs::symlink("/etc/hostname", student.path().join("starter/src/main.rs"))
            .expect("a link");
        let refused = assemble(&template, student.path())
            .expect("assembled")
            .expect_err("not graded");
        assert_eq!(refused.file, "starter/src/main.rs");
    }
}
