//! The autograder grades itself through its grading command, the kit as the template:
//!
//! - the lab's answer gets full marks, the handed-out files only `api_still_works`;
//! - cheats (a Cargo configuration, a build script, an edited grader, private copies of the
//!   graded files, a fake k6) are left out by construction: the graded workspace is exactly
//!   the untouched one, and a grading of all of them at once scores what the untouched files do;
//! - lab files that would configure the build are "not graded", with the file named;
//! - sloppy answers fail the task they should, with a message about what was observed.
//!
//! Quick tier: everything that needs no build of a variant. Slow tier: the variants.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use checks::grading::{self, Request};
use checks::submission::assemble;
use checks::template::{file_sha256, Template};
use checks::{hints, Grading, Problem};

#[path = "student_facing/giveaways.rs"]
mod giveaways;

use giveaways::giveaways;

/// A submission folder made from the kit, removed when dropped.
struct Submission(tempfile::TempDir);

impl Submission {
    fn new(write: fn(&Path) -> anyhow::Result<()>) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("selftest-submission-")
            .tempdir()
            .expect("a folder");
        write(dir.path()).expect("the kit's lab files");
        Self(dir)
    }

    fn untouched() -> Self {
        Self::new(xtask::submission::untouched)
    }

    fn solved() -> Self {
        Self::new(xtask::submission::solved)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Replaces `find` (which must occur exactly once) by `replace` in `file`.
    fn edit(self, file: &str, find: &str, replace: &str) -> Self {
        let path = self.path().join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(text.matches(find).count(), 1, "{find:?} in {file}");
        fs::write(&path, text.replacen(find, replace, 1)).expect("written");
        self
    }

    /// Writes `file` (a new one, or over the old one).
    fn write(self, file: &str, text: &str) -> Self {
        let path = self.path().join(file);
        fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
        fs::write(&path, text).expect("written");
        self
    }

    /// An executable script at `file`.
    fn executable(self, file: &str, text: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let this = self.write(file, text);
        let path = this.path().join(file);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        this
    }

    fn request(&self) -> Request {
        Request {
            template: xtask::kit_root(),
            template_hash: None,
            submission: self.path().to_path_buf(),
            target_dir: xtask::copies_target_dir(),
        }
    }

    /// Graded through the grading command's code, on `only` these tasks (all when empty).
    fn grade(&self, only: &[&str]) -> Grading {
        let only: Vec<String> = only.iter().map(|name| (*name).to_owned()).collect();
        grading::grade(&self.request(), &only)
            .unwrap_or_else(|error| panic!("the grading could not run: {error:#}"))
    }

    /// Every file of the workspace the grader would build and grade, with its hash.
    fn graded_files(&self, template: &Template) -> (BTreeMap<PathBuf, String>, Vec<String>) {
        let workspace = assemble(template, self.path())
            .expect("assembled")
            .expect("graded");
        let mut files = BTreeMap::new();
        for entry in walk(workspace.root()) {
            let relative = entry.strip_prefix(workspace.root()).expect("inside");
            let mut hash = file_sha256(&entry).expect("readable");
            if relative.starts_with("starter") {
                // Lab files are compared by content only.
                hash.push_str(" lab");
            }
            files.insert(relative.to_path_buf(), hash);
        }
        (files, workspace.notes.clone())
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn verdicts(grading: &Grading) -> String {
    grading
        .results
        .iter()
        .map(|result| format!("{}: {:?}", result.name, result.outcome))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts which tasks fail (every other graded task must pass, and none may be an `Error`);
/// each failure must say where to look.
fn assert_fails_exactly(grading: &Grading, failing: &[&str]) {
    let all = verdicts(grading);
    for result in &grading.results {
        match (&result.outcome, failing.contains(&result.name)) {
            (Ok(()), false) => {}
            (Err(Problem::Task(message)), true) => assert!(
                message.contains("docs/") || message.contains("starter/"),
                "{}: the message should say where to look: {message}",
                result.name
            ),
            _ => panic!(
                "{} should {}:\n{all}",
                result.name,
                if failing.contains(&result.name) {
                    "fail"
                } else {
                    "pass"
                }
            ),
        }
    }
}

/// The failure message of `task`, which must have failed.
fn failure<'a>(grading: &'a Grading, task: &str) -> &'a str {
    match grading
        .results
        .iter()
        .find(|result| result.name == task)
        .map(|result| &result.outcome)
    {
        Some(Err(Problem::Task(message))) => message,
        other => panic!("{task} should have failed, got {other:?}"),
    }
}

fn score(grading: &Grading) -> u32 {
    grading
        .results
        .iter()
        .filter(|result| result.passed())
        .map(|result| result.points)
        .sum()
}

// --- The answer and the handed-out files ------------------------------------------------------

#[test]
fn the_lab_s_answer_gets_full_marks() {
    let grading = Submission::solved().grade(&[]);
    assert_fails_exactly(&grading, &[]);
    assert_eq!(grading.notes, Vec::<String>::new());
}

/// What each lab task's first message says on the untouched starter: what was observed.
const STARTER_OBSERVED: &[(&str, &str)] = &[
    ("structured_logs", "is not one JSON object"),
    ("correlation_ids", "is not JSON"),
    ("logs_reach_cloudwatch", "are not JSON objects"),
    ("k6_script_fixed", "k6 checks failed"),
    (
        "ecs_task_size",
        "terraform/CAPACITY.md holds no estimate yet",
    ),
    (
        "deployment_evidence",
        "there is no evidence/deployment-logs.json in your repository",
    ),
];

#[test]
fn the_handed_out_files_get_only_api_still_works() {
    let grading = Submission::untouched().grade(&[]);
    let lab: Vec<_> = selftest::lab_tasks().collect();
    assert_fails_exactly(&grading, &lab);
    // Each failure is level 1 of the task's hints: what was observed, where to look, how to
    // ask for more, with no giveaway and not the place; the last level names the place.
    for result in &grading.results {
        let Err(Problem::Task(message)) = &result.outcome else {
            continue;
        };
        let task = result.name;
        let hint = hints::of(task).unwrap_or_else(|| panic!("{task} has no hints"));
        eprintln!("{task}, as graded (level 1):\n  {message}");
        for level in 2..=hints::LEVELS {
            let shown = hints::show(task, level).expect("a level");
            eprintln!("  {}", shown.trim_end().replace('\n', "\n  "));
        }
        let (_, observed) = STARTER_OBSERVED
            .iter()
            .find(|(name, _)| *name == task)
            .unwrap_or_else(|| panic!("no observation listed for {task}"));
        assert!(message.contains(observed), "{task}: {message}");
        assert!(message.ends_with(&hints::first(task)), "{task}: {message}");
        assert_eq!(
            giveaways(message),
            Vec::<String>::new(),
            "{task}: {message}"
        );
        assert!(
            !hint.names_any_place(message),
            "{task} names the place: {message}"
        );
        assert!(
            hint.names_the_place(hint.levels[2]),
            "{task}: {:?}",
            hint.levels[2]
        );
    }
    // The k6 task's outcomes, as counts and statuses.
    let k6 = failure(&grading, "k6_script_fixed");
    assert!(
        k6.contains("still in the database after the run") && k6.contains("with 404"),
        "{k6}"
    );
}

// --- Cheats: left out by construction --------------------------------------------------------

/// Every cheat of this kind writes files outside the lab's files, which the grader never
/// takes from a submission.
fn cheats() -> Vec<(&'static str, Submission)> {
    vec![
        (
            ".cargo/config.toml",
            Submission::untouched().write(
                ".cargo/config.toml",
                "[env]\nCHECKS_SKIP_LAB = \"1\"\nCHECKS_K6_SCRIPT = \"k6/fixed.js\"\nCHECKS_TFVARS = \"terraform/private.tfvars\"\n",
            ),
        ),
        (
            ".cargo/config.toml",
            Submission::untouched().write(
                ".cargo/config.toml",
                "[target.x86_64-unknown-linux-gnu]\nrunner = \"true\"\n[target.aarch64-unknown-linux-gnu]\nrunner = \"true\"\n",
            ),
        ),
        (
            "k6/fixed.js",
            Submission::untouched()
                .write(
                    "k6/fixed.js",
                    &fs::read_to_string(xtask::kit_root().join("k6/solved/planners-and-studiers.js"))
                        .expect("the solved script"),
                )
                .write(
                    "terraform/private.tfvars",
                    "task_cpu    = 1024\ntask_memory = 2048\n",
                ),
        ),
        (
            "checks/tests/lab.rs",
            Submission::untouched()
                .write("checks/tests/lab.rs", "fn main() {}\n")
                .write("checks/src/tasks.rs", "pub const ALL: &[crate::Task] = &[];\n"),
        ),
        (
            "starter/build.rs",
            Submission::untouched().write(
                "starter/build.rs",
                "fn main() {\n    let _ = std::fs::create_dir_all(\"../.cargo\");\n    let _ = std::fs::write(\"../.cargo/config.toml\", \"[env]\\nCHECKS_SKIP_LAB = \\\"1\\\"\\n\");\n}\n",
            ),
        ),
        (
            "bin/k6",
            Submission::untouched()
                .executable("bin/k6", "#!/bin/sh\necho '{}' > \"$4\"\nexit 0\n")
                .executable("tools/k6", "#!/bin/sh\nexit 0\n"),
        ),
    ]
}

#[test]
fn cheats_leave_the_graded_workspace_exactly_as_untouched() {
    let template = Template::open(&xtask::kit_root(), false, None).expect("the kit's files");
    let (untouched, notes) = Submission::untouched().graded_files(&template);
    assert_eq!(notes, Vec::<String>::new());
    for (file, cheat) in cheats() {
        let (graded, notes) = cheat.graded_files(&template);
        assert_eq!(
            graded.keys().collect::<Vec<_>>(),
            untouched.keys().collect::<Vec<_>>(),
            "{file}: the graded workspace has other files"
        );
        assert_eq!(graded, untouched, "{file}: a graded file differs");
        let notes = notes.join("\n");
        assert!(notes.contains(file), "{file} is not named: {notes}");
    }
}

#[test]
fn lab_files_that_configure_the_build_are_not_graded() {
    for (file, submission) in [
        (
            "starter/Cargo.toml",
            Submission::untouched().edit(
                "starter/Cargo.toml",
                "[package]\n",
                "[package]\nbuild = \"src/build.rs\"\n",
            ),
        ),
        (
            "starter/Cargo.toml",
            Submission::untouched().write(
                "starter/Cargo.toml",
                &(fs::read_to_string(xtask::kit_root().join("starter/Cargo.toml"))
                    .expect("the manifest")
                    + "\n[patch.crates-io]\ntestcontainers = { path = \"../vendor/testcontainers\" }\n"),
            ),
        ),
        (
            "starter/Cargo.toml",
            Submission::untouched().edit(
                "starter/Cargo.toml",
                "anyhow.workspace = true",
                "anyhow = { git = \"https://example.invalid/anyhow\" }",
            ),
        ),
    ] {
        let grading = submission.grade(&[]);
        assert_eq!(score(&grading), 0, "{}", verdicts(&grading));
        for result in &grading.results {
            match &result.outcome {
                Err(Problem::NotGraded(message)) => assert!(
                    message.starts_with(&format!("not graded: {file}")),
                    "{message}"
                ),
                other => panic!("{}: expected not graded, got {other:?}", result.name),
            }
        }
    }
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn every_cheat_at_once_scores_what_the_untouched_files_do() {
    let submission = Submission::untouched();
    for (_, cheat) in cheats() {
        xtask::submission::copy(cheat.path(), submission.path()).expect("merged");
    }
    let grading = submission.grade(&[]);
    let lab: Vec<_> = selftest::lab_tasks().collect();
    assert_fails_exactly(&grading, &lab);
    let notes = grading.notes.join("\n");
    for (file, _) in cheats() {
        assert!(notes.contains(file), "{file} is not named: {notes}");
    }
}

// --- The task size -----------------------------------------------------------------------------

/// A capacity estimate in the handout's format: its arithmetic right, its size `tasks` × `cpu`.
fn estimate(cpu_ms: f64, peak_rps: f64, tasks: u32, cpu: u32) -> String {
    let busy = cpu_ms * peak_rps / 1000.0;
    let provide = busy / 0.7;
    format!(
        "# Capacity estimate\n\n- CPU per request (ms): {cpu_ms}\n- peak requests per second: \
         {peak_rps}\n- busy vCPU at the peak: {cpu_ms} × {peak_rps} / 1000 = {busy:.3}\n- vCPU \
         to provide: {busy:.3} / 0.7 = {provide:.3}\n- chosen size: {tasks} task of {cpu} CPU \
         units\n"
    )
}

fn task_size(tfvars: &str, capacity: &str) -> Grading {
    Submission::untouched()
        .write("terraform/task-size.auto.tfvars", tfvars)
        .write("terraform/CAPACITY.md", capacity)
        .grade(&["ecs_task_size"])
}

#[test]
fn scaling_out_passes_and_far_too_big_fails_on_cost() {
    let grading = task_size(
        "task_cpu      = 512\ntask_memory   = 1024\ndesired_count = 3\n",
        &estimate(0.2, 3210.0, 3, 512),
    );
    assert_fails_exactly(&grading, &[]);
    let grading = task_size(
        "task_cpu    = 4096\ntask_memory = 8192\n",
        &estimate(0.6, 3210.0, 1, 4096),
    );
    let message = failure(&grading, "ecs_task_size");
    assert!(
        message.contains("bills") && !message.contains("VUs"),
        "{message}"
    );
    let grading = task_size(
        "task_cpu    = 256\ntask_memory = 512\ndesired_count = 2\n",
        &estimate(0.08, 3210.0, 2, 256),
    );
    let message = failure(&grading, "ecs_task_size");
    assert!(message.contains("less CPU than the load test"), "{message}");
}

/// The estimate is the student's: the solved one passes; none, wrong arithmetic, or a size that
/// does not follow from it fails, whatever the size.
#[test]
fn the_size_must_follow_from_a_consistent_estimate() {
    let solved_tfvars =
        fs::read_to_string(xtask::kit_root().join("terraform/solved/task-size.auto.tfvars"))
            .expect("the solved size");
    let solved_estimate =
        fs::read_to_string(xtask::kit_root().join("terraform/solved/CAPACITY.md"))
            .expect("the solved estimate");
    assert_fails_exactly(&task_size(&solved_tfvars, &solved_estimate), &[]);

    let handed_out = fs::read_to_string(xtask::kit_root().join("terraform/CAPACITY.md"))
        .expect("the handed-out estimate");
    for (capacity, observed) in [
        (handed_out.as_str(), "no estimate yet"),
        ("", "has no line"),
        (
            &solved_estimate.replace("= 0.482", "= 4.82"),
            "busy vCPU in terraform/CAPACITY.md is 4.82",
        ),
        (
            &solved_estimate.replace("1 task of 1024", "2 tasks of 1024"),
            "chose 2 task(s) of 1024 CPU units",
        ),
        (&estimate(0.3, 3210.0, 1, 1024), "less than twice"),
    ] {
        let grading = task_size(&solved_tfvars, capacity);
        let message = failure(&grading, "ecs_task_size");
        assert!(message.contains(observed), "{observed:?} in {message}");
    }
}

// --- Sloppy answers -----------------------------------------------------------------------------

const TELEMETRY: &str = "starter/src/telemetry.rs";
const K6: &str = "k6/planners-and-studiers.js";

/// The grading of a variant of the lab's answer on `tasks`.
fn sloppy(submission: Submission, tasks: &[&str]) -> Grading {
    submission.grade(tasks)
}

/// A student who keeps tracing-subscriber's habit of nesting span fields under `span`: the
/// lines are JSON, but `request_id` is not a top-level field anywhere.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn nested_span_fields_fail_the_request_id_tasks() {
    let grading = sloppy(
        Submission::solved().edit(
            TELEMETRY,
            ".with_top_level_flattened_span_list()",
            ".with_current_span(\"span\")",
        ),
        &[
            "structured_logs",
            "correlation_ids",
            "logs_reach_cloudwatch",
        ],
    );
    assert_fails_exactly(&grading, &["correlation_ids", "logs_reach_cloudwatch"]);
}

/// A student who generates ids but never sends them back.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn ids_not_returned_in_the_header_fail_correlation_ids_and_cloudwatch() {
    let grading = sloppy(
        Submission::solved().edit(
            TELEMETRY,
            ".layer(PropagateRequestIdLayer::x_request_id()),",
            ".layer(tower::layer::util::Identity::new()),",
        ),
        &["correlation_ids", "logs_reach_cloudwatch"],
    );
    assert_fails_exactly(&grading, &["correlation_ids", "logs_reach_cloudwatch"]);
}

