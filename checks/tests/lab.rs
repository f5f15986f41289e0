//! `cargo test -p checks`: one test per lab task, a line of explanation for each failure,
//! and `target/checks/results.json` for GitHub Classroom or an LMS.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use checks::{tasks, Problem, Report, Target, TaskResult};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    // The kit's own test command builds the whole workspace at once and grades the apps in a
    // self-test of its own instead: the pristine starter must fail these tasks.
    if std::env::var_os("CHECKS_SKIP_LAB").is_some() {
        eprintln!("lab tasks skipped: CHECKS_SKIP_LAB is set (the kit's self-test grades them)");
        return ExitCode::SUCCESS;
    }
    // A failed snapshot is a message for the student, not a file to commit.
    if std::env::var_os("INSTA_UPDATE").is_none() {
        std::env::set_var("INSTA_UPDATE", "no");
    }
    let target = match Target::from_env() {
        Ok(target) => Arc::new(target),
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "Grading {}/ with {}",
        target.crate_path,
        target.graded_files().join(", ")
    );

    let results: Arc<Mutex<Vec<TaskResult>>> = Arc::default();
    let trials = tasks::ALL
        .iter()
        .map(|task| {
            let (target, results) = (Arc::clone(&target), Arc::clone(&results));
            Trial::test(task.name, move || {
                let result = task.check(target);
                let outcome = match &result.outcome {
                    Ok(()) => Ok(()),
                    Err(Problem::Task(message)) => Err(Failed::from(message.as_str())),
                    Err(Problem::Environment(message)) => Err(Failed::from(format!(
                        "could not be checked on this machine (not a problem with your code): {message}"
                    ))),
                };
                results
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(result);
                outcome
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&arguments, trials);

    let mut results = results
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    results.sort_by_key(|result| tasks::ALL.iter().position(|task| task.name == result.name));
    if !results.is_empty() && !arguments.list {
        print_summary(&results);
        let path = Report::default_path();
        match Report::new(&results).write(&path) {
            Ok(()) => eprintln!("Results for machines: {}", path.display()),
            Err(error) => eprintln!("could not write {}: {error}", path.display()),
        }
    }
    conclusion.exit_code()
}

fn print_summary(results: &[TaskResult]) {
    eprintln!("\nLab tasks:");
    for result in results {
        match &result.outcome {
            Ok(()) => eprintln!("  PASS  {} ({} points)", result.name, result.points),
            Err(Problem::Task(message)) => eprintln!("  FAIL  {}: {message}", result.name),
            Err(Problem::Environment(message)) => eprintln!("  ERROR {}: {message}", result.name),
        }
    }
    let scored: u32 = results
        .iter()
        .filter(|result| result.passed())
        .map(|result| result.points)
        .sum();
    let total: u32 = results.iter().map(|result| result.points).sum();
    eprintln!("Score: {scored}/{total}\n");
}
