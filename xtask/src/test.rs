//! The kit's test tiers.
//!
//! - quick (the default): every test of the workspace that is not marked slow: unit tests, the
//!   API tests against PostgreSQL, both apps' log tests, the autograder's self-test, the docs'
//!   commands. A few minutes on a warm build.
//! - slow (`--slow`): the tests marked `#[ignore = "slow tier ..."]`: the load tests
//!   (calibration, benchmark) and the student edition's whole journey.
//! - all (`--all`): both, one after the other; `.ci/run` runs this. The slow tier's optimised
//!   builds start at low priority when the quick tier does.
//!
//! The autograder's own lab test (`cargo test -p checks`, which grades the pristine starter and
//! so fails by design) is left out: the tiers run every other test of `checks`, and the
//! self-test grades the starter instead and asserts each verdict.

use std::process::Command;

use anyhow::{bail, Context};

#[derive(clap::Args)]
pub struct Args {
    /// Only the slow tier (load tests, calibration, the student edition's journey).
    #[arg(long, conflicts_with = "all")]
    slow: bool,
    /// The quick tier, then the slow tier.
    #[arg(long)]
    all: bool,
    /// Passed on to the test binaries (e.g. a test name filter).
    #[arg(last = true)]
    test_args: Vec<String>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let tiers: &[Tier] = match (args.slow, args.all) {
        (true, _) => &[Tier::Slow],
        (_, true) => &[Tier::Quick, Tier::Slow],
        _ => &[Tier::Quick],
    };
    // The slow tier's optimised builds are mostly one long single-threaded LTO step each: they
    // compile at low priority beside the quick tier, which leaves a CPU idle much of the time.
    let prebuild = tiers
        .iter()
        .any(|tier| matches!(tier, Tier::Slow))
        .then(prebuild_deploy_profile);
    // Both tiers run even when the first fails: CI reports every failing test at once.
    let failed: Vec<String> = tiers
        .iter()
        .filter_map(|tier| tier.run(&args.test_args).err())
        .map(|error| format!("{error:#}"))
        .collect();
    if let Some(prebuild) = prebuild {
        // Its errors, if any, are the slow tier's to report: it builds the same again.
        let _ = prebuild.join();
    }
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

/// What the slow tier builds with `--profile deploy` (the benchmark and the calibration), built
/// the same way (`xtask::cargo_build`, one package at a time), under `nice`, output to
/// `target/deploy-prebuild.log`.
fn prebuild_deploy_profile() -> std::thread::JoinHandle<()> {
    std::thread::spawn(|| {
        let log = crate::target_dir().join("deploy-prebuild.log");
        for package in ["starter", "solution", "bench"] {
            let open = || {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
            };
            let (Ok(out), Ok(err)) = (open(), open()) else {
                return;
            };
            let built = crate::cargo_build_command(crate::DEPLOY_PROFILE, package, true)
                .stdout(out)
                .stderr(err)
                .status();
            if !built.is_ok_and(|status| status.success()) {
                return;
            }
        }
    })
}

#[derive(Clone, Copy)]
enum Tier {
    Quick,
    Slow,
}

impl Tier {
    fn run(self, extra: &[String]) -> anyhow::Result<()> {
        // Every test binary runs even after one fails, so one run reports every problem.
        let everything_but_checks = [
            "test",
            "--workspace",
            "--exclude",
            "checks",
            "--locked",
            "--no-fail-fast",
        ];
        let checks_but_the_lab = [
            "test",
            "-p",
            "checks",
            "--lib",
            "--bins",
            "--locked",
            "--no-fail-fast",
        ];
        let name = match self {
            Self::Quick => "quick",
            Self::Slow => "slow",
        };
        let mut failed = Vec::new();
        for cargo_args in [&everything_but_checks[..], &checks_but_the_lab[..]] {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let mut command = Command::new(cargo);
            command.args(cargo_args).arg("--").args(extra);
            if let Self::Slow = self {
                command.arg("--ignored");
            }
            eprintln!("==> {name} tier: {command:?}");
            let status = command.status().context("cannot run cargo")?;
            if !status.success() {
                failed.push(format!("cargo {} ({status})", cargo_args.join(" ")));
            }
        }
        if !failed.is_empty() {
            bail!("the {name} tier failed: {}", failed.join("; "));
        }
        Ok(())
    }
}
