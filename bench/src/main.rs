//! The measuring half of `cargo xtask bench`: a closed-loop HTTP load generator and a
//! start-up timer. The xtask arranges processes on CPUs; this only measures (`loadgen --help`).
//!
//! ```text
//! loadgen get   --url http://127.0.0.1:6400/api/v1/todos --connections 20 --duration 10 [--warmup 2]
//! loadgen pairs --url http://127.0.0.1:6400/api/v1/todos --connections 20 --duration 10 [--warmup 2]
//! loadgen wait-healthy --url http://127.0.0.1:6400/api/v1/health --since-ns NS [--timeout 30]
//! ```
//!
//! `get` and `pairs` print one JSON object: completed operations, errors, seconds, rate and
//! p50/p99 latency in ms. A `pairs` operation is one `POST` and the `DELETE` of what it created,
//! the planners' work in the lab's k6 scenario. `wait-healthy` prints the milliseconds from
//! `NS` (`date +%s%N` taken just before the app was started) to the first 200.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// A closed-loop HTTP load generator and a start-up timer for TaskOverflow's benchmark.
#[derive(Parser)]
#[command(name = "loadgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// GET the URL again and again on every connection; prints one JSON object.
    Get(Load),
    /// POST a todo to the URL and DELETE what it created, again and again; prints one JSON
    /// object.
    Pairs(Load),
    /// Polls the URL until it answers 200; prints the milliseconds since --since-ns.
    WaitHealthy(Health),
}

#[derive(clap::Args)]
struct Load {
    /// e.g. http://127.0.0.1:6400/api/v1/todos (plain HTTP only)
    #[arg(long, value_parser = Url::parse)]
    url: Url,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..))]
    connections: u16,
    /// Seconds measured.
    #[arg(long, default_value = "10", value_parser = seconds)]
    duration: Duration,
    /// Seconds of load before the measurement starts.
    #[arg(long, default_value = "1", value_parser = seconds)]
    warmup: Duration,
}

#[derive(clap::Args)]
struct Health {
    /// e.g. http://127.0.0.1:6400/api/v1/health
    #[arg(long, value_parser = Url::parse)]
    url: Url,
    /// Nanoseconds since the Unix epoch (`date +%s%N`) taken just before the app was started.
    #[arg(long)]
    since_ns: u128,
    /// Seconds to wait at most.
    #[arg(long, default_value = "30", value_parser = seconds)]
    timeout: Duration,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Get(load) => print_load(Work::Get, load),
        Command::Pairs(load) => print_load(Work::Pairs, load),
        Command::WaitHealthy(health) => wait_healthy(health),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadgen: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn seconds(value: &str) -> Result<Duration, String> {
    let secs: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{value} is not a duration in seconds"))
}

/// Just enough of a URL for plain HTTP on a local address.
#[derive(Clone)]
struct Url {
    authority: String,
    path: String,
}

impl Url {
    fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("only http:// URLs are supported, not {url:?}"))?;
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
        if authority.is_empty() {
            return Err(format!("no host in {url:?}"));
        }
        Ok(Self {
            authority: authority.to_owned(),
            path: path.to_owned(),
        })
    }
}

#[derive(Clone, Copy)]
enum Work {
    Get,
    Pairs,
}

struct Tally {
    histogram: Histogram<u64>,
    errors: u64,
}

fn print_load(work: Work, options: &Load) -> anyhow::Result<()> {
    // One thread: the script pins this process to the load generator's CPU, and a second
    // thread there would only add switching.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let tally = runtime.block_on(load(work, options))?;
    let done = tally.histogram.len();
    let secs = options.duration.as_secs_f64();
    let quantile_ms = |q: f64| tally.histogram.value_at_quantile(q) as f64 / 1000.0;
    let report = serde_json::json!({
        "operations": done,
        "errors": tally.errors,
        "seconds": secs,
        "rate": done as f64 / secs,
        "p50_ms": quantile_ms(0.50),
        "p99_ms": quantile_ms(0.99),
        "connections": options.connections,
    });
    println!("{report}");
    if done == 0 {
        bail!("no operation completed ({} errors)", tally.errors);
    }
    Ok(())
}

