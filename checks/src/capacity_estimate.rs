//! The student's capacity estimate, `terraform/CAPACITY.md`: five lines in a fixed format
//! (docs/handout.md, "Back-of-the-envelope capacity"), read and checked against itself and
//! against the size in `terraform/task-size.auto.tfvars`.
//!
//! ```text
//! - CPU per request (ms): 0.2
//! - peak requests per second: 1000
//! - busy vCPU at the peak: 0.2 × 1000 / 1000 = 0.2
//! - vCPU to provide: 0.2 / 0.7 = 0.286
//! - chosen size: 1 task of 512 CPU units
//! ```
//!
//! The rule the handout states: vCPU to provide = busy vCPU ÷ [`HEADROOM`], and the chosen CPU
//! (`task_cpu` × `desired_count`) is at least that and less than twice it.

use crate::terraform::ServiceSize;

/// Where the estimate lives, relative to the repository's root.
pub const FILE: &str = "terraform/CAPACITY.md";

/// The share of its CPU a task may keep busy at the peak before requests queue.
pub const HEADROOM: f64 = 0.7;

/// How far a written result may be from the arithmetic (rounding to two or three digits).
const TOLERANCE: f64 = 0.02;

const CPU_MS: &str = "CPU per request (ms)";
const PEAK_RPS: &str = "peak requests per second";
const BUSY: &str = "busy vCPU at the peak";
const PROVIDE: &str = "vCPU to provide";
const CHOSEN: &str = "chosen size";

/// The estimate's numbers, as the student wrote them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub cpu_ms: f64,
    pub peak_rps: f64,
    pub busy_vcpu: f64,
    pub provide_vcpu: f64,
    /// Tasks, and CPU units per task.
    pub chosen: (u32, u32),
}

/// Reads the five lines; the error says which line is missing or unreadable, and how it should
/// look.
pub fn parse(text: &str) -> Result<Estimate, String> {
    let value = |key: &str| -> Result<&str, String> {
        let prefix = format!("- {}:", key.to_lowercase());
        let line = text
            .lines()
            .map(str::trim)
            .find(|line| line.to_lowercase().starts_with(&prefix))
            .ok_or_else(|| format!("{FILE} has no line `- {key}: ...`"))?;
        let value = line[prefix.len()..].trim();
        if value.is_empty() || value.contains('?') {
            return Err(format!(
                "{FILE} holds no estimate yet: `- {key}:` is `{value}`"
            ));
        }
        Ok(value)
    };
    // An arithmetic line's result is the number after its last `=`.
    let number = |key: &str| -> Result<f64, String> {
        let written = value(key)?;
        let result = written.rsplit('=').next().unwrap_or(written).trim();
        match result.parse::<f64>() {
            Ok(number) if number.is_finite() && number > 0.0 => Ok(number),
            _ => Err(format!(
                "`- {key}:` in {FILE} should end with a number above 0 (a decimal point, no \
                 thousands separator), not `{result}`"
            )),
        }
    };
    Ok(Estimate {
        cpu_ms: number(CPU_MS)?,
        peak_rps: number(PEAK_RPS)?,
        busy_vcpu: number(BUSY)?,
        provide_vcpu: number(PROVIDE)?,
        chosen: chosen(value(CHOSEN)?)?,
    })
}

/// `N task(s) of C CPU units`.
fn chosen(written: &str) -> Result<(u32, u32), String> {
    let words: Vec<&str> = written.split_whitespace().collect();
    match words.as_slice() {
        [tasks, "task" | "tasks", "of", cpu, "CPU", "units"] => {
            match (tasks.parse::<u32>(), cpu.parse::<u32>()) {
                (Ok(tasks), Ok(cpu)) => Ok((tasks, cpu)),
                _ => Err(format!(
                    "`- {CHOSEN}:` in {FILE} should be whole numbers, as in `1 task of 512 CPU \
                     units`, not `{written}`"
                )),
            }
        }
        _ => Err(format!(
            "`- {CHOSEN}:` in {FILE} should read like `1 task of 512 CPU units` or `2 tasks of \
             256 CPU units`, not `{written}`"
        )),
    }
}

fn close(written: f64, computed: f64) -> bool {
    (written - computed).abs() <= TOLERANCE * computed.abs().max(0.01)
}

