//! Grading a submission as handed in: the template's files with the submission's lab files
//! only, its app built with a clean environment, every tool found before the app runs, and the
//! results returned once every app has stopped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::app_manifest::NotGraded;
use crate::graded::Graded;
use crate::submission;
use crate::task::{Problem, Task, TaskResult};
use crate::tasks;
use crate::template::Template;
use crate::tools::Tools;

/// What to grade, and against what.
#[derive(Debug, Clone)]
pub struct Request {
    /// The template's root: every file that is not a lab file comes from here.
    pub template: PathBuf,
    /// The hash of the template's file list; when given, every template file is checked
    /// against its hash before anything is graded.
    pub template_hash: Option<String>,
    /// The submission's root (a student's repository as handed in).
    pub submission: PathBuf,
    /// Where the app is built (shared with the grader's own build).
    pub target_dir: PathBuf,
}

/// A submission ready to grade, or the reason it is not graded.
#[derive(Clone)]
pub enum Prepared {
    Ready(Arc<Graded>),
    NotGraded(NotGraded),
}

/// What a grading found: one result per task, and what of the submission was not graded.
#[derive(Debug, Clone)]
pub struct Grading {
    pub results: Vec<TaskResult>,
    pub notes: Vec<String>,
}

/// Opens the template, assembles the graded workspace and finds the tools. An `Err` is this
/// machine's or the template's problem, never the student's.
pub fn prepare(request: &Request) -> anyhow::Result<Prepared> {
    let verify = request.template_hash.is_some();
    let template = Template::open(&request.template, verify, request.template_hash.as_deref())
        .with_context(|| format!("the template at {}", request.template.display()))?;
    // Before any of the student's code is built or run.
    let tools = Tools::find();
    let workspace = match submission::assemble(&template, &request.submission)? {
        Ok(workspace) => workspace,
        Err(refused) => return Ok(Prepared::NotGraded(refused)),
    };
    let graded = Graded::new(workspace, request.target_dir.clone(), tools)
        .context("cannot create a folder for the built app")?;
    Ok(Prepared::Ready(Arc::new(graded)))
}

/// Grades `request` on the tasks whose names `only` lists (every task when empty).
pub fn grade(request: &Request, only: &[String]) -> anyhow::Result<Grading> {
    let selected: Vec<&'static Task> = tasks::ALL
        .iter()
        .filter(|task| only.is_empty() || only.iter().any(|name| name == task.name))
        .collect();
    match prepare(request)? {
        Prepared::NotGraded(refused) => Ok(Grading {
            results: selected
                .iter()
                .map(|task| not_graded(task, &refused))
                .collect(),
            notes: vec![refused.to_string()],
        }),
        Prepared::Ready(graded) => {
            let results = run_tasks(&graded, &selected);
            Ok(Grading {
                results,
                notes: graded.notes().to_vec(),
            })
        }
    }
}

/// The result of a task that was not run because the submission is not graded.
pub fn not_graded(task: &Task, refused: &NotGraded) -> TaskResult {
    TaskResult {
        name: task.name,
        points: task.points,
        outcome: Err(Problem::NotGraded(refused.to_string())),
        duration: Duration::ZERO,
    }
}

/// Runs the tasks in parallel (as the test harness does) and returns their results in order.
pub fn run_tasks(graded: &Arc<Graded>, selected: &[&'static Task]) -> Vec<TaskResult> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = selected
            .iter()
            .map(|task| {
                let graded = Arc::clone(graded);
                scope.spawn(move || task.check(graded))
            })
            .collect();
        handles
            .into_iter()
            .zip(selected.iter())
            .map(|(handle, task)| {
                handle.join().unwrap_or_else(|_| TaskResult {
                    name: task.name,
                    points: task.points,
                    outcome: Err(Problem::Environment("the check crashed".to_owned())),
                    duration: Duration::ZERO,
                })
            })
            .collect()
    })
}
