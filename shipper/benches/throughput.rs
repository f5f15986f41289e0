//! How many log events one core pushes through the shipper: formatted by
//! `tracing_subscriber::fmt` (as the starter does), reserved in the byte budget, batched within
//! the PutLogEvents limits and handed to a sink that discards them. Also what a dead endpoint
//! costs: the buffer fills to its budget and every further event is a cheap drop.
//!
//! `cargo bench -p cloudwatch-shipper --bench throughput`; the figures are in docs/performance.md.

use std::time::{Duration, Instant};

use cloudwatch_shipper::{split_into_batches, InputEvent, Shipper, ShipperConfig};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tracing_subscriber::layer::SubscriberExt;

#[path = "../tests/support/sinks.rs"]
mod sinks;
use sinks::{Dead, Discard};

/// Events per measured iteration: ten full batches by count, more by bytes.
const EVENTS: u64 = 100_000;

/// One core: the worker runs on the same thread as the code that logs.
fn one_core() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime")
}

/// A line shaped like the solution's `Request finished` (about 330 bytes).
fn sample_line(i: u64) -> String {
    format!(
        r#"{{"timestamp":"2026-11-26T19:00:00.123456Z","level":"INFO","location":"tower_http::trace::on_response","message":"Request finished","hostname":"ip-10-0-1-23.ec2.internal","request_id":"9b2f5c1e-4a7d-4a51-9d0e-{i:012}","method":"GET","url":"/api/v1/todos","status":200,"latency_ms":1.234}}"#
    )
}

/// A budget that holds a whole iteration, so that nothing is dropped and everything is timed
/// through to the sink.
fn roomy() -> ShipperConfig {
    ShipperConfig {
        max_buffer_bytes: 256 * 1024 * 1024,
        ..ShipperConfig::new("bench")
    }
}

/// From `send` to the sink: budget, channel, per-stream batching, flush on shutdown.
fn send_and_batch(c: &mut Criterion) {
    let runtime = one_core();
    let lines: Vec<String> = (0..EVENTS).map(sample_line).collect();
    let mut group = c.benchmark_group("shipper");
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("send_and_batch", |b| {
        b.iter_batched(
            || lines.clone(),
            |lines| {
                runtime.block_on(async {
                    let shipper = Shipper::with_sink(roomy(), Discard);
                    for (i, line) in lines.into_iter().enumerate() {
                        shipper.send("app", i as i64, line);
                    }
                    let report = shipper.shutdown(Duration::from_secs(60)).await;
                    assert_eq!(report.sent, EVENTS, "{report:?}");
                })
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// As a server sends: 20 tasks (the load test's connections) each send an event and then
/// await, as a request handler does between its log lines. This is where waking the worker
/// for every event would show: a tight loop that never awaits lets a woken worker wait.
fn send_between_awaits(c: &mut Criterion) {
    const TASKS: u64 = 20;
    let runtime = one_core();
    let lines: Vec<String> = (0..EVENTS).map(sample_line).collect();
    let mut group = c.benchmark_group("shipper");
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("send_between_awaits", |b| {
        b.iter_batched(
            || lines.clone(),
            |lines| {
                runtime.block_on(async {
                    let shipper = Shipper::with_sink(roomy(), Discard);
                    let mut per_task: Vec<Vec<String>> = (0..TASKS).map(|_| Vec::new()).collect();
                    for (i, line) in lines.into_iter().enumerate() {
                        per_task[i % TASKS as usize].push(line);
                    }
                    let tasks: Vec<_> = per_task
                        .into_iter()
                        .map(|lines| {
                            let shipper = shipper.clone();
                            tokio::spawn(async move {
                                for line in lines {
                                    shipper.send("app", 0, line);
                                    tokio::task::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.expect("a sending task");
                    }
                    let report = shipper.shutdown(Duration::from_secs(60)).await;
                    assert_eq!(report.sent, EVENTS, "{report:?}");
                })
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// As the apps use it: `tracing` event → `fmt` text line → `make_writer` → shipper → sink.
fn format_and_ship(c: &mut Criterion) {
    let runtime = one_core();
    let mut group = c.benchmark_group("shipper");
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("format_send_and_batch", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += runtime.block_on(async {
                    let shipper = Shipper::with_sink(roomy(), Discard);
                    let layer = tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(shipper.make_writer(|_| "app".to_owned()));
                    let subscriber = tracing_subscriber::registry().with(layer);
                    let start = Instant::now();
                    tracing::subscriber::with_default(subscriber, || {
                        for i in 0..EVENTS {
                            tracing::info!(
                                target: "taskoverflow::access",
                                request = i,
                                "\"GET /api/v1/todos HTTP/1.1\" 200"
                            );
                        }
                    });
                    let report = shipper.shutdown(Duration::from_secs(60)).await;
                    let elapsed = start.elapsed();
                    assert_eq!(report.sent, EVENTS, "{report:?}");
                    elapsed
                });
            }
            total
        });
    });
    group.finish();
}

/// The pure batching step alone.
fn batching(c: &mut Criterion) {
    let events: Vec<InputEvent> = (0..EVENTS)
        .map(|i| InputEvent::new(i as i64, sample_line(i)))
        .collect();
    let mut group = c.benchmark_group("shipper");
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("split_into_batches", |b| {
        b.iter_batched(
            || events.clone(),
            |events| black_box(split_into_batches(events)),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// With the endpoint dead, `send` must stay cheap and the buffer at its budget: prints the
/// buffer's accounting once, then times sends that can only be dropped.
fn dead_endpoint(c: &mut Criterion) {
    let runtime = one_core();
    let budget = 8 * 1024 * 1024;
    let config = ShipperConfig {
        max_buffer_bytes: budget,
        ..ShipperConfig::new("bench")
    };
    let _guard = runtime.enter();
    let shipper = Shipper::with_sink(config, Dead);
    for i in 0..EVENTS {
        shipper.send("app", i as i64, sample_line(i));
    }
    eprintln!(
        "dead endpoint: after {EVENTS} events of ~330 bytes, buffered_bytes = {} (budget {budget}), dropped = {}",
        shipper.buffered_bytes(),
        shipper.dropped()
    );
    assert!(shipper.buffered_bytes() <= budget);
    let mut group = c.benchmark_group("shipper");
    group.throughput(Throughput::Elements(1));
    group.bench_function("send_to_a_full_buffer", |b| {
        b.iter_batched(
            || sample_line(0),
            |line| shipper.send("app", 0, line),
            BatchSize::SmallInput,
        );
    });
    group.finish();
    assert!(shipper.buffered_bytes() <= budget);
}

criterion_group!(
    benches,
    send_and_batch,
    send_between_awaits,
    format_and_ship,
    batching,
    dead_endpoint
);
criterion_main!(benches);
