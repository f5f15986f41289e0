//! Evidence that the student deployed the app and ran the load test against it: the log events
//! of the deployed service during the run, exported by the AWS CLI into [`FILE`] with the
//! handout's command (`aws logs filter-log-events ... --filter-pattern` [`FILTER_PATTERN`]). The
//! check reads that file only (no AWS, no network) and looks for what a run on ECS behind the
//! load balancer leaves in the app's own log lines, with no field added to the log format.
//!
//! The rule, as the handout states it (each number with margin, so that a real run passes):
//!
//! - the file is the CLI's JSON (`{"events": [{"logStreamName", "timestamp", "message",
//!   "ingestionTime", "eventId"}, ...]}`), at most [`MAX_BYTES`], with at least one event;
//! - every event comes from a stream the app writes ([`APP_STREAMS`]: the shipper names streams
//!   by source, not by task, so the streams say nothing about hosts);
//! - every message is a line of the lab's JSON format (`checks/src/log_format.rs`), and every
//!   `Request finished` line has its request fields;
//! - every `hostname` is an ECS task's on AWS: a private address's DNS name,
//!   `ip-A-B-C-D.ec2.internal` (us-east-1) or `ip-A-B-C-D.REGION.compute.internal`;
//! - every time in the file (the events' and the lines' own) lies within one run: a span of at
//!   most [`SCENARIO_SECONDS`] (the k6 scenario's full length) plus [`SPAN_MARGIN_SECONDS`];
//! - no `request_id` is on two `Request finished` lines;
//! - every host answered the load balancer's health checks (`GET` [`HEALTH_PATH`], 200): at
//!   least one, and at least one per two intervals ([`HEALTH_INTERVAL_SECONDS`], the target
//!   group's) over the time its lines cover. More are normal: each of the load balancer's nodes
//!   checks every task;
//! - the planners' todos: between [`MIN_TODOS`] and [`MAX_TODOS`] created (`POST /api/v1/todos`
//!   answered 201), and at least [`DELETED_SHARE`] of that number of distinct todo ids deleted
//!   (`DELETE /api/v1/todos/{id}` answered 200). The lines do not carry the new todo's id, so
//!   creates and deletes are matched by count, not one by one.
//!
//! It is evidence, not proof: a determined student can write such a file by hand. The tutor
//! guide says what to look at beside it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::hints;
use crate::log_format;
use crate::task::{Problem, Task, TaskContext};

const NAME: &str = "deployment_evidence";

pub const TASK: Task = Task {
    name: NAME,
    points: 2,
    run: |ctx| Box::pin(run(ctx)),
};

/// Where the student puts the export, relative to the repository's root (a lab file).
pub const FILE: &str = "evidence/deployment-logs.json";
/// The largest file read: the handout's filtered export of a full run is about 1 MB; an export
/// of every line of a full run would be hundreds.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;
/// The log group the app ships to on AWS (`terraform/logs.tf`).
pub const LOG_GROUP: &str = "taskoverflow";
/// The streams the app's shipper writes (one per source of lines, in both apps).
pub const APP_STREAMS: [&str; 3] = ["http-access", "sql", "app"];
/// The load balancer's health check (`terraform/alb.tf`): its path and interval.
pub const HEALTH_PATH: &str = "/api/v1/health";
pub const HEALTH_INTERVAL_SECONDS: i64 = 15;
/// The k6 scenario's full length (`k6/planners-and-studiers.js` at `SCALE=1`).
pub const SCENARIO_SECONDS: i64 = 240;
/// Room around the run for the export's window (started a little before, ended a little after).
pub const SPAN_MARGIN_SECONDS: i64 = 120;
/// The fewest todos one run creates: three quarters of the handout's quick run's 40
/// (`SCALE=0.1`), since k6 drops the planners' last iterations when the run's time is up (a busy
/// task or a long round trip).
pub const MIN_TODOS: usize = 30;
/// The most: a full run creates 1000; a tenth more leaves room for a student's own requests.
pub const MAX_TODOS: usize = 1100;
/// The share of the created todos that must be seen deleted: the run's last deletes may fall
/// just outside the export's window.
pub const DELETED_SHARE: f64 = 0.9;
/// The handout's `--filter-pattern`: the `Request finished` lines of the health checks and of
/// every POST and DELETE. The export then holds a few thousand events for a full run instead of
/// every line of every request.
pub const FILTER_PATTERN: &str = r#"{ ($.message = "Request finished") && (($.url = "/api/v1/health") || ($.method = "POST") || ($.method = "DELETE")) }"#;

