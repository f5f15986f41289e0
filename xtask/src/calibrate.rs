//! `cargo xtask calibrate`: the evidence of docs/calibration.md. The handed-out ECS task is
//! too small for the lab's load test and the solved one is big enough, whether as one task or
//! as several smaller ones, measured by emulating each service size on this machine
//! (`emulated`) and running k6 against it.

pub mod balancer;
pub mod emulated;
mod runs;
mod summary;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

pub use emulated::Run;
pub use runs::{Expectation, Outcome, RunName};
pub use summary::{CpuAccount, CpusBusy, Memory, Summary, TaskFigures};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// The recorded runs (a)-(e) of docs/calibration.md, and their table.
    ///
    /// (a) the handed-out script, starter, solved size: its checks fail, /undefined is
    /// requested, todos are left; (b) the solved script, solution, handed-out size: a
    /// threshold fails; (c) the solved script, solution, solved size: passes, nothing left,
    /// rarely throttled; (d) the Fargate size between the two (512 CPU units, 1024 MiB): its
    /// CPU runs flat out at the peak; (e) three tasks of (d)'s size behind a round-robin load
    /// balancer: passes, nothing left, no task throttled most of the time. Sizes are read from
    /// terraform/task-size.auto.tfvars and terraform/solved/task-size.auto.tfvars; 1024 CPU
    /// units are one of this machine's CPUs. Exit code 0 when every expected outcome holds.
    Runs {
        /// SCALE of the k6 script: 1 is the full lab (about 4.5 minutes a run).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Which runs, e.g. "bc".
        #[arg(long, default_value = "abcde")]
        only: String,
        /// Where each run's NAME.json and NAME.txt go [default: target/calibration/scale-S].
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Print the table of the summaries already in the folder, run nothing.
        #[arg(long)]
        table_only: bool,
    },
    /// One load test against one emulated service size (what each of the runs does).
    One {
        #[arg(long, default_value = "solution", value_parser = ["starter", "solution"])]
        app: String,
        /// Run this binary instead of target/deploy/APP (built for this host's glibc).
        #[arg(long)]
        binary: Option<PathBuf>,
        /// How many tasks: several run behind a round-robin load balancer on 127.0.0.1.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
        tasks: u32,
        /// Each task's vCPUs: Fargate's 256 CPU units are 0.25.
        #[arg(long, default_value_t = 0.25)]
        cpus: f64,
        /// Each task's memory in MiB.
        #[arg(long, default_value_t = 512)]
        memory: u32,
        #[arg(long, default_value = "k6/solved/planners-and-studiers.js")]
        script: PathBuf,
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Write the summary (counts, machine, k6's --summary-export) as JSON here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep the app's log lines here.
        #[arg(long)]
        logs: Option<PathBuf>,
        /// More arguments for `k6 run`.
        #[arg(last = true)]
        k6_args: Vec<String>,
    },
    /// What each CPU size can take (docs/calibration.md, "Choosing the numbers"): the
    /// solution's ceiling under k6/calibration/flat-out.js, and the solved lab script, per size
    /// (memory 2048 MiB for all, so that CPU is the only difference).
    Sizes {
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        #[arg(long, value_delimiter = ',', default_value = "0.25,0.5,1")]
        cpus: Vec<f64>,
        /// Only the flat-out runs.
        #[arg(long)]
        flat_out_only: bool,
        /// [default: target/calibration/sizes]
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let root = crate::kit_root();
    match args.command {
        Command::Runs {
            scale,
            only,
            out_dir,
            table_only,
        } => {
            let names = RunName::parse_list(&only)?;
            let out_dir = out_dir
                .unwrap_or_else(|| crate::target_dir().join(format!("calibration/scale-{scale}")));
            std::fs::create_dir_all(&out_dir)?;
            let mut summaries = Vec::new();
            for name in names {
                let file = out_dir.join(format!("{}.json", name.letter()));
                if !table_only {
                    let mut spec = name.spec(&root, scale)?;
                    spec.k6_output = Some(out_dir.join(format!("{}.txt", name.letter())));
                    eprintln!("== ({}) {}", name.letter(), describe_spec(&spec));
                    let summary = emulated::run(&spec, &root)?;
                    write_json(&file, &summary)?;
                }
                let summary = read_json(&file)?;
                summaries.push((name, summary));
            }
            let all_hold = runs::print_table(&summaries);
            eprintln!("summaries in {}", out_dir.display());
            if !all_hold {
                bail!("an expected outcome does not hold");
            }
            Ok(())
        }
        Command::One {
            app,
            binary,
            tasks,
            cpus,
            memory,
            script,
            scale,
            out,
            logs,
            k6_args,
        } => {
            if !(cpus > 0.0 && scale > 0.0) {
                bail!("--cpus and --scale must be above 0");
            }
            let binary = match binary {
                Some(binary) => binary,
                None => deployed_binary(&app)?,
            };
            let spec = Run {
                app,
                binary,
                tasks,
                cpus,
                memory_mib: memory,
                script: root.join(script),
                scale,
                k6_args,
                k6_output: None,
                keep_log: logs,
            };
            let summary = emulated::run(&spec, &root)?;
            println!("\n==== calibration: {}", summary.describe());
            if let Some(out) = out {
                write_json(&out, &summary)?;
                eprintln!("summary written to {}", out.display());
            }
            match summary.k6_exit_code {
                0 => Ok(()),
                code => bail!("k6 exited with {code} (99: a threshold failed)"),
            }
        }
        Command::Sizes {
            scale,
            cpus,
            flat_out_only,
            out_dir,
        } => runs::sizes(
            &root,
            scale,
            &cpus,
            !flat_out_only,
            &out_dir.unwrap_or_else(|| crate::target_dir().join("calibration/sizes")),
        ),
    }
}

fn describe_spec(spec: &Run) -> String {
    format!(
        "{}, {} task(s) of --cpus {} --memory {}m, {}, SCALE={}  [load {}]",
        spec.app,
        spec.tasks,
        spec.cpus,
        spec.memory_mib,
        spec.script.display(),
        spec.scale,
        crate::machine::load_average()
    )
}

/// target/deploy/APP, brought up to date by `cargo build --profile deploy -p APP`: the build
/// the image runs, so that the task sizes are calibrated on what is deployed.
pub fn deployed_binary(app: &str) -> anyhow::Result<PathBuf> {
    crate::cargo_build(crate::DEPLOY_PROFILE, &[app])?;
    Ok(crate::target_dir().join(crate::DEPLOY_PROFILE).join(app))
}

pub fn write_json(file: &Path, summary: &Summary) -> anyhow::Result<()> {
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(file, serde_json::to_string_pretty(summary)?)
        .with_context(|| format!("cannot write {}", file.display()))
}

pub fn read_json(file: &Path) -> anyhow::Result<Summary> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("no summary at {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a summary", file.display()))
}
