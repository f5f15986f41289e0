//! Behaviour of `Shipper` against scripted fake sinks.

use std::time::{Duration, Instant};

use crate::fake_sink::{FakeSink, Then};
use crate::{Shipper, ShipperConfig, SinkError, MAX_BATCH_EVENTS};

const WAIT: Duration = Duration::from_secs(5);

/// Fast retries and a long flush interval, so only shutdown or a full batch flushes.
fn config() -> ShipperConfig {
    ShipperConfig {
        flush_interval: Duration::from_secs(3600),
        base_backoff: Duration::from_millis(1),
        ..ShipperConfig::new("test-group")
    }
}

fn msg(n: usize) -> String {
    format!("event {n}")
}

#[test]
fn config_defaults_match_the_contract() {
    let c = ShipperConfig::new("taskoverflow");
    assert_eq!(c.log_group, "taskoverflow");
    assert_eq!(c.max_buffer_bytes, 8 * 1024 * 1024);
    assert_eq!(c.flush_interval, Duration::from_secs(1));
    assert_eq!(c.max_retries, 5);
    assert_eq!(c.base_backoff, Duration::from_millis(100));
}

#[tokio::test]
async fn full_buffer_drops_and_counts_at_the_exact_byte_limit() {
    let sink = FakeSink::hanging();
    // Room for exactly 7 events of 100 message bytes (7 × 126 = 882).
    let cfg = ShipperConfig {
        max_buffer_bytes: 7 * 126,
        flush_interval: Duration::from_millis(1),
        ..config()
    };
    let shipper = Shipper::with_sink(cfg, sink.clone());
    let body = "x".repeat(100);
    for _ in 0..7 {
        shipper.send("app", 1, body.clone());
    }
    assert_eq!(shipper.dropped(), 0);
    assert_eq!(shipper.buffered_bytes(), 882);
    shipper.send("app", 1, body.clone());
    assert_eq!(shipper.dropped(), 1);
    // The worker picks the events up and hangs in PutLogEvents: they still count.
    assert!(sink.wait_for(WAIT, |l| !l.attempts.is_empty()).await);
    shipper.send("app", 1, body.clone());
    shipper.send("app", 1, "y".to_owned());
    assert_eq!(shipper.dropped(), 3);
    assert_eq!(shipper.buffered_bytes(), 882);
}

#[tokio::test]
async fn send_never_waits_for_a_sink_that_never_answers() {
    let sink = FakeSink::hanging();
    let cfg = ShipperConfig {
        flush_interval: Duration::from_millis(1),
        ..config()
    };
    let shipper = Shipper::with_sink(cfg, sink.clone());
    shipper.send("app", 0, "first".to_owned());
    assert!(sink.wait_for(WAIT, |l| !l.attempts.is_empty()).await);
    // On this single-threaded runtime the worker cannot run while we send, so any waiting
    // for it would deadlock; the timing bound catches blocking of any other kind.
    let start = Instant::now();
    for i in 0..20_000 {
        shipper.send("app", i, msg(i as usize));
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(1),
        "20,000 sends took {elapsed:?}"
    );
    assert_eq!(shipper.dropped(), 0);
}

#[tokio::test]
async fn shutdown_returns_by_the_deadline_and_counts_the_unsent_as_dropped() {
    let sink = FakeSink::hanging();
    let shipper = Shipper::with_sink(config(), sink.clone());
    for i in 0..5 {
        shipper.send("app", i, msg(i as usize));
    }
    let start = Instant::now();
    let report = shipper.shutdown(Duration::from_millis(200)).await;
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "shutdown took {elapsed:?}"
    );
    assert!(report.timed_out);
    assert_eq!((report.sent, report.dropped), (0, 5));
    assert_eq!(shipper.buffered_bytes(), 0);
    // Stopped for good: later events are dropped, a second shutdown answers at once.
    shipper.send("app", 9, "late".to_owned());
    assert_eq!(shipper.dropped(), 6);
    let again = shipper.shutdown(Duration::from_millis(200)).await;
    assert_eq!((again.sent, again.dropped), (0, 6));
}

