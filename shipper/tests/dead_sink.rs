//! The buffer's memory bound with a dead endpoint: however long CloudWatch stays down
//! and however much the app logs, the bytes held never exceed the configured budget.

use std::time::Duration;

use cloudwatch_shipper::{Shipper, ShipperConfig};

mod support;
use support::sinks::Dead;

#[tokio::test]
async fn buffered_bytes_never_exceed_the_budget_while_the_endpoint_is_dead() {
    let budget = 64 * 1024;
    let config = ShipperConfig {
        max_buffer_bytes: budget,
        flush_interval: Duration::from_millis(1),
        max_retries: 2,
        base_backoff: Duration::from_millis(1),
        ..ShipperConfig::new("taskoverflow")
    };
    let shipper = Shipper::with_sink(config, Dead);
    let total = 50_000_u64;
    let mut peak = 0;
    for i in 0..total {
        // Sizes from a few bytes to a few kilobytes, as access lines and error dumps are.
        let size = 1 + (i as usize * 7919) % 3000;
        shipper.send(&format!("stream-{}", i % 3), i as i64, "x".repeat(size));
        peak = peak.max(shipper.buffered_bytes());
        assert!(
            shipper.buffered_bytes() <= budget,
            "{} bytes buffered after event {i}, budget {budget}",
            shipper.buffered_bytes()
        );
        if i % 500 == 0 {
            // Let the worker fail, back off and give batches up in between.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    assert!(peak > budget / 2, "the buffer never filled up: peak {peak}");
    assert!(shipper.dropped() > 0);

    let report = shipper.shutdown(Duration::from_secs(10)).await;
    assert_eq!(report.sent, 0);
    assert_eq!(report.dropped, total, "{report:?}");
    assert_eq!(shipper.buffered_bytes(), 0);
}
