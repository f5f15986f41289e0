//! Runners for the maintainers' commands: the student edition's export, `cargo xtask`, the
//! kit's test alias and cargo-deny in CI.

use std::process::Command;

use selftest::doc_commands::folder_of;
use selftest::doc_commands::read;
use selftest::doc_commands::shell::{run, substitute, tail};
use selftest::{kit_root, output_text as text};

pub(crate) fn student_repo(command: &str) -> Result<(), String> {
    let folder = std::env::temp_dir().join(format!("doc-student-repo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let adjusted = substitute(
        command,
        "../taskoverflow-assignment",
        &folder.display().to_string(),
    )?;
    let output = run(&adjusted, &folder_of(command), &[])?;
    let result = (|| {
        if !output.status.success() {
            return Err(format!("`{adjusted}` failed:\n{}", tail(&text(&output))));
        }
        let template = folder.join("template");
        let readme = std::fs::read_to_string(template.join("README.md")).unwrap_or_default();
        if !readme.contains("docs/handout.md") || !template.join("starter/Cargo.toml").is_file() {
            return Err("no student README or no starter/ in the export".to_owned());
        }
        if template.join("solution").exists() {
            return Err("the export holds solution/".to_owned());
        }
        for side in [
            "classroom50/autograder.py",
            "gradescope/run_autograder",
            "tutor/grade-class",
        ] {
            if !folder.join(side).is_file() {
                return Err(format!("the export has no {side}"));
            }
        }
        let log = Command::new("git")
            .current_dir(&template)
            .args(["rev-list", "--count", "HEAD"])
            .output()
            .map_err(|error| format!("git: {error}"))?;
        match String::from_utf8_lossy(&log.stdout).trim() {
            "1" => Ok(()),
            other => Err(format!("the export has {other:?} commits, expected one")),
        }
    })();
    let _ = std::fs::remove_dir_all(&folder);
    result
}

pub(crate) fn kit_test_alias(command: &str) -> Result<(), String> {
    let alias = command
        .strip_prefix("cargo ")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("`{command}` is not a cargo command"))?;
    let config = read(".cargo/config.toml");
    if !config
        .lines()
        .any(|line| line.starts_with(&format!("{alias} = ")) && line.contains("-p xtask"))
    {
        return Err(format!(
            ".cargo/config.toml has no alias {alias} for the xtask package"
        ));
    }
    if !kit_root().join("xtask/src/main.rs").is_file() {
        return Err("xtask/src/main.rs is missing".to_owned());
    }
    if !read(".ci/run").contains(&format!("KIT_TEST_COMMAND='{command}'")) {
        return Err(format!(".ci/run does not run `{command}`"));
    }
    Ok(())
}

/// A `cargo deny` command: CI runs it as written, with the kit's configuration.
pub(crate) fn cargo_deny_in_ci(command: &str) -> Result<(), String> {
    if !kit_root().join("deny.toml").is_file() {
        return Err("deny.toml is missing".to_owned());
    }
    let ci = read(".ci/run");
    let runs_it = ci.lines().any(|line| {
        let line = line.trim_start();
        !line.starts_with('#') && line.contains(command)
    });
    if !runs_it {
        return Err(format!(".ci/run does not run `{command}`"));
    }
    Ok(())
}

/// A maintainer's `cargo xtask ...` command, not run here: the real command line parses its
/// words (`cargo xtask WORDS --help`) and the files it names exist.
pub(crate) fn xtask_command(command: &str) -> Result<(), String> {
    let words: Vec<&str> = command
        .strip_prefix("cargo xtask ")
        .ok_or_else(|| format!("`{command}` is not a cargo xtask command"))?
        .split_whitespace()
        .collect();
    for pair in words.windows(2) {
        if pair[0] == "--script" && !kit_root().join(pair[1]).is_file() {
            return Err(format!("{} does not exist", pair[1]));
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = xtask::cargo_variables_of_this_test()
        .fold(std::process::Command::new(cargo), |mut command, key| {
            command.env_remove(key);
            command
        })
        .current_dir(kit_root())
        .args(["run", "--quiet", "--locked", "-p", "xtask", "--"])
        .args(&words)
        .arg("--help")
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let help = text(&output);
    if !output.status.success() || !help.contains("Usage: cargo xtask") {
        return Err(format!(
            "`cargo xtask {} --help` failed:\n{help}",
            words.join(" ")
        ));
    }
    Ok(())
}