#[tokio::test]
async fn throttling_is_retried_and_events_arrive_once_in_order() {
    let sink = FakeSink::new(
        vec![Err(SinkError::Throttled), Err(SinkError::Throttled)],
        Then::Succeed,
    );
    let shipper = Shipper::with_sink(config(), sink.clone());
    // Sent out of timestamp order: the batch must be sorted.
    shipper.send("app", 30, "c".to_owned());
    shipper.send("app", 10, "a".to_owned());
    shipper.send("app", 20, "b".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert!(!report.timed_out);
    assert_eq!((report.sent, report.dropped), (3, 0));
    assert_eq!(sink.delivered_to("app"), vec!["a", "b", "c"]);
    assert_eq!(sink.log().attempts.len(), 3);
    assert_eq!(shipper.buffered_bytes(), 0);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let sink = FakeSink::new(vec![Err(SinkError::Server("503".into()))], Then::Succeed);
    let shipper = Shipper::with_sink(config(), sink.clone());
    shipper.send("app", 1, "hello".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert_eq!((report.sent, report.dropped), (1, 0));
    assert_eq!(sink.log().attempts.len(), 2);
}

#[tokio::test]
async fn gives_up_after_max_retries_and_counts_the_batch_dropped() {
    let sink = FakeSink::new(Vec::new(), Then::Fail(SinkError::Throttled));
    let cfg = ShipperConfig {
        max_retries: 3,
        ..config()
    };
    let shipper = Shipper::with_sink(cfg, sink.clone());
    shipper.send("app", 1, "a".to_owned());
    shipper.send("app", 2, "b".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert!(!report.timed_out);
    assert_eq!((report.sent, report.dropped), (0, 2));
    // One first attempt plus exactly max_retries retries.
    assert_eq!(sink.log().attempts.len(), 4);
    assert_eq!(shipper.buffered_bytes(), 0);
}

#[tokio::test]
async fn backoff_grows_exponentially_between_retries() {
    let sink = FakeSink::new(Vec::new(), Then::Fail(SinkError::Throttled));
    let cfg = ShipperConfig {
        max_retries: 3,
        base_backoff: Duration::from_millis(40),
        ..config()
    };
    let shipper = Shipper::with_sink(cfg, sink.clone());
    shipper.send("app", 1, "a".to_owned());
    let start = Instant::now();
    shipper.shutdown(WAIT).await;
    // 40 + 80 + 160 ms of backoff; a constant 40 ms backoff would take 120 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(280),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn fatal_errors_drop_the_batch_without_retrying() {
    let sink = FakeSink::new(
        vec![Err(SinkError::Fatal("UnrecognizedClientException".into()))],
        Then::Succeed,
    );
    let shipper = Shipper::with_sink(config(), sink.clone());
    shipper.send("app", 1, "a".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert_eq!((report.sent, report.dropped), (0, 1));
    assert_eq!(sink.log().attempts.len(), 1);
}

#[tokio::test]
async fn missing_group_or_stream_is_created_then_retried() {
    let sink = FakeSink::new(vec![Err(SinkError::ResourceNotFound)], Then::Succeed);
    let shipper = Shipper::with_sink(config(), sink.clone());
    shipper.send("app", 1, "a".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert_eq!((report.sent, report.dropped), (1, 0));
    let log = sink.log();
    // Once on first use, once more after the ResourceNotFound.
    assert_eq!(log.groups_created, 2);
    assert_eq!(log.streams_created, vec!["app", "app"]);
    assert_eq!(log.attempts.len(), 2);
}

#[tokio::test]
async fn group_and_streams_are_created_once_each_and_already_exists_is_fine() {
    let sink = FakeSink::ok().with_create_result(Err(SinkError::AlreadyExists));
    let cfg = ShipperConfig {
        flush_interval: Duration::from_millis(10),
        ..config()
    };
    let shipper = Shipper::with_sink(cfg, sink.clone());
    shipper.send("http", 1, "GET /".to_owned());
    shipper.send("sql", 1, "SELECT 1".to_owned());
    assert!(sink.wait_for(WAIT, |l| l.delivered.len() == 2).await);
    shipper.send("http", 2, "GET /again".to_owned());
    shipper.send("sql", 2, "SELECT 2".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert_eq!((report.sent, report.dropped), (4, 0));
    assert_eq!(sink.delivered_to("http"), vec!["GET /", "GET /again"]);
    assert_eq!(sink.delivered_to("sql"), vec!["SELECT 1", "SELECT 2"]);
    let log = sink.log();
    assert_eq!(log.groups_created, 1);
    let mut streams = log.streams_created.clone();
    streams.sort();
    assert_eq!(streams, vec!["http", "sql"]);
}

#[tokio::test]
async fn pending_events_flush_when_the_interval_elapses() {
    let sink = FakeSink::ok();
    let cfg = ShipperConfig {
        flush_interval: Duration::from_millis(50),
        ..config()
    };
    let shipper = Shipper::with_sink(cfg, sink.clone());
    shipper.send("app", 1, "tick".to_owned());
    assert!(sink.wait_for(WAIT, |l| !l.delivered.is_empty()).await);
    assert_eq!(sink.delivered_to("app"), vec!["tick"]);
    assert_eq!(shipper.sent(), 1);
    assert_eq!(shipper.buffered_bytes(), 0);
}

#[tokio::test]
async fn a_full_batch_flushes_without_waiting_for_the_interval() {
    let sink = FakeSink::ok();
    let shipper = Shipper::with_sink(config(), sink.clone());
    for i in 0..=MAX_BATCH_EVENTS {
        shipper.send("app", i as i64, msg(i));
    }
    assert!(sink.wait_for(WAIT, |l| !l.delivered.is_empty()).await);
    // The 10,001st event waits for the (hour-long) interval or shutdown.
    assert_eq!(sink.delivered_to("app").len(), MAX_BATCH_EVENTS);
    let report = shipper.shutdown(WAIT).await;
    assert_eq!(
        (report.sent, report.dropped),
        (MAX_BATCH_EVENTS as u64 + 1, 0)
    );
    let delivered = sink.delivered_to("app");
    assert_eq!(delivered.len(), MAX_BATCH_EVENTS + 1);
    assert_eq!(delivered.last(), Some(&msg(MAX_BATCH_EVENTS)));
}

#[tokio::test]
async fn events_after_shutdown_and_empty_messages_are_dropped() {
    let sink = FakeSink::ok();
    let shipper = Shipper::with_sink(config(), sink.clone());
    shipper.send("app", 1, String::new());
    assert_eq!(shipper.dropped(), 1);
    shipper.send("app", 1, "kept".to_owned());
    let report = shipper.shutdown(WAIT).await;
    assert_eq!((report.sent, report.dropped), (1, 1));
    shipper.clone().send("app", 2, "too late".to_owned());
    assert_eq!(shipper.dropped(), 2);
    assert_eq!(sink.delivered_to("app"), vec!["kept"]);
}

#[tokio::test]
async fn dropping_every_handle_still_flushes() {
    let sink = FakeSink::ok();
    let shipper = Shipper::with_sink(config(), sink.clone());
    shipper.send("app", 1, "last words".to_owned());
    drop(shipper);
    assert!(sink.wait_for(WAIT, |l| !l.delivered.is_empty()).await);
    assert_eq!(sink.delivered_to("app"), vec!["last words"]);
}

#[test]
fn works_when_created_outside_any_runtime() {
    let sink = FakeSink::ok();
    // No runtime here: the worker must get its own thread.
    let shipper = Shipper::with_sink(config(), sink.clone());
    shipper.send("app", 1, "early bird".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test runtime");
    let report = runtime.block_on(shipper.shutdown(WAIT));
    assert_eq!((report.sent, report.dropped), (1, 0));
    assert_eq!(sink.delivered_to("app"), vec!["early bird"]);
}
