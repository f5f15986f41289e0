//! What a run measured: k6's summary, and each emulated task's own CPU, memory and requests
//! (written as JSON, read back for the table).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::machine::Machine;

/// What a run measured (written as JSON by `--out`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub app: String,
    /// One task's CPUs and memory: every task of a run has the same size.
    pub cpus: f64,
    pub memory_mib: u32,
    pub script: String,
    pub scale: f64,
    pub k6_exit_code: i32,
    pub undefined_requests: u64,
    pub todos_left: i64,
    pub requests_logged: u64,
    pub elapsed_s: f64,
    /// Every task's CPU together.
    pub app_cpu: CpuAccount,
    /// The largest peak over the tasks; OOM-killed when any task was.
    pub app_memory: Memory,
    /// Each task on its own, in the order the balancer hands out connections. Summaries
    /// written before runs had several tasks lack it: they ran one, `app_cpu` and `app_memory`.
    #[serde(default)]
    pub tasks: Vec<TaskFigures>,
    pub machine: Machine,
    pub cpus_busy: CpusBusy,
    pub disturbed: bool,
    /// k6's `--summary-export`.
    pub k6: serde_json::Value,
}

/// One emulated task's share of a run.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct TaskFigures {
    pub cpu: CpuAccount,
    pub memory: Memory,
    /// Its `Request finished` (or access) lines.
    pub requests_logged: u64,
    /// The connections the balancer gave it (0 without a balancer).
    pub connections: u64,
}

/// A container's CPU accounting over the run (its cgroup's `cpu.stat`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct CpuAccount {
    pub used_ms: u64,
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_ms: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Memory {
    pub peak_mib: f64,
    pub oom_killed: bool,
}

/// Where the machine's CPUs went during the run, in CPUs on average.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct CpusBusy {
    pub all: f64,
    /// Every task together.
    pub app: f64,
    pub postgres: f64,
    pub k6: f64,
    /// The load balancer in front of several tasks (0 with one task: k6 calls it directly).
    #[serde(default)]
    pub balancer: f64,
    /// Everything else: dockerd for this run, and any other work on the machine (the noise).
    pub everything_else: f64,
}

impl Summary {
    /// How many tasks served the run.
    pub fn task_count(&self) -> usize {
        self.tasks.len().max(1)
    }

    /// The share of CFS periods in which the CPU limit stopped the app: of the most throttled
    /// task when there are several, since one task at its limit queues the users it serves
    /// however idle the others are.
    pub fn throttled_ratio(&self) -> f64 {
        if self.tasks.is_empty() {
            return self.app_cpu.throttled_ratio();
        }
        self.tasks
            .iter()
            .map(|task| task.cpu.throttled_ratio())
            .fold(0.0, f64::max)
    }

    /// The least share of the requests one task served, against an even share (1.0): how well
    /// the balancer spread the load.
    pub fn least_share_of_requests(&self) -> f64 {
        let total: u64 = self.tasks.iter().map(|task| task.requests_logged).sum();
        let least = self.tasks.iter().map(|task| task.requests_logged).min();
        match least {
            Some(least) if total > 0 => least as f64 * self.tasks.len() as f64 / total as f64,
            _ => 1.0,
        }
    }

    fn metric(&self, name: &str, value: &str) -> Option<f64> {
        self.k6["metrics"][name][value].as_f64()
    }

    pub fn requests(&self) -> u64 {
        self.metric("http_reqs", "count").unwrap_or(0.0) as u64
    }

    pub fn request_rate(&self) -> f64 {
        self.metric("http_reqs", "rate").unwrap_or(0.0)
    }

    pub fn p95_ms(&self) -> f64 {
        self.metric("http_req_duration", "p(95)").unwrap_or(0.0)
    }

    pub fn failed_request_rate(&self) -> f64 {
        self.metric("http_req_failed", "value").unwrap_or(0.0)
    }

    pub fn checks_passed(&self) -> u64 {
        self.metric("checks", "passes").unwrap_or(0.0) as u64
    }

    pub fn checks_failed(&self) -> u64 {
        self.metric("checks", "fails").unwrap_or(0.0) as u64
    }

    /// The app's CPU per request served, in µs, over every task: its own CPU, which other work
    /// cannot fake.
    pub fn cpu_us_per_request(&self) -> f64 {
        match self.requests() {
            0 => 0.0,
            requests => self.app_cpu.used_ms as f64 * 1000.0 / requests as f64,
        }
    }

