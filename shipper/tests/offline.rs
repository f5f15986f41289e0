//! Behaviour without CloudWatch: no credentials, refused or silent endpoints, and the
//! `MakeWriter` used the way the apps use it. No emulator needed.

mod support;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatchlogs::config::{Credentials, SharedCredentialsProvider};
use cloudwatch_shipper::{CloudWatchSink, InputEvent, Shipper, ShipperConfig, Sink, SinkError};
use support::captured::Captured;
use support::sinks::Recorder;
use support::{free_port, now_ms};
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::layer::SubscriberExt;

fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || writer.clone()),
    );
    (captured, tracing::subscriber::set_default(subscriber))
}

async fn wait_until(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}

const WARNING: &str = "no AWS credentials found";

/// Both no-credential cases must end the same way: one warning, cheap drops, no buffer.
async fn assert_discards_after_one_warning(sdk: SdkConfig) {
    let (logs, _guard) = capture_logs();
    let config = ShipperConfig {
        max_buffer_bytes: 10_000,
        ..ShipperConfig::new("taskoverflow")
    };
    let shipper = Shipper::from_sdk_config(config, &sdk);
    // Sent before the worker has even looked at the credentials: bounded by the buffer.
    for i in 0..1_000 {
        shipper.send("app", i, format!("early {i}"));
    }
    assert!(shipper.buffered_bytes() <= 10_000);
    assert!(
        wait_until(Duration::from_secs(10), || logs.text().contains(WARNING)).await,
        "no warning; logs: {}",
        logs.text()
    );
    assert!(wait_until(Duration::from_secs(5), || shipper.buffered_bytes() == 0).await);

    let start = Instant::now();
    for i in 0..100_000 {
        shipper.send("app", i, format!("late {i}"));
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(shipper.buffered_bytes(), 0);
    assert_eq!(shipper.dropped(), 101_000);

    let report = shipper.shutdown(Duration::from_secs(5)).await;
    assert!(!report.timed_out);
    assert_eq!((report.sent, report.dropped), (0, 101_000));
    let text = logs.text();
    assert_eq!(text.matches(WARNING).count(), 1, "logs: {text}");
    assert!(text.contains("WARN"), "logs: {text}");
}

#[tokio::test]
async fn without_a_credentials_provider_it_warns_once_and_discards() {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    assert_discards_after_one_warning(sdk).await;
}

#[tokio::test]
async fn when_the_credentials_chain_finds_nothing_it_warns_once_and_discards() {
    let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .profile_name("cloudwatch-shipper-test-no-such-profile")
        .configure(&ProviderConfig::default().with_http_client(cloudwatch_shipper::https_client()))
        .build();
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    assert_discards_after_one_warning(sdk).await;
}

async fn sdk_for(endpoint: String) -> SdkConfig {
    cloudwatch_shipper::sdk_defaults()
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_server_error() {
    let sdk = sdk_for(format!("http://127.0.0.1:{}", free_port())).await;
    let sink = CloudWatchSink::from_sdk_config(&sdk);
    let result = sink
        .put_log_events("g", "s", &[InputEvent::new(now_ms(), "x".to_owned())])
        .await;
    assert!(matches!(result, Err(SinkError::Server(_))), "{result:?}");
}

#[tokio::test]
async fn without_a_region_it_falls_back_to_us_east_1() {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(format!("http://127.0.0.1:{}", free_port()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .build();
    let sink = CloudWatchSink::from_sdk_config(&sdk);
    assert_eq!(
        sink.client().config().region().map(|r| r.as_ref()),
        Some(cloudwatch_shipper::FALLBACK_REGION)
    );
    // Without a region the request could not even be built (a fatal error); with the
    // fallback it is sent, and the refused connection is a server error.
    let result = sink.create_log_group("g").await;
    assert!(matches!(result, Err(SinkError::Server(_))), "{result:?}");
}

#[tokio::test]
async fn an_endpoint_that_never_answers_times_out_as_a_server_error() {
    // The kernel accepts connections into the backlog, but nobody ever responds.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let sdk = sdk_for(format!("http://127.0.0.1:{port}")).await;
    let sink = CloudWatchSink::from_sdk_config(&sdk);
    let start = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(15), sink.create_log_group("g"))
        .await
        .expect("the SDK operation timeout should have ended the call");
    let elapsed = start.elapsed();
    assert!(matches!(result, Err(SinkError::Server(_))), "{result:?}");
    assert!(elapsed >= Duration::from_secs(4), "took {elapsed:?}");
}

#[tokio::test]
async fn the_sdk_does_not_retry_on_its_own() {
    // Every connection is closed at once: a retryable I/O error for the SDK.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let sdk = sdk_for(format!("http://127.0.0.1:{port}")).await;
    let sink = CloudWatchSink::from_sdk_config(&sdk);
    let result = sink.create_log_group("g").await;
    assert!(matches!(result, Err(SinkError::Server(_))), "{result:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "the SDK retried by itself"
    );
}

#[tokio::test]
async fn shutdown_meets_its_deadline_against_a_dead_endpoint() {
    let sdk = sdk_for(format!("http://127.0.0.1:{}", free_port())).await;
    let shipper = Shipper::from_sdk_config(ShipperConfig::new("taskoverflow"), &sdk);
    for i in 0..3 {
        shipper.send("app", now_ms() + i, format!("line {i}"));
    }
    let start = Instant::now();
    let report = shipper.shutdown(Duration::from_secs(1)).await;
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(report.timed_out, "{report:?}");
    assert_eq!((report.sent, report.dropped), (0, 3));
    assert_eq!(shipper.buffered_bytes(), 0);
}

#[tokio::test]
async fn a_dead_endpoint_is_given_up_after_the_retries() {
    let sdk = sdk_for(format!("http://127.0.0.1:{}", free_port())).await;
    let config = ShipperConfig {
        max_retries: 2,
        base_backoff: Duration::from_millis(10),
        ..ShipperConfig::new("taskoverflow")
    };
    let shipper = Shipper::from_sdk_config(config, &sdk);
    shipper.send("app", now_ms(), "lost".to_owned());
    let report = shipper.shutdown(Duration::from_secs(20)).await;
    assert!(!report.timed_out, "{report:?}");
    assert_eq!((report.sent, report.dropped), (0, 1));
}

#[tokio::test]
async fn the_writer_combines_with_stdout_as_the_apps_use_it() {
    let recorder = Recorder::default();
    let shipper = Shipper::with_sink(ShipperConfig::new("taskoverflow"), recorder.clone());
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(std::io::stdout.and(shipper.make_writer(|meta| {
            if meta.target().starts_with("sqlx") {
                "sql".to_owned()
            } else {
                "app".to_owned()
            }
        })));
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "solution::http", status = 201, "Request finished");
        tracing::info!(target: "sqlx::query", "SELECT 1");
        tracing::warn!(target: "aws_smithy_runtime", "not shipped");
    });
    let report = shipper.shutdown(Duration::from_secs(5)).await;
    assert_eq!((report.sent, report.dropped), (2, 0));
    let seen = recorder.0.lock().expect("recorder lock").clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].0, "app");
    assert!(
        seen[0].1.ends_with("Request finished status=201"),
        "{}",
        seen[0].1
    );
    assert!(!seen[0].1.ends_with('\n'));
    assert_eq!(seen[1].0, "sql");
}

/// The SDK's HTTPS client is built on *ring* (the app's one crypto library): it starts a TLS
/// handshake rather than failing for want of a crypto provider.
#[tokio::test]
async fn the_sdk_speaks_tls_with_the_apps_crypto_library() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let port = listener.local_addr().expect("its address").port();
    let sdk = cloudwatch_shipper::sdk_defaults()
        .region(Region::new("us-east-1"))
        .endpoint_url(format!("https://127.0.0.1:{port}"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let request = tokio::spawn(async move { client.describe_log_groups().send().await });
    let (mut socket, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("the SDK connects within 10 s")
        .expect("accept");
    let mut record = [0u8; 3];
    tokio::io::AsyncReadExt::read_exact(&mut socket, &mut record)
        .await
        .expect("the SDK sends a first record");
    // A TLS handshake record: content type 22, protocol version 3.x.
    assert_eq!(record[..2], [0x16, 0x03], "{record:?}");
    request.abort();
}
