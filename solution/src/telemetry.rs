//! Logging after the lab: one JSON object per line, with a correlation ID per request.
//!
//! json-subscriber writes the lines: span fields (`request_id`, `method`, `url`) are flattened
//! to the top level, so every line written while a request is served carries them.

mod request_id;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use cloudwatch_shipper::{Shipper, ShipperConfig};
use json_subscriber::JsonLayer;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::{Level, Metadata, Span};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const ACCESS_LOG: &str = "taskoverflow::access";
const FLUSH_DEADLINE: Duration = Duration::from_secs(5);

/// Keeps the log shipper alive until the app flushes it on the way out.
pub struct Telemetry {
    shipper: Shipper,
}

/// JSON lines to stdout and, one stream per source, to CloudWatch Logs.
pub fn init(log_group: &str) -> Telemetry {
    let shipper = Shipper::from_env(ShipperConfig::new(log_group));
    let writer = std::io::stdout.and(shipper.make_writer(stream_for));
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let mut json = JsonLayer::new(writer);
    json.with_timer("timestamp", SystemTime)
        .with_level("level")
        .with_target("location")
        .with_top_level_flattened_span_list()
        // sqlx's statement lines have no message; their `summary` ("INSERT INTO todos …") is one.
        .with_flattened_event_with_renames(
            |name, _| if name == "summary" { "message" } else { name },
            (),
        );
    let hostname = gethostname::gethostname().to_string_lossy().into_owned();
    json.add_static_field("hostname", hostname.into());
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(json)
        .try_init();
    if let Err(error) = installed {
        eprintln!("logging was already set up: {error}");
    }
    Telemetry { shipper }
}

fn stream_for(metadata: &Metadata<'_>) -> &'static str {
    match metadata.target() {
        ACCESS_LOG => "http-access",
        target if target.starts_with("sqlx") => "sql",
        _ => "app",
    }
}

/// `RUST_LOG` as `target=level` directives (default `info`). `Targets` rather than `EnvFilter`:
/// `EnvFilter` takes a lock on every span enter and exit, and sqlx enters the request's span for
/// every row it reads, so with it the cost of logging grows with the list; `Targets` keeps no
/// state per span.
fn log_filter(directives: Option<&str>) -> Targets {
    directives
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(Level::INFO))
}

impl Telemetry {
    /// Sends what is still buffered, giving up after a deadline so shutdown never hangs.
    pub async fn shutdown(self) {
        let report = self.shipper.shutdown(FLUSH_DEADLINE).await;
        tracing::info!("Log shipping stopped: {report:?}");
    }
}

/// Layer order matters: the id is settled first, the span then records it, and the
/// response finally carries it back to the client.
pub fn instrument(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .map_request(request_id::drop_unless_valid)
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_request(|_: &Request<Body>, _: &Span| {
                        tracing::info!(target: ACCESS_LOG, "Request started");
                    })
                    .on_response(|response: &Response<Body>, latency: Duration, _: &Span| {
                        tracing::info!(
                            target: ACCESS_LOG,
                            status = response.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "Request finished"
                        );
                    })
                    // `Request finished` already reports 5xx statuses; one line per outcome is enough.
                    .on_failure(()),
            )
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

fn request_span(request: &Request<Body>) -> Span {
    let id = request.headers().get(request_id::HEADER);
    let request_id = id.and_then(|id| id.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", request_id, method = %request.method(), url = %request.uri())
}
