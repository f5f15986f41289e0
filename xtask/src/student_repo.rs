//! `cargo xtask student-repo DIR`: the student edition, what a course hands out, and beside it
//! what each course platform needs to grade it.
//!
//! `DIR/template/` is the assignment template, the repository every student starts from. It
//! holds what a student needs and no answer: the starter and the crates it and the grader need,
//! the grader, the handed-out k6 script and Terraform, the handout, a README for students
//! (`xtask/student-edition/README.md`), a `Cargo.lock` trimmed to the smaller workspace, and
//! `checks/template-files.sha256`, every file with its hash, whose own hash (`DIR/TEMPLATE-HASH`)
//! pins the template a grading uses. Kit files keep a few passages for tutors and maintainers;
//! they are marked, and the export drops them:
//!
//! - the lines from one holding `kit-only: begin` to one holding `kit-only: end` are left out;
//! - the lines between `student-edition: begin` and `student-edition: end` are put in, without
//!   the comment marker that hides them in the kit (`# ` in code; in Markdown the two marker
//!   lines open and close an HTML comment, and only they are dropped).
//!
//! The template is a git repository with one commit, and is refused if any file still mentions
//! an answer (see [`ANSWER_MARKERS`]). Beside it, `DIR/classroom50/`, `DIR/gradescope/`,
//! `DIR/actions/` and `DIR/tutor/` are the teachers' grading sides ([`platforms`]), each with its
//! own copy of the template and its hash. The export is written into a temporary folder beside
//! `DIR` and renamed at the end: a failed export leaves nothing behind.

mod platforms;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};

use crate::kit_root;

#[derive(clap::Args)]
pub struct Args {
    /// The folder to write into (new, or empty): the template goes to DIR/template, each
    /// platform's grading side beside it.
    dir: PathBuf,
    /// The course's repository (OWNER/NAME) that holds the plain GitHub Actions grading side: the
    /// template then calls its workflow on every push. Without it the template has no workflow.
    #[arg(long, value_name = "OWNER/NAME")]
    actions_repo: Option<String>,
}

/// What the student edition holds: these files and folders of the kit (tracked or new, not
/// ignored), with the kit-only passages dropped.
const INCLUDED: &[&str] = &[
    "api",
    "starter",
    "shipper",
    "testkit",
    "checks",
    "k6/README.md",
    "k6/planners-and-studiers.js",
    "terraform",
    "docs/handout.md",
    "docs/pictures",
    "docs/api.md",
    "evidence/README.md",
    "docker",
    "scripts/build-postgres-image.sh",
    "Dockerfile",
    "docker-compose.yml",
    ".dockerignore",
    ".gitignore",
];

/// Inside the included folders, what stays out: the tutors' task size, and the pictures' record
/// of the kit files they were made from (the answer's among them).
const EXCLUDED: &[&str] = &["terraform/solved/", "docs/pictures/sources.json"];

/// The workspace members of the student edition.
const MEMBERS: &[&str] = &["api", "starter", "shipper", "testkit", "checks"];

/// The student's README, written for students (the kit's README is for all three audiences).
const STUDENT_README: &str = "xtask/student-edition/README.md";

/// Text that points at an answer: the export fails if any file holds one.
pub const ANSWER_MARKERS: &[&str] = &[
    "solution/",
    "solved/",
    "CHECKS_TARGET",
    "CHECKS_SKIP_LAB",
    "CHECKS_K6",
    "CHECKS_TFVARS",
    "CHECKS_RESULTS",
    "APP=solution",
    "app=solution",
    "docs/tutor.md",
    "docs/calibration.md",
    "selftest",
];

