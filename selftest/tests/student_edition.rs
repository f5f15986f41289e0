//! The student edition (`cargo xtask student-repo DIR`), tried as a course hands it out.
//!
//! Quick tier: the export holds no answer and no helper only the maintainers use, and its lock
//! file is consistent. Slow tier: the whole student journey in the export: a `--locked` build,
//! the untouched starter graded (1 point of 13, the table and the score printed), then the lab's
//! changes applied and graded (13 of 13).
//! The export's builds share the kit's target folder, so only its own crates compile again.
//! Cargo names a workspace crate's build after its path inside the workspace, so the export's
//! `checks/` and the kit's share one artifact; the journey leaves the kit's workspace crates
//! newer than that artifact (see [`KitCratesRebuilt`]) so that the kit's next build replaces it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use checks::tasks;
use selftest::{copy_dir, kit_root, output_text as text};

/// Text that points at an answer or at the kit's internals, which the student edition lacks.
const FORBIDDEN_TEXT: &[&str] = &[
    "solution/",
    "solved/",
    "CHECKS_TARGET",
    "CHECKS_SKIP_LAB",
    "CHECKS_K6",
    "CHECKS_TFVARS",
    "CHECKS_RESULTS",
    "APP=solution",
    "app=solution",
    "tutor.md",
    "calibration.md",
    "selftest",
    "kit-only",
    "student-edition:",
];

/// Files and folders of the kit that must not be in the student edition.
const FORBIDDEN_PATHS: &[&str] = &[
    "solution",
    "k6/solved",
    "k6/calibration",
    "terraform/solved",
    "docs/tutor.md",
    "docs/calibration.md",
    "docs/performance.md",
    "docs/decisions.md",
    "selftest",
    "xtask",
    "bench",
    ".ci",
    ".cargo",
];

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // As in the grader's own nested builds: a build script that watches one of the running
    // test's variables would rebuild half the dependencies.
    for key in xtask::cargo_variables_of_this_test() {
        command.env_remove(key);
    }
    command
}

/// A fresh export in a temporary folder, removed when dropped.
struct Export(PathBuf);

impl Export {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("student-edition-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let output = cargo()
            .current_dir(kit_root())
            .args(["xtask", "student-repo"])
            .arg(&dir)
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo xtask student-repo failed:\n{}",
            text(&output)
        );
        // The repository students start from; the grading sides are beside it.
        Self(dir.join("template"))
    }

    fn git_status(&self) -> String {
        let output = Command::new("git")
            .current_dir(&self.0)
            .args(["status", "--porcelain", "--untracked-files=all"])
            .output()
            .expect("git runs");
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `cargo ARGS` in the export, in the target folder for copies of the kit.
    fn cargo(&self, args: &[&str]) -> Output {
        cargo()
            .current_dir(&self.0)
            .args(args)
            .env("CARGO_TARGET_DIR", xtask::copies_target_dir())
            .output()
            .expect("cargo runs")
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        if let Some(export) = self.0.parent() {
            let _ = fs::remove_dir_all(export);
        }
    }
}