async fn load(work: Work, options: &Load) -> anyhow::Result<Tally> {
    let start = Instant::now();
    let measure_from = start + options.warmup;
    let until = measure_from + options.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.connections {
        let authority = options.url.authority.clone();
        let path = options.url.path.clone();
        tasks.spawn(connection(work, authority, path, measure_from, until));
    }
    let mut total = Tally {
        histogram: new_histogram()?,
        errors: 0,
    };
    while let Some(joined) = tasks.join_next().await {
        let tally = joined.context("a connection task failed")??;
        total.histogram.add(&tally.histogram)?;
        total.errors += tally.errors;
    }
    Ok(total)
}

fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    // Microseconds, up to one minute, 3 significant digits.
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}

/// One keep-alive connection doing one operation after another until `until`; only
/// operations started after `measure_from` count.
async fn connection(
    work: Work,
    authority: String,
    path: String,
    measure_from: Instant,
    until: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally {
        histogram: new_histogram()?,
        errors: 0,
    };
    let mut sender = None;
    loop {
        let began = Instant::now();
        if began >= until {
            break;
        }
        let client = match sender.as_mut() {
            Some(client) => client,
            None => match connect(&authority).await {
                Ok(client) => sender.insert(client),
                Err(_) => {
                    tally.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let outcome = match work {
            Work::Get => get(client, &authority, &path).await,
            Work::Pairs => pair(client, &authority, &path).await,
        };
        match outcome {
            Ok(()) if began >= measure_from => {
                let micros = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
                tally.histogram.saturating_record(micros.max(1));
            }
            Ok(()) => {}
            Err(_) => {
                tally.errors += 1;
                sender = None;
            }
        }
    }
    Ok(tally)
}

async fn connect(authority: &str) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // A failed connection shows up as an error on the next request.
        let _ = driver.await;
    });
    Ok(sender)
}

async fn call(
    client: &mut SendRequest<Full<Bytes>>,
    method: Method,
    authority: &str,
    path: &str,
    body: &'static str,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))?;
    client.ready().await?;
    let response = client.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

async fn get(
    client: &mut SendRequest<Full<Bytes>>,
    authority: &str,
    path: &str,
) -> anyhow::Result<()> {
    let (status, _) = call(client, Method::GET, authority, path, "").await?;
    if status != StatusCode::OK {
        bail!("GET {path}: {status}");
    }
    Ok(())
}

async fn pair(
    client: &mut SendRequest<Full<Bytes>>,
    authority: &str,
    path: &str,
) -> anyhow::Result<()> {
    const TODO: &str = r#"{"title":"Plan the week","description":"benchmark","deadline_at":"2030-01-01T09:00:00"}"#;
    let (status, body) = call(client, Method::POST, authority, path, TODO).await?;
    if status != StatusCode::CREATED {
        bail!("POST {path}: {status}");
    }
    let created: serde_json::Value = serde_json::from_slice(&body)?;
    let id = created
        .get("id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| anyhow!("POST {path} answered without an id"))?;
    let item = format!("{}/{id}", path.trim_end_matches('/'));
    let (status, _) = call(client, Method::DELETE, authority, &item, "").await?;
    if status != StatusCode::OK {
        bail!("DELETE {item}: {status}");
    }
    Ok(())
}

/// Polls with a fresh connection every 2 ms, so the figure is the app's start-up and not
/// the poll interval.
fn wait_healthy(options: &Health) -> anyhow::Result<()> {
    let since_ns = options.since_ns;
    let deadline = Instant::now() + options.timeout;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        options.url.path, options.url.authority
    );
    while Instant::now() < deadline {
        if health_is_ok(&options.url.authority, &request) {
            let now_ns = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
            let ms = now_ns.saturating_sub(since_ns) as f64 / 1e6;
            println!("{ms:.1}");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    bail!(
        "no 200 from http://{}{} within {:?}",
        options.url.authority,
        options.url.path,
        options.timeout
    )
}

fn health_is_ok(authority: &str, request: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(authority) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