/// What `aws logs filter-log-events --output json` writes (the CLI merges the pages).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    pub events: Vec<Event>,
    #[serde(default)]
    pub searched_log_streams: Vec<Value>,
}

/// One log event of the export, its fields in the CLI's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub log_stream_name: String,
    pub timestamp: i64,
    pub message: String,
    pub ingestion_time: i64,
    pub event_id: String,
}

/// What a passing file showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub events: usize,
    /// Each host, with its health checks.
    pub health_checks: BTreeMap<String, usize>,
    pub todos_created: usize,
    pub todos_deleted: usize,
    pub span_ms: i64,
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let path = ctx.graded.root().join(FILE);
    judge_file(&path)
        .map(|_| ())
        .map_err(|observed| hints::failure(NAME, observed))
}

/// Reads and judges the file at `path`; the error is what was observed.
pub fn judge_file(path: &Path) -> Result<Summary, String> {
    judge(&read(path)?)
}

/// Reads the export; the error says what is wrong with the file itself.
pub fn read(path: &Path) -> Result<Export, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("there is no {FILE} in your repository"));
        }
        Err(error) => return Err(format!("{FILE} cannot be read: {error}")),
    };
    if !metadata.is_file() {
        return Err(format!("{FILE} is not a file"));
    }
    if metadata.len() > MAX_BYTES {
        return Err(format!(
            "{FILE} holds {:.1} MiB, more than the {} MiB the check reads",
            metadata.len() as f64 / 1024.0 / 1024.0,
            MAX_BYTES / 1024 / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|error| format!("{FILE} cannot be read: {error}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{FILE} is not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(format!("{FILE} is empty"));
    }
    serde_json::from_str(&text).map_err(|error| {
        format!("{FILE} is not the JSON the AWS CLI writes with `--output json`: {error}")
    })
}

/// One event's message, read as a line of the lab's format.
struct Line {
    hostname: String,
    time_ms: i64,
    finished: Option<Finished>,
}

/// The request fields of a `Request finished` line.
struct Finished {
    request_id: String,
    method: String,
    url: String,
    status: u64,
}

fn parse_line(message: &str) -> Result<Line, String> {
    let Ok(Value::Object(line)) = serde_json::from_str::<Value>(message) else {
        return Err("not a JSON object".to_owned());
    };
    let text = |line: &Map<String, Value>, key: &str| -> Result<String, String> {
        line.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no `{key}` string"))
    };
    for field in log_format::every_line() {
        text(&line, field)?;
    }
    let timestamp = text(&line, "timestamp")?;
    let time_ms = chrono::DateTime::parse_from_rfc3339(&timestamp)
        .map_err(|_| format!("`timestamp` {timestamp:?} is not an RFC 3339 time"))?
        .timestamp_millis();
    let finished = if line.get("message").and_then(Value::as_str) == Some("Request finished") {
        let status = line
            .get("status")
            .and_then(Value::as_u64)
            .ok_or("a `Request finished` line without a `status` number")?;
        if !line.get("latency_ms").is_some_and(Value::is_number) {
            return Err("a `Request finished` line without a `latency_ms` number".to_owned());
        }
        Some(Finished {
            request_id: text(&line, "request_id")?,
            method: text(&line, "method")?,
            url: text(&line, "url")?,
            status,
        })
    } else {
        None
    };
    Ok(Line {
        hostname: text(&line, "hostname")?,
        time_ms,
        finished,
    })
}

/// Whether `name` is the host name of an ECS task on AWS: the DNS name of a private IPv4
/// address, `ip-10-0-1-23.ec2.internal` in us-east-1, `ip-10-0-1-23.eu-west-1.compute.internal`
/// elsewhere.
pub fn is_aws_task_hostname(name: &str) -> bool {
    let Some((label, domain)) = name.split_once('.') else {
        return false;
    };
    let Some(address) = label.strip_prefix("ip-") else {
        return false;
    };
    let octets: Vec<u8> = address
        .split('-')
        .map_while(|part| {
            (!part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        })
        .collect();
    let private = match octets[..] {
        [10, _, _, _] => true,
        [172, second, _, _] => (16..32).contains(&second),
        [192, 168, _, _] => true,
        _ => false,
    };
    if !private || address.split('-').count() != 4 {
        return false;
    }
    if domain == "ec2.internal" {
        return true;
    }
    domain
        .strip_suffix(".compute.internal")
        .is_some_and(|region| {
            let parts: Vec<&str> = region.split('-').collect();
            parts.len() >= 3
                && parts
                    .iter()
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
                && parts
                    .last()
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn duration(ms: i64) -> String {
    let seconds = ms / 1000;
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || format!("{ms} ms"),
        |time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// A few names with their counts, most frequent first: `"a" (3), "b" (1)`.
fn counted(counts: &BTreeMap<String, usize>) -> String {
    let mut sorted: Vec<(&String, &usize)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut shown: Vec<String> = sorted
        .iter()
        .take(3)
        .map(|(name, count)| format!("{name:?} ({count})"))
        .collect();
    if sorted.len() > 3 {
        shown.push(format!("and {} more", sorted.len() - 3));
    }
    shown.join(", ")
}

/// Judges an export; the error is what was observed (the first rule it breaks).
pub fn judge(export: &Export) -> Result<Summary, String> {
    let events = &export.events;
    let total = events.len();
    if events.is_empty() {
        return Err(format!(
            "{FILE} holds no events: the export matched nothing in log group {LOG_GROUP:?}"
        ));
    }

    let mut streams: BTreeMap<String, usize> = BTreeMap::new();
    for event in events {
        if !APP_STREAMS.contains(&event.log_stream_name.as_str()) {
            *streams.entry(event.log_stream_name.clone()).or_default() += 1;
        }
    }
    if !streams.is_empty() {
        return Err(format!(
            "{} of the {total} events in {FILE} come from log streams the app does not write \
             ({}); the app's are {}",
            streams.values().sum::<usize>(),
            counted(&streams),
            APP_STREAMS.join(", ")
        ));
    }

    let mut lines = Vec::with_capacity(total);
    let mut broken: Option<(usize, String)> = None;
    let mut broken_count = 0;
    for (index, event) in events.iter().enumerate() {
        match parse_line(&event.message) {
            Ok(line) => lines.push(line),
            Err(reason) => {
                broken_count += 1;
                broken.get_or_insert((index, reason));
            }
        }
    }
    if let Some((index, reason)) = broken {
        return Err(format!(
            "{broken_count} of the {total} events in {FILE} are not log lines in the lab's \
             JSON format (the first is event {} of stream {:?}: {reason})",
            index + 1,
            events[index].log_stream_name
        ));
    }

    let mut local: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        if !is_aws_task_hostname(&line.hostname) {
            *local.entry(line.hostname.clone()).or_default() += 1;
        }
    }
    if !local.is_empty() {
        return Err(format!(
            "{} of the {total} events in {FILE} were written on hosts that are not ECS tasks on \
             AWS: `hostname` {}",
            local.values().sum::<usize>(),
            counted(&local)
        ));
    }

    let times = events
        .iter()
        .map(|event| event.timestamp)
        .chain(lines.iter().map(|line| line.time_ms));
    let (first, last) = times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let span_ms = last.saturating_sub(first);
    let longest = (SCENARIO_SECONDS + SPAN_MARGIN_SECONDS) * 1000;
    if span_ms > longest {
        return Err(format!(
            "the times in {FILE} (the events' `timestamp` and the lines' own) span {}, from {} \
             to {}: longer than one run of the load test ({}) and {} more",
            duration(span_ms),
            time(first),
            time(last),
            duration(SCENARIO_SECONDS * 1000),
            duration(SPAN_MARGIN_SECONDS * 1000)
        ));
    }

    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for finished in lines.iter().filter_map(|line| line.finished.as_ref()) {
        *ids.entry(finished.request_id.as_str()).or_default() += 1;
    }
    let repeated: Vec<(&str, usize)> = ids
        .iter()
        .filter(|(_, count)| **count > 1)
        .map(|(id, count)| (*id, *count))
        .collect();
    if let Some((id, count)) = repeated.first() {
        return Err(format!(
            "{} request ids in {FILE} are on more than one `Request finished` line (for \
             instance {id:?}, on {count})",
            repeated.len()
        ));
    }

    // Each host: the times its lines cover, and its health checks.
    let mut hosts: BTreeMap<&str, (i64, i64, usize)> = BTreeMap::new();
    for line in &lines {
        let entry = hosts
            .entry(line.hostname.as_str())
            .or_insert((i64::MAX, i64::MIN, 0));
        entry.0 = entry.0.min(line.time_ms);
        entry.1 = entry.1.max(line.time_ms);
        if line.finished.as_ref().is_some_and(|finished| {
            finished.method == "GET" && finished.url == HEALTH_PATH && finished.status == 200
        }) {
            entry.2 += 1;
        }
    }
    for (host, (from, to, checks)) in &hosts {
        let covered = to - from;
        let expected = (covered / (2 * HEALTH_INTERVAL_SECONDS * 1000)).max(1) as usize;
        if *checks < expected {
            return Err(format!(
                "host {host:?} answered {checks} health checks (`GET {HEALTH_PATH}` with 200) \
                 over the {} its lines in {FILE} cover; the load balancer checks every task \
                 every {HEALTH_INTERVAL_SECONDS} s",
                duration(covered)
            ));
        }
    }

    let mut created = 0;
    let mut deleted: BTreeSet<u64> = BTreeSet::new();
    let mut other_deletes: BTreeMap<String, usize> = BTreeMap::new();
    for finished in lines.iter().filter_map(|line| line.finished.as_ref()) {
        match finished.method.as_str() {
            "POST" if finished.url == "/api/v1/todos" && finished.status == 201 => created += 1,
            "DELETE" => {
                let id = finished
                    .url
                    .strip_prefix("/api/v1/todos/")
                    .and_then(|id| id.parse::<u64>().ok());
                match id {
                    Some(id) if finished.status == 200 => {
                        deleted.insert(id);
                    }
                    _ => {
                        *other_deletes
                            .entry(format!("answered {}", finished.status))
                            .or_default() += 1;
                    }
                }
            }
            _ => {}
        }
    }
    let created_text = format!("{created} todos created (`POST /api/v1/todos` answered 201)");
    let deleted_text = format!(
        "{} deleted by their id (`DELETE /api/v1/todos/{{id}}` answered 200){}",
        deleted.len(),
        if other_deletes.is_empty() {
            String::new()
        } else {
            let others: Vec<String> = other_deletes
                .iter()
                .map(|(status, count)| format!("{count} {status}"))
                .collect();
            format!(", and other DELETE requests: {}", others.join(", "))
        }
    );
    if created < MIN_TODOS {
        return Err(format!(
            "{FILE} shows {created_text} and {deleted_text}; one run of the load test \
             creates {MIN_TODOS} or more"
        ));
    }
    if created > MAX_TODOS {
        return Err(format!(
            "{FILE} shows {created_text}: more than one full run of the load test creates \
             (1000)"
        ));
    }
    let needed = (created as f64 * DELETED_SHARE).ceil() as usize;
    if deleted.len() < needed {
        return Err(format!("{FILE} shows {created_text} but {deleted_text}"));
    }
    Ok(Summary {
        events: total,
        health_checks: hosts
            .iter()
            .map(|(host, (_, _, checks))| ((*host).to_owned(), *checks))
            .collect(),
        todos_created: created,
        todos_deleted: deleted.len(),
        span_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOST: &str = "ip-172-31-40-17.ec2.internal";
    /// 2026-12-01T10:00:00Z.
    const START: i64 = 1_796_119_200_000;

    fn line(ms: i64, host: &str, method: &str, url: &str, status: u64, id: &str) -> String {
        let timestamp = chrono::DateTime::from_timestamp_millis(ms)
            .expect("a time")
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        json!({
            "timestamp": timestamp, "level": "INFO", "location": "taskoverflow::access",
            "message": "Request finished", "hostname": host, "request_id": id,
            "method": method, "url": url, "status": status, "latency_ms": 1.25,
        })
        .to_string()
    }

    fn event(ms: i64, message: String) -> Event {
        Event {
            log_stream_name: "http-access".to_owned(),
            timestamp: ms,
            message,
            ingestion_time: ms + 800,
            event_id: format!("{ms:056}"),
        }
    }

    /// A 100-second run on one task: health checks every 15 s, 50 todos created and deleted.
    fn good() -> Export {
        let mut events = Vec::new();
        for check in 0..7 {
            let ms = START + check * 15_000;
            events.push(event(
                ms,
                line(ms, HOST, "GET", HEALTH_PATH, 200, &format!("h{check}")),
            ));
        }
        for todo in 0..50 {
            let ms = START + 1000 + todo * 1800;
            let post = line(ms, HOST, "POST", "/api/v1/todos", 201, &format!("p{todo}"));
            events.push(event(ms, post));
            let url = format!("/api/v1/todos/{}", 300 + todo);
            let delete = line(ms + 1000, HOST, "DELETE", &url, 200, &format!("d{todo}"));
            events.push(event(ms + 1000, delete));
        }
        events.sort_by_key(|event| event.timestamp);
        Export {
            events,
            searched_log_streams: Vec::new(),
        }
    }

    fn problem(export: &Export) -> String {
        judge(export).expect_err("a problem")
    }

    #[test]
    fn a_run_on_ecs_passes() {
        let summary = judge(&good()).expect("passes");
        assert_eq!(summary.todos_created, 50);
        assert_eq!(summary.todos_deleted, 50);
        assert_eq!(summary.health_checks[HOST], 7);
    }

    #[test]
    fn the_file_is_read_strictly_and_never_too_much() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("deployment-logs.json");
        assert!(read(&path).expect_err("missing").contains("there is no"));
        std::fs::write(&path, " \n").expect("written");
        assert!(read(&path).expect_err("empty").ends_with("is empty"));
        for not_the_cli in [
            "[]",
            "{\"events\": {}}",
            "2026-12-01 INFO text",
            "{\"events\": [{\"timestamp\": 1}]}",
        ] {
            std::fs::write(&path, not_the_cli).expect("written");
            let error = read(&path).expect_err(not_the_cli);
            assert!(
                error.contains("is not the JSON the AWS CLI writes"),
                "{error}"
            );
        }
        std::fs::write(&path, serde_json::to_string(&good()).expect("json")).expect("written");
        assert_eq!(read(&path).expect("the CLI's shape"), good());
        let file = std::fs::File::create(&path).expect("created");
        file.set_len(MAX_BYTES + 1).expect("a big file");
        assert!(read(&path)
            .expect_err("too big")
            .contains("more than the 16 MiB"));
    }

    #[test]
    fn the_clis_field_names_are_read() {
        let text = r#"{"events": [{"logStreamName": "app", "timestamp": 1, "message": "m",
            "ingestionTime": 2, "eventId": "3"}], "searchedLogStreams": []}"#;
        let export: Export = serde_json::from_str(text).expect("the CLI's shape");
        assert_eq!(export.events[0].log_stream_name, "app");
        assert_eq!(export.events[0].ingestion_time, 2);
    }

    #[test]
    fn no_events_and_foreign_streams_are_named() {
        assert!(problem(&Export::default()).contains("holds no events"));
        let mut export = good();
        export.events[0].log_stream_name = "taskoverflow/app/0123456789abcdef".to_owned();
        assert!(problem(&export).contains("log streams the app does not write"));
    }

    #[test]
    fn every_message_must_be_a_json_line_with_its_fields() {
        for (broken, reason) in [
            (
                r#"INFO taskoverflow::access: "GET /api/v1/health HTTP/1.1" 200"#.to_owned(),
                "not a JSON object",
            ),
            (
                good().events[0].message.replace("\"hostname\"", "\"host\""),
                "no `hostname` string",
            ),
            (
                good().events[0]
                    .message
                    .replace("\"status\":200", "\"status\":\"200\""),
                "`status` number",
            ),
            (
                good().events[0]
                    .message
                    .replace("2026-12-01T", "yesterday "),
                "RFC 3339",
            ),
        ] {
            let mut export = good();
            export.events[3].message = broken;
            let error = problem(&export);
            assert!(
                error.contains("1 of the 107 events") && error.contains(reason),
                "{error}"
            );
            assert!(
                error.contains("event 4 of stream \"http-access\""),
                "{error}"
            );
        }
    }

    #[test]
    fn hostnames_are_ecs_tasks_on_aws() {
        for name in [
            "ip-10-0-1-23.ec2.internal",
            "ip-172-31-255-4.ec2.internal",
            "ip-192-168-0-9.eu-west-1.compute.internal",
            "ip-10-1-2-3.ap-southeast-2.compute.internal",
        ] {
            assert!(is_aws_task_hostname(name), "{name}");
        }
        for name in [
            "vm",
            "my-laptop.local",
            "localhost",
            "ip-8-8-8-8.ec2.internal",
            "ip-172-32-0-1.ec2.internal",
            "ip-10-0-1.ec2.internal",
            "ip-10-0-1-2-3.ec2.internal",
            "ip-10-0-1-256.ec2.internal",
            "ip-10-0-1-23.example.com",
            "ip-10-0-1-23.compute.internal",
            "ip-10-0-1-23.eu-west-x.compute.internal",
            "0123456789ab",
        ] {
            assert!(!is_aws_task_hostname(name), "{name}");
        }
        let mut export = good();
        export.events[5].message = export.events[5].message.replace(HOST, "vm");
        let error = problem(&export);
        assert!(
            error.contains("1 of the 107 events") && error.contains("\"vm\" (1)"),
            "{error}"
        );
    }

    #[test]
    fn the_times_lie_within_one_run() {
        let mut export = good();
        let hour = 3_600_000;
        let last = export.events.len() - 1;
        export.events[last].timestamp += hour;
        let error = problem(&export);
        assert!(error.contains("span 61 min"), "{error}");
        // The line's own time counts too.
        let mut export = good();
        let message = export.events[last].message.clone();
        export.events[last].message = message.replace("2026-12-01T10", "2026-12-01T12");
        let error = problem(&export);
        assert!(error.contains("span 121 min 30 s"), "{error}");
    }

    #[test]
    fn a_request_id_is_on_one_finished_line() {
        let mut export = good();
        let copy = export.events[10].clone();
        export.events.push(copy);
        let error = problem(&export);
        assert!(
            error.contains("1 request ids") && error.contains("on 2"),
            "{error}"
        );
    }

    #[test]
    fn every_host_answers_health_checks_at_the_interval() {
        let mut export = good();
        export
            .events
            .retain(|event| !event.message.contains(HEALTH_PATH));
        let error = problem(&export);
        assert!(error.contains("answered 0 health checks"), "{error}");
        // Two checks over 100 s: fewer than one per two intervals.
        let mut export = good();
        let mut seen = 0;
        export.events.retain(|event| {
            if event.message.contains(HEALTH_PATH) {
                seen += 1;
                return seen <= 2;
            }
            true
        });
        assert!(problem(&export).contains("answered 2 health checks"));
        // Two ALB nodes checking: twice as many is fine.
        let mut export = good();
        let extra: Vec<Event> = export
            .events
            .iter()
            .filter(|event| event.message.contains(HEALTH_PATH))
            .map(|event| {
                let mut copy = event.clone();
                copy.message = copy
                    .message
                    .replace("\"request_id\":\"h", "\"request_id\":\"n");
                copy
            })
            .collect();
        export.events.extend(extra);
        assert_eq!(judge(&export).expect("passes").health_checks[HOST], 14);
    }

    #[test]
    fn the_planners_create_and_delete_in_realistic_numbers() {
        let mut export = good();
        export
            .events
            .retain(|event| !event.message.contains("\"status\":201"));
        let error = problem(&export);
        assert!(
            error.contains("0 todos created") && error.contains("50 deleted"),
            "{error}"
        );
        let mut export = good();
        for event in &mut export.events {
            if event.message.contains("\"DELETE\"") {
                let url = event.message.split("\"url\":\"").nth(1).expect("url");
                let url = &url[..url.find('"').expect("end")];
                event.message = event
                    .message
                    .replace(url, "/api/v1/todos/none")
                    .replace("\"status\":200", "\"status\":404");
            }
        }
        let error = problem(&export);
        assert!(
            error.contains("50 todos created")
                && error.contains("0 deleted by their id")
                && error.contains("50 answered 404"),
            "{error}"
        );
        // Five of fifty deletes outside the window: within the margin.
        let mut export = good();
        let mut dropped = 0;
        export.events.retain(|event| {
            if event.message.contains("\"DELETE\"") && dropped < 5 {
                dropped += 1;
                return false;
            }
            true
        });
        assert_eq!(judge(&export).expect("passes").todos_deleted, 45);
    }
}