/// A student who checks incoming ids loosely: `a"b`, `a/b`, `é` and an empty id get through.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn a_loose_request_id_check_fails_correlation_ids() {
    let grading = sloppy(
        Submission::solved().edit(
            "starter/src/telemetry/request_id.rs",
            "fn is_valid(id: &[u8]) -> bool {",
            "fn is_valid(id: &[u8]) -> bool {\n    id.len() <= 64 && !id.contains(&b' ')\n}\n\n#[allow(dead_code)]\nfn strict(id: &[u8]) -> bool {",
        ),
        &["correlation_ids"],
    );
    let message = failure(&grading, "correlation_ids");
    assert!(message.contains("fresh UUID v4"), "{message}");
}

/// A student who replaces a bad id and then refuses the request with 400.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn a_bad_id_that_gets_the_request_refused_fails_correlation_ids() {
    let grading = sloppy(
        Submission::solved()
            .edit(
                "starter/src/telemetry/request_id.rs",
                "        request.headers_mut().remove(HEADER);",
                "        if request.headers().contains_key(HEADER) {\n            request.extensions_mut().insert(Refused);\n        }\n        request.headers_mut().remove(HEADER);",
            )
            .edit(
                "starter/src/telemetry/request_id.rs",
                "pub const HEADER: &str = \"x-request-id\";",
                "pub const HEADER: &str = \"x-request-id\";\n\n#[derive(Clone, Copy)]\npub struct Refused;",
            )
            .edit(
                TELEMETRY,
                ".layer(PropagateRequestIdLayer::x_request_id()),",
                ".layer(PropagateRequestIdLayer::x_request_id())\n            .layer(axum::middleware::from_fn(\n                |request: axum::extract::Request, next: axum::middleware::Next| async move {\n                    if request.extensions().get::<request_id::Refused>().is_some() {\n                        return axum::response::IntoResponse::into_response(axum::http::StatusCode::BAD_REQUEST);\n                    }\n                    next.run(request).await\n                },\n            )),",
            ),
        &["correlation_ids"],
    );
    let message = failure(&grading, "correlation_ids");
    assert!(
        message.contains("was answered 400") && message.contains("without the header"),
        "{message}"
    );
}

