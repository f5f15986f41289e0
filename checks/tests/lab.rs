//! `cargo test -p checks`: grades this repository as a course platform would (only the lab's
//! files are yours; everything else is the template's), one test per lab task, a line of
//! explanation for each failure, and `target/checks/results.json`.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use checks::grading::{self, Prepared, Request};
use checks::submission::{repository_of_this_test, target_dir_of_this_program};
use checks::{report, tasks, Problem, Report, TaskResult};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    // A failed snapshot is a message for the student, not a file to commit.
    std::env::set_var("INSTA_UPDATE", "no");
    let repository = repository_of_this_test();
    let target_dir = target_dir_of_this_program();
    let results: Arc<Mutex<Vec<TaskResult>>> = Arc::default();
    let prepared = if arguments.list {
        None
    } else {
        let request = Request {
            template: repository.clone(),
            template_hash: None,
            submission: repository.clone(),
            target_dir: target_dir.clone(),
        };
        match grading::prepare(&request) {
            Ok(prepared) => Some(prepared),
            Err(error) => {
                eprintln!("cannot grade {}: {error:#}", repository.display());
                return ExitCode::from(2);
            }
        }
    };
    let notes = match &prepared {
        Some(Prepared::Ready(graded)) => graded.notes().to_vec(),
        Some(Prepared::NotGraded(refused)) => vec![refused.to_string()],
        None => Vec::new(),
    };
    eprintln!(
        "Grading {} (the lab's files: starter/, k6/, terraform/, evidence/)",
        repository.display()
    );
    let trials = tasks::ALL
        .iter()
        .map(|task| {
            let (prepared, results) = (prepared.clone(), Arc::clone(&results));
            Trial::test(task.name, move || {
                let result = match prepared {
                    Some(Prepared::Ready(graded)) => task.check(graded),
                    Some(Prepared::NotGraded(refused)) => grading::not_graded(task, &refused),
                    None => return Ok(()),
                };
                let outcome = match &result.outcome {
                    Ok(()) => Ok(()),
                    Err(Problem::Task(message) | Problem::NotGraded(message)) => {
                        Err(Failed::from(message.as_str()))
                    }
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
    if !results.is_empty() {
        eprint!("{}", report::summary(&results, &notes));
        let path = target_dir.join("checks/results.json");
        match Report::new(&results, &notes).write(&path) {
            Ok(()) => eprintln!("Results for machines: {}", path.display()),
            Err(error) => eprintln!("could not write {}: {error}", path.display()),
        }
    }
    conclusion.exit_code()
}