/// Whether the estimate agrees with itself and the size with the estimate; the error says what
/// disagrees, with the numbers, but never which size to pick.
pub fn check(estimate: &Estimate, size: ServiceSize) -> Result<(), String> {
    let busy = estimate.cpu_ms * estimate.peak_rps / 1000.0;
    if !close(estimate.busy_vcpu, busy) {
        return Err(format!(
            "the busy vCPU in {FILE} is {}, but {} ms × {} requests per second / 1000 is {busy:.3}",
            estimate.busy_vcpu, estimate.cpu_ms, estimate.peak_rps
        ));
    }
    let provide = estimate.busy_vcpu / HEADROOM;
    if !close(estimate.provide_vcpu, provide) {
        return Err(format!(
            "the vCPU to provide in {FILE} is {}, but {} / {HEADROOM} is {provide:.3}",
            estimate.provide_vcpu, estimate.busy_vcpu
        ));
    }
    let (tasks, cpu) = estimate.chosen;
    if (tasks, cpu) != (size.tasks, size.task.cpu) {
        return Err(format!(
            "{FILE} chose {tasks} task(s) of {cpu} CPU units, but terraform/task-size.auto.tfvars \
             runs {} of {} (desired_count and task_cpu)",
            size.tasks, size.task.cpu
        ));
    }
    let chosen_vcpu = f64::from(size.total_cpu()) / 1024.0;
    let provide = estimate.provide_vcpu;
    if chosen_vcpu < provide || chosen_vcpu >= 2.0 * provide {
        return Err(format!(
            "the chosen size gives {chosen_vcpu} vCPU in all, and your estimate asks for {provide} \
             vCPU: by the handout's rule the chosen vCPU is at least that and less than twice it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::TaskSize;

    fn size(cpu: u32, tasks: u32) -> ServiceSize {
        ServiceSize {
            task: TaskSize {
                cpu,
                memory_mib: 2 * cpu,
            },
            tasks,
        }
    }

    const GOOD: &str = "# Capacity estimate\n\n\
        - CPU per request (ms): 0.2\n\
        - peak requests per second: 3000\n\
        - busy vCPU at the peak: 0.2 × 3000 / 1000 = 0.6\n\
        - vCPU to provide: 0.6 / 0.7 = 0.857\n\
        - chosen size: 1 task of 1024 CPU units\n";

    #[test]
    fn a_consistent_estimate_with_a_size_that_follows_passes() {
        let estimate = parse(GOOD).expect("readable");
        assert_eq!(estimate.chosen, (1, 1024));
        assert_eq!(check(&estimate, size(1024, 1)), Ok(()));
        let scaled_out = GOOD.replace("1 task of 1024", "2 tasks of 512");
        let estimate = parse(&scaled_out).expect("readable");
        assert_eq!(check(&estimate, size(512, 2)), Ok(()));
    }

    #[test]
    fn the_handed_out_blanks_are_no_estimate() {
        let blank = "- CPU per request (ms): ?\n- peak requests per second: ?\n";
        let message = parse(blank).expect_err("blank");
        assert!(message.contains("no estimate yet"), "{message}");
        let message = parse("").expect_err("empty");
        assert!(
            message.contains("no line `- CPU per request (ms): ...`"),
            "{message}"
        );
    }

    #[test]
    fn unreadable_lines_are_named_with_the_format() {
        let message = parse(&GOOD.replace("3000", "3,000")).expect_err("a comma");
        assert!(message.contains("peak requests per second"), "{message}");
        let message = parse(&GOOD.replace("1 task of 1024 CPU units", "1 vCPU")).expect_err("x");
        assert!(message.contains("1 task of 512 CPU units"), "{message}");
        let message = parse(&GOOD.replace("(ms): 0.2", "(ms): -1")).expect_err("negative");
        assert!(message.contains("above 0"), "{message}");
    }

    #[test]
    fn wrong_arithmetic_fails_with_the_right_result() {
        let estimate = parse(&GOOD.replace("= 0.6\n", "= 6\n")).expect("readable");
        let message = check(&estimate, size(1024, 1)).expect_err("wrong product");
        assert!(message.contains("is 0.600"), "{message}");
        let estimate = parse(&GOOD.replace("= 0.857", "= 0.6")).expect("readable");
        let message = check(&estimate, size(1024, 1)).expect_err("no headroom");
        assert!(message.contains("0.6 / 0.7 is 0.857"), "{message}");
    }

    #[test]
    fn a_size_that_does_not_follow_fails() {
        let estimate = parse(GOOD).expect("readable");
        let message = check(&estimate, size(2048, 1)).expect_err("not the tfvars' size");
        assert!(message.contains("runs 1 of 2048"), "{message}");
        for (tasks, cpu) in [(1, 512), (1, 2048), (4, 512)] {
            let chosen = GOOD.replace(
                "1 task of 1024 CPU units",
                &format!("{tasks} tasks of {cpu} CPU units"),
            );
            let estimate = parse(&chosen).expect("readable");
            let message = check(&estimate, size(cpu, tasks)).expect_err("does not follow");
            assert!(message.contains("less than twice"), "{message}");
        }
    }
}
