//! Building the graded app: once per grading, in the assembled workspace, with a clean
//! environment, and copied out of the target folder before anything of it runs.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::submission::{Workspace, GRADED_PACKAGE};

/// Variables the build keeps: where the toolchain and the caches are, and how to reach the
/// registry. Anything else (`RUSTFLAGS`, `CARGO_*` settings, a runner) would change what is
/// built.
const KEPT: [&str; 16] = [
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "CARGO_NET_OFFLINE",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// How many of the compiler's errors a message quotes.
const ERRORS_QUOTED: usize = 5;

/// Why the app could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildFailure {
    /// The student's code does not compile: the compiler's first errors.
    Compile(String),
    /// This machine could not run the build.
    Machine(String),
}

/// Builds the graded package of `workspace` into `target_dir` (shared with the grader's own
/// build, so that dependencies compile once) and copies the binary into `out`.
pub fn build(
    workspace: &Workspace,
    target_dir: &Path,
    out: &Path,
) -> Result<PathBuf, BuildFailure> {
    fs::create_dir_all(target_dir).map_err(|error| {
        BuildFailure::Machine(format!("cannot create {}: {error}", target_dir.display()))
    })?;
    // One grading at a time builds and copies its binary: two would overwrite each other's.
    let lock = fs::File::create(target_dir.join("graded-app.lock"))
        .and_then(|file| file.lock().map(|()| file))
        .map_err(|error| {
            BuildFailure::Machine(format!(
                "cannot lock {}: {error}",
                target_dir.join("graded-app.lock").display()
            ))
        })?;
    workspace.touch_lab_files().map_err(|error| {
        BuildFailure::Machine(format!("cannot set the time of the lab files: {error}"))
    })?;
    let workspace = workspace.root();
    let mut command = Command::new(cargo());
    command
        .env_clear()
        .envs(
            KEPT.iter()
                .filter_map(|key| std::env::var_os(key).map(|value| (OsString::from(key), value))),
        )
        .env("CARGO_TERM_COLOR", "never")
        .current_dir(workspace)
        .arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        // With the grader in the build, every dependency resolves the features it has in the
        // grader's own build, and so compiles once for both.
        .args([
            "-p",
            "checks",
            "-p",
            GRADED_PACKAGE,
            "--bin",
            GRADED_PACKAGE,
        ])
        .args(["--message-format", "short"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let output = command
        .output()
        .map_err(|error| BuildFailure::Machine(format!("cannot run cargo: {error}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(match compiler_errors(&stderr) {
            Some(errors) => BuildFailure::Compile(errors),
            None if stderr.contains("No space left on device") => BuildFailure::Machine(
                "the disk is full: cargo could not write the build".to_owned(),
            ),
            None => BuildFailure::Compile(last_lines(&stderr, 10)),
        });
    }
    let built = target_dir.join("debug").join(GRADED_PACKAGE);
    fs::create_dir_all(out)
        .and_then(|()| fs::copy(&built, out.join(GRADED_PACKAGE)))
        .map_err(|error| {
            BuildFailure::Machine(format!(
                "cannot copy the built app {}: {error}",
                built.display()
            ))
        })?;
    drop(lock);
    Ok(out.join(GRADED_PACKAGE))
}

/// Cargo itself: the one running this grading when there is one, else the one on `PATH`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The compiler's first errors in `--message-format short` (`file:line:column: error...`), with
/// the workspace's paths as the student knows them.
pub fn compiler_errors(stderr: &str) -> Option<String> {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| {
            line.split_once(": error").is_some_and(|(place, _)| {
                place.matches(':').count() == 2 && !place.starts_with("error")
            })
        })
        .collect();
    if errors.is_empty() {
        return None;
    }
    let mut quoted: Vec<String> = errors
        .iter()
        .take(ERRORS_QUOTED)
        .map(|line| (*line).to_owned())
        .collect();
    if errors.len() > ERRORS_QUOTED {
        quoted.push(format!("and {} more", errors.len() - ERRORS_QUOTED));
    }
    Some(quoted.join("\n"))
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with("Compiling"))
        .collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_the_first_compiler_errors_with_their_place() {
        let stderr = "   Compiling graded-starter v0.1.0 (/tmp/x/starter)\n\
starter/src/telemetry.rs:12:5: error[E0425]: cannot find value `layer` in this scope\n\
starter/src/main.rs:3:1: warning: unused import\n\
starter/src/main.rs:9:9: error[E0308]: mismatched types\n\
error: could not compile `graded-starter` (bin \"graded-starter\") due to 2 previous errors\n";
        let errors = compiler_errors(stderr).expect("errors");
        assert_eq!(
            errors,
            "starter/src/telemetry.rs:12:5: error[E0425]: cannot find value `layer` in this scope\n\
starter/src/main.rs:9:9: error[E0308]: mismatched types"
        );
        assert_eq!(compiler_errors("error: failed to select a version\n"), None);
    }

    #[test]
    fn counts_the_errors_it_does_not_quote() {
        let stderr: String = (1..=8)
            .map(|n| format!("starter/src/main.rs:{n}:1: error: bad\n"))
            .collect();
        let errors = compiler_errors(&stderr).expect("errors");
        assert!(errors.ends_with("and 3 more"), "{errors}");
        assert_eq!(errors.lines().count(), 6);
    }
}