    /// The thresholds k6 marked as crossed, as "metric threshold".
    pub fn failed_thresholds(&self) -> Vec<String> {
        let Some(metrics) = self.k6["metrics"].as_object() else {
            return Vec::new();
        };
        metrics
            .iter()
            .flat_map(|(metric, values)| {
                values["thresholds"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    // In --summary-export, `true` marks a threshold that failed.
                    .filter(|(_, crossed)| crossed.as_bool() == Some(true))
                    .map(move |(threshold, _)| format!("{metric} {threshold}"))
            })
            .collect()
    }

    /// The task size as the table shows it: "0.5", or "3×0.5" for three tasks of 0.5 CPUs.
    pub fn size_label(&self) -> String {
        match self.task_count() {
            1 => self.cpus.to_string(),
            tasks => format!("{tasks}×{}", self.cpus),
        }
    }

    /// The numbers a reader (or a failed assertion) needs, on one line.
    pub fn describe(&self) -> String {
        let tasks = if self.tasks.len() > 1 {
            let each: Vec<String> = self
                .tasks
                .iter()
                .enumerate()
                .map(|(index, task)| {
                    format!(
                        "task {}: {} connections, {} requests, throttled {:.0}%, peak RSS {:.1} MiB",
                        index + 1,
                        task.connections,
                        task.requests_logged,
                        task.cpu.throttled_ratio() * 100.0,
                        task.memory.peak_mib
                    )
                })
                .collect();
            format!(" [{}]", each.join("; "))
        } else {
            String::new()
        };
        format!(
            "{} at {} task(s) of {} CPUs / {} MiB, SCALE={}: k6 exit code {}, {:.0} req/s, p95 \
             {:.1} ms, http_req_failed {:.2}%, checks {} passed / {} failed, failed thresholds \
             {:?}, {} requests to /undefined, {} todos left; app CPU {} ms ({:.0} µs/request), \
             throttled in {} of {} periods, most throttled task {:.0}%, peak RSS {:.1} MiB{}; \
             machine {} CPUs, load {} before; CPUs busy: app {:.2}, PostgreSQL {:.2}, k6 {:.2}, \
             balancer {:.2}, everything else {:.2} (disturbed: {})",
            self.app,
            self.task_count(),
            self.cpus,
            self.memory_mib,
            self.scale,
            self.k6_exit_code,
            self.request_rate(),
            self.p95_ms(),
            self.failed_request_rate() * 100.0,
            self.checks_passed(),
            self.checks_failed(),
            self.failed_thresholds(),
            self.undefined_requests,
            self.todos_left,
            self.app_cpu.used_ms,
            self.cpu_us_per_request(),
            self.app_cpu.throttled_periods,
            self.app_cpu.periods,
            self.throttled_ratio() * 100.0,
            self.app_memory.peak_mib,
            tasks,
            self.machine.nproc,
            self.machine.load_before,
            self.cpus_busy.app,
            self.cpus_busy.postgres,
            self.cpus_busy.k6,
            self.cpus_busy.balancer,
            self.cpus_busy.everything_else,
            self.disturbed,
        )
    }
}

impl CpuAccount {
    /// The share of CFS periods in which the CPU limit stopped the container.
    pub fn throttled_ratio(&self) -> f64 {
        if self.periods == 0 {
            0.0
        } else {
            self.throttled_periods as f64 / self.periods as f64
        }
    }

    pub fn since(self, before: Self) -> Self {
        Self {
            used_ms: self.used_ms.saturating_sub(before.used_ms),
            periods: self.periods.saturating_sub(before.periods),
            throttled_periods: self
                .throttled_periods
                .saturating_sub(before.throttled_periods),
            throttled_ms: self.throttled_ms.saturating_sub(before.throttled_ms),
        }
    }

    /// Several containers' accounts as one.
    pub fn sum(accounts: impl IntoIterator<Item = Self>) -> Self {
        accounts
            .into_iter()
            .fold(Self::default(), |total, account| Self {
                used_ms: total.used_ms + account.used_ms,
                periods: total.periods + account.periods,
                throttled_periods: total.throttled_periods + account.throttled_periods,
                throttled_ms: total.throttled_ms + account.throttled_ms,
            })
    }