/// JSON built with `format!` that escapes quotes and backslashes but no control character:
/// PostgreSQL's notice with raw control characters and line breaks breaks its lines.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn hand_made_json_that_escapes_only_quotes_fails_structured_logs() {
    let fixture = include_str!("../fixtures/format_json_telemetry.rs");
    let escapes_quotes = fixture.replace(
        ".replace('\\n', \"\\\\n\")",
        ".replace('\\\\', \"\\\\\\\\\").replace('\"', \"\\\\\\\"\")",
    );
    assert_ne!(fixture, escapes_quotes, "the fixture's escaping changed");
    let grading = sloppy(
        Submission::solved().write(TELEMETRY, &escapes_quotes),
        &["structured_logs"],
    );
    let message = failure(&grading, "structured_logs");
    assert!(message.contains("is not one JSON object"), "{message}");
}

/// The k6 task on a variant of the solved script.
fn k6_variant(edits: &[(&str, &str)]) -> String {
    let mut submission = Submission::solved();
    for (find, replace) in edits {
        submission = submission.edit(K6, find, replace);
    }
    failure(&sloppy(submission, &["k6_script_fixed"]), "k6_script_fixed").to_owned()
}

const DELETE: &str = "const response = http.del(`${ENDPOINT}/api/v1/todos/${request.json().id}`, null, {\n    tags: { name: 'DELETE /api/v1/todos/{id}' },\n  });\n  check(response, { 'todo deleted': (r) => r.status === 200 });";

