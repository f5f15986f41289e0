//! The ECS service in `terraform/` can serve the k6 scenario's peak, in sizes Fargate runs, and
//! does not cost several times what it needs; and the student's own capacity estimate
//! (`terraform/CAPACITY.md`, [`capacity_estimate`]) agrees with itself and the size follows from it.
//!
//! The rule, as the handout states it: the CPU of every task that always runs (a task's CPU
//! times the service's `desired_count`, which is also autoscaling's minimum) must be at least
//! [`MIN_CPU_UNITS`] and at most [`MAX_CPU_UNITS`]; each task's memory must be one Fargate pairs
//! with its CPU; the memory of every task together at most [`MAX_MEMORY_MIB`].

use crate::capacity_estimate;
use crate::hints;
use crate::task::{Problem, Task, TaskContext};
use crate::terraform::{self, ServiceSize};

pub const TASK: Task = Task {
    name: "ecs_task_size",
    points: 1,
    run: |ctx| Box::pin(run(ctx)),
};

/// The least CPU, over the tasks that always run, that serves the k6 scenario's peak with CPU
/// to spare, as measured by running the app with a task's CPU and memory under the full
/// scenario: the handed-out size fails the thresholds, one task of this size passes them
/// without ever being throttled, and half of it passes only by running its CPU flat out at the
/// peak, which is no margin at all. CPU is what runs out.
pub const MIN_CPU_UNITS: u32 = 1024;
/// The memory Fargate pairs at least with [`MIN_CPU_UNITS`] in one task.
pub const MIN_MEMORY_MIB: u32 = 2048;
/// Twice the least: more than this pays for capacity the scenario never uses.
pub const MAX_CPU_UNITS: u32 = 2 * MIN_CPU_UNITS;
/// Twice what one task of the least CPU has: more memory is paid for and never used (the app's
/// peak under the full scenario is a small fraction of one task's).
pub const MAX_MEMORY_MIB: u32 = 2 * MIN_MEMORY_MIB;

/// Where the student changes the size.
const TFVARS: &str = "terraform/task-size.auto.tfvars";

/// The memory sizes (MiB) Fargate allows for a number of CPU units (Linux tasks), or `None`
/// when Fargate has no task with that many units.
pub fn fargate_memory_choices(cpu: u32) -> Option<Vec<u32>> {
    let (low, high, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122_880, 8192),
        _ => return None,
    };
    Some((low..=high).step_by(step as usize).collect())
}

fn mib_list(choices: &[u32]) -> String {
    match choices {
        [one, two, three] => format!("{one}, {two} or {three} MiB"),
        [first, .., last] => format!(
            "{first} to {last} MiB in steps of {} MiB",
            choices[1] - choices[0]
        ),
        _ => "no memory size".to_owned(),
    }
}

fn describe(size: ServiceSize) -> String {
    let tasks = if size.tasks == 1 {
        "1 task".to_owned()
    } else {
        format!("{} tasks", size.tasks)
    };
    format!(
        "your service runs {tasks} of {} CPU units ({} vCPU) and {} MiB each: {} vCPU and {} MiB \
         in all",
        size.task.cpu,
        size.task.vcpu(),
        size.task.memory_mib,
        f64::from(size.total_cpu()) / 1024.0,
        size.total_memory_mib()
    )
}

