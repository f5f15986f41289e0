//! A CloudWatch endpoint that never answers must not slow down a single request, in either app:
//! the shipper is shared, but each app's telemetry wires it in.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use testkit::AppProcess;

#[tokio::test]
async fn the_starter_is_never_delayed_by_a_black_hole_endpoint() {
    never_delayed("starter").await;
}

#[tokio::test]
async fn the_solution_is_never_delayed_by_a_black_hole_endpoint() {
    never_delayed("solution").await;
}

async fn never_delayed(app: &str) {
    let binary =
        xtask::app_binary(app).unwrap_or_else(|problem| panic!("{app} builds: {problem:?}"));
    // Accepts connections and never answers: the worst case for a synchronous shipper.
    let black_hole = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let endpoint = format!("http://{}", black_hole.local_addr().expect("an address"));
    let database = testkit::fresh_database().await.expect("a database");
    let app = AppProcess::start(
        &binary,
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
