//! What the benchmark measured, and its table (quoted in docs/performance.md).

use std::fmt::Write;

use super::{Args, Load, COUNTS, LOGGING_ROUNDS, POOL_CONNECTIONS};
use crate::machine::Machine;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Starter,
    Solution,
    SolutionOff,
    SolutionMoto,
}

pub const VARIANTS: [Variant; 4] = [
    Variant::Starter,
    Variant::Solution,
    Variant::SolutionOff,
    Variant::SolutionMoto,
];

/// The variants compared side by side for the cost of logging, the baseline first.
pub const LOGGING_VARIANTS: [Variant; 3] = [
    Variant::SolutionOff,
    Variant::Solution,
    Variant::SolutionMoto,
];

impl Variant {
    pub fn binary(self) -> &'static str {
        match self {
            Self::Starter => "starter",
            _ => "solution",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Starter => "starter",
            Self::Solution => "solution",
            Self::SolutionOff => "solution-off",
            Self::SolutionMoto => "solution-moto",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Starter => "starter (text logs, stdout)",
            Self::Solution => "solution (JSON logs, stdout)",
            Self::SolutionOff => "solution RUST_LOG=off",
            Self::SolutionMoto => "solution, JSON shipped to moto",
        }
    }
}

/// One app's figures.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// GET /api/v1/todos with each of [`COUNTS`] todos.
    pub get: Vec<Load>,
    /// POST + DELETE pairs.
    pub pairs: Load,
    pub healthy_ms: f64,
    pub peak_rss_mib: f64,
    pub cpu_total_ms: u128,
}

impl Measured {
    /// HTTP requests served over all the loads: a pair is a POST and a DELETE.
    pub fn requests(&self) -> u64 {
        self.get.iter().map(|load| load.operations).sum::<u64>() + 2 * self.pairs.operations
    }
}

/// App CPU per request (µs) for the 400-todo list, one figure per round, per variant.
#[derive(Debug, Clone, Default)]
pub struct LoggingRounds(Vec<(Variant, Vec<f64>)>);

impl LoggingRounds {
    pub fn push(&mut self, variant: Variant, us_per_request: f64) {
        match self.0.iter_mut().find(|(v, _)| *v == variant) {
            Some((_, figures)) => figures.push(us_per_request),
            None => self.0.push((variant, vec![us_per_request])),
        }
    }

    pub fn figures(&self, variant: Variant) -> &[f64] {
        self.0
            .iter()
            .find(|(v, _)| *v == variant)
            .map_or(&[], |(_, figures)| figures.as_slice())
    }

    pub fn median(&self, variant: Variant) -> Option<f64> {
        median(self.figures(variant).to_vec())
    }

    /// What logging adds to the app's CPU per request, round by round: each round's figure ÷
    /// the same round's logs-off figure − 1.
    pub fn round_overheads(&self, variant: Variant) -> Vec<f64> {
        (0..self.figures(variant).len())
            .filter_map(|round| self.round_overhead(variant, round))
            .collect()
    }

    /// One round's overhead (`None` without a logs-off figure for that round to divide by).
    fn round_overhead(&self, variant: Variant, round: usize) -> Option<f64> {
        let on = self.figures(variant).get(round)?;
        let off = self.figures(Variant::SolutionOff).get(round)?;
        (*off > 0.0).then(|| on / off - 1.0)
    }

    /// What logging adds: the median of the rounds' overheads. Each ratio is taken within one
    /// round, within a minute, so a machine whose speed drifts over the run moves both its
    /// terms alike; a ratio of the variants' medians would compare figures from different rounds.
    pub fn overhead(&self, variant: Variant) -> Option<f64> {
        median(self.round_overheads(variant))
    }
}

