//! The handout's jq commands ("The same questions without AWS") answer the three debugging
//! questions from a real log: the solution's output, captured while it served known traffic.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use testkit::AppProcess;

const SECTION: &str = "## The same questions without AWS";
const KNOWN_ID: &str = "local-queries-demo";

/// The jq commands of the handout's section, in order (the `cargo run` that captures the log is
/// run by selftest/tests/doc_commands.rs).
fn commands() -> Vec<String> {
    let handout =
        std::fs::read_to_string(format!("{}/../docs/handout.md", env!("CARGO_MANIFEST_DIR")))
            .expect("docs/handout.md");
    let start = handout
        .find(SECTION)
        .expect("the handout has the jq section");
    let section = &handout[start + SECTION.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .map(|block| block.trim().to_owned())
        .filter(|command| command.starts_with("jq "))
        .collect()
}

/// Runs one command in `folder` and returns its output lines as JSON values.
fn run(command: &str, folder: &Path) -> Vec<Value> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(folder)
        .output()
        .expect("sh runs (and jq is installed)");
    assert!(
        output.status.success(),
        "`{command}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("`{command}` printed {line}"))
        })
        .collect()
}

/// Serves a known mix: three creates (one with the known id), two lists, three requests for
/// `/api/v1/todos/undefined` (404) and two bad creates (400). Returns the log.
async fn captured_log() -> Vec<String> {
    let binary = xtask::app_binary("solution")
        .unwrap_or_else(|problem| panic!("the solution builds: {problem:?}"));
    let database = testkit::fresh_database().await.expect("a database");
    let app = AppProcess::start(&binary, &database.url, &[]).expect("the app starts");
    let client = reqwest::Client::new();
    let todos = format!("{}/api/v1/todos", app.base_url());
    for number in 0..3 {
        let mut request = client
            .post(&todos)
            .json(&json!({ "title": format!("plan {number}") }));
        if number == 0 {
            request = request.header("x-request-id", KNOWN_ID);
        }
        assert_eq!(request.send().await.expect("POST answers").status(), 201);
    }
    for _ in 0..2 {
        client.get(&todos).send().await.expect("GET answers");
    }
    for _ in 0..3 {
        client
            .get(format!("{todos}/undefined"))
            .send()
            .await
            .expect("answers");
    }
    for _ in 0..2 {
        client
            .post(&todos)
            .json(&json!({ "nope": 1 }))
            .send()
            .await
            .expect("answers");
    }
    let (_, lines) = app.stop().expect("the app stops");
    lines
}

#[tokio::test]
async fn the_handouts_jq_commands_answer_the_three_questions() {
    let commands = commands();
    assert_eq!(
        commands.len(),
        3,
        "one request, percentiles, failures: {commands:?}"
    );
    let folder = std::env::temp_dir().join(format!("local-queries-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a scratch folder");
    std::fs::write(
        folder.join("app.log"),
        captured_log().await.join("\n") + "\n",
    )
    .expect("app.log");

    // 1. One request's lines, by id: started, its SQL, finished, nothing else.
    let lines = run(&commands[0].replace("PASTE-AN-ID-HERE", KNOWN_ID), &folder);
    let messages: Vec<_> = lines.iter().map(|line| line["message"].clone()).collect();
    assert_eq!(
        messages.first(),
        Some(&json!("Request started")),
        "{lines:?}"
    );
    assert_eq!(
        messages.last(),
        Some(&json!("Request finished")),
        "{lines:?}"
    );
    assert!(
        messages.iter().any(|m| m
            .as_str()
            .is_some_and(|m| m.starts_with("INSERT INTO todos"))),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(|line| &line["status"]), Some(&json!(201)));

    // 2. Percentiles per minute: every finished request counted once, p50 <= p95 <= p99.
    let minutes = run(&commands[1], &folder);
    let counted: u64 = minutes.iter().filter_map(|m| m["requests"].as_u64()).sum();
    assert_eq!(counted, 10, "ten requests were served: {minutes:?}");
    for minute in &minutes {
        let (p50, p95, p99) = (
            minute["p50"].as_f64(),
            minute["p95"].as_f64(),
            minute["p99"].as_f64(),
        );
        assert!(
            matches!((p50, p95, p99), (Some(a), Some(b), Some(c)) if 0.0 < a && a <= b && b <= c),
            "{minute}"
        );
    }

    // 3. Failures by status and url, most frequent first.
    let failures = run(&commands[2], &folder);
    assert_eq!(
        failures,
        [
            json!({ "status": 404, "url": "/api/v1/todos/undefined", "requests": 3 }),
            json!({ "status": 400, "url": "/api/v1/todos", "requests": 2 }),
        ]
    );
    let _ = std::fs::remove_dir_all(&folder);
}
