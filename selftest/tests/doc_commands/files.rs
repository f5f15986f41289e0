//! Runners for the diffs, and checks of the files of what cannot run here (docker compose,
//! Terraform, the handout's jq commands).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use selftest::doc_commands::shell::run;
use selftest::doc_commands::{folder_of, normalise, read};
use selftest::{kit_root, output_text as text};

/// The paths `diff -r` reports: `diff -ru A/x B/x` headers and `Only in A/dir: name` lines,
/// relative to the compared folders.
pub(crate) fn diff_paths(output: &str, left: &str, right: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter_map(|line| {
            if let Some(rest) = line.strip_prefix("diff -ru ") {
                let first = rest.split_whitespace().next()?;
                return Some(first.strip_prefix(&format!("{left}/"))?.to_owned());
            }
            let rest = line.strip_prefix("Only in ")?;
            let (folder, name) = rest.split_once(": ")?;
            let folder = folder
                .strip_prefix(left)
                .or_else(|| folder.strip_prefix(right))?;
            let folder = folder.trim_start_matches('/');
            let path = if folder.is_empty() {
                name.to_owned()
            } else {
                format!("{folder}/{name}")
            };
            Some(format!("{path}/"))
        })
        .collect()
}

pub(crate) fn diff_starter_solution(command: &str) -> Result<(), String> {
    let output = run(command, &folder_of(command), &[])?;
    let all = String::from_utf8_lossy(&output.stdout).into_owned();
    let paths = diff_paths(&all, "starter", "solution");
    let expected: BTreeSet<String> = [
        "Cargo.toml",
        "src/telemetry.rs",
        "src/telemetry/request_id.rs",
        "tests/logs.rs",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    if output.status.code() != Some(1) || paths != expected {
        return Err(format!(
            "`{command}` ({}) should differ in exactly {expected:?}, got {paths:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// The lines a unified diff removes and adds (without the file headers).
pub(crate) fn changed_lines(diff: &str) -> (Vec<&str>, Vec<&str>) {
    let body = diff
        .lines()
        .filter(|line| !line.starts_with("---") && !line.starts_with("+++"));
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    for line in body {
        if let Some(line) = line.strip_prefix('-') {
            removed.push(line);
        } else if let Some(line) = line.strip_prefix('+') {
            added.push(line);
        }
    }
    (removed, added)
}

pub(crate) fn diff_k6(command: &str) -> Result<(), String> {
    let output = run(command, &folder_of(command), &[])?;
    let all = String::from_utf8_lossy(&output.stdout).into_owned();
    let (removed, _) = changed_lines(&all);
    let removes = |needle: &str| removed.iter().any(|line| line.contains(needle));
    if output.status.code() != Some(1) || !removes("${request.id}") || !removes("=== 200") {
        return Err(format!(
            "`{command}` ({}) should change the delete URL (`${{request.id}}`) and the POST's \
             status check (`=== 200`):\n{all}",
            output.status
        ));
    }
    Ok(())
}

pub(crate) fn diff_task_size(command: &str) -> Result<(), String> {
    let output = run(command, &folder_of(command), &[])?;
    let all = String::from_utf8_lossy(&output.stdout).into_owned();
    let (removed, added) = changed_lines(&all);
    let names = |lines: &[&str]| -> BTreeSet<String> {
        lines
            .iter()
            .filter_map(|line| line.split('=').next())
            .map(|name| name.trim().to_owned())
            .collect()
    };
    let expected: BTreeSet<String> = ["task_cpu".to_owned(), "task_memory".to_owned()].into();
    if output.status.code() != Some(1) || names(&removed) != expected || names(&added) != expected {
        return Err(format!(
            "`{command}` ({}) should change task_cpu and task_memory only:\n{all}",
            output.status
        ));
    }
    Ok(())
}

/// `docker compose` (v2) when there is one, else docker-compose v1.
pub(crate) fn compose() -> &'static str {
    let v2 = Command::new("docker")
        .args(["compose", "version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if v2 {
        "docker compose"
    } else {
        "docker-compose"
    }
}

pub(crate) fn compose_config(app: Option<&str>) -> Result<String, String> {
    let compose = compose();
    let extra: Vec<(&str, &str)> = app.map(|app| ("APP", app)).into_iter().collect();
    let valid = run(&format!("{compose} config -q"), &kit_root(), &extra)?;
    if !valid.status.success() {
        return Err(format!(
            "`{compose} config -q` rejects docker-compose.yml:\n{}",
            text(&valid)
        ));
    }
    let services = run(&format!("{compose} config --services"), &kit_root(), &extra)?;
    let services: BTreeSet<String> = String::from_utf8_lossy(&services.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    if services != ["app".to_owned(), "db".to_owned()].into() {
        return Err(format!(
            "docker-compose.yml should have the services app and db: {services:?}"
        ));
    }
    let config = run(&format!("{compose} config"), &kit_root(), &extra)?;
    Ok(String::from_utf8_lossy(&config.stdout).into_owned())
}

pub(crate) fn expect_compose(config: &str, app: &str) -> Result<(), String> {
    let compact = normalise(config);
    let needs = [
        (format!("APP: {app}"), "the app's build argument APP"),
        (
            format!("image: taskoverflow-{app}:local"),
            "the image named after the app",
        ),
        (
            "/home/taskoverflow/.aws:ro".to_owned(),
            "~/.aws mounted read-only",
        ),
    ];
    for (needle, what) in needs {
        if !compact.contains(&needle) {
            return Err(format!(
                "{what} ({needle:?}) is not in the compose config:\n{config}"
            ));
        }
    }
    // docker-compose v1 prints `published: 6400` before `target: 6400`; v2 quotes the published
    // port and prints it after the target.
    let port_6400 = compact.contains("6400:6400")
        || (compact.contains("target: 6400")
            && (compact.contains("published: 6400") || compact.contains("published: \"6400\"")));
    if !port_6400 {
        return Err(format!(
            "the app is not published on port 6400 (the docs' http://localhost:6400):\n{config}"
        ));
    }
    let dockerfile = read("Dockerfile");
    if !dockerfile.contains("ARG APP=starter") || !dockerfile.contains("--package \"${APP}\"") {
        return Err("the Dockerfile should build the package named by ARG APP".to_owned());
    }
    Ok(())
}

pub(crate) fn compose_starter(_command: &str) -> Result<(), String> {
    expect_compose(&compose_config(None)?, "starter")
}

pub(crate) fn compose_solution(command: &str) -> Result<(), String> {
    let app = command
        .strip_prefix("APP=")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("`{command}` does not start with APP="))?;
    expect_compose(&compose_config(Some(app))?, app)
}

/// Every `.tf` file of terraform/, concatenated.
pub(crate) fn terraform_text() -> Result<String, String> {
    let folder = kit_root().join("terraform");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(|error| format!("cannot read terraform/: {error}"))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    names.sort();
    Ok(names
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect::<Vec<_>>()
        .join("\n"))
}

pub(crate) fn terraform_endpoint_output(command: &str) -> Result<(), String> {
    if !terraform_text()?.contains("output \"endpoint\"") {
        return Err("terraform/ declares no `output \"endpoint\"`".to_owned());
    }
    let script = command
        .split_whitespace()
        .last()
        .ok_or("no script in the command")?;
    if !kit_root().join(script).is_file() {
        return Err(format!("{script} does not exist"));
    }
    Ok(())
}

pub(crate) fn terraform_providers(_command: &str) -> Result<(), String> {
    let providers = read("terraform/providers.tf");
    for needle in ["required_providers", "hashicorp/aws", "us-east-1"] {
        if !providers.contains(needle) && !read("terraform/variables.tf").contains(needle) {
            return Err(format!("terraform/providers.tf lacks {needle:?}"));
        }
    }
    Ok(())
}

pub(crate) fn terraform_configuration(_command: &str) -> Result<(), String> {
    // The files terraform/README.md's table lists.
    let listed: Vec<String> = read("terraform/README.md")
        .lines()
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| line.split('`').nth(1).map(str::to_owned))
        .collect();
    if listed.len() < 5 {
        return Err(format!(
            "terraform/README.md's file table is gone: {listed:?}"
        ));
    }
    let missing: Vec<&String> = listed
        .iter()
        .filter(|file| !kit_root().join("terraform").join(file).is_file())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "terraform/README.md lists files that do not exist: {missing:?}"
        ))
    }
}

pub(crate) fn terraform_lock_file(_command: &str) -> Result<(), String> {
    let lock = read("terraform/.terraform.lock.hcl");
    for source in ["hashicorp/aws", "hashicorp/random"] {
        let required = read("terraform/providers.tf").contains(&format!("\"{source}\""));
        let locked = lock.contains(&format!("provider \"registry.terraform.io/{source}\""));
        if required && !locked {
            return Err(format!(
                "terraform/.terraform.lock.hcl does not lock {source}"
            ));
        }
    }
    if lock.is_empty() {
        return Err("terraform/.terraform.lock.hcl is missing or empty".to_owned());
    }
    Ok(())
}

pub(crate) fn terraform_solved_var_file(command: &str) -> Result<(), String> {
    let file = command
        .split_whitespace()
        .find_map(|word| word.strip_prefix("-var-file="))
        .ok_or_else(|| format!("`{command}` has no -var-file"))?;
    let text = std::fs::read_to_string(kit_root().join("terraform").join(file))
        .map_err(|error| format!("terraform/{file}: {error}"))?;
    let variables = read("terraform/variables.tf");
    for name in ["task_cpu", "task_memory"] {
        if !text.lines().any(|line| line.trim_start().starts_with(name)) {
            return Err(format!("terraform/{file} does not set {name}"));
        }
        if !variables.contains(&format!("variable \"{name}\"")) {
            return Err(format!("terraform/variables.tf does not declare {name}"));
        }
    }
    Ok(())
}

/// The handout's jq commands need a captured log of the solution: `selftest/tests/local_queries.rs`
/// makes one and checks their answers.
pub(crate) fn jq_local_query(command: &str) -> Result<(), String> {
    let version = run("jq --version", &kit_root(), &[])?;
    if !version.status.success() {
        return Err(format!("jq is not installed: {}", text(&version)));
    }
    let test = read("selftest/tests/local_queries.rs");
    if !command.starts_with("jq ") || !test.contains("## The same questions without AWS") {
        return Err(
            "selftest/tests/local_queries.rs no longer runs the handout's jq section".to_owned(),
        );
    }
    Ok(())
}
