//! Without AWS credentials the shipper prints exactly one warning, also where the SDK's
//! credential chain gets as far as instance metadata (IMDS), as on a student's laptop. The
//! SDK's own warnings about each provider that failed (four of them for IMDS alone) stay out
//! of the app's log. A test binary of its own: it sets the process's AWS variables.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use cloudwatch_shipper::{Shipper, ShipperConfig};
use support::captured::Captured;

/// An instance metadata service that refuses everything with 403, as a machine where a proxy
/// stands in for 169.254.169.254 does: the SDK then warns about the region (three times) and
/// the credentials (once) before the shipper says anything.
fn forbidding_metadata_service() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let address = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 403 Forbidden\r\ncontent-length: 9\r\nconnection: close\r\n\r\nforbidden",
            );
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_one_warning_even_when_the_chain_reaches_imds() {
    // No credentials anywhere, and IMDS enabled but refusing connections (a laptop has none).
    for variable in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        std::env::remove_var(variable);
    }
    // A home without ~/.aws, as on a machine never set up for AWS.
    let home = std::env::temp_dir().join(format!("no-aws-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("a home folder");
    std::env::set_var("HOME", &home);
    std::env::set_var(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://{}", forbidding_metadata_service()),
    );

    // Every event of every target at WARN and above, the way an app's subscriber sees them.
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .init();

    let shipper = Shipper::from_env(ShipperConfig::new("taskoverflow"));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60)
        && !captured
            .lines()
            .iter()
            .any(|line| line.contains("no AWS credentials"))
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shipper.send("app", support::now_ms(), "a line".to_owned());
    shipper.shutdown(Duration::from_secs(5)).await;
    // Anything the SDK would still log late, e.g. from a retry.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let lines = captured.lines();
    assert_eq!(
        lines.len(),
        1,
        "exactly one line, the shipper's warning:\n{}",
        lines.join("\n")
    );
    assert!(lines[0].contains("WARN"), "{}", lines[0]);
    assert!(
        lines[0].contains("no AWS credentials found"),
        "{}",
        lines[0]
    );
}
