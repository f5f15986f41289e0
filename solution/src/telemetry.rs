//! Logging after the lab: one JSON object per line, with a correlation ID per request.
//!
//! Every line has `timestamp`, `level`, `location`, `message` and `hostname`. Lines written
//! while a request is served also carry the request span's `request_id`, `method` and `url`,
//! SQL statements included, and `Request finished` adds `status` and `latency_ms`.

mod json;
mod request_id;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use cloudwatch_shipper::{Shipper, ShipperConfig};
use tower::ServiceBuilder;
use tower_http::request_id::{PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::{Metadata, Span};
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

const FLUSH_DEADLINE: Duration = Duration::from_secs(5);

/// Keeps the log shipper alive until the app flushes it on the way out.
pub struct Telemetry {
    shipper: Shipper,
}

/// JSON lines to stdout and to CloudWatch Logs, one stream per host (ECS task).
pub fn init(log_group: &str) -> Telemetry {
    let hostname = gethostname::gethostname().to_string_lossy().into_owned();
    let shipper = Shipper::from_env(ShipperConfig::new(log_group));
    let stream = hostname.clone();
    let writer = std::io::stdout.and(shipper.make_writer(move |_: &Metadata<'_>| stream.clone()));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(json::JsonLayer::new(writer, hostname))
        .try_init();
    if let Err(error) = installed {
        eprintln!("logging was already set up: {error}");
    }
    Telemetry { shipper }
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
            .map_request(request_id::drop_invalid)
            .layer(SetRequestIdLayer::x_request_id(request_id::MakeUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_request(|_: &Request<Body>, _: &Span| tracing::info!("Request started"))
                    .on_response(|response: &Response<Body>, latency: Duration, _: &Span| {
                        tracing::info!(
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
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        url = %request.uri(),
    )
}
