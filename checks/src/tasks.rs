//! The lab's tasks, one file each. To add a task, write a file that exports a `TASK` and
//! list it here.

mod api_still_works;
mod correlation_ids;
mod ecs_task_size;
mod k6_script_fixed;
mod logs_reach_cloudwatch;
mod structured_logs;

use std::sync::Arc;
use std::time::Duration;

use crate::target::Target;
use crate::task::{Problem, Task, TaskResult};

/// The smallest ECS task `ecs_task_size` accepts (CPU units, MiB), which the calibration measures.
pub use ecs_task_size::{fargate_memory_choices, MIN_CPU_UNITS, MIN_MEMORY_MIB};

pub const ALL: &[Task] = &[
    api_still_works::TASK,
    structured_logs::TASK,
    correlation_ids::TASK,
    logs_reach_cloudwatch::TASK,
    k6_script_fixed::TASK,
    ecs_task_size::TASK,
];

/// The lab tasks a pristine starter must fail (every task but `api_still_works`).
pub fn lab_tasks() -> impl Iterator<Item = &'static str> {
    ALL.iter()
        .map(|task| task.name)
        .filter(|name| *name != api_still_works::TASK.name)
}

/// Runs every task (in parallel, like the test harness does) and returns the results in
/// the order of [`ALL`].
pub fn grade(target: Target) -> Vec<TaskResult> {
    let target = Arc::new(target);
    std::thread::scope(|scope| {
        let handles: Vec<_> = ALL
            .iter()
            .map(|task| {
                let target = Arc::clone(&target);
                scope.spawn(move || task.check(target))
            })
            .collect();
        handles
            .into_iter()
            .zip(ALL.iter())
            .map(|(handle, task)| {
                handle.join().unwrap_or_else(|_| TaskResult {
                    name: task.name,
                    points: task.points,
                    outcome: Err(Problem::Task("the check crashed".to_owned())),
                    duration: Duration::ZERO,
                })
            })
            .collect()
    })
}