/// The middle figure (the mean of the two middle ones for an even count).
fn median(mut figures: Vec<f64>) -> Option<f64> {
    figures.sort_by(f64::total_cmp);
    let n = figures.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(figures[n / 2]),
        _ => Some((figures[n / 2 - 1] + figures[n / 2]) / 2.0),
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub machine: Machine,
    pub command: String,
    pub duration: f64,
    pub warmup: f64,
    pub connections: u16,
    pub variants: Vec<(Variant, Measured)>,
    /// (tps, average latency in ms) per count.
    pub pgbench: Vec<(f64, f64)>,
    pub lines_shipped: u64,
    /// The side-by-side comparison the logging target is judged on.
    pub logging: LoggingRounds,
    /// `moto_server`'s CPU per request of the solution shipping to it, in µs (`None` when the
    /// emulator is not this run's own process).
    pub moto_cpu_us_per_request: Option<f64>,
    /// Peak RSS in MiB and k6's exit code under the full lab.
    pub lab: Option<(f64, i32)>,
    pub binary_mb: f64,
    /// The Cargo profile the apps were built with.
    pub profile: String,
    pub image: Option<String>,
    /// The lab's task sizes in vCPUs: (which, vCPUs).
    pub task_sizes: Vec<(&'static str, f64)>,
}

impl Report {
    pub fn new(args: &Args, machine: Machine) -> Self {
        let mut command = "cargo xtask bench".to_owned();
        if args.duration != 10.0 {
            let _ = write!(command, " --duration {}", args.duration);
        }
        if args.warmup != 2.0 {
            let _ = write!(command, " --warmup {}", args.warmup);
        }
        if args.connections != 20 {
            let _ = write!(command, " --connections {}", args.connections);
        }
        if args.lab {
            command.push_str(" --lab");
        }
        if args.no_image {
            command.push_str(" --no-image");
        }
        if args.logging_rounds != LOGGING_ROUNDS {
            let _ = write!(command, " --logging-rounds {}", args.logging_rounds);
        }
        if args.profile != crate::DEPLOY_PROFILE {
            let _ = write!(command, " --profile {}", args.profile);
        }
        let folder = crate::kit_root().join("terraform");
        let task_sizes = [
            ("handed-out task", Vec::new()),
            (
                "solved task",
                vec![folder.join("solved/task-size.auto.tfvars")],
            ),
        ]
        .into_iter()
        .filter_map(|(name, overrides)| {
            checks::terraform::task_size(&folder, &overrides)
                .ok()
                .map(|size| (name, size.vcpu()))
        })
        .collect();
        Self {
            machine,
            command,
            duration: args.duration,
            warmup: args.warmup,
            connections: args.connections,
            variants: Vec::new(),
            pgbench: Vec::new(),
            lines_shipped: 0,
            logging: LoggingRounds::default(),
            moto_cpu_us_per_request: None,
            lab: None,
            binary_mb: 0.0,
            profile: args.profile.clone(),
            image: None,
            task_sizes,
        }
    }

    pub fn measured(&self, variant: Variant) -> Option<&Measured> {
        self.variants
            .iter()
            .find(|(v, _)| *v == variant)
            .map(|(_, m)| m)
    }

    fn get(&self, variant: Variant, index: usize) -> Load {
        self.measured(variant)
            .and_then(|m| m.get.get(index).cloned())
            .unwrap_or_default()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        let _ = writeln!(w, "\n==== TaskOverflow benchmark");
        let _ = writeln!(w, "date          {}", self.machine.date);
        let _ = writeln!(w, "machine       {}", self.machine.describe());
        let _ = writeln!(w, "command       {}", self.command);
        let _ = writeln!(
            w,
            "arrangement   app or pgbench on CPU 0; PostgreSQL, load generator, moto_server on CPU 1"
        );
        let _ = writeln!(
            w,
            "load          {} keep-alive connections, {} s warm-up + {} s per figure; pgbench {POOL_CONNECTIONS} clients (the app's pool), -M prepared",
            self.connections, self.warmup, self.duration
        );
        let _ = writeln!(
            w,
            "load average  before {}, after {}",
            self.machine.load_before, self.machine.load_after
        );
        let _ = writeln!(
            w,
            "\n{:<34} {:>6} {:>9} {:>9} {:>9} {:>14}",
            "GET /api/v1/todos", "todos", "req/s", "p50 ms", "p99 ms", "app CPU us/req"
        );
        for variant in VARIANTS {
            for (i, count) in COUNTS.iter().enumerate() {
                let load = self.get(variant, i);
                let _ = writeln!(
                    w,
                    "{:<34} {:>6} {:>9.0} {:>9.3} {:>9.3} {:>14.0}",
                    variant.label(),
                    count,
                    load.rate.floor(),
                    load.p50_ms,
                    load.p99_ms,
                    load.cpu_us_per_op
                );
            }
        }
        for (count, (tps, latency)) in COUNTS.iter().zip(&self.pgbench) {
            let _ = writeln!(
                w,
                "{:<34} {:>6} {:>9.0} {:>9.3}",
                "pgbench, same SELECT (tps)",
                count,
                tps.floor(),
                latency
            );
        }
        let _ = writeln!(w, "(pgbench's column \"p50 ms\" is its average latency)");

        let _ = writeln!(w, "\n{:<34} {:>6} {:>9}", "app ÷ pgbench", "todos", "ratio");
        for variant in [Variant::Solution, Variant::SolutionOff] {
            for (i, count) in COUNTS.iter().enumerate() {
                let pg = self.pgbench.get(i).map_or(0.0, |(tps, _)| *tps);
                let _ = writeln!(
                    w,
                    "{:<34} {:>6} {:>9}",
                    variant.label(),
                    count,
                    ratio(self.get(variant, i).rate, pg)
                );
            }
        }

        let _ = writeln!(
            w,
            "\n{:<34} {:>6} {:>9}",
            "req/s lost to logging (1 − on÷off)", "todos", "overhead"
        );
        for (i, count) in COUNTS.iter().enumerate() {
            let off = self.get(Variant::SolutionOff, i).rate;
            for variant in [Variant::Solution, Variant::SolutionMoto] {
                let on = self.get(variant, i).rate;
                let overhead = if off > 0.0 {
                    format!("{:.1}%", (1.0 - on / off) * 100.0)
                } else {
                    "-".to_owned()
                };
                let _ = writeln!(w, "{:<34} {:>6} {:>9}", variant.label(), count, overhead);
            }
        }

        let _ = writeln!(
            w,
            "\nlogging's CPU side by side: GET /api/v1/todos, 400 todos, the three apps running, loaded in turn\n\
             (every other round in the reverse order; overhead: the median of the rounds' on ÷ off − 1)"
        );
        let _ = writeln!(
            w,
            "{:<34} {:>13} {:>9}   app CPU us/req per round",
            "app CPU", "median us/req", "overhead"
        );
        for variant in LOGGING_VARIANTS {
            let overhead = match (variant, self.logging.overhead(variant)) {
                (Variant::SolutionOff, _) => "base".to_owned(),
                (_, Some(overhead)) => format!("{:.1}%", overhead * 100.0),
                (_, None) => "-".to_owned(),
            };
            let rounds: Vec<String> = self
                .logging
                .figures(variant)
                .iter()
                .enumerate()
                .map(
                    |(round, us)| match (variant, self.logging.round_overhead(variant, round)) {
                        (Variant::SolutionOff, _) | (_, None) => format!("{us:.0}"),
                        (_, Some(ratio)) => format!("{us:.0} ({:+.0}%)", ratio * 100.0),
                    },
                )
                .collect();
            let _ = writeln!(
                w,
                "{:<34} {:>13} {:>9}   {}",
                variant.label(),
                self.logging
                    .median(variant)
                    .map_or("-".to_owned(), |us| format!("{us:.0}")),
                overhead,
                rounds.join(" ")
            );
        }

        let _ = writeln!(
            w,
            "\n{:<34} {:>9} {:>9} {:>9} {:>11} {:>11}",
            "per app", "pairs/s", "p50 ms", "p99 ms", "peak RSS", "healthy in"
        );
        for (variant, measured) in &self.variants {
            let _ = writeln!(
                w,
                "{:<34} {:>9.0} {:>9.3} {:>9.3} {:>7.1} MiB {:>8.1} ms",
                variant.label(),
                measured.pairs.rate.floor(),
                measured.pairs.p50_ms,
                measured.pairs.p99_ms,
                measured.peak_rss_mib,
                measured.healthy_ms
            );
        }
        let _ = writeln!(
            w,
            "(pairs: one POST and the DELETE of what it created; peak RSS: VmHWM over all of that app's runs)"
        );

        // What one vCPU serves at the solution's own CPU cost, beside the lab's task sizes: the
        // app's CPU time is its own, so other work on the machine barely moves this.
        let _ = writeln!(
            w,
            "\n{:<34} {:>6} {:>9} {:>11}",
            "capacity from CPU per request", "todos", "us/req", "req/s/vCPU"
        );
        for (i, count) in COUNTS.iter().enumerate() {
            let per_request = self.get(Variant::Solution, i).cpu_us_per_op;
            let mut line = format!(
                "{:<34} {:>6} {:>9.0} {:>11}",
                Variant::Solution.label(),
                count,
                per_request,
                per_vcpu(per_request, 1.0)
            );
            for (name, vcpu) in &self.task_sizes {
                let _ = write!(
                    line,
                    "   {name} ({vcpu} vCPU): {}",
                    per_vcpu(per_request, *vcpu)
                );
            }
            let _ = writeln!(w, "{line}");
        }

        let _ = writeln!(
            w,
            "\nlines logged  {} by the solution shipping to moto",
            self.lines_shipped
        );
        let _ = writeln!(
            w,
            "moto_server   {}",
            self.moto_cpu_us_per_request.map_or(
                "CPU not measured (an emulator this run did not start)".to_owned(),
                |us| format!(
                    "{us:.0} us of CPU per request of the solution shipping to it, on CPU 1 beside PostgreSQL"
                )
            )
        );
        let _ = writeln!(
            w,
            "lab peak RSS  {}",
            self.lab
                .map_or("not measured (add --lab)".to_owned(), |(mib, code)| {
                    format!("{mib:.1} MiB (k6 exit code {code})")
                })
        );
        let _ = writeln!(
            w,
            "binary        {:.1} MB, solution built with --profile {} (strip = true in that profile)",
            self.binary_mb, self.profile
        );
        let _ = writeln!(
            w,
            "image         {}",
            self.image.as_deref().unwrap_or("not built (--no-image)")
        );
        out
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "-".to_owned()
    }
}

fn per_vcpu(us_per_request: f64, vcpu: f64) -> String {
    if us_per_request > 0.0 {
        format!("{:.0}", vcpu * 1e6 / us_per_request)
    } else {
        "-".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_overhead_is_the_median_of_each_rounds_ratio_to_logs_off() {
        let mut rounds = LoggingRounds::default();
        // A machine that slows down round by round: the ratios within a round stay put.
        for (off, on, shipped) in [
            (200.0, 220.0, 300.0),
            (300.0, 324.0, 330.0),
            (400.0, 420.0, 460.0),
        ] {
            rounds.push(Variant::SolutionOff, off);
            rounds.push(Variant::Solution, on);
            rounds.push(Variant::SolutionMoto, shipped);
        }
        assert_eq!(rounds.median(Variant::SolutionOff), Some(300.0));
        assert_eq!(rounds.figures(Variant::Solution), [220.0, 324.0, 420.0]);
        let percent = |x: f64| (x * 1000.0).round() / 10.0;
        let per_round: Vec<f64> = rounds
            .round_overheads(Variant::Solution)
            .into_iter()
            .map(percent)
            .collect();
        assert_eq!(per_round, [10.0, 8.0, 5.0]);
        assert_eq!(rounds.overhead(Variant::Solution).map(percent), Some(8.0));
        assert_eq!(
            rounds.overhead(Variant::SolutionMoto).map(percent),
            Some(15.0)
        );
        // Four rounds: the mean of the two middle ratios.
        rounds.push(Variant::SolutionOff, 100.0);
        rounds.push(Variant::Solution, 150.0);
        assert_eq!(rounds.overhead(Variant::Solution).map(percent), Some(9.0));
        assert_eq!(rounds.median(Variant::SolutionOff), Some(250.0));
        assert_eq!(LoggingRounds::default().overhead(Variant::Solution), None);
    }
}
