//! The kit's maintenance commands (`cargo xtask --help`), as a library so that the kit's own
//! tests (selftest/tests/calibration.rs) run the same code the commands do.

pub mod bench;
pub mod calibrate;
pub mod evidence_fixture;
pub mod grade;
pub mod load_rig;
pub mod machine;
pub mod pictures;
pub mod profile;
pub mod student_repo;
pub mod submission;
pub mod test;

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};

/// The kit's root folder (where the workspace's Cargo.toml is).
pub fn kit_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// Cargo's target folder: CARGO_TARGET_DIR, or target/ in the kit.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                kit_root().join(dir)
            }
        })
        .unwrap_or_else(|| kit_root().join("target"))
}

/// The target folder for copies of the kit's packages: the student edition and the submissions
/// the grader assembles. Cargo names a workspace member's build by its path inside its workspace,
/// so a copy's `checks` or `starter` built in the kit's own folder would overwrite the kit's
/// (and a kit test running at the same time would load the copy's).
pub fn copies_target_dir() -> PathBuf {
    target_dir().join("copies")
}

/// The Cargo profile of what is deployed (the image's) and measured: `--profile deploy`.
pub const DEPLOY_PROFILE: &str = "deploy";

/// `cargo build --profile PROFILE --locked -p P` for each package, one at a time, without the
/// variables Cargo set for a test that runs this (a nested build would inherit them).
pub fn cargo_build(profile: &str, packages: &[&str]) -> anyhow::Result<()> {
    for package in packages {
        let status = cargo_build_command(profile, package, false)
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            bail!("cargo build --profile {profile} -p {package} failed ({status})");
        }
    }
    Ok(())
}

/// The command `cargo_build` runs for one package; `nice` runs it at low priority. Builds made
/// with it are fresh for each other: same flags, same environment.
pub fn cargo_build_command(profile: &str, package: &str, nice: bool) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = if nice {
        let mut nice = Command::new("nice");
        nice.args(["-n", "10", &cargo]);
        nice
    } else {
        Command::new(&cargo)
    };
    for key in cargo_variables_of_this_test() {
        command.env_remove(key);
    }
    command
        .current_dir(kit_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .args(["build", "--profile", profile, "--locked", "-p", package]);
    command
}

/// A debug build of one of the workspace's apps (`starter`, `solution`), built with the grader
/// so that its dependencies resolve the features they have in `cargo test` and compile once.
pub fn app_binary(package: &str) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    for key in cargo_variables_of_this_test() {
        command.env_remove(key);
    }
    let output = command
        .current_dir(kit_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .args([
            "build", "--locked", "-p", "checks", "-p", package, "--bin", package,
        ])
        .output()
        .context("cannot run cargo")?;
    if !output.status.success() {
        bail!(
            "cargo build -p {package} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(target_dir().join("debug").join(package))
}

/// The variables Cargo set for the running test that a nested `cargo` must not inherit: a
/// build script that watches one of them (ring watches CARGO_MANIFEST_DIR) would otherwise
/// rebuild half the dependencies on every run.
pub fn cargo_variables_of_this_test() -> impl Iterator<Item = String> {
    std::env::vars().map(|(key, _)| key).filter(|key| {
        [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "OUT_DIR",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix))
    })
}
