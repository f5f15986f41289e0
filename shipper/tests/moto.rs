//! End to end against a real `moto_server`: ship, shut down, read back with GetLogEvents.

mod support;

use std::time::Duration;

use cloudwatch_shipper::{
    CloudWatchSink, InputEvent, Shipper, ShipperConfig, Sink, SinkError, MAX_MESSAGE_BYTES,
};
use support::{now_ms, read_stream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_events_can_be_read_back_sorted_per_stream() {
    let moto = support::moto();
    let sdk = moto.sdk_config().await;
    let shipper = Shipper::from_sdk_config(ShipperConfig::new("taskoverflow"), &sdk);

    let t = now_ms();
    // Out of order on purpose: CloudWatch needs each batch sorted by timestamp.
    shipper.send("http", t + 2, "GET /api/v1/todos 200".to_owned());
    shipper.send("http", t, "GET /api/v1/health 200".to_owned());
    shipper.send("http", t + 1, "POST /api/v1/todos 201".to_owned());
    shipper.send("sql", t, "SELECT * FROM todos — ünïcödé".to_owned());
    shipper.send("app", t, "x".repeat(MAX_MESSAGE_BYTES + 1000));
    let report = shipper.shutdown(Duration::from_secs(20)).await;
    assert!(!report.timed_out, "{report:?}");
    assert_eq!((report.sent, report.dropped), (5, 0));

    let client = CloudWatchSink::from_sdk_config(&sdk).client().clone();
    assert_eq!(
        read_stream(&client, "taskoverflow", "http").await,
        vec![
            "GET /api/v1/health 200",
            "POST /api/v1/todos 201",
            "GET /api/v1/todos 200"
        ]
    );
    assert_eq!(
        read_stream(&client, "taskoverflow", "sql").await,
        vec!["SELECT * FROM todos — ünïcödé"]
    );
    let big = read_stream(&client, "taskoverflow", "app").await;
    assert_eq!(big.len(), 1);
    assert_eq!(big[0].len(), MAX_MESSAGE_BYTES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_events_are_split_into_batches_and_all_arrive() {
    let moto = support::moto();
    let sdk = moto.sdk_config().await;
    let shipper = Shipper::from_sdk_config(ShipperConfig::new("taskoverflow"), &sdk);
    let t = now_ms();
    let n = 12_345;
    for i in 0..n {
        shipper.send("load", t + i, format!("line {i}"));
    }
    let report = shipper.shutdown(Duration::from_secs(60)).await;
    assert_eq!((report.sent, report.dropped), (n as u64, 0), "{report:?}");
    let client = CloudWatchSink::from_sdk_config(&sdk).client().clone();
    let lines = read_stream(&client, "taskoverflow", "load").await;
    assert_eq!(lines.len(), n as usize);
    assert_eq!(lines.first().map(String::as_str), Some("line 0"));
    assert_eq!(lines.last(), Some(&format!("line {}", n - 1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sink_maps_real_service_errors() {
    let moto = support::moto();
    let sdk = moto.sdk_config().await;
    let sink = CloudWatchSink::from_sdk_config(&sdk);
    let event = [InputEvent::new(now_ms(), "hello".to_owned())];

    let missing = sink.put_log_events("nope", "nope", &event).await;
    assert_eq!(missing, Err(SinkError::ResourceNotFound));
    assert_eq!(sink.create_log_group("g").await, Ok(()));
    assert_eq!(
        sink.create_log_group("g").await,
        Err(SinkError::AlreadyExists)
    );
    let no_stream = sink.put_log_events("g", "s", &event).await;
    assert_eq!(no_stream, Err(SinkError::ResourceNotFound));
    assert_eq!(sink.create_log_stream("g", "s").await, Ok(()));
    assert_eq!(
        sink.create_log_stream("g", "s").await,
        Err(SinkError::AlreadyExists)
    );
    assert_eq!(sink.put_log_events("g", "s", &event).await, Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_deleted_behind_its_back_is_recreated() {
    let moto = support::moto();
    let sdk = moto.sdk_config().await;
    let config = ShipperConfig {
        flush_interval: Duration::from_millis(50),
        ..ShipperConfig::new("taskoverflow")
    };
    let shipper = Shipper::from_sdk_config(config, &sdk);
    let client = CloudWatchSink::from_sdk_config(&sdk).client().clone();

    shipper.send("app", now_ms(), "before".to_owned());
    wait_until(|| shipper.sent() == 1).await;
    client
        .delete_log_stream()
        .log_group_name("taskoverflow")
        .log_stream_name("app")
        .send()
        .await
        .expect("delete the stream");

    shipper.send("app", now_ms(), "after".to_owned());
    let report = shipper.shutdown(Duration::from_secs(20)).await;
    assert_eq!((report.sent, report.dropped), (2, 0), "{report:?}");
    assert_eq!(
        read_stream(&client, "taskoverflow", "app").await,
        vec!["after"]
    );
}

async fn wait_until(cond: impl Fn() -> bool) {
    for _ in 0..400 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not met within 10 s");
}
