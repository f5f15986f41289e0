//! `scripts/benchmark.sh` (docs/performance.md) still runs and prints every row of its
//! table: a quick run of it with tiny durations (about 30 s once the release builds are up to
//! date). The figures of such a run mean nothing; the figures are in docs/performance.md.
//!
//! Needs what the script needs: Docker with taskoverflow/postgres:15-bookworm and
//! taskoverflow/runtime:bookworm, `moto_server`, jq, python3 and 2 CPUs. It takes the machine's
//! load-test lock like the script always does, so it may wait for a calibration run to finish.

use std::path::Path;
use std::process::Command;

#[test]
fn the_benchmark_prints_every_row() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("kit/ has a parent");
    let output = Command::new("bash")
        .arg(root.join("scripts/benchmark.sh"))
        .args(["--duration", "0.3", "--warmup", "0.1", "--no-image"])
        // The outer `cargo test` sets these for itself; the script's own cargo build must not
        // inherit them.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .current_dir(root)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "scripts/benchmark.sh failed ({}):\n{stdout}\n{stderr}",
        output.status
    );

    let rows_starting = |label: &str| stdout.lines().filter(|l| l.starts_with(label)).count();
    for (label, rows) in [
        ("starter (text logs, stdout)", 4),
        ("solution (JSON logs, stdout)", 4 + 3 + 3),
        ("solution RUST_LOG=off", 4 + 3),
        ("solution, JSON shipped to moto", 4 + 3),
        ("pgbench, same SELECT", 3),
        ("date ", 1),
        ("machine ", 1),
        ("command ", 1),
        ("load average", 1),
        ("binary ", 1),
        ("image ", 1),
        ("lab peak RSS", 1),
    ] {
        assert_eq!(
            rows_starting(label),
            rows,
            "rows starting with {label:?}:\n{stdout}\n{stderr}"
        );
    }
    // Every GET row has a rate: no empty cells where a measurement went missing.
    for line in stdout
        .lines()
        .filter(|l| l.contains("todos") || l.ends_with(" ms"))
    {
        assert!(!line.contains("null"), "a missing figure: {line}\n{stdout}");
    }
}
