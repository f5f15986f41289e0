//! The ECS task in `terraform/` is big enough for the k6 scenario, and a size Fargate runs.

use crate::task::{Problem, Task, TaskContext};
use crate::terraform::{self, TaskSize};

pub const TASK: Task = Task {
    name: "ecs_task_size",
    points: 1,
    run: |ctx| Box::pin(run(ctx)),
};

/// The smallest task that serves the k6 scenario's peak with CPU to spare, as measured by running
/// the app with a task's CPU and memory under the full scenario: the handed-out size fails the
/// thresholds (run b), this size passes them without ever being throttled (run c), and the size between
/// the two passes only by running its CPU flat out at the peak (run d), which is no margin at
/// all. CPU is what runs out; the memory is the least Fargate pairs with this CPU.
pub const MIN_CPU_UNITS: u32 = 1024;
pub const MIN_MEMORY_MIB: u32 = 2048;

/// Where the student changes the size.
const TFVARS: &str = "terraform/task-size.auto.tfvars";
const SECTION: &str = "docs/handout.md, section \"Back-of-the-envelope capacity\"";

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

fn describe(size: TaskSize) -> String {
    format!(
        "your task has {} CPU units = {} vCPU and {} MiB of memory",
        size.cpu,
        size.vcpu(),
        size.memory_mib
    )
}

/// Whether `size` passes; the error is the message for the student, which never names the
/// size to pick.
pub fn judge(size: TaskSize) -> Result<(), String> {
    let Some(choices) = fargate_memory_choices(size.cpu) else {
        return Err(format!(
            "{}, but Fargate has no task with {} CPU units: it runs 256, 512, 1024, 2048, 4096, \
             8192 or 16384. Change task_cpu in {TFVARS}; see {SECTION}.",
            describe(size),
            size.cpu
        ));
    };
    if !choices.contains(&size.memory_mib) {
        return Err(format!(
            "{}, which Fargate does not run: with {} CPU units a task has {}. Change \
             task_memory in {TFVARS}; see {SECTION}.",
            describe(size),
            size.cpu,
            mib_list(&choices)
        ));
    }
    if size.cpu < MIN_CPU_UNITS || size.memory_mib < MIN_MEMORY_MIB {
        return Err(format!(
            "{}: is that enough for the load test? Work it out before you resize: estimate the \
             requests per second the k6 scenario sends at its peak (VUs ÷ (sleep + latency), \
             for each scenario), and the CPU time one request costs (the app's CPU use while \
             k6 runs, from `docker stats` or the ECS CPUUtilization metric, divided by the \
             requests per second your logs show: count the `Request finished` lines). \
             Multiply, compare with the vCPU your task has, and leave room for the peak. Then \
             pick a size Fargate runs and set it in {TFVARS}. See {SECTION}.",
            describe(size)
        ));
    }
    Ok(())
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let (dir, overrides) = ctx.target.terraform();
    let size = terraform::task_size(&dir, &overrides).map_err(|error| {
        Problem::Task(format!(
            "cannot read the ECS task's size: {error}. The task's cpu and memory should come \
             from task_cpu and task_memory in {TFVARS}; see terraform/README.md and {SECTION}."
        ))
    })?;
    judge(size).map_err(Problem::Task)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(cpu: u32, memory_mib: u32) -> TaskSize {
        TaskSize { cpu, memory_mib }
    }

    #[test]
    fn the_minimum_is_a_size_fargate_runs() {
        assert_eq!(judge(size(MIN_CPU_UNITS, MIN_MEMORY_MIB)), Ok(()));
        assert_eq!(judge(size(4096, 8192)), Ok(()));
    }

    #[test]
    fn the_handed_out_size_fails_without_giving_the_answer() {
        let message = judge(size(256, 512)).expect_err("too small");
        assert!(message.contains("256 CPU units = 0.25 vCPU"), "{message}");
        assert!(message.contains("512 MiB"), "{message}");
        assert!(message.contains("VUs ÷ (sleep + latency)"), "{message}");
        assert!(message.contains("CPUUtilization"), "{message}");
        assert!(message.contains("Request finished"), "{message}");
        assert!(
            message.contains("Back-of-the-envelope capacity"),
            "{message}"
        );
        assert!(message.contains(TFVARS), "{message}");
        for answer in ["1024", "2048", "1 vCPU"] {
            assert!(!message.contains(answer), "gives away {answer}: {message}");
        }
    }

    #[test]
    fn too_little_of_either_fails() {
        // CPU is what runs out: the handed-out CPU with any memory Fargate pairs it with fails.
        assert!(judge(size(256, 2048)).is_err());
        assert!(judge(size(512, 4096)).is_err());
        assert!(judge(size(2048, 4096)).is_ok());
        assert!(judge(size(MIN_CPU_UNITS, MIN_MEMORY_MIB + 1024)).is_ok());
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
