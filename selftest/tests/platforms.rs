//! The student edition's grading sides, run here the way each course platform runs them.
//!
//! Quick tier: an export refuses a folder that is not empty, and one that fails part-way (Cargo
//! cannot reach the registry's index) leaves nothing behind.
//!
//! Slow tier (one export shared by the tests of this binary, with `--actions-repo`):
//! - Classroom 50: `autograder.py` in a checkout of a student's repository, with the teacher's
//!   files beside it and the runner's variables set;
//! - Gradescope: `setup.sh` and `run_autograder` in a container built from Debian packages
//!   (`scripts/build-gradescope-image.sh`), the submission in `/autograder/submission`, this
//!   machine's Rust toolchain mounted (rustup's download is not reachable here);
//! - plain GitHub Actions: each `run:` step of the committed workflow, in order, with its `uses:`
//!   steps replaced by local equivalents ([`UNTESTED_ACTIONS`]);
//! - the tutor's `grade-class` on three folders and a repository that cannot be cloned;
//! - the export itself with an empty Cargo cache.
//!
//! Untouched, a submission passes only `api_still_works`; with the lab's changes, every task.
//! Every results file is checked against its platform's documented shape (`platforms/formats.rs`).
//! The gradings share one target folder, `<target>/platforms`, of their own.

#[path = "platforms/formats.rs"]
mod formats;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use checks::tasks;
use selftest::{kit_root, output_text as text};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// The course repository the shared export names for plain GitHub Actions.
const ACTIONS_REPO: &str = "course-org/taskoverflow-grading";

/// The workflow's `uses:` steps and what stands in for each here (none of them runs).
const UNTESTED_ACTIONS: &[(&str, &str)] = &[
    (
        "actions/checkout@",
        "a clone of the student's repository, a copy of the course's folder",
    ),
    ("dtolnay/rust-toolchain@", "this machine's Rust toolchain"),
    ("grafana/setup-k6-action@", "this machine's k6"),
    ("actions/setup-python@", "this machine's Python"),
    (
        "actions/cache@",
        "a Cargo home with planted crate archives, for the check that follows",
    ),
    ("actions/upload-artifact@", "the results folder, read here"),
];

/// A command without the variables Cargo set for this test (a nested build would inherit them).
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for key in xtask::cargo_variables_of_this_test() {
        command.env_remove(key);
    }
    command
}

fn cargo() -> Command {
    command(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    assert!(output.status.success(), "{what} failed:\n{}", text(&output));
    output
}

// ---------------------------------------------------------------------------------------------
// Quick tier: the export's own guarantees.

/// A folder of its own for one test.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("platforms-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

fn export_into(dir: &Path, env: &[(&str, &Path)], extra: &[&str]) -> Output {
    let mut export = cargo();
    export
        .current_dir(kit_root())
        .env("CARGO_TARGET_DIR", xtask::target_dir())
        .args(["xtask", "student-repo"])
        .arg(dir)
        .args(extra);
    for (key, value) in env {
        export.env(key, value);
    }
    export.output().expect("cargo runs")
}

#[test]
fn the_export_refuses_a_folder_that_is_not_empty() {
    let scratch = scratch("full");
    let dir = scratch.path().join("edition");
    fs::create_dir_all(&dir).expect("a folder");
    fs::write(dir.join("notes.txt"), "mine").expect("written");
    let output = export_into(&dir, &[], &[]);
    assert!(!output.status.success());
    assert!(text(&output).contains("is not empty"), "{}", text(&output));
    assert_eq!(
        fs::read_to_string(dir.join("notes.txt")).expect("kept"),
        "mine"
    );
    assert_eq!(fs::read_dir(&dir).expect("readable").count(), 1);
}

#[test]
fn an_export_that_fails_part_way_leaves_nothing_behind() {
    let scratch = scratch("fails");
    let dir = scratch.path().join("edition");
    let empty_home = scratch.path().join("cargo-home");
    fs::create_dir_all(&empty_home).expect("a folder");
    run(
        cargo()
            .current_dir(kit_root())
            .env("CARGO_TARGET_DIR", xtask::target_dir())
            .args(["build", "--quiet", "-p", "xtask"]),
        "cargo build -p xtask",
    );
    // The template is written, then Cargo finds no index to trim the lock with.
    let xtask = xtask::target_dir().join("debug/xtask");
    let output = command(&xtask)
        .current_dir(kit_root())
        .arg("student-repo")
        .arg(&dir)
        .env("CARGO_HOME", &empty_home)
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .expect("xtask runs");
    let all = text(&output);
    assert!(
        !output.status.success(),
        "an export without an index succeeded:\n{all}"
    );
    assert!(
        all.contains("crates.io index"),
        "the message does not say what is missing:\n{all}"
    );
    assert!(!dir.exists(), "a failed export left {}", dir.display());
    let left: Vec<String> = fs::read_dir(scratch.path())
        .expect("readable")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "cargo-home")
        .collect();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "a failed export left these beside it"
    );
}

