//! The machine a measurement ran on, and where its CPU went: every figure in the docs says
//! which machine measured it and how busy it was.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Name, size and load of this machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub date: String,
    pub nproc: usize,
    pub cpu_model: String,
    pub memory_gib: f64,
    pub load_before: String,
    pub load_after: String,
}

impl Machine {
    /// The machine now; `load_after` is filled in by [`Machine::finish`].
    pub fn now() -> Self {
        Self {
            date: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            nproc: online_cpus(),
            cpu_model: cpu_model(),
            memory_gib: memory_gib(),
            load_before: load_average(),
            load_after: String::new(),
        }
    }

    pub fn finish(&mut self) {
        self.load_after = load_average();
    }

    /// "2 CPUs (AMD EPYC, family 26 model 2, 2596 MHz), 23.5 GiB".
    pub fn describe(&self) -> String {
        format!(
            "{} CPUs ({}), {:.1} GiB",
            self.nproc, self.cpu_model, self.memory_gib
        )
    }
}

/// The machine's CPUs, whatever this thread is pinned to (the benchmark pins itself).
pub fn online_cpus() -> usize {
    // SAFETY: sysconf has no preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(cpus).ok().filter(|n| *n > 0).unwrap_or(1)
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg writes them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn cpu_model() -> String {
    describe_cpu(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
}

/// The first CPU's model name, with its family, model and clock: virtual machines often see a
/// bare "AMD EPYC" or "Intel Xeon", and two machines of one name can differ twofold in speed.
fn describe_cpu(cpuinfo: &str) -> String {
    let field = |name: &str| {
        cpuinfo.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_owned())
        })
    };
    let Some(name) = field("model name") else {
        return "unknown CPU".to_owned();
    };
    let mut details = Vec::new();
    if let (Some(family), Some(model)) = (field("cpu family"), field("model")) {
        details.push(format!("family {family} model {model}"));
    }
    if let Some(mhz) = field("cpu MHz").and_then(|mhz| mhz.parse::<f64>().ok()) {
        details.push(format!("{mhz:.0} MHz"));
    }
    if details.is_empty() {
        name
    } else {
        format!("{name}, {}", details.join(", "))
    }
}

fn memory_gib() -> f64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    kib_field(&meminfo, "MemTotal:") / 1_048_576.0
}

/// The number of a `Name:   1234 kB` line of a /proc file, in KiB (0 when missing).
fn kib_field(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(0.0)
}

/// The whole machine's CPU time so far: (busy, total), summed over all CPUs.
pub fn machine_cpu() -> (Duration, Duration) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("cpu "))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|field| field.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let total: u64 = ticks.iter().sum();
    // idle and iowait
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    (ticks_to_time(total - idle), ticks_to_time(total))
}

fn ticks_to_time(ticks: u64) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|hz| *hz > 0).unwrap_or(100);
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// CPU time (user + system) of this process's children that have finished and been waited for.
pub fn children_cpu() -> Duration {
    // SAFETY: getrusage writes into the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// CPU time (user + system) a live process has used so far, from /proc/PID/stat.
pub fn process_cpu(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: the fields that follow it start after the last ')'.
    let (_, rest) = stat
        .rsplit_once(") ")
        .ok_or_else(|| anyhow::anyhow!("unexpected /proc/{pid}/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(ticks_to_time(ticks(11) + ticks(12)))
}

/// A process's peak resident memory (VmHWM) in MiB, from a /proc/PID/status text.
pub fn peak_rss_mib(status: &str) -> f64 {
    kib_field(status, "VmHWM:") / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let (busy, total) = machine_cpu();
        assert!(total > Duration::ZERO && busy <= total);
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(peak_rss_mib(&status) > 0.5);
        assert!(process_cpu(std::process::id()).is_ok());
        assert_eq!(load_average().split(' ').count(), 3);
    }

    #[test]
    fn names_the_cpu_with_its_family_model_and_clock() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n\
                       model\t\t: 2\nmodel name\t: AMD EPYC\nstepping\t: 1\n\
                       cpu MHz\t\t: 2596.122\n";
        assert_eq!(
            describe_cpu(cpuinfo),
            "AMD EPYC, family 26 model 2, 2596 MHz"
        );
        assert_eq!(
            describe_cpu("model name\t: Some ARM core\n"),
            "Some ARM core"
        );
        assert_eq!(describe_cpu(""), "unknown CPU");
    }
}
