//! The autograder grades itself: the solution passes every task, the pristine starter fails
//! exactly the lab tasks, and student-like mistakes fail exactly the tasks they should.

use checks::target::Edit;
use checks::{grade, tasks, Problem, Target, TaskResult};

fn verdicts(results: &[TaskResult]) -> String {
    results
        .iter()
        .map(|result| format!("{}: {:?}", result.name, result.outcome))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts which tasks fail (every other task must pass, and none may be an `Error`).
fn assert_fails_exactly(results: &[TaskResult], failing: &[&str]) {
    let all = verdicts(results);
    for result in results {
        match (&result.outcome, failing.contains(&result.name)) {
            (Ok(()), false) => {}
            (Err(Problem::Task(message)), true) => {
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

/// The solution, or a variant of it, graded with the solved k6 script and task size.
fn solved(target: Target) -> Target {
    let kit = checks::target::kit_root();
    target
        .with_k6_script(kit.join("k6/solved/planners-and-studiers.js"))
        .with_tfvars(kit.join("terraform/solved/task-size.auto.tfvars"))
}

#[test]
fn the_solution_passes_every_task() {
    let results = grade(solved(Target::app("solution")));
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
        if let Err(Problem::Task(message)) = &result.outcome {
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
    grade(solved(target))
}

/// The failure message of `task` (which must have failed).
fn failure<'a>(results: &'a [TaskResult], task: &str) -> &'a str {
    match results
        .iter()
        .find(|result| result.name == task)
        .map(|r| &r.outcome)
    {
        Some(Err(Problem::Task(message))) => message,
        other => panic!("{task} should have failed, got {other:?}"),
    }
}

/// A student who keeps tracing-subscriber's habit of nesting span fields under `span`: the
/// lines are JSON, but `request_id` is not a top-level field anywhere, so neither the checks
/// nor a Logs Insights query can find a request's lines.
#[test]
fn nested_span_fields_fail_the_request_id_tasks() {
    let results = variant(
        "nested-span-fields",
        &[Edit {
            file: "src/telemetry.rs",
            find: ".with_top_level_flattened_span_list()",
            replace: ".with_current_span(\"span\")",
        }],
    );
    assert_fails_exactly(&results, &["correlation_ids", "logs_reach_cloudwatch"]);
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

/// A student who checks incoming ids loosely ("at most 64 bytes, no spaces"): `a"b`, `a/b`,
/// `é` and an empty id get through. The lines stay valid JSON (the formatter escapes them),
/// so only correlation_ids can see it.
#[test]
fn a_loose_request_id_check_fails_correlation_ids_only() {
    let results = variant(
        "loose-id-check",
        &[Edit {
            file: "src/telemetry/request_id.rs",
            find: "fn is_valid(id: &[u8]) -> bool {",
            replace: "fn is_valid(id: &[u8]) -> bool {\n    id.len() <= 64 && !id.contains(&b' ')\n}\n\nfn _strict(id: &[u8]) -> bool {",
        }],
    );
    assert_fails_exactly(&results, &["correlation_ids"]);
    let message = failure(&results, "correlation_ids");
    assert!(
        message.contains("must be replaced by a fresh UUID v4"),
        "the message names the rule: {message}"
    );
}

/// A student who builds JSON with `format!`, turning newlines into `\n` but escaping nothing
/// else: the old grader passed it. A quote in a path or in PostgreSQL's notice on the second
/// start breaks the line. Shipping itself works, so logs_reach_cloudwatch (ordinary traffic)
/// passes.
#[test]
fn hand_made_json_that_breaks_on_quotes_fails_the_json_tasks() {
    let results = variant(
        "format-json",
        &[Edit {
            file: "src/telemetry.rs",
            find: "",
            replace: include_str!("../fixtures/format_json_telemetry.rs"),
        }],
    );
    assert_fails_exactly(&results, &["structured_logs", "correlation_ids"]);
    let message = failure(&results, "structured_logs");
    assert!(
        message.contains("is not one JSON object") && message.contains("format!"),
        "the message says what is wrong: {message}"
    );
}

/// A copy of a k6 script with `edits` (find, replace) applied, each found exactly once.
fn k6_variant(base: &str, name: &str, edits: &[(&str, &str)]) -> std::path::PathBuf {
    let root = checks::target::kit_root();
    let mut text = std::fs::read_to_string(root.join(base))
        .unwrap_or_else(|error| panic!("cannot read {base}: {error}"));
    for (find, replace) in edits {
        assert_eq!(text.matches(find).count(), 1, "{find:?} in {base}");
        text = text.replacen(find, replace, 1);
    }
    let folder = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("checks/k6-variants");
    std::fs::create_dir_all(&folder).expect("cannot create target/checks/k6-variants");
    let path = folder.join(format!("{name}.js"));
    std::fs::write(&path, text).expect("cannot write the k6 variant");
    path
}

/// Only the k6 task, against the solution app, with a student's script.
fn grade_k6_script(script: std::path::PathBuf) -> TaskResult {
    let task = tasks::ALL
        .iter()
        .find(|task| task.name == "k6_script_fixed")
        .expect("k6_script_fixed is a task");
    task.check(std::sync::Arc::new(
        solved(Target::app("solution")).with_k6_script(script),
    ))
}

/// The failure message of the k6 task with a student's script (it must fail).
fn k6_failure(script: std::path::PathBuf) -> String {
    match grade_k6_script(script).outcome {
        Err(Problem::Task(message)) => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

const HANDED_OUT_K6: &str = "k6/planners-and-studiers.js";
const DELETE_BY_UNDEFINED: (&str, &str) = (
    "/api/v1/todos/${request.id}`",
    "/api/v1/todos/${request.json().id}`",
);
const POST_EXPECTS_200: (&str, &str) = (
    "'todo created': (r) => r.status === 200",
    "'todo created': (r) => r.status === 201",
);

/// The two fixes without the solved script's thresholds: what most students hand in.
#[test]
fn the_handed_out_k6_script_with_both_fixes_passes() {
    let script = k6_variant(
        HANDED_OUT_K6,
        "both-fixes",
        &[DELETE_BY_UNDEFINED, POST_EXPECTS_200],
    );
    let result = grade_k6_script(script);
    assert!(result.passed(), "{result:?}");
}

/// Fixing the status check alone still deletes `/api/v1/todos/undefined`.
#[test]
fn a_k6_script_that_still_deletes_undefined_fails() {
    let script = k6_variant(HANDED_OUT_K6, "status-fix-only", &[POST_EXPECTS_200]);
    let message = k6_failure(script);
    assert!(
        message.contains("/api/v1/todos/undefined") && message.contains("docs/handout.md"),
        "{message}"
    );
}

/// Fixing the delete alone leaves the POST check expecting 200.
#[test]
fn a_k6_script_that_still_expects_200_from_post_fails() {
    let script = k6_variant(HANDED_OUT_K6, "delete-fix-only", &[DELETE_BY_UNDEFINED]);
    let message = k6_failure(script);
    assert!(
        message.contains("k6 checks failed") && message.contains("`todo created`"),
        "{message}"
    );
}

/// A script k6 cannot even start is the student's to fix, and says so.
#[test]
fn a_k6_script_with_a_syntax_error_fails_with_k6s_words() {
    let script = k6_variant(
        HANDED_OUT_K6,
        "syntax-error",
        &[
            DELETE_BY_UNDEFINED,
            POST_EXPECTS_200,
            ("sleep(1);\n}", "sleep(1);\n"),
        ],
    );
    let message = k6_failure(script);
    assert!(message.contains("k6 could not run"), "{message}");
}
