//! `cargo kit-test`: the kit's one test command (README.md, "For kit maintainers").
//!
//! Every crate's tests except the autograder's lab test, which grades the starter and so
//! fails by design; the `kit` crate's own tests run the autograder against the solution, the
//! starter and student-like variants instead. The autograder's unit tests run separately.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let extra: Vec<String> = std::env::args().skip(1).collect();
    let runs: [&[&str]; 2] = [
        &["test", "--workspace", "--exclude", "checks", "--locked"],
        &["test", "-p", "checks", "--lib", "--locked"],
    ];
    let mut failed = Vec::new();
    for args in runs {
        eprintln!("\n==> cargo {}", args.join(" "));
        let status = Command::new(&cargo).args(args).args(&extra).status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => failed.push(format!("cargo {} ({status})", args.join(" "))),
            Err(error) => failed.push(format!("cargo {} could not run: {error}", args.join(" "))),
        }
    }
    if failed.is_empty() {
        eprintln!("\nkit-test: all passed");
        ExitCode::SUCCESS
    } else {
        eprintln!("\nkit-test: failed: {}", failed.join("; "));
        ExitCode::FAILURE
    }
}