pub fn run(args: &Args) -> anyhow::Result<()> {
    let dir = &args.dir;
    if let Some(repo) = &args.actions_repo {
        ensure!(
            platforms::valid_repository(repo),
            "--actions-repo {repo:?} is not OWNER/NAME"
        );
    }
    if dir.exists() {
        let empty = fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        ensure!(
            empty,
            "{} exists and is not empty: give a new or empty folder (nothing was written)",
            dir.display()
        );
    }
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".to_owned());
    // Beside DIR, so that the rename at the end stays on one file system; removed on failure.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.partial-"))
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;

    let template = staging.path().join("template");
    let hash = write_template(&template, args.actions_repo.as_deref())?;
    platforms::write_all(
        staging.path(),
        &template,
        &hash,
        args.actions_repo.as_deref(),
    )?;
    let found = answers_in(staging.path())?;
    ensure!(
        found.is_empty(),
        "the export still points at answers (mark these passages kit-only):\n  {}",
        found.join("\n  ")
    );

    if dir.exists() {
        fs::remove_dir(dir)
            .with_context(|| format!("cannot replace the empty {}", dir.display()))?;
    }
    let staged = staging.keep();
    if let Err(error) = fs::rename(&staged, dir) {
        let _ = fs::remove_dir_all(&staged);
        return Err(error).with_context(|| format!("cannot move the export to {}", dir.display()));
    }
    eprintln!(
        "The student edition is in {dir}:\n  {dir}/template       the repository students start from \
         (push it and mark it as a template)\n  {dir}/classroom50    Classroom 50's autograder\n  \
         {dir}/gradescope     Gradescope's autograder ({dir}/gradescope-autograder.zip)\n  \
         {dir}/actions        {actions}\n  {dir}/tutor          grade a class on your own machine\n\
         Template hash: {hash}. The tutor guide (docs/tutor.md) walks through each.",
        dir = dir.display(),
        actions = if args.actions_repo.is_some() {
            "the course repository for plain GitHub Actions grading"
        } else {
            "(not written: export with --actions-repo OWNER/NAME for plain GitHub Actions)"
        },
    );
    Ok(())
}

/// Writes the template into `dir` (a new folder) and commits it; returns its hash.
fn write_template(dir: &Path, actions_repo: Option<&str>) -> anyhow::Result<String> {
    let kit = kit_root();
    for file in kit_files(&kit)? {
        let text = fs::read(kit.join(&file)).with_context(|| format!("cannot read {file}"))?;
        let text = match String::from_utf8(text) {
            Ok(text) => student_edition_of(&text, file.ends_with(".md"))
                .with_context(|| format!("{file}: unbalanced markers"))?
                .into_bytes(),
            Err(binary) => binary.into_bytes(),
        };
        write(dir, &file, &text)?;
        copy_permissions(&kit.join(&file), &dir.join(&file))?;
    }
    let readme = fs::read_to_string(kit.join(STUDENT_README))
        .with_context(|| format!("cannot read {STUDENT_README}"))?;
    write(dir, "README.md", readme.as_bytes())?;
    if let Some(repo) = actions_repo {
        let caller = platforms::actions_caller(&kit, repo)?;
        write(dir, platforms::ACTIONS_CALLER, caller.as_bytes())?;
    }
    let manifest = fs::read_to_string(kit.join("Cargo.toml")).context("cannot read Cargo.toml")?;
    write(dir, "Cargo.toml", workspace_manifest(&manifest)?.as_bytes())?;
    fs::copy(kit.join("Cargo.lock"), dir.join("Cargo.lock")).context("cannot copy Cargo.lock")?;
    trim_lock_file(dir)?;
    let hash = write_file_list(dir)?;
    commit(dir)?;
    Ok(hash)
}

/// Writes `checks/template-files.sha256`, every file of the template with its hash, and returns
/// the hash of that list: what a grading checks the template against.
fn write_file_list(dir: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    for path in files_under(dir)? {
        let sha256 = checks::template::file_sha256(&dir.join(&path))?;
        files.push(checks::template::TemplateFile { path, sha256 });
    }
    let list = checks::template::list_text(&files);
    write(dir, checks::template::FILE_LIST, list.as_bytes())?;
    Ok(checks::template::sha256_hex(list.as_bytes()))
}