// ---------------------------------------------------------------------------------------------
// Slow tier: the shared export and the submissions.

struct Export {
    dir: PathBuf,
    hash: String,
}

/// The export the slow tests share, under `<target>/platforms/exports/` (earlier runs' removed).
fn export() -> &'static Export {
    static EXPORT: OnceLock<Export> = OnceLock::new();
    EXPORT.get_or_init(|| {
        let exports = xtask::copies_target_dir().join("exports");
        let _ = fs::remove_dir_all(&exports);
        fs::create_dir_all(&exports).expect("a folder");
        let dir = exports.join(format!("edition-{}", std::process::id()));
        let output = export_into(&dir, &[], &["--actions-repo", ACTIONS_REPO]);
        assert!(
            output.status.success(),
            "the export failed:\n{}",
            text(&output)
        );
        let hash = fs::read_to_string(dir.join("TEMPLATE-HASH"))
            .expect("the hash")
            .trim()
            .to_owned();
        Export { dir, hash }
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Untouched,
    Solved,
    Broken,
}

impl Kind {
    /// The tasks this submission passes.
    fn passing(self) -> Vec<&'static str> {
        match self {
            Kind::Untouched => vec!["api_still_works"],
            Kind::Solved => tasks::ALL.iter().map(|task| task.name).collect(),
            Kind::Broken => Vec::new(),
        }
    }

    fn score(self) -> u32 {
        tasks::ALL
            .iter()
            .filter(|task| self.passing().contains(&task.name))
            .map(|task| task.points)
            .sum()
    }
}

fn max_score() -> u32 {
    tasks::ALL.iter().map(|task| task.points).sum()
}

/// A student's repository: a clone of the template, with the lab done (the kit's answer in the
/// lab's files) or with code that does not compile, committed.
fn submission(kind: Kind, into: &Path) -> PathBuf {
    let checkout = into.join(format!("{kind:?}").to_lowercase());
    run(
        command("git")
            .args(["clone", "--quiet"])
            .arg(export().dir.join("template"))
            .arg(&checkout),
        "git clone",
    );
    match kind {
        Kind::Untouched => return checkout,
        Kind::Solved => {
            let answer = into.join("answer");
            xtask::submission::solved(&answer).expect("the lab's answer");
            xtask::submission::copy(&answer, &checkout).expect("copied over the checkout");
        }
        Kind::Broken => {
            let main = checkout.join("starter/src/main.rs");
            let mut code = fs::read_to_string(&main).expect("main.rs");
            code.push_str("\nfn lab_in_progress() -> u32 {\n    \"not a number\"\n}\n");
            fs::write(&main, code).expect("written");
        }
    }
    run(
        command("git")
            .current_dir(&checkout)
            .args([
                "-c",
                "user.name=Student",
                "-c",
                "user.email=student@example.invalid",
            ])
            // New files too (the lab adds modules): a clone of the repository must hold them.
            .args(["add", "--all"]),
        "git add",
    );
    run(
        command("git")
            .current_dir(&checkout)
            .args([
                "-c",
                "user.name=Student",
                "-c",
                "user.email=student@example.invalid",
            ])
            .args(["commit", "--quiet", "--message", "The lab"]),
        "git commit",
    );
    checkout
}

