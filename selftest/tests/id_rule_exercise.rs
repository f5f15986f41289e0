//! The id rule is an exercise (docs/handout.md, "Correlation IDs"): its tests fail on the
//! handed-out starter and pass with the lab's answer, and a plain `cargo test` leaves them out of
//! the starter's run, so that the kit's own test command stays green.
//!
//! Runs `cargo test --workspace` on the two apps' unit tests: the features of the kit's own
//! `cargo test --workspace`, so that its builds are reused (the starter's with
//! `--features starter/exercises` adds one build of the starter crate alone).
//! selftest/tests/doc_commands.rs runs the handout's own command on the starter.

use std::collections::BTreeMap;
use std::process::Command;

/// Where the id rule's tests live in both apps.
const TESTS: &str = "telemetry::request_id::tests::";

/// `cargo test --workspace --bin APP [--features APP/exercises] request_id`: whether it
/// succeeded, each id-rule test by name with whether it passed, and the output.
fn id_rule_tests(app: &str, exercises: bool) -> (bool, BTreeMap<String, bool>, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    for key in xtask::cargo_variables_of_this_test() {
        command.env_remove(key);
    }
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["test", "--locked", "--workspace", "--bin", app]);
    if exercises {
        command.args(["--features", &format!("{app}/exercises")]);
    }
    let output = command
        .args(["--", "request_id"])
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo: {error}"));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let results = all
        .lines()
        .filter_map(|line| line.strip_prefix("test "))
        .filter_map(|line| line.strip_prefix(TESTS))
        .filter_map(|line| {
            let (name, verdict) = line.split_once(" ... ")?;
            Some((name.to_owned(), verdict.trim() == "ok"))
        })
        .collect();
    (output.status.success(), results, all)
}

#[test]
fn the_id_rule_tests_fail_on_the_starter_and_pass_with_the_answer() {
    let (starter_ok, starter, starter_output) = id_rule_tests("starter", true);
    assert!(
        starter.len() >= 3,
        "the starter hands out at least three id-rule tests:\n{starter_output}"
    );
    let passing: Vec<_> = starter.iter().filter(|(_, passed)| **passed).collect();
    assert!(
        !starter_ok && passing.is_empty(),
        "every id-rule test must fail on the untouched starter, but these pass: {passing:?}\n\
         {starter_output}"
    );

    let (solution_ok, solution, solution_output) = id_rule_tests("solution", false);
    assert!(
        solution_ok && solution.values().all(|passed| *passed),
        "every id-rule test must pass with the lab's answer:\n{solution_output}"
    );
    assert_eq!(
        starter.keys().collect::<Vec<_>>(),
        solution.keys().collect::<Vec<_>>(),
        "the answer runs the same tests the starter hands out"
    );
}

#[test]
fn a_plain_cargo_test_leaves_the_exercise_out_of_the_starters_run() {
    let (ok, results, output) = id_rule_tests("starter", false);
    assert!(
        ok && results.is_empty(),
        "without --features exercises no id-rule test may run on the starter:\n{output}"
    );
}
