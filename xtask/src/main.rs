//! `cargo xtask`: the kit's maintenance commands, in Rust rather than shell scripts.
//!
//! Run `cargo xtask --help` for the list; each command's `--help` says what it does.

mod student_repo;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
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
    /// Writes the student edition (the assignment template, no answers in it) into a folder.
    StudentRepo(student_repo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Test(args) => test::run(&args),
        Command::StudentRepo(args) => student_repo::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cargo xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}
