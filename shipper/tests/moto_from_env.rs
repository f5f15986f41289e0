//! `Shipper::from_env` reads the usual AWS variables, including `AWS_ENDPOINT_URL`.
//!
//! Its own test binary (one test) because it sets process environment variables.

mod support;

use std::time::Duration;

use cloudwatch_shipper::{CloudWatchSink, Shipper, ShipperConfig};
use support::{now_ms, read_stream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_env_ships_to_the_endpoint_in_aws_endpoint_url() {
    let moto = support::moto();
    for (key, value) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", moto.endpoint()),
    ] {
        std::env::set_var(key, value);
    }
    std::env::remove_var("AWS_SESSION_TOKEN");
    std::env::remove_var("AWS_PROFILE");

    let shipper = Shipper::from_env(ShipperConfig::new("taskoverflow"));
    shipper.send("app", now_ms(), "from the environment".to_owned());
    let report = shipper.shutdown(Duration::from_secs(20)).await;
    assert_eq!((report.sent, report.dropped), (1, 0), "{report:?}");

    let sdk = moto.sdk_config().await;
    let client = CloudWatchSink::from_sdk_config(&sdk).client().clone();
    assert_eq!(
        read_stream(&client, "taskoverflow", "app").await,
        vec!["from the environment"]
    );
}
