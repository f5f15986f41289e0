//! `cargo xtask`: the kit's maintenance commands, in Rust rather than shell scripts.
//!
//! Run `cargo xtask --help` for the list; each command's `--help` says what it does.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{bench, calibrate, evidence_fixture, grade, pictures, profile, student_repo, test};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The TaskOverflow kit's maintenance commands"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the kit's tests: the quick tier by default, `--slow` or `--all` for the load tests.
    Test(test::Args),
    /// Emulates the lab's ECS task sizes here and load-tests them (docs/calibration.md).
    Calibrate(calibrate::Args),
    /// The apps on one CPU beside pgbench, the cost of logging, start-up, sizes
    /// (docs/performance.md).
    Bench(bench::Args),
    /// Where the solution's CPU goes while it serves the todo list, from `perf record`
    /// (docs/performance.md).
    Profile(profile::Args),
    /// Grades a submission with the grading command, the kit as its template: `--solved` for
    /// the lab's answer (full marks), nothing for the handed-out files (1 point).
    Grade(grade::Args),
    /// Writes the student edition (the assignment template, no answers in it) into a folder.
    StudentRepo(student_repo::Args),
    /// Makes the handout's pictures again from real runs (docs/pictures/; needs Docker, k6,
    /// jq and Chromium).
    Pictures(pictures::Args),
    /// Makes the deployment_evidence task's test files again from real runs on the loopback,
    /// standing in for Fargate and the load balancer (selftest/fixtures/deployment-evidence/;
    /// needs Docker, k6, moto_server and unshare).
    EvidenceFixture(evidence_fixture::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Test(args) => test::run(&args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Profile(args) => profile::run(args),
        Command::Grade(args) => grade::run(&args),
        Command::StudentRepo(args) => student_repo::run(&args),
        Command::Pictures(args) => pictures::run(&args),
        Command::EvidenceFixture(args) => evidence_fixture::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cargo xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}