/// Every `file:line` of `dir` that holds forbidden text, and every forbidden path it has.
fn answers_in(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = FORBIDDEN_PATHS
        .iter()
        .filter(|path| dir.join(path).exists())
        .map(|path| format!("{path} exists"))
        .collect();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("readable") {
            let path = entry.expect("an entry").path();
            let name = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            if name == ".git" || name == "target" {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            for (number, line) in text.lines().enumerate() {
                for forbidden in FORBIDDEN_TEXT {
                    if line.contains(forbidden) {
                        found.push(format!("{name}:{}: {forbidden:?}", number + 1));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn the_export_holds_no_answer_no_maintainers_helper_and_a_consistent_lock_file() {
    let export = Export::new("scan");
    let dir = &export.0;
    assert_eq!(answers_in(dir), Vec::<String>::new());
    assert_only_what_students_and_the_grader_use(dir);
    for needed in [
        "starter/src/telemetry.rs",
        "starter/tests/logs.rs",
        "api/Cargo.toml",
        "shipper/Cargo.toml",
        "testkit/Cargo.toml",
        "checks/tests/lab.rs",
        "k6/planners-and-studiers.js",
        "terraform/task-size.auto.tfvars",
        "docs/handout.md",
        "docs/api.md",
        "checks/template-files.sha256",
        ".gitignore",
        "Cargo.lock",
    ] {
        assert!(dir.join(needed).is_file(), "the export lacks {needed}");
    }
    // The handout's pictures go with it; the record of the kit files they show does not.
    let handout = fs::read_to_string(dir.join("docs/handout.md")).expect("the handout");
    let pictures = xtask::pictures::named_in(&handout);
    assert!(
        !pictures.is_empty(),
        "the exported handout shows no picture"
    );
    for picture in &pictures {
        let exported = fs::read(dir.join("docs/pictures").join(picture)).unwrap_or_default();
        let kit = fs::read(kit_root().join("docs/pictures").join(picture)).expect("in the kit");
        assert!(
            exported == kit,
            "the export lacks the kit's docs/pictures/{picture}"
        );
    }
    assert!(!dir.join(xtask::pictures::sources::FILE).exists());
    let readme = fs::read_to_string(dir.join("README.md")).expect("a README");
    assert!(readme.contains("Students: check your work"), "{readme}");
    assert!(!readme.contains("Tutors"), "{readme}");
    // The handed-out files are the kit's, unchanged.
    for handed_out in [
        "k6/planners-and-studiers.js",
        "terraform/task-size.auto.tfvars",
        "terraform/CAPACITY.md",
    ] {
        assert_eq!(
            fs::read(dir.join(handed_out)).expect("exported"),
            fs::read(kit_root().join(handed_out)).expect("in the kit"),
            "{handed_out}"
        );
    }
    // The lock needs no rewrite: `--locked` accepts it, and the kit's lock held more. (`cargo
    // tree` reads only this machine's platform: offline, the crates of others are not at hand.)
    let tree = export.cargo(&["tree", "--workspace", "--locked", "--offline"]);
    assert!(tree.status.success(), "{}", text(&tree));
    let packages = |lock: &str| lock.matches("[[package]]").count();
    let exported = fs::read_to_string(dir.join("Cargo.lock")).expect("a lock");
    let kit = fs::read_to_string(kit_root().join("Cargo.lock")).expect("the kit's lock");
    assert!(packages(&exported) < packages(&kit));
    assert!(!exported.contains("name = \"solution\""));
    assert_eq!(
        export.git_status(),
        "",
        "the export's first commit holds everything"
    );
}

/// What `cargo test -p checks` printed: (stderr and stdout, exit code), with the CloudWatch
/// emulator at `moto` (one long-running emulator shared by every grading of the test).
fn grade(export: &Export, moto: &str) -> (String, Option<i32>) {
    let output = cargo()
        .current_dir(&export.0)
        .args(["test", "-p", "checks", "--locked"])
        .env("CARGO_TARGET_DIR", xtask::copies_target_dir())
        .env("CHECKS_MOTO_ENDPOINT", moto)
        .output()
        .expect("cargo runs");
    (text(&output), output.status.code())
}

fn assert_table(all: &str, passing: &[&str]) {
    assert!(all.contains("Lab tasks:"), "no table:\n{all}");
    for task in tasks::ALL {
        if passing.contains(&task.name) {
            let line = format!("PASS  {} ({} points)", task.name, task.points);
            assert!(all.contains(&line), "no `{line}`:\n{all}");
        } else {
            let failure = all
                .lines()
                .find(|line| {
                    line.trim_start()
                        .starts_with(&format!("FAIL  {}:", task.name))
                })
                .unwrap_or_else(|| panic!("{} does not fail in the table:\n{all}", task.name));
            assert!(
                ["docs/handout.md", "README", "See "]
                    .iter()
                    .any(|hint| failure.contains(hint)),
                "{} fails without saying where to look: {failure}",
                task.name
            );
        }
    }
}

/// The lab's changes, as a student makes them: the solution's files over the starter's (the
/// package keeps its name), the solved k6 script and task size over the handed-out ones, and the
/// kit's stand-in for a deployment's evidence.
fn do_the_lab(dir: &Path) {
    let kit = kit_root();
    copy_dir(&kit.join("solution"), &dir.join("starter"), &|name| {
        name == "target"
    });
    let manifest = dir.join("starter/Cargo.toml");
    let text = fs::read_to_string(&manifest).expect("a manifest");
    fs::write(
        &manifest,
        text.replace("name = \"solution\"", "name = \"starter\""),
    )
    .expect("written");
    for (solved, handed_out) in [
        (
            "k6/solved/planners-and-studiers.js",
            "k6/planners-and-studiers.js",
        ),
        (
            "terraform/solved/task-size.auto.tfvars",
            "terraform/task-size.auto.tfvars",
        ),
        ("terraform/solved/CAPACITY.md", "terraform/CAPACITY.md"),
        (
            "selftest/fixtures/deployment-evidence/deployment-logs.json",
            "evidence/deployment-logs.json",
        ),
    ] {
        fs::copy(kit.join(solved), dir.join(handed_out)).expect("copied");
    }
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn a_student_gets_1_point_untouched_and_full_marks_after_the_lab() {
    let moto = testkit::Moto::start().expect("moto_server starts");
    let moto = moto.endpoint().to_owned();
    let export = Export::new("journey");
    let build = export.cargo(&["test", "-p", "checks", "--no-run", "--locked"]);
    assert!(build.status.success(), "{}", text(&build));
    let build = export.cargo(&["build", "-p", "checks", "-p", "starter", "--locked"]);
    assert!(build.status.success(), "{}", text(&build));
    assert_eq!(
        export.git_status(),
        "",
        "the first build changed tracked files"
    );

    let total: u32 = tasks::ALL.iter().map(|task| task.points).sum();
    let (all, code) = grade(&export, &moto);
    assert_table(&all, &["api_still_works"]);
    assert!(all.contains(&format!("Score: 1/{total}\n")), "{all}");
    assert_ne!(
        code,
        Some(0),
        "lab tasks fail, so the command fails:\n{all}"
    );
    assert_eq!(export.git_status(), "", "grading changed tracked files");

    do_the_lab(&export.0);
    // The lab adds dependencies: Cargo records them in the lock, as it would for the student.
    let build = export.cargo(&["build", "-p", "checks", "-p", "starter"]);
    assert!(build.status.success(), "{}", text(&build));
    let (all, code) = grade(&export, &moto);
    let names: Vec<&str> = tasks::ALL.iter().map(|task| task.name).collect();
    assert_table(&all, &names);
    assert!(all.contains(&format!("Score: {total}/{total}\n")), "{all}");
    assert_eq!(code, Some(0), "{all}");

    // A second checkout, untouched, sharing the target folder (the grader's test binary and
    // the app's build) and the emulator (which already holds the first checkout's text lines):
    // each checkout, graded in turn, gets its own score.
    let second = Export::new("journey-second");
    let (all, _) = grade(&second, &moto);
    assert!(all.contains(&format!("Score: 1/{total}\n")), "{all}");
    let (all, _) = grade(&export, &moto);
    assert!(all.contains(&format!("Score: {total}/{total}\n")), "{all}");
}

/// The `.rs` files under `dir`, relative to it, leaving out `target/`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() && !path.ends_with("target") && !path.ends_with(".git") {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path.strip_prefix(dir).expect("inside").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The `pub` items of the exported libraries that nothing in the export uses: helpers only the
/// kit's maintainers (xtask, selftest) call, which students would compile for nothing.
fn maintainers_only_items(dir: &Path) -> Vec<String> {
    let files: Vec<(PathBuf, String)> = rust_files(dir)
        .into_iter()
        .map(|file| {
            let text = fs::read_to_string(dir.join(&file)).expect("readable");
            (file, text)
        })
        .collect();
    let item = regex::Regex::new(
        r"(?m)^\s*pub\s+(?:async\s+)?(?:fn|struct|enum|const|trait|static|type|mod)\s+([A-Za-z_][A-Za-z0-9_]*)",
    )
    .expect("a valid pattern");
    let mut unused = Vec::new();
    for (file, text) in &files {
        let library = ["api/src", "shipper/src", "testkit/src", "checks/src"]
            .iter()
            .any(|src| file.starts_with(src));
        if !library {
            continue;
        }
        for name in item.captures_iter(text).map(|found| found[1].to_owned()) {
            let word = regex::Regex::new(&format!(r"\b{name}\b")).expect("a valid pattern");
            let uses: usize = files
                .iter()
                .map(|(_, text)| word.find_iter(text).count())
                .sum();
            if uses <= 1 {
                unused.push(format!("{}: {name}", file.display()));
            }
        }
    }
    unused
}

/// The export's Rust files are the five crates students and the grader build, and its libraries
/// hold no item only the maintainers use.
fn assert_only_what_students_and_the_grader_use(dir: &Path) {
    let files = rust_files(dir);
    let crates: std::collections::BTreeSet<String> = files
        .iter()
        .filter_map(|file| file.components().next())
        .map(|first| first.as_os_str().to_string_lossy().into_owned())
        .collect();
    let listing = files
        .iter()
        .map(|file| file.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        crates.into_iter().collect::<Vec<_>>(),
        ["api", "checks", "shipper", "starter", "testkit"],
        "the export's Rust files:\n{listing}"
    );
    assert_eq!(
        maintainers_only_items(dir),
        Vec::<String>::new(),
        "items of the exported libraries that only the kit's maintainers use: move them to xtask \
         or selftest. The export's Rust files:\n{listing}"
    );
}

#[test]
fn a_helper_only_the_maintainers_call_is_found() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |file: &str, text: &str| {
        let path = dir.path().join(file);
        fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        fs::write(path, text).expect("written");
    };
    write(
        "testkit/src/lib.rs",
        "pub fn fresh_database() {}\npub fn pin_to_cpu() {}\n",
    );
    write(
        "checks/src/app.rs",
        "fn run() { testkit::fresh_database() }\n",
    );
    assert_eq!(
        maintainers_only_items(dir.path()),
        ["testkit/src/lib.rs: pin_to_cpu"]
    );
}
