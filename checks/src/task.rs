//! What a lab task is, and how one is run.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::graded::Graded;

/// Why a task did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The student's work is missing something: what, and where to look.
    Task(String),
    /// This machine cannot run the check (no Docker engine, no k6, ...): nothing to do with
    /// the student's code, and the message says how to fix it.
    Environment(String),
    /// The submission tries to configure how it is built or graded: nothing of it was run.
    NotGraded(String),
}

/// How a task went: passed, or the problem that stopped it.
pub type Outcome = Result<(), Problem>;

pub type TaskFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One lab task: a name the student recognises, its points, and the check itself.
#[derive(Clone, Copy)]
pub struct Task {
    pub name: &'static str,
    pub points: u32,
    pub run: fn(TaskContext) -> TaskFuture,
}

/// What a task gets to work with.
#[derive(Clone)]
pub struct TaskContext {
    pub graded: Arc<Graded>,
    /// The task's own name, for messages.
    pub task: &'static str,
}

impl TaskResult {
    pub fn passed(&self) -> bool {
        self.outcome.is_ok()
    }
}

#[derive(Debug, Clone)]
pub struct TaskResult {
    pub name: &'static str,
    pub points: u32,
    pub outcome: Outcome,
    pub duration: Duration,
}

impl Task {
    /// Runs the task on a runtime of its own; a panic inside it is a failure, not a crash.
    pub fn check(&self, graded: Arc<Graded>) -> TaskResult {
        let started = Instant::now();
        let run = self.run;
        let outcome = std::panic::catch_unwind(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|error| {
                    Problem::Environment(format!("cannot start a Tokio runtime: {error}"))
                })?;
            runtime.block_on(run(TaskContext {
                graded,
                task: self.name,
            }))
        });
        let outcome = outcome.unwrap_or_else(|panic| {
            Err(Problem::Task(format!(
                "the check stopped unexpectedly: {}",
                panic_message(panic.as_ref())
            )))
        });
        TaskResult {
            name: self.name,
            points: self.points,
            outcome,
            duration: started.elapsed(),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".to_owned())
}