/// A teardown that deletes every todo with the planners' title after the load.
const SWEEP: &str = "\nexport function teardown() {\n  for (const todo of http.get(`${ENDPOINT}/api/v1/todos`).json()) {\n    if (todo.title === 'CSSE6400 Clout Assignment') {\n      const response = http.del(`${ENDPOINT}/api/v1/todos/${todo.id}`);\n      check(response, { 'todo deleted': (r) => r.status === 200 });\n    }\n  }\n}\n";

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn deleting_a_guessed_id_fails_the_k6_task() {
    let message = k6_variant(&[("${request.json().id}", "${__ITER + 1}")]);
    assert!(message.contains("before the run were deleted"), "{message}");
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn sweeping_up_after_the_load_fails_the_k6_task() {
    let message = k6_variant(&[
        (DELETE, ""),
        (
            "const JSON_HEADERS",
            &format!("{SWEEP}\nconst JSON_HEADERS"),
        ),
    ]);
    assert!(message.contains("still in the database"), "{message}");
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn removing_the_planners_checks_fails_the_k6_task() {
    let message = k6_variant(&[
        (
            DELETE,
            "http.del(`${ENDPOINT}/api/v1/todos/${request.json().id}`);",
        ),
        (
            "check(request, { 'todo created': (r) => r.status === 201 });",
            "",
        ),
    ]);
    assert!(message.contains("no check named"), "{message}");
}

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn checks_that_assert_nothing_fail_the_k6_task() {
    let message = k6_variant(&[
        ("(r) => r.status === 201", "() => true"),
        (
            "'todo deleted': (r) => r.status === 200",
            "'todo deleted': () => true",
        ),
    ]);
    assert!(message.contains("stand-in API"), "{message}");
}

/// Deleting the failing checks of the handed-out script instead of fixing them.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn deleting_the_failing_checks_fails_the_k6_task() {
    let submission = Submission::solved()
        .write(
            K6,
            &fs::read_to_string(xtask::kit_root().join(K6)).expect("the handed-out script"),
        )
        .edit(
            K6,
            "  check(request, { 'todo created': (r) => r.status === 200 });\n",
            "",
        )
        .edit(
            K6,
            "  check(response, { 'todo deleted': (r) => r.status === 200 });\n",
            "",
        );
    let message = failure(&sloppy(submission, &["k6_script_fixed"]), "k6_script_fixed").to_owned();
    assert!(message.contains("still in the database"), "{message}");
}

/// Fixing only the status check still deletes by an id that is not there.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn fixing_only_one_planted_bug_fails_the_k6_task() {
    let message = k6_variant(&[("${request.json().id}", "${request.id}")]);
    assert!(
        message.contains("404") && message.contains("still in the database"),
        "{message}"
    );
    let message = k6_variant(&[("r.status === 201", "r.status === 200")]);
    assert!(message.contains("k6 checks failed"), "{message}");
}

/// A script k6 cannot even start is the student's to fix, and says so.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn a_k6_script_with_a_syntax_error_fails_with_k6s_words() {
    let message = k6_variant(&[("sleep(1);\n}", "sleep(1);\n")]);
    assert!(message.contains("k6 could not run"), "{message}");
}

/// The code does not compile: the compiler's first error, with its place, in the first task;
/// every other task that needs the app says it was not run.
#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn an_app_that_does_not_compile_shows_the_compilers_error() {
    let grading = Submission::solved()
        .edit(
            TELEMETRY,
            "pub fn instrument(",
            "pub fn instrument(oops: NoSuchType, ",
        )
        .grade(&["api_still_works", "structured_logs", "ecs_task_size"]);
    let message = failure(&grading, "api_still_works");
    assert!(
        message.contains("starter/src/telemetry.rs:") && message.contains("error"),
        "{message}"
    );
    assert!(failure(&grading, "structured_logs").contains("not run"));
    // A task that needs no app is graded as usual.
    let size = grading.results.iter().find(|r| r.name == "ecs_task_size");
    assert!(
        size.is_some_and(|result| result.passed()),
        "{}",
        verdicts(&grading)
    );
}