/// Whether `size` passes; the error is the message for the student, which never names the
/// size to pick.
pub fn judge(size: ServiceSize) -> Result<(), String> {
    let task = size.task;
    let Some(choices) = fargate_memory_choices(task.cpu) else {
        return Err(format!(
            "{}, but Fargate has no task with {} CPU units: it runs 256, 512, 1024, 2048, 4096, \
             8192 or 16384 (task_cpu in {TFVARS})",
            describe(size),
            task.cpu
        ));
    };
    if !choices.contains(&task.memory_mib) {
        return Err(format!(
            "{}, which Fargate does not run: with {} CPU units a task has {} (task_memory \
             in {TFVARS})",
            describe(size),
            task.cpu,
            mib_list(&choices)
        ));
    }
    if size.tasks == 0 {
        return Err(format!(
            "{}: a service with no task serves nothing (desired_count in {TFVARS})",
            describe(size)
        ));
    }
    if size.total_cpu() < MIN_CPU_UNITS {
        // The outcome only: how to work out the size is the hint's next level.
        return Err(format!(
            "{}; that is less CPU than the load test keeps busy at its peak, with room to \
             spare, as the kit measured it: check how you measured (a release build, under the \
             scenario's peak)",
            describe(size)
        ));
    }
    if size.total_cpu() > MAX_CPU_UNITS || size.total_memory_mib() > MAX_MEMORY_MIB {
        return Err(format!(
            "{}: more than twice what the load test needs at its peak. Fargate bills every \
             vCPU and GiB by the second, and the Learner Lab budget is small",
            describe(size)
        ));
    }
    Ok(())
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let fail = |message: String| hints::failure(ctx.task, message);
    let size = terraform::service_size(&ctx.graded.terraform(), &[]).map_err(|error| {
        fail(format!(
            "cannot read the ECS service's size: {error}. The task's cpu and memory come from \
             task_cpu and task_memory, the number of tasks from desired_count, all in {TFVARS} \
             (terraform/README.md)"
        ))
    })?;
    // The estimate first: the size must follow from it, by the handout's rule.
    let path = ctx.graded.root().join(capacity_estimate::FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        fail(format!(
            "cannot read {}: {error}; it holds your capacity estimate",
            capacity_estimate::FILE
        ))
    })?;
    let estimate = capacity_estimate::parse(&text).map_err(fail)?;
    capacity_estimate::check(&estimate, size).map_err(fail)?;
    judge(size).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::TaskSize;

    fn size(cpu: u32, memory_mib: u32) -> ServiceSize {
        tasks(cpu, memory_mib, 1)
    }

    fn tasks(cpu: u32, memory_mib: u32, tasks: u32) -> ServiceSize {
        ServiceSize {
            task: TaskSize { cpu, memory_mib },
            tasks,
        }
    }

    #[test]
    fn the_least_capacity_passes_in_one_task_or_several() {
        assert_eq!(judge(size(MIN_CPU_UNITS, MIN_MEMORY_MIB)), Ok(()));
        assert_eq!(judge(tasks(512, 1024, 3)), Ok(()));
        assert_eq!(judge(tasks(512, 1024, 2)), Ok(()));
        assert_eq!(judge(tasks(256, 512, 4)), Ok(()));
        assert_eq!(judge(size(2048, 4096)), Ok(()));
        assert_eq!(judge(tasks(1024, 2048, 2)), Ok(()));
    }

    #[test]
    fn the_handed_out_size_fails_without_giving_the_answer() {
        let message = judge(size(256, 512)).expect_err("too small");
        assert!(
            message.contains("1 task of 256 CPU units (0.25 vCPU)"),
            "{message}"
        );
        assert!(message.contains("512 MiB"), "{message}");
        assert!(message.contains("less CPU than the load test"), "{message}");
        // How to work it out is the next level of the hints, not the message.
        assert!(!message.contains("VUs"), "{message}");
        for answer in ["1024", "2048", "1 vCPU"] {
            assert!(!message.contains(answer), "gives away {answer}: {message}");
        }
        assert!(judge(tasks(256, 512, 3)).is_err());
        assert!(judge(tasks(512, 1024, 1)).is_err());
    }

    #[test]
    fn far_more_than_needed_fails_on_cost() {
        for oversized in [
            size(4096, 8192),
            tasks(1024, 2048, 3),
            tasks(512, 1024, 5),
            size(1024, 8192),
        ] {
            let message = judge(oversized).expect_err("too big");
            assert!(
                message.contains("more than twice") && message.contains("bills"),
                "{message}"
            );
            assert!(!message.contains("VUs"), "{message}");
        }
    }

    #[test]
    fn sizes_fargate_does_not_run_fail_with_the_allowed_choices() {
        let message = judge(size(1000, 2048)).expect_err("no such CPU");
        assert!(message.contains("no task with 1000 CPU units"), "{message}");

        let message = judge(size(1024, 1024)).expect_err("too little memory for the CPU");
        assert!(
            message.contains("2048 to 8192 MiB in steps of 1024 MiB"),
            "{message}"
        );
        let message = judge(size(256, 4096)).expect_err("too much memory for the CPU");
        assert!(message.contains("512, 1024 or 2048 MiB"), "{message}");
        assert!(judge(size(2048, 2500)).is_err());
        assert!(judge(tasks(1024, 2048, 0)).is_err());
    }

    #[test]
    fn every_fargate_choice_is_well_formed() {
        for cpu in [256, 512, 1024, 2048, 4096, 8192, 16384] {
            let choices = fargate_memory_choices(cpu).expect("a Fargate CPU size");
            assert!(choices.windows(2).all(|pair| pair[0] < pair[1]));
            assert!(choices[0] >= 2 * cpu, "{cpu}: {choices:?}");
        }
        assert_eq!(fargate_memory_choices(8192).map(|c| c.len()), Some(12));
    }
}
