//! One grading result, several writers: each platform's file is written from the grader's own
//! report and fits the shape that platform documents (`platforms/formats.rs`), also for messages
//! that would break a careless writer.

#[path = "platforms/formats.rs"]
mod formats;

use std::time::Duration;

use checks::report::{classroom50, gradescope, junit, markdown};
use checks::{tasks, Problem, Report, TaskResult};
use serde_json::Value;

/// Text a student's code or the compiler may put into a message.
const HOSTILE: &str =
    "line one | with a pipe\n<error> & \"quotes\" ]]> `ticks`\nstarter/src/main.rs:3:1: error: é";

/// Every task once: the first passes, then a failure, an error of the machine and a refusal.
fn report() -> Report {
    let results: Vec<TaskResult> = tasks::ALL
        .iter()
        .enumerate()
        .map(|(index, task)| TaskResult {
            name: task.name,
            points: task.points,
            outcome: match index {
                0 => Ok(()),
                1 => Err(Problem::Environment("k6 is not on PATH".into())),
                2 => Err(Problem::NotGraded("starter/Cargo.toml has [patch]".into())),
                _ => Err(Problem::Task(HOSTILE.into())),
            },
            duration: Duration::from_millis(1234),
        })
        .collect();
    Report::new(
        &results,
        &["not in the template and not a lab file, left out: notes.txt".into()],
    )
}

fn identity() -> classroom50::Identity {
    let vars = |name: &str| {
        Some(
            match name {
                "CLASSROOM" => "lab-2026",
                "ASSIGNMENT" => "taskoverflow",
                "SUBMISSION_TAG" => "submit/2026-12-01T10-00-00Z-abc1234",
                "COMMIT_URL" => "https://github.invalid/o/r/commit/abc",
                "RELEASE_URL" => "https://github.invalid/o/r/releases/tag/submit%2Fx",
                "USERNAME" => "alice",
                _ => return None,
            }
            .to_owned(),
        )
    };
    classroom50::Identity::from_vars(
        vars,
        "2026-12-01T09:59:00Z".into(),
        "2026-12-01T10:01:02Z".into(),
    )
    .expect("the runner's variables are set")
}

#[test]
fn the_report_holds_each_tasks_points() {
    let report = report();
    assert_eq!(report.tests.len(), tasks::ALL.len());
    for (test, task) in report.tests.iter().zip(tasks::ALL) {
        assert_eq!(test.max_score, task.points, "{}", task.name);
    }
    assert_eq!(report.score, tasks::ALL[0].points);
    assert_eq!(report.status, "not graded");
}

#[test]
fn classroom50_result_json_fits_the_v1_contract() {
    let report = report();
    let value: Value =
        serde_json::from_str(&classroom50::to_json(&report, &identity())).expect("JSON");
    formats::classroom50(&value).expect("a valid classroom50/result/v1");
    assert_eq!(value["owner"], "alice");
    assert_eq!(
        value["review"], value["commit"],
        "no REVIEW_URL: the commit view, as the runner does"
    );
    assert_eq!(value["assignment_type"], "individual");
    let tests = value["tests"].as_array().expect("tests");
    assert_eq!(tests[0]["passed"], true);
    assert_eq!(tests[3]["passed"], false);
    assert_eq!(
        tests[3]["message"], HOSTILE,
        "the message is kept as the diagnostic output"
    );
    assert_eq!(value["max-score"], report.max_score);

    // The contract is checked, not assumed: a file that breaks it is refused.
    let mut broken = value.clone();
    broken["tests"][0]["passed"] = Value::from(1);
    assert!(formats::classroom50(&broken).is_err());
    let mut broken = value.clone();
    broken["score"] = Value::from(report.max_score + 1);
    assert!(formats::classroom50(&broken).is_err());
}

#[test]
fn classroom50_needs_the_runners_variables() {
    let error = classroom50::Identity::from_vars(|_| None, String::new(), String::new())
        .expect_err("nothing set");
    assert!(
        error.contains("CLASSROOM50") || error.contains("runner"),
        "{error}"
    );
}

#[test]
fn gradescope_results_json_has_only_documented_fields() {
    let report = report();
    let value: Value = serde_json::from_str(&gradescope::to_json(&report)).expect("JSON");
    formats::gradescope(&value).expect("Gradescope's documented shape");
    let tests = value["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), tasks::ALL.len());
    for (test, task) in tests.iter().zip(tasks::ALL) {
        assert_eq!(test["name"], task.name);
        assert_eq!(test["max_score"].as_f64(), Some(f64::from(task.points)));
    }
    assert!(tests[3]["output"]
        .as_str()
        .is_some_and(|out| out.contains(HOSTILE)));
    assert_eq!(value["score"].as_f64(), Some(f64::from(report.score)));
    assert!(value["output"]
        .as_str()
        .is_some_and(|out| out.contains("notes.txt")));
    let mut broken = value.clone();
    broken["tests"][0]["points"] = Value::from(1);
    assert!(
        formats::gradescope(&broken).is_err(),
        "an undocumented key is refused"
    );
}

#[test]
fn junit_xml_is_well_formed_and_counts_its_cases() {
    let report = report();
    let xml = junit::to_xml(&report);
    let cases = formats::junit(&xml).unwrap_or_else(|error| panic!("{error}:\n{xml}"));
    let outcomes: Vec<(&str, &str)> = cases
        .iter()
        .map(|(n, o, _)| (n.as_str(), o.as_str()))
        .collect();
    assert_eq!(outcomes[0], (tasks::ALL[0].name, "pass"));
    assert_eq!(outcomes[1], (tasks::ALL[1].name, "error"));
    assert_eq!(outcomes[2], (tasks::ALL[2].name, "failure"));
    assert_eq!(outcomes[3], (tasks::ALL[3].name, "failure"));
    assert_eq!(
        cases[3].2, "line one | with a pipe",
        "the message attribute is the first line"
    );
    // One passes, one is an error, every other task a failure (not graded counts as failed).
    let failures = tasks::ALL.len() - 2;
    assert!(
        xml.contains(&format!("failures=\"{failures}\"")) && xml.contains("errors=\"1\""),
        "{xml}"
    );
    assert!(formats::junit("<testsuite name=\"x\" tests=\"2\" failures=\"0\" errors=\"0\"><testcase name=\"a\" classname=\"c\"/></testsuite>").is_err());
}

#[test]
fn the_markdown_table_has_one_intact_row_per_task() {
    let report = report();
    let table = markdown::table(&report);
    let rows = formats::markdown_rows(&table).unwrap_or_else(|error| panic!("{error}:\n{table}"));
    assert_eq!(rows.len(), tasks::ALL.len(), "{table}");
    assert_eq!(rows[0][0], tasks::ALL[0].name);
    assert_eq!(rows[0][1], "pass");
    assert_eq!(rows[3][2], format!("0/{}", tasks::ALL[3].points));
    assert!(
        rows[3][3].contains("&lt;error&gt;") && rows[3][3].contains("<br>"),
        "{table}"
    );
    assert!(table.contains(&format!("{}/{}", report.score, report.max_score)));
    assert!(table.contains("notes.txt"));
}