/// Every file under `dir` (relative, `/`-separated, sorted), without `.git` and the file list.
pub(crate) fn files_under(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let path = entry?.path();
            let relative = path.strip_prefix(dir)?;
            let parts: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            let name = parts.join("/");
            if name == ".git" || name == checks::template::FILE_LIST {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(name);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The kit's files the student edition holds, as paths relative to the kit, in git's order.
fn kit_files(kit: &Path) -> anyhow::Result<Vec<String>> {
    let output = Command::new("git")
        .current_dir(kit)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
        ])
        .args(INCLUDED)
        .output()
        .context("cannot run git (the export reads the kit's file list from git)")?;
    ensure!(
        output.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files: Vec<String> = String::from_utf8(output.stdout)?
        .split('\0')
        .filter(|file| !file.is_empty())
        .filter(|file| !EXCLUDED.iter().any(|excluded| file.starts_with(excluded)))
        // Deleted but not yet committed: git still lists it.
        .filter(|file| kit.join(file).is_file())
        .map(str::to_owned)
        .collect();
    files.dedup();
    for wanted in INCLUDED {
        ensure!(
            files.iter().any(|file| file.starts_with(wanted)),
            "the kit has no {wanted}"
        );
    }
    Ok(files)
}

/// A kit file's text in the student edition: kit-only passages out, student-edition passages in.
pub fn student_edition_of(text: &str, markdown: bool) -> anyhow::Result<String> {
    #[derive(PartialEq)]
    enum Passage {
        Both,
        KitOnly,
        StudentEdition,
    }
    let mut passage = Passage::Both;
    let mut out = String::with_capacity(text.len());
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let number = number + 1;
        let marker = |name: &str| line.contains(&format!("{name}: begin"));
        let end = |name: &str| line.contains(&format!("{name}: end"));
        match passage {
            Passage::Both if marker("kit-only") => passage = Passage::KitOnly,
            Passage::Both if marker("student-edition") => passage = Passage::StudentEdition,
            Passage::Both if end("kit-only") || end("student-edition") => {
                bail!("line {number}: an end marker without its begin")
            }
            Passage::Both => out.push_str(line),
            Passage::KitOnly if end("kit-only") => passage = Passage::Both,
            Passage::StudentEdition if end("student-edition") => passage = Passage::Both,
            Passage::KitOnly | Passage::StudentEdition
                if marker("kit-only") || marker("student-edition") =>
            {
                bail!("line {number}: a begin marker inside another passage")
            }
            Passage::KitOnly => {}
            Passage::StudentEdition if markdown => out.push_str(line),
            Passage::StudentEdition => out.push_str(&uncommented(line)),
        }
    }
    ensure!(passage == Passage::Both, "a passage is not closed");
    Ok(out)
}

/// A student-edition line of code without the `# ` (or lone `#`) that hides it in the kit, its
/// indentation kept.
fn uncommented(line: &str) -> String {
    let indent = line.len() - line.trim_start().len();
    let (indentation, rest) = line.split_at(indent);
    match rest.strip_prefix("# ").or_else(|| rest.strip_prefix('#')) {
        Some(text) => format!("{indentation}{text}"),
        None => line.to_owned(),
    }
}

/// The kit's workspace manifest with the student edition's members.
fn workspace_manifest(kit_manifest: &str) -> anyhow::Result<String> {
    let members = MEMBERS
        .iter()
        .map(|member| format!("\"{member}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut found = false;
    let lines: Vec<String> = kit_manifest
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("members") {
                found = true;
                format!("members = [{members}]")
            } else {
                line.to_owned()
            }
        })
        .collect();
    ensure!(found, "Cargo.toml has no `members = [...]` line");
    Ok(lines.join("\n") + "\n")
}

