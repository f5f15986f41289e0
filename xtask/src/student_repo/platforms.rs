//! The teachers' grading sides of the export, one folder per course platform, written from
//! `xtask/student-edition/platforms/`: each side's files with the template's hash (and the
//! course repository, for plain GitHub Actions) filled in, and its own copy of the template.
//!
//! - `classroom50/`: what goes into `CLASSROOM/autograders/ASSIGNMENT/` of the course's
//!   `classroom50` repository (`autograder.py`, `template/`) and the `runtime` settings;
//! - `gradescope/`: `setup.sh`, `run_autograder` and `template/`, also zipped as
//!   `gradescope-autograder.zip`, the archive Gradescope takes;
//! - `actions/`: the course's grading repository for plain GitHub Actions (only with
//!   `--actions-repo`): the reusable workflow students' repositories call, and `template/`;
//! - `tutor/`: `grade-class`, the batch command for a tutor's own machine, and `template/`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{ensure, Context};

use super::{files_under, write};

/// Where the kit keeps each side's files.
const SOURCES: &str = "xtask/student-edition/platforms";
/// The sides every export writes (the Actions side only with a course repository).
const SIDES: &[&str] = &["classroom50", "gradescope", "tutor"];
/// In the template: the workflow that calls the course's grading workflow.
pub const ACTIONS_CALLER: &str = ".github/workflows/taskoverflow-grade.yml";
/// The placeholders the kit's files hold.
const HASH: &str = "@TEMPLATE_HASH@";
const REPOSITORY: &str = "@ACTIONS_REPO@";
/// The Gradescope archive, beside its folder.
pub const GRADESCOPE_ZIP: &str = "gradescope-autograder.zip";

/// Whether `repo` is `OWNER/NAME` as GitHub spells them.
pub fn valid_repository(repo: &str) -> bool {
    let valid = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(repo.split_once('/'), Some((owner, name)) if valid(owner) && valid(name))
}

/// The template's workflow that hands every push to the course's grading workflow.
pub fn actions_caller(kit: &Path, repo: &str) -> anyhow::Result<String> {
    let path = kit.join(SOURCES).join("actions/caller.yml");
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    filled(&text, None, Some(repo), "actions/caller.yml")
}

/// Writes every side into `export` (beside `template`, whose hash is `hash`), the README that
/// says what each is, the hash itself, and the Gradescope archive.
pub fn write_all(
    export: &Path,
    template: &Path,
    hash: &str,
    actions_repo: Option<&str>,
) -> anyhow::Result<()> {
    let kit = crate::kit_root();
    let sources = kit.join(SOURCES);
    let readme = fs::read_to_string(sources.join("README.md"))
        .with_context(|| format!("cannot read {SOURCES}/README.md"))?;
    write(
        export,
        "README.md",
        filled(&readme, Some(hash), actions_repo, "README.md")?.as_bytes(),
    )?;
    write(export, "TEMPLATE-HASH", format!("{hash}\n").as_bytes())?;
    let mut sides = SIDES.to_vec();
    if actions_repo.is_some() {
        sides.push("actions");
    }
    for side in sides {
        let from = sources.join(side);
        let to = export.join(side);
        for file in files_under(&from)? {
            if side == "actions" && file == "caller.yml" {
                // The template's, not the course repository's.
                continue;
            }
            let source = from.join(&file);
            let text = fs::read_to_string(&source)
                .with_context(|| format!("cannot read {}", source.display()))?;
            let text = filled(&text, Some(hash), actions_repo, &format!("{side}/{file}"))?;
            let name = destination(side, &file);
            write(&to, &name, text.as_bytes())?;
            let mode = fs::metadata(&source)?.permissions().mode();
            fs::set_permissions(to.join(&name), fs::Permissions::from_mode(mode))?;
        }
        copy_template(template, &to.join("template"))?;
    }
    zip_folder(&export.join("gradescope"), &export.join(GRADESCOPE_ZIP))
}

/// Where a side's file goes: the Actions workflow under `.github/workflows/`, so that the
/// course repository is the folder as it is.
fn destination(side: &str, file: &str) -> String {
    match (side, file) {
        ("actions", "taskoverflow-grade.yml") => ".github/workflows/taskoverflow-grade.yml".into(),
        _ => file.to_owned(),
    }
}

/// `text` with the placeholders filled in; a placeholder without its value is an error.
fn filled(
    text: &str,
    hash: Option<&str>,
    repo: Option<&str>,
    name: &str,
) -> anyhow::Result<String> {
    let mut text = text.to_owned();
    if let Some(hash) = hash {
        text = text.replace(HASH, hash);
    }
    if let Some(repo) = repo {
        text = text.replace(REPOSITORY, repo);
    }
    for placeholder in [HASH, REPOSITORY] {
        ensure!(
            !text.contains(placeholder),
            "{SOURCES}/{name} holds {placeholder}, which this export cannot fill in"
        );
    }
    Ok(text)
}

/// A copy of the template's files (not its `.git`), each with its permissions and modification
/// time: builds from any copy share one target folder without compiling again.
fn copy_template(template: &Path, to: &Path) -> anyhow::Result<()> {
    let mut files = files_under(template)?;
    files.push(checks::template::FILE_LIST.to_owned());
    for file in files {
        let (from, into) = (template.join(&file), to.join(&file));
        if let Some(parent) = into.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(&from, &into)
            .with_context(|| format!("cannot copy {} to {}", from.display(), into.display()))?;
        let modified = fs::metadata(&from)?.modified()?;
        fs::File::options()
            .append(true)
            .open(&into)
            .and_then(|handle| handle.set_modified(modified))
            .with_context(|| format!("cannot set the time of {}", into.display()))?;
    }
    Ok(())
}

/// `folder`'s files in a zip archive at its root (stored: the archive holds source text).
fn zip_folder(folder: &Path, archive: &Path) -> anyhow::Result<()> {
    let file = fs::File::create(archive)
        .with_context(|| format!("cannot create {}", archive.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    // Inside a side's folder the template's file list is an ordinary file: listed with the rest.
    for name in files_under(folder)? {
        let path = folder.join(&name);
        let mode = fs::metadata(&path)?.permissions().mode();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(mode & 0o777);
        zip.start_file(name.as_str(), options)
            .with_context(|| format!("cannot add {name} to {}", archive.display()))?;
        zip.write_all(&fs::read(&path)?)?;
    }
    zip.finish()
        .with_context(|| format!("cannot finish {}", archive.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_owner_and_name() {
        assert!(valid_repository("course-org/taskoverflow-grading"));
        for bad in ["course", "a/b/c", "/b", "a/", "a/.git", "a b/c", "a/${{x}}"] {
            assert!(!valid_repository(bad), "{bad}");
        }
    }

    #[test]
    fn every_placeholder_is_filled_or_refused() {
        let text = "hash @TEMPLATE_HASH@ repo @ACTIONS_REPO@";
        assert_eq!(
            filled(text, Some("abc"), Some("o/n"), "x").expect("filled"),
            "hash abc repo o/n"
        );
        let error = filled(text, Some("abc"), None, "x").expect_err("a repository is missing");
        assert!(error.to_string().contains("@ACTIONS_REPO@"), "{error}");
    }
}
