//! `loadgen` has a real command line: `--help` works, and bad input gets a clear message and
//! exit code 2, never a panic or a backtrace.

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

/// `loadgen` with backtraces on, so that a panic would show one.
fn loadgen() -> Command {
    let mut command = cargo_bin_cmd!("loadgen");
    command.env("RUST_BACKTRACE", "1");
    command
}

#[test]
fn help_lists_the_commands() {
    loadgen().arg("--help").assert().success().stdout(
        contains("get")
            .and(contains("pairs"))
            .and(contains("wait-healthy")),
    );
    loadgen()
        .args(["get", "--help"])
        .assert()
        .success()
        .stdout(contains("--connections"));
}

#[test]
fn bad_input_is_a_message_not_a_panic() {
    for args in [
        &[][..],
        &["get"][..],
        &["get", "--url", "https://example.com/"][..],
        &[
            "pairs",
            "--url",
            "http://127.0.0.1:1/",
            "--connections",
            "0",
        ][..],
        &["get", "--url", "http://127.0.0.1:1/", "--duration", "soon"][..],
    ] {
        loadgen()
            .args(args)
            .assert()
            .code(2)
            .stderr(contains("panicked").or(contains("backtrace")).not());
    }
}

#[test]
fn an_app_that_never_answers_is_an_error_message() {
    loadgen()
        .args([
            "wait-healthy",
            "--url",
            "http://127.0.0.1:1/api/v1/health",
            "--since-ns",
            "0",
            "--timeout",
            "0.2",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::starts_with("loadgen: no 200"));
}
