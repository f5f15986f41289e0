//! The lab's tasks, one file each. To add a task, write a file that exports a `TASK` and
//! list it here.

mod api_still_works;
mod correlation_ids;
pub mod deployment_evidence;
mod ecs_task_size;
mod k6_script_fixed;
mod logs_reach_cloudwatch;
mod structured_logs;

use crate::task::Task;

/// The smallest ECS task `ecs_task_size` accepts (CPU units, MiB), which the calibration measures.
pub use ecs_task_size::{
    fargate_memory_choices, MAX_CPU_UNITS, MAX_MEMORY_MIB, MIN_CPU_UNITS, MIN_MEMORY_MIB,
};

pub const ALL: &[Task] = &[
    api_still_works::TASK,
    structured_logs::TASK,
    correlation_ids::TASK,
    logs_reach_cloudwatch::TASK,
    k6_script_fixed::TASK,
    ecs_task_size::TASK,
    deployment_evidence::TASK,
];

/// Whether every name on a command line is a task's; if not, a message that lists the tasks.
pub fn check_names(names: &[String]) -> Result<(), String> {
    match names
        .iter()
        .find(|name| !ALL.iter().any(|task| task.name == name.as_str()))
    {
        Some(unknown) => {
            let names: Vec<&str> = ALL.iter().map(|task| task.name).collect();
            Err(format!(
                "no task {unknown:?}: the tasks are {}",
                names.join(", ")
            ))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{check_names, ALL};
    use crate::hints::HINTS;

    #[test]
    fn every_task_has_its_hints_and_no_other() {
        let tasks: Vec<&str> = ALL.iter().map(|task| task.name).collect();
        let hinted: Vec<&str> = HINTS.iter().map(|hint| hint.task).collect();
        assert_eq!(tasks, hinted);
    }

    #[test]
    fn task_names_are_checked_before_grading() {
        let names = |list: &[&str]| {
            list.iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(check_names(&names(&[])), Ok(()));
        assert_eq!(
            check_names(&names(&["correlation_ids", "ecs_task_size"])),
            Ok(())
        );
        let error = check_names(&names(&["correlation_ids", "corelation_ids"]))
            .expect_err("a misspelt task");
        assert!(error.starts_with("no task \"corelation_ids\": the tasks are api_still_works, "));
    }
}