/// Lets Cargo drop the lock entries only the kit's other crates needed: `cargo update
/// --workspace` unlocks the workspace's own crates only, so every other package keeps its
/// version, and it reads the registry's index, not the crates. From the local index first, so
/// that a machine without network access can export what it built before; else from the
/// registry. Then proves that `--locked` accepts the result.
fn trim_lock_file(dir: &Path) -> anyhow::Result<()> {
    let manifest = dir.join("Cargo.toml");
    let update = |extra: &[&str]| -> anyhow::Result<std::process::Output> {
        cargo()
            .args(["update", "--workspace", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .args(extra)
            .output()
            .context("cannot run cargo (the export trims Cargo.lock with it)")
    };
    if !update(&["--offline"])?.status.success() {
        let online = update(&[])?;
        ensure!(
            online.status.success(),
            "cargo could not trim Cargo.lock to the student edition: it needs the crates.io index, \
             which is neither in this machine's Cargo cache nor reachable ({}). Connect to the \
             registry (or a mirror set up in Cargo's configuration) and run the export again.",
            last_line(&String::from_utf8_lossy(&online.stderr))
        );
    }
    let check = update(&["--locked", "--offline"])?;
    ensure!(
        check.status.success(),
        "cargo update --locked refused the trimmed Cargo.lock: {}",
        last_line(&String::from_utf8_lossy(&check.stderr))
    );
    Ok(())
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no message")
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Every `file:line: text` of the export that holds one of [`ANSWER_MARKERS`].
pub fn answers_in(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let path = entry?.path();
            let name = path.strip_prefix(dir)?.display().to_string();
            let base = path.file_name().unwrap_or_default();
            if base == ".git" || base == "target" {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            for marker in ANSWER_MARKERS {
                if name.contains(marker) {
                    found.push(format!("{name}: its name holds {marker:?}"));
                }
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            for (number, line) in text.lines().enumerate() {
                if let Some(marker) = ANSWER_MARKERS.iter().find(|m| line.contains(*m)) {
                    found.push(format!(
                        "{name}:{}: {marker:?} in {}",
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

fn write(dir: &Path, file: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn copy_permissions(from: &Path, to: &Path) -> anyhow::Result<()> {
    let permissions = fs::metadata(from)?.permissions();
    fs::set_permissions(to, permissions)?;
    Ok(())
}

/// The template's only commit, the one each student's repository starts from.
fn commit(dir: &Path) -> anyhow::Result<()> {
    let git = |args: &[&str]| -> anyhow::Result<()> {
        let status = Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "user.name=TaskOverflow kit",
                "-c",
                "user.email=kit@taskoverflow.invalid",
            ])
            .args(args)
            .status()
            .context("cannot run git")?;
        ensure!(status.success(), "git {} failed", args.join(" "));
        Ok(())
    };
    git(&["init", "--quiet", "--initial-branch=main"])?;
    git(&["add", "--all"])?;
    git(&[
        "commit",
        "--quiet",
        "--message",
        "TaskOverflow lab: the assignment template",
    ])
}

#[cfg(test)]
mod tests {
    use super::{student_edition_of, workspace_manifest};

    #[test]
    fn kit_only_passages_go_and_student_edition_passages_come_in() {
        let code = "a\n# kit-only: begin\nkit\n# kit-only: end\n# student-edition: begin\n#   indented = 1\n#\n# x\n# student-edition: end\nb\n";
        assert_eq!(
            student_edition_of(code, false).expect("balanced"),
            "a\n  indented = 1\n\nx\nb\n"
        );
        let markdown = "a\n<!-- kit-only: begin -->\nkit\n<!-- kit-only: end -->\n<!-- student-edition: begin\n# Heading\nstudent-edition: end -->\nb\n";
        assert_eq!(
            student_edition_of(markdown, true).expect("balanced"),
            "a\n# Heading\nb\n"
        );
        let untouched = "no markers\nat all";
        assert_eq!(
            student_edition_of(untouched, false).expect("fine"),
            untouched
        );
    }

    #[test]
    fn unbalanced_markers_are_refused() {
        for broken in [
            "# kit-only: begin\nkit\n",
            "kit\n# kit-only: end\n",
            "# kit-only: begin\n# student-edition: begin\n# student-edition: end\n# kit-only: end\n",
            "# student-edition: begin\n# kit-only: end\n",
        ] {
            assert!(student_edition_of(broken, false).is_err(), "{broken:?}");
        }
    }

    #[test]
    fn the_workspace_keeps_only_the_student_editions_members() {
        let kit = "[workspace]\nresolver = \"2\"\nmembers = [\"api\", \"solution\", \"selftest\"]\n\n[workspace.dependencies]\nx = \"1\"\n";
        let manifest = workspace_manifest(kit).expect("a members line");
        assert!(manifest
            .contains("members = [\"api\", \"starter\", \"shipper\", \"testkit\", \"checks\"]\n"));
        assert!(manifest.contains("[workspace.dependencies]\nx = \"1\"\n"));
        assert!(workspace_manifest("[workspace]\n").is_err());
    }
}
