//! Helpers for the integration tests; the moto server itself comes from `testkit`.

#![allow(dead_code)] // each test binary uses a different part

use std::time::{SystemTime, UNIX_EPOCH};

pub use testkit::Moto;

pub mod captured;
pub mod sinks;

/// A running `moto_server`, or a failed test that says how to install one.
pub fn moto() -> Moto {
    Moto::start().unwrap_or_else(|error| panic!("{error:#}"))
}

/// Every message of `stream`, oldest first, read back with GetLogEvents.
pub async fn read_stream(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
) -> Vec<String> {
    testkit::moto::read_stream(client, group, stream)
        .await
        .unwrap_or_else(|error| panic!("{error:#}"))
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    testkit::moto::free_port().expect("a free local port")
}

pub fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("timestamp fits i64")
}