    /// From a cgroup v2 `cpu.stat`, or v1's `cpuacct.usage` (as `usage_ns N`) followed by its
    /// `cpu.stat`.
    pub fn parse(text: &str) -> Self {
        let values: HashMap<&str, u64> = text
            .lines()
            .filter_map(|line| {
                let (key, value) = line.split_once(' ')?;
                Some((key, value.trim().parse().ok()?))
            })
            .collect();
        let get = |key: &str| values.get(key).copied();
        Self {
            used_ms: get("usage_usec")
                .map(|us| us / 1000)
                .or_else(|| get("usage_ns").map(|ns| ns / 1_000_000))
                .unwrap_or(0),
            periods: get("nr_periods").unwrap_or(0),
            throttled_periods: get("nr_throttled").unwrap_or(0),
            throttled_ms: get("throttled_usec")
                .map(|us| us / 1000)
                .or_else(|| get("throttled_time").map(|ns| ns / 1_000_000))
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
impl TaskFigures {
    /// A task that ran `periods` CFS periods, was throttled in `throttled_periods` of them and
    /// served `requests_logged` requests.
    pub(crate) fn example(periods: u64, throttled_periods: u64, requests_logged: u64) -> Self {
        Self {
            cpu: CpuAccount {
                periods,
                throttled_periods,
                ..CpuAccount::default()
            },
            requests_logged,
            ..Self::default()
        }
    }
}

#[cfg(test)]
impl Summary {
    /// A clean run of the solution on `tasks` of 0.5 CPUs: k6 passed, no check failed.
    pub(crate) fn example(tasks: Vec<TaskFigures>) -> Self {
        Self {
            app: "solution".to_owned(),
            cpus: 0.5,
            memory_mib: 1024,
            script: String::new(),
            scale: 1.0,
            k6_exit_code: 0,
            undefined_requests: 0,
            todos_left: 0,
            requests_logged: tasks.iter().map(|task| task.requests_logged).sum(),
            elapsed_s: 0.0,
            app_cpu: CpuAccount::sum(tasks.iter().map(|task| task.cpu)),
            app_memory: Memory::default(),
            tasks,
            machine: Machine::now(),
            cpus_busy: CpusBusy::default(),
            disturbed: false,
            k6: serde_json::json!({"metrics": {
                "checks": {"passes": 100.0, "fails": 0.0, "thresholds": {"rate>0.999": false}},
                "http_req_failed": {"value": 0.0, "thresholds": {"rate<0.01": false}},
                "http_req_duration": {"p(95)": 50.0, "thresholds": {"p(95)<200": false}},
            }}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(periods: u64, throttled_periods: u64, requests_logged: u64) -> TaskFigures {
        TaskFigures::example(periods, throttled_periods, requests_logged)
    }

    fn summary(tasks: Vec<TaskFigures>) -> Summary {
        Summary::example(tasks)
    }

    #[test]
    fn reads_cgroup_v1_and_v2() {
        for (text, expected) in [
            (
                "usage_usec 2500000\nuser_usec 1\nnr_periods 40\nnr_throttled 10\nthrottled_usec 7000\n",
                (2500, 40, 10, 7),
            ),
            (
                "usage_ns 3000000000\nnr_periods 5\nnr_throttled 4\nthrottled_time 9000000\n",
                (3000, 5, 4, 9),
            ),
        ] {
            let a = CpuAccount::parse(text);
            let got = (a.used_ms, a.periods, a.throttled_periods, a.throttled_ms);
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn several_tasks_are_as_throttled_as_the_most_throttled_one() {
        // Together 60 of 300 periods (20%), but the first task ran at its limit most of the time.
        let three = summary(vec![task(100, 60, 10), task(100, 0, 10), task(100, 0, 10)]);
        assert_eq!(three.throttled_ratio(), 0.6);
        assert_eq!(three.app_cpu.throttled_ratio(), 0.2);
        assert_eq!(three.size_label(), "3×0.5");
        let one = summary(vec![task(100, 5, 10)]);
        assert_eq!(one.throttled_ratio(), 0.05);
        assert_eq!(one.size_label(), "0.5");
    }

    #[test]
    fn the_least_share_compares_the_quietest_task_with_an_even_share() {
        assert_eq!(
            summary(vec![task(1, 0, 100), task(1, 0, 100)]).least_share_of_requests(),
            1.0
        );
        // 50 of 300 requests where an even share is 100.
        let uneven = summary(vec![task(1, 0, 50), task(1, 0, 100), task(1, 0, 150)]);
        assert_eq!(uneven.least_share_of_requests(), 0.5);
        assert_eq!(summary(vec![]).least_share_of_requests(), 1.0);
    }

    #[test]
    fn a_summary_written_before_several_tasks_reads_as_one_task() {
        let mut old = serde_json::to_value(summary(vec![])).expect("a summary as JSON");
        let fields = old.as_object_mut().expect("an object");
        fields.remove("tasks");
        fields["cpus_busy"]
            .as_object_mut()
            .expect("cpus_busy")
            .remove("balancer");
        fields["app_cpu"]["periods"] = 10.into();
        fields["app_cpu"]["throttled_periods"] = 7.into();
        let read: Summary = serde_json::from_value(old).expect("an old summary still reads");
        assert_eq!(read.task_count(), 1);
        assert_eq!(read.throttled_ratio(), 0.7);
    }
}
