//! The autograder grades itself: the solution passes every task, the pristine starter fails
//! exactly the lab tasks, and student-like mistakes fail exactly the tasks they should.

use checks::target::Edit;
use checks::{grade, tasks, Target, TaskResult, Verdict};

fn verdicts(results: &[TaskResult]) -> String {
    results
        .iter()
        .map(|result| format!("{}: {:?}", result.name, result.verdict))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts which tasks fail (every other task must pass, and none may be an `Error`).
fn assert_fails_exactly(results: &[TaskResult], failing: &[&str]) {
    let all = verdicts(results);
    for result in results {
        match (&result.verdict, failing.contains(&result.name)) {
            (Verdict::Passed, false) => {}
            (Verdict::Failed(message), true) => {
                assert!(
                    message.contains("docs/handout.md") || message.contains("git diff"),
                    "{}: the message should say where to look: {message}",
                    result.name
                );
            }
            _ => panic!(
                "{} should {}:\n{all}",
                result.name,
                if failing.contains(&result.name) {
                    "fail"
                } else {
                    "pass"
                }
            ),
        }
    }
}

#[test]
fn the_solution_passes_every_task() {
    let results = grade(Target::app("solution"));
    assert_fails_exactly(&results, &[]);
}

#[test]
fn the_pristine_starter_fails_exactly_the_lab_tasks() {
    let results = grade(Target::app("starter"));
    let lab: Vec<_> = tasks::lab_tasks().collect();
    assert_fails_exactly(&results, &lab);
    // Each failure names the student's file to change.
    let student_files = [
        "starter/src/telemetry.rs",
        "terraform/task-size.auto.tfvars",
        "k6/planners-and-studiers.js",
    ];
    for result in &results {
        if let Verdict::Failed(message) = &result.verdict {
            assert!(
                student_files.iter().any(|file| message.contains(file)),
                "{}: {message}",
                result.name
            );
        }
    }
}

fn variant(name: &str, edits: &[Edit]) -> Vec<TaskResult> {
    let target = Target::variant("solution", name, edits)
        .unwrap_or_else(|error| panic!("cannot make variant {name}: {error:#}"));
    grade(target)
}

/// A student who only adds the id to the started/finished lines: SQL lines lack it.
#[test]
fn sql_lines_without_the_request_id_fail_correlation_ids_only() {
    let results = variant(
        "sql-without-request-id",
        &[Edit {
            file: "src/telemetry/json.rs",
            find: "if let Some(scope) = ctx.event_scope(event) {",
            replace: "if let Some(scope) = ctx.event_scope(event).filter(|_| !metadata.target().starts_with(\"sqlx\")) {",
        }],
    );
    assert_fails_exactly(&results, &["correlation_ids"]);
}

/// A student who generates ids but never sends them back.
#[test]
fn ids_not_returned_in_the_header_fail_correlation_ids_and_cloudwatch() {
    let results = variant(
        "no-response-header",
        &[Edit {
            file: "src/telemetry.rs",
            find: ".layer(PropagateRequestIdLayer::x_request_id()),",
            replace: ".layer(tower::layer::util::Identity::new()),",
        }],
    );
    // Without the header neither the student nor the checks can find a request's lines.
    assert_fails_exactly(&results, &["correlation_ids", "logs_reach_cloudwatch"]);
}

/// A student who prints JSON with `format!`: quotes and newlines in values break the lines.
#[test]
fn hand_made_json_that_breaks_on_quotes_fails_every_log_task() {
    let results = variant(
        "hand-made-json",
        &[Edit {
            file: "src/telemetry/json.rs",
            find: "let Ok(mut bytes) = serde_json::to_vec(&Value::Object(line)) else {\n            return;\n        };",
            replace: "let fields: Vec<String> = line\n            .iter()\n            .map(|(key, value)| match value {\n                Value::String(text) => format!(\"\\\"{key}\\\":\\\"{text}\\\"\"),\n                other => format!(\"\\\"{key}\\\":{other}\"),\n            })\n            .collect();\n        let mut bytes = format!(\"{{{}}}\", fields.join(\",\")).into_bytes();",
        }],
    );
    assert_fails_exactly(
        &results,
        &[
            "structured_logs",
            "correlation_ids",
            "logs_reach_cloudwatch",
        ],
    );
}
