//! `cargo xtask bench` (docs/performance.md) still measures every figure of its table: a run
//! with tiny durations through the same code (about 30 s once the release builds are up to
//! date). Its figures mean nothing and are not compared with targets (docs/performance.md
//! records a real run); what is asserted is that every measurement happened, without errors.
//!
//! Needs Docker with taskoverflow/postgres:15-bookworm, `moto_server` and 2 CPUs. It takes the
//! machine's load-test lock, so it may wait for a calibration run to finish. Slow tier.

use xtask::bench::{self, Variant, COUNTS, LOGGING_VARIANTS, VARIANTS};

#[test]
#[ignore = "slow tier: cargo xtask test --slow"]
fn the_benchmark_measures_every_figure() {
    let report = bench::measure(&bench::quick_args())
        .unwrap_or_else(|error| panic!("cargo xtask bench failed: {error:#}"));
    let table = report.render();

    for variant in VARIANTS {
        let measured = report
            .measured(variant)
            .unwrap_or_else(|| panic!("{} was not measured:\n{table}", variant.label()));
        assert_eq!(measured.get.len(), COUNTS.len(), "{table}");
        for load in measured.get.iter().chain([&measured.pairs]) {
            assert!(
                load.operations > 0 && load.errors == 0 && load.cpu_us_per_op > 0.0,
                "{}: {load:?}\n{table}",
                variant.label()
            );
        }
        assert!(
            measured.healthy_ms > 0.0 && measured.peak_rss_mib > 1.0,
            "{table}"
        );
    }
    let rounds = bench::quick_args().logging_rounds as usize;
    for variant in LOGGING_VARIANTS {
        let figures = report.logging.figures(variant);
        assert!(
            figures.len() == rounds && figures.iter().all(|us| *us > 0.0),
            "{} side by side: {figures:?}\n{table}",
            variant.label()
        );
        if variant != Variant::SolutionOff {
            assert!(
                report.logging.overhead(variant).is_some_and(f64::is_finite),
                "{}: no overhead from the rounds {figures:?}\n{table}",
                variant.label()
            );
        }
    }
    assert_eq!(report.pgbench.len(), COUNTS.len(), "{table}");
    assert!(report.pgbench.iter().all(|(tps, _)| *tps > 0.0), "{table}");
    assert!(
        report.lines_shipped > 0,
        "the solution shipping to moto logged nothing:\n{table}"
    );
    // An emulator given in CHECKS_MOTO_ENDPOINT is not this run's process to measure.
    if std::env::var_os("CHECKS_MOTO_ENDPOINT").is_none() {
        assert!(
            report.moto_cpu_us_per_request.is_some_and(|us| us > 0.0),
            "moto_server's CPU was not measured:\n{table}"
        );
    }
    assert!(report.binary_mb > 1.0, "{table}");

    let rows_starting = |label: &str| table.lines().filter(|l| l.starts_with(label)).count();
    for (label, rows) in [
        (Variant::Starter.label(), 4),
        (Variant::Solution.label(), 4 + 3 + 3 + 3 + 1),
        (Variant::SolutionOff.label(), 4 + 3 + 1),
        (Variant::SolutionMoto.label(), 4 + 3 + 1),
        ("pgbench, same SELECT", 3),
        ("date ", 1),
        ("machine ", 1),
        ("command ", 1),
        ("load average", 1),
        ("binary ", 1),
        ("image ", 1),
        ("lab peak RSS", 1),
        ("moto_server ", 1),
    ] {
        assert_eq!(
            rows_starting(label),
            rows,
            "rows starting with {label:?}:\n{table}"
        );
    }
    assert!(!table.contains("NaN") && !table.contains("inf"), "{table}");
}
