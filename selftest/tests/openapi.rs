//! Both apps serve an OpenAPI document generated from the code, and the API keeps to it:
//! schemathesis (`pip install schemathesis`) fuzzes every operation against a running app and
//! finds no server error and no status code, content type or body the document does not allow.

use std::process::Command;
use std::time::Duration;

use testkit::AppProcess;

/// Enough examples to reach every documented status; the run stays around a minute per app.
const MAX_EXAMPLES: &str = "25";
/// A hung request fails the run instead of stalling it.
const REQUEST_TIMEOUT_SECONDS: &str = "5";
/// The whole run, should schemathesis itself hang.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

#[tokio::test]
#[ignore = "slow tier: cargo xtask test --slow"]
async fn the_starter_keeps_to_its_openapi_document() {
    keeps_to_its_document("starter").await;
}

#[tokio::test]
#[ignore = "slow tier: cargo xtask test --slow"]
async fn the_solution_keeps_to_its_openapi_document() {
    keeps_to_its_document("solution").await;
}

async fn start(app: &str) -> AppProcess {
    let binary =
        xtask::app_binary(app).unwrap_or_else(|problem| panic!("{app} builds: {problem:?}"));
    let database = testkit::fresh_database().await.expect("a database");
    AppProcess::start(&binary, &database.url, &[]).expect("the app starts")
}

async fn keeps_to_its_document(app: &str) {
    let app = start(app).await;
    let document = format!("{}/api/v1/openapi.json", app.base_url());
    let spec: serde_json::Value = reqwest::get(&document)
        .await
        .expect("GET /api/v1/openapi.json answers")
        .json()
        .await
        .expect("the document is JSON");
    assert!(
        spec["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "an OpenAPI 3 document: {spec}"
    );
    let paths = spec["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/health", &["get"][..]),
        ("/api/v1/todos", &["get", "post"]),
        ("/api/v1/todos/{id}", &["get", "put", "delete"]),
    ] {
        for method in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*method)).is_some(),
                "the document has no {method} {path}"
            );
        }
    }

    // schemathesis keeps its cache (crashes found, examples) in the folder it runs in: a
    // temporary one, so that nothing of a run stays in the kit or steers the next run.
    let scratch = tempfile::Builder::new()
        .prefix("taskoverflow-schemathesis.")
        .tempdir()
        .expect("a temporary folder");
    // Only loopback: the document is read from, and the requests go to, this app.
    let mut command = Command::new("timeout");
    command.current_dir(scratch.path()).args([
        &format!("{}s", RUN_TIMEOUT.as_secs()),
        "schemathesis",
        "run",
        &document,
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--max-examples",
        MAX_EXAMPLES,
        "--request-timeout",
        REQUEST_TIMEOUT_SECONDS,
        "--seed",
        "6400",
        "--no-color",
    ]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the run finishes")
        .unwrap_or_else(|error| {
            panic!("cannot run schemathesis (pip install schemathesis): {error}")
        });
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found the API breaking its document ({}):\n{report}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "no test case ran:\n{report}");
}
