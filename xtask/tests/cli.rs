//! `cargo xtask --help` names itself as it is typed, and lists every command.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn help_names_cargo_xtask_and_its_commands() {
    cargo_bin_cmd!("xtask")
        .arg("--help")
        .assert()
        .success()
        .stdout(
            contains("Usage: cargo xtask <COMMAND>")
                .and(contains("  test "))
                .and(contains("  calibrate "))
                .and(contains("  bench ")),
        );
    cargo_bin_cmd!("xtask")
        .args(["calibrate", "runs", "--help"])
        .assert()
        .success()
        .stdout(contains("Usage: cargo xtask calibrate runs"));
}

#[test]
fn bad_options_are_refused_with_a_message() {
    cargo_bin_cmd!("xtask")
        .args(["calibrate", "runs", "--only", "xyz", "--table-only"])
        .assert()
        .failure()
        .stderr(contains("--only takes letters of abcd"));
    cargo_bin_cmd!("xtask")
        .args(["bench", "--connections", "many"])
        .assert()
        .failure()
        .stderr(contains("invalid value 'many'"));
}
