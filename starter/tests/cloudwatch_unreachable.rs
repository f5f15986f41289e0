//! A CloudWatch endpoint that never answers must not slow down a single request.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use testkit::AppProcess;

/// The same file serves both apps: the binary is the package's own.
const BINARY: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME")));

#[tokio::test]
async fn a_black_hole_endpoint_never_delays_requests() {
    // Accepts connections and never answers: the worst case for a synchronous shipper.
    let black_hole = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let endpoint = format!("http://{}", black_hole.local_addr().expect("an address"));
    let database = testkit::fresh_database().await.expect("a database");
    let app = AppProcess::start(
        Path::new(BINARY),
        &database.url,
        &[
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
    )
    .expect("the app starts");
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/todos", app.base_url());
    let mut slowest = Duration::ZERO;
    for _ in 0..50 {
        let started = Instant::now();
        let response = client.get(&url).send().await.expect("an answer");
        assert!(response.status().is_success());
        slowest = slowest.max(started.elapsed());
    }
    // Shipping blocked on the endpoint would take the SDK's 5 s timeout per request.
    assert!(
        slowest < Duration::from_secs(2),
        "slowest request took {slowest:?}"
    );
    let started = Instant::now();
    let (status, _) = app.stop().expect("stops");
    assert!(status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waits at most the flush deadline, took {:?}",
        started.elapsed()
    );
    drop(black_hole);
}
