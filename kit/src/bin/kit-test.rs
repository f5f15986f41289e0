//! `cargo kit-test`: the kit's one test command (README.md, "For kit maintainers").
//!
//! Every test of the workspace, except the autograder's lab test: it grades the starter and
//! so fails by design. `kit/tests/autograder.rs` runs the autograder against the solution, the
//! starter and student-like variants instead, and asserts each verdict.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let args = ["test", "--workspace", "--locked"];
    eprintln!("==> CHECKS_SKIP_LAB=1 cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .args(std::env::args().skip(1))
        .env("CHECKS_SKIP_LAB", "1")
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("kit-test: failed ({status})");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("kit-test: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