fn head(checkout: &Path) -> String {
    let output = run(
        command("git")
            .current_dir(checkout)
            .args(["rev-parse", "HEAD"]),
        "git rev-parse",
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The names of the passed tests of a platform file, in order.
fn passed(tests: &[Value], name: &str, passed: impl Fn(&Value) -> bool) -> Vec<String> {
    tests
        .iter()
        .filter(|test| passed(test))
        .map(|test| test[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Classroom 50.

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn classroom50_grades_a_checkout_with_the_teachers_files_beside_it() {
    let export = export();
    let scratch = scratch("classroom50");
    for kind in [Kind::Untouched, Kind::Solved] {
        let checkout = submission(kind, scratch.path());
        let sha = head(&checkout);
        let runner_temp = scratch.path().join(format!("runner-{kind:?}"));
        fs::create_dir_all(&runner_temp).expect("a folder");
        let repo = "https://github.invalid/lab-2026/lab-2026-taskoverflow-alice";
        let output = command("python3")
            .current_dir(&checkout)
            .arg(export.dir.join("classroom50/autograder.py"))
            .env("CARGO_TARGET_DIR", xtask::copies_target_dir())
            .env("RUNNER_TEMP", &runner_temp)
            .env("CLASSROOM50_BUNDLE_DIR", export.dir.join("classroom50"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_REPOSITORY", "lab-2026/lab-2026-taskoverflow-alice")
            .env("GITHUB_SHA", &sha)
            .env("GITHUB_SERVER_URL", "https://github.invalid")
            .env("GITHUB_ACTOR", "alice")
            .env("CLASSROOM", "lab-2026")
            .env("ASSIGNMENT", "taskoverflow")
            .env(
                "SUBMISSION_TAG",
                format!("submit/2026-12-01T10-00-00Z-{}", &sha[..7]),
            )
            .env("USERNAME", "alice")
            .env("OWNER", "alice")
            .env("ASSIGNMENT_TYPE", "individual")
            .env("COMMIT_URL", format!("{repo}/commit/{sha}"))
            .env(
                "RELEASE_URL",
                format!("{repo}/releases/tag/submit%2F{}", &sha[..7]),
            )
            .env("REVIEW_URL", format!("{repo}/compare/base...{sha}"))
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "autograder.py ({kind:?}) failed:\n{}",
            text(&output)
        );
        let result: Value = serde_json::from_str(
            &fs::read_to_string(checkout.join("result.json")).expect("result.json"),
        )
        .expect("JSON");
        formats::classroom50(&result).unwrap_or_else(|error| panic!("{error}:\n{result:#}"));
        let tests = result["tests"].as_array().expect("tests");
        assert_eq!(
            passed(tests, "test-name", |test| test["passed"] == true),
            kind.passing(),
            "{kind:?}:\n{result:#}"
        );
        assert_eq!(result["score"], kind.score());
        assert_eq!(result["max-score"], max_score());
        let body = fs::read_to_string(checkout.join("release-body.md")).expect("release-body.md");
        let rows = formats::markdown_rows(&body).expect("a table");
        assert_eq!(rows.len(), tasks::ALL.len(), "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// Gradescope.

/// A container removed when dropped.
struct Container(String);

impl Container {
    fn exec(&self, script: &str) -> Output {
        command("docker")
            .args(["exec", &self.0, "bash", "-c", script])
            .output()
            .expect("docker runs")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = command("docker").args(["rm", "-f", &self.0]).output();
    }
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn gradescope_setup_and_run_autograder_grade_in_a_debian_container() {
    let export = export();
    let image = run(
        command("bash").arg(kit_root().join("scripts/build-gradescope-image.sh")),
        "scripts/build-gradescope-image.sh",
    );
    let image = String::from_utf8_lossy(&image.stdout).trim().to_owned();
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    let rustup = which("rustup");
    let name = format!("taskoverflow-gradescope-{}", std::process::id());
    // The image as Gradescope's build leaves it, but with this machine's toolchain mounted (and
    // the build's output in volumes that later runs here reuse).
    run(
        command("docker")
            .args([
                "run",
                "-d",
                "--name",
                &name,
                "--label",
                "taskoverflow.test=1",
            ])
            .arg("-v")
            .arg(format!("{}:/opt/rust/rustup:ro", rustup_home.display()))
            .args([
                "-v",
                "taskoverflow-gradescope-target:/opt/taskoverflow/target",
            ])
            .args(["-v", "taskoverflow-gradescope-cargo:/home/grader/.cargo"])
            .args([&image, "sleep", "infinity"]),
        "docker run",
    );
    let container = Container(name.clone());
    run(
        command("docker").args([
            "exec",
            &name,
            "mkdir",
            "-p",
            "/opt/rust/cargo/bin",
            "/autograder",
        ]),
        "mkdir",
    );
    run(
        command("docker")
            .arg("cp")
            .arg(&rustup)
            .arg(format!("{name}:/opt/rust/cargo/bin/rustup")),
        "docker cp rustup",
    );
    let links = container.exec(
        "cd /opt/rust/cargo/bin && for tool in cargo rustc rustdoc; do ln -sf rustup $tool; done",
    );
    assert!(links.status.success(), "{}", text(&links));
    run(
        command("docker")
            .arg("cp")
            .arg(export.dir.join("gradescope"))
            .arg(format!("{name}:/autograder/source")),
        "docker cp the autograder",
    );
    let setup = container.exec(
        "cp /autograder/source/run_autograder /autograder/run_autograder && cd /autograder/source && bash ./setup.sh",
    );
    assert!(setup.status.success(), "setup.sh failed:\n{}", text(&setup));

    let scratch = scratch("gradescope");
    for kind in [Kind::Untouched, Kind::Solved] {
        let checkout = submission(kind, scratch.path());
        // Gradescope hands over the repository's files, not its history.
        let _ = fs::remove_dir_all(checkout.join(".git"));
        let reset = container.exec("rm -rf /autograder/submission /autograder/results");
        assert!(reset.status.success(), "{}", text(&reset));
        run(
            command("docker")
                .arg("cp")
                .arg(&checkout)
                .arg(format!("{name}:/autograder/submission")),
            "docker cp the submission",
        );
        let graded = container.exec("cd /autograder && ./run_autograder");
        assert!(
            graded.status.success(),
            "run_autograder ({kind:?}):\n{}",
            text(&graded)
        );
        let results = container.exec("cat /autograder/results/results.json");
        let results: Value = serde_json::from_slice(&results.stdout)
            .unwrap_or_else(|error| panic!("results.json ({kind:?}): {error}\n{}", text(&graded)));
        formats::gradescope(&results).unwrap_or_else(|error| panic!("{error}:\n{results:#}"));
        let tests = results["tests"].as_array().expect("tests");
        assert_eq!(
            passed(tests, "name", |test| test["score"] == test["max_score"]),
            kind.passing(),
            "{kind:?}:\n{results:#}"
        );
        assert_eq!(results["score"].as_f64(), Some(f64::from(kind.score())));
    }
    drop(container);
}

/// The absolute path of `program` on `PATH`, its links followed.
fn which(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .and_then(|found| fs::canonicalize(found).ok())
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

// ---------------------------------------------------------------------------------------------
// Plain GitHub Actions.

/// Runs the workflow's steps for `checkout` in `workspace`: each `run:` step in bash as the runner
/// does, each `uses:` step replaced by its local equivalent. Returns the failed step's name (if
/// any) and the outputs of every step.
fn run_workflow(checkout: &Path, workspace: &Path) -> (Option<String>, String) {
    let export = export();
    let course = export.dir.join("actions");
    let text_of = fs::read_to_string(course.join(".github/workflows/taskoverflow-grade.yml"))
        .expect("the workflow");
    let docs = YamlLoader::load_from_str(&text_of).expect("YAML");
    let job = &docs[0]["jobs"]["grade"];
    assert!(!job.is_badvalue(), "no job `grade`");
    let mut job_env: HashMap<String, String> = HashMap::new();
    for (key, value) in job["env"].as_hash().into_iter().flatten() {
        job_env.insert(scalar(key), scalar(value));
    }
    assert_eq!(job_env.get("TEMPLATE_HASH"), Some(&export.hash));

    fs::create_dir_all(workspace).expect("a folder");
    let runner_temp = workspace.join("runner-temp");
    let planted_home = workspace.join("planted-cargo-home");
    fs::create_dir_all(&runner_temp).expect("a folder");
    let summary = runner_temp.join("step-summary.md");
    let mut outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut failed: Option<String> = None;
    let mut log = String::new();
    let steps = job["steps"].as_vec().expect("steps");
    for (index, step) in steps.iter().enumerate() {
        let name = scalar(&step["name"]);
        let always = step["if"].as_str() == Some("always()");
        if failed.is_some() && !always {
            continue;
        }
        if let Some(action) = step["uses"].as_str() {
            let known = UNTESTED_ACTIONS
                .iter()
                .any(|(prefix, _)| action.starts_with(prefix));
            assert!(known, "no local equivalent for `uses: {action}`: add one");
            match action {
                _ if action.starts_with("actions/checkout@") => {
                    let path = workspace.join(scalar(&step["with"]["path"]));
                    if step["with"]["repository"].is_badvalue() {
                        run(
                            command("git")
                                .args(["clone", "--quiet"])
                                .arg(checkout)
                                .arg(&path),
                            "checkout",
                        );
                    } else {
                        assert_eq!(step["with"]["repository"].as_str(), Some(ACTIONS_REPO));
                        xtask::submission::copy(&course, &path).expect("the course's folder");
                    }
                }
                _ if action.starts_with("actions/cache@") => plant_crate_archives(&planted_home),
                _ => {}
            }
            continue;
        }
        let script = step["run"].as_str().expect("a step runs or uses something");
        let output_file = runner_temp.join(format!("output-{index}"));
        fs::write(&output_file, "").expect("written");
        let mut bash = command("bash");
        bash.current_dir(workspace)
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .envs(&job_env)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_WORKSPACE", workspace)
            .env("RUNNER_TEMP", &runner_temp)
            .env("CARGO_TARGET_DIR", xtask::copies_target_dir());
        for (key, value) in step["env"].as_hash().into_iter().flatten() {
            bash.env(scalar(key), expression(&scalar(value), &outputs));
        }
        if name.contains("crate archives") {
            bash.env("CARGO_HOME", &planted_home);
        }
        let output = bash.output().expect("bash runs");
        log.push_str(&format!(
            "--- {name} ({})\n{}",
            output.status,
            text(&output)
        ));
        if let Some(id) = step["id"].as_str() {
            let written = fs::read_to_string(&output_file).unwrap_or_default();
            let values = written
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect();
            outputs.insert(id.to_owned(), values);
        }
        if !output.status.success() && failed.is_none() {
            failed = Some(name);
        }
    }
    (failed, log)
}

fn scalar(yaml: &Yaml) -> String {
    match yaml {
        Yaml::String(text) | Yaml::Real(text) => text.clone(),
        Yaml::Integer(number) => number.to_string(),
        Yaml::Boolean(value) => value.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// `${{ steps.ID.outputs.NAME }}` resolved, the only expression the run steps' env uses.
fn expression(value: &str, outputs: &HashMap<String, HashMap<String, String>>) -> String {
    let Some(inner) = value
        .trim()
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
    else {
        assert!(
            !value.contains("${{"),
            "an expression this runner cannot evaluate: {value}"
        );
        return value.to_owned();
    };
    let parts: Vec<&str> = inner.trim().split('.').collect();
    match parts.as_slice() {
        ["steps", id, "outputs", name] => outputs
            .get(*id)
            .and_then(|values| values.get(*name))
            .cloned()
            .unwrap_or_default(),
        _ => panic!("an expression this runner cannot evaluate: {value}"),
    }
}

/// A Cargo home as a student's own workflow could leave it in the cache: one true archive of
/// the template's lock, one with the right name and other content, one the lock does not list.
fn plant_crate_archives(home: &Path) {
    let lock = fs::read_to_string(export().dir.join("template/Cargo.lock")).expect("the lock");
    let (name, version) = first_registry_package(&lock);
    let real = fs::read_dir(cargo_home().join("registry/cache"))
        .expect("this machine's crate archives")
        .filter_map(Result::ok)
        .map(|dir| dir.path().join(format!("{name}-{version}.crate")))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("{name}-{version}.crate is not in this machine's cache"));
    let cache = home.join("registry/cache/index.crates.io-planted");
    fs::create_dir_all(&cache).expect("a folder");
    fs::copy(&real, cache.join(format!("{name}-{version}.crate"))).expect("copied");
    fs::write(cache.join("serde-1.0.999.crate"), "not a crate").expect("written");
    let (name, version) = second_registry_package(&lock);
    fs::write(
        cache.join(format!("{name}-{version}.crate")),
        "planted code",
    )
    .expect("written");
    fs::create_dir_all(home.join("registry/src/planted")).expect("a folder");
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"),
        PathBuf::from,
    )
}

/// The registry packages of a lock file, as (name, version).
fn registry_packages(lock: &str) -> Vec<(String, String)> {
    lock.split("[[package]]")
        .filter(|entry| entry.contains("checksum = "))
        .filter_map(|entry| {
            let field = |key: &str| {
                entry
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("{key} = \"")))
                    .map(|rest| rest.trim_end_matches('"').to_owned())
            };
            Some((field("name")?, field("version")?))
        })
        .collect()
}

fn first_registry_package(lock: &str) -> (String, String) {
    registry_packages(lock)
        .into_iter()
        .next()
        .expect("a registry package")
}

fn second_registry_package(lock: &str) -> (String, String) {
    registry_packages(lock)
        .into_iter()
        .nth(1)
        .expect("two registry packages")
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn the_actions_workflow_grades_with_the_courses_template() {
    let scratch = scratch("actions");
    for kind in [Kind::Untouched, Kind::Solved] {
        let checkout = submission(kind, scratch.path());
        let workspace = scratch.path().join(format!("workspace-{kind:?}"));
        let (failed, log) = run_workflow(&checkout, &workspace);
        match kind {
            Kind::Solved => assert_eq!(failed, None, "{log}"),
            _ => assert_eq!(failed.as_deref(), Some("Verdict"), "{log}"),
        }
        // The planted archives: the true one stays, the others go, unpacked sources too.
        assert!(log.contains("crate archives: 1 kept, 2 removed"), "{log}");
        let results = workspace.join("results");
        let report: Value = serde_json::from_str(
            &fs::read_to_string(results.join("results.json")).expect("results.json"),
        )
        .expect("JSON");
        assert_eq!(report["score"], kind.score(), "{report:#}");
        let cases =
            formats::junit(&fs::read_to_string(results.join("junit.xml")).expect("junit.xml"))
                .expect("JUnit XML");
        let passing: Vec<&str> = cases
            .iter()
            .filter(|(_, outcome, _)| outcome == "pass")
            .map(|(name, _, _)| name.as_str())
            .collect();
        assert_eq!(passing, kind.passing());
        let summary = fs::read_to_string(workspace.join("runner-temp/step-summary.md"))
            .expect("the job summary");
        assert_eq!(
            formats::markdown_rows(&summary).expect("a table").len(),
            tasks::ALL.len()
        );
        assert!(
            summary.contains(&format!("{}/{}", kind.score(), max_score())),
            "{summary}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A tutor's machine.

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn grade_class_writes_a_gradebook_with_a_row_for_every_submission() {
    let export = export();
    let scratch = scratch("tutor");
    let untouched = submission(Kind::Untouched, scratch.path());
    let solved = submission(Kind::Solved, scratch.path());
    let broken = submission(Kind::Broken, scratch.path());
    let out = scratch.path().join("grades");
    let output = command(export.dir.join("tutor/grade-class"))
        .env("TASKOVERFLOW_TARGET_DIR", xtask::copies_target_dir())
        .arg("--out")
        .arg(&out)
        .arg(format!("untouched={}", untouched.display()))
        .arg(format!("solved={}", solved.display()))
        .arg(format!("broken={}", broken.display()))
        .arg(format!(
            "ghost={}",
            scratch.path().join("no-such-repository.git").display()
        ))
        .output()
        .expect("grade-class runs");
    let all = text(&output);
    assert!(output.status.success(), "grade-class failed:\n{all}");

    let mut gradebook = csv::Reader::from_path(out.join("gradebook.csv")).expect("the gradebook");
    let header: Vec<String> = gradebook
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let mut expected = vec!["student".to_owned(), "commit".to_owned()];
    expected.extend(tasks::ALL.iter().map(|task| task.name.to_owned()));
    expected.extend(["total", "max", "verdict", "reason"].map(str::to_owned));
    assert_eq!(header, expected);
    let rows: Vec<HashMap<String, String>> = gradebook
        .records()
        .map(|record| {
            header
                .iter()
                .cloned()
                .zip(record.expect("a row").iter().map(str::to_owned))
                .collect()
        })
        .collect();
    let row = |name: &str| {
        rows.iter()
            .find(|row| row["student"] == name)
            .unwrap_or_else(|| panic!("no row for {name}:\n{all}"))
    };
    assert_eq!(rows.len(), 4);
    assert_eq!(
        row("untouched")["total"],
        Kind::Untouched.score().to_string()
    );
    assert_eq!(row("untouched")["api_still_works"], "1");
    assert_eq!(row("solved")["total"], max_score().to_string());
    assert_eq!(row("solved")["verdict"], "full marks");
    assert_eq!(row("solved")["commit"], head(&solved)[..12]);
    let broken_row = row("broken");
    assert_eq!(broken_row["api_still_works"], "0");
    assert!(
        broken_row["reason"].contains("starter/src/main.rs:")
            && broken_row["reason"].contains("error[E0308]"),
        "the compiler's error is not in the row: {broken_row:?}"
    );
    assert_eq!(row("ghost")["verdict"], "cannot clone");
    assert!(
        row("ghost")["reason"].contains("git clone"),
        "{:?}",
        row("ghost")
    );
    let summary = fs::read_to_string(out.join("summary.md")).expect("the summary");
    assert!(
        summary.contains("### api_still_works: 2/3 passed"),
        "{summary}"
    );
    assert!(summary.contains("- ghost: git clone"), "{summary}");
    for student in ["untouched", "solved", "broken"] {
        assert!(
            out.join("reports")
                .join(student)
                .join("report.md")
                .is_file(),
            "{student}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The export with nothing in Cargo's cache.

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn the_export_works_with_an_empty_cargo_cache() {
    let shared = export();
    let scratch = scratch("fresh-cache");
    let home = scratch.path().join("cargo-home");
    fs::create_dir_all(&home).expect("a folder");
    let dir = scratch.path().join("edition");
    let output = command(xtask::target_dir().join("debug/xtask"))
        .current_dir(kit_root())
        .arg("student-repo")
        .arg(&dir)
        .env("CARGO_HOME", &home)
        .output()
        .expect("xtask runs");
    assert!(
        output.status.success(),
        "the export with an empty Cargo cache failed:\n{}",
        text(&output)
    );
    assert_eq!(
        fs::read_to_string(dir.join("template/Cargo.lock")).expect("a lock"),
        fs::read_to_string(shared.dir.join("template/Cargo.lock")).expect("a lock"),
        "the same lock, whatever the cache held"
    );
}
