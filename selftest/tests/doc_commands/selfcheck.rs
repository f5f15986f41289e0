//! The checker checks itself: broken docs and broken commands must fail.

use std::collections::BTreeSet;

use selftest::doc_commands::shell::substitute;
use selftest::doc_commands::{commands_in, table_problems, DocCommand};

use crate::files::{diff_k6, diff_paths, diff_starter_solution, diff_task_size, expect_compose};
use crate::grading::{expect_verdicts, starter_verdict};
use crate::k6::{at_test_scale, k6_version};
use crate::Check;

pub(crate) fn unit_extracts_commands_from_sh_blocks() -> Result<(), String> {
    let doc = "Intro `inline code` is not a command.\n\n\
               ```sh\n\
               cargo test -p checks     # a comment\n\
               \n\
               # a comment line\n\
               k6 run -e SCALE=0.1 \\\n    k6/x.js\n\
               echo \"a # in quotes\"\n\
               ```\n\n\
               ```\n\
               fields @timestamp | filter x\n\
               ```\n\n   \
               ```sh\n   terraform init\n   ```\n\n\
               ```mermaid\nflowchart LR\n```\n";
    let got = commands_in(doc);
    let want = [
        "cargo test -p checks",
        "k6 run -e SCALE=0.1 k6/x.js",
        "echo \"a # in quotes\"",
        "terraform init",
    ];
    if got == want {
        Ok(())
    } else {
        Err(format!("extracted {got:?}, expected {want:?}"))
    }
}

pub(crate) fn unit_an_unknown_command_in_a_doc_fails() -> Result<(), String> {
    // A doc with a typo in a command, and one that grew a new command.
    let broken = "```sh\ncargo test -p chekcs\ncargo run -p starter --release\n```\n";
    let documented: Vec<DocCommand> = commands_in(broken)
        .into_iter()
        .map(|command| DocCommand {
            doc: "broken.md".to_owned(),
            folder: ".".to_owned(),
            command,
        })
        .collect();
    let problems = table_problems(&documented, &["cargo test -p checks"]);
    let unknown = problems
        .iter()
        .filter(|problem| problem.contains("add it to TABLE"))
        .count();
    let stale = problems
        .iter()
        .any(|problem| problem.contains("`cargo test -p checks`") && problem.contains("remove it"));
    if unknown == 2 && stale && problems.len() == 3 {
        Ok(())
    } else {
        Err(format!("the table check missed something: {problems:?}"))
    }
}

pub(crate) fn unit_the_summary_check_catches_wrong_verdicts() -> Result<(), String> {
    let mut summary = String::from("\nLab tasks:\n");
    for task in checks::tasks::ALL {
        summary.push_str(&format!(
            "  {}  {}: x\n",
            starter_verdict(task.name),
            task.name
        ));
    }
    expect_verdicts(&summary, starter_verdict)?;
    if expect_verdicts(&summary, |_| "PASS").is_ok() {
        return Err("a starter summary passed as a solution one".to_owned());
    }
    let missing_line = summary.replace("api_still_works", "something_else");
    if expect_verdicts(&missing_line, starter_verdict).is_ok() {
        return Err("a summary without api_still_works passed".to_owned());
    }
    Ok(())
}

pub(crate) fn unit_diff_paths_and_substitutions() -> Result<(), String> {
    let diff = "diff -ru starter/Cargo.toml solution/Cargo.toml\n--- a\n+++ b\n\
                Only in solution/src: telemetry\n\
                diff -ru starter/src/telemetry.rs solution/src/telemetry.rs\n\
                Only in starter: notes.txt\n";
    let paths = diff_paths(diff, "starter", "solution");
    let want: BTreeSet<String> = [
        "Cargo.toml",
        "src/telemetry/",
        "src/telemetry.rs",
        "notes.txt/",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    if paths != want {
        return Err(format!("diff paths {paths:?}, expected {want:?}"));
    }
    let scaled = at_test_scale("k6 run -e SCALE=0.1 k6/a.js")?;
    let added = at_test_scale("ENDPOINT=x k6 run k6/a.js")?;
    if scaled != "k6 run -e SCALE=0.02 k6/a.js"
        || added != "ENDPOINT=x k6 run -e SCALE=0.02 k6/a.js"
    {
        return Err(format!("scaled {scaled:?} and {added:?}"));
    }
    if substitute("cargo run -p starter", "DATABASE_URL=", "x").is_ok() {
        return Err("a substitution that finds nothing must fail".to_owned());
    }
    Ok(())
}

/// The checks of real commands fail when the command is broken (cheap ones only: no build).
pub(crate) fn unit_broken_commands_fail() -> Result<(), String> {
    let broken: [(&str, Check); 5] = [
        ("diff -ru starter starter", diff_starter_solution),
        ("diff -ru starter shipper", diff_starter_solution),
        ("k6 versoin", k6_version),
        (
            "diff -u terraform/task-size.auto.tfvars terraform/task-size.auto.tfvars",
            diff_task_size,
        ),
        (
            "diff -u k6/planners-and-studiers.js k6/planners-and-studiers.js",
            diff_k6,
        ),
    ];
    // A compose file that mounts ~/.aws writable, or publishes another port, is not what the
    // docs say.
    let good = "services:\n  app:\n    build:\n      args:\n        APP: starter\n    image: \
                taskoverflow-starter:local\n    ports:\n    - published: 6400\n      target: 6400\n    \
                volumes:\n    - /root/.aws:/home/taskoverflow/.aws:ro\n";
    expect_compose(good, "starter")?;
    for (find, replace) in [(":ro", ":rw"), ("published: 6400", "published: 8080")] {
        if expect_compose(&good.replace(find, replace), "starter").is_ok() {
            return Err(format!("a compose config with {replace:?} passed"));
        }
    }
    let passed: Vec<&str> = broken
        .iter()
        .filter(|(command, check)| check(command).is_ok())
        .map(|(command, _)| *command)
        .collect();
    if passed.is_empty() {
        Ok(())
    } else {
        Err(format!("broken commands passed their checks: {passed:?}"))
    }
}
