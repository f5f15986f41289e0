//! Ships log lines to AWS CloudWatch Logs from a background task, the role Python's
//! `watchtower` played for the original Flask app. Both TaskOverflow apps use it unchanged.
//!
//! * [`Shipper::send`] never blocks: it reserves room in a bounded byte budget and hands the
//!   event to the worker, or drops it and counts the drop.
//! * The worker batches per log stream within the PutLogEvents limits ([`split_into_batches`]),
//!   creates the group and streams, retries throttling and server errors with exponential
//!   backoff, and flushes on [`Shipper::shutdown`] within a deadline.
//! * Without AWS credentials it warns once and discards, so the app serves on with stdout logs.
//! * [`Shipper::make_writer`] plugs it into `tracing_subscriber::fmt` as a `MakeWriter`.

mod batch;
mod queue;
mod sink;
mod state;
mod worker;
mod writer;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;
use tracing::instrument::WithSubscriber;
use tracing::subscriber::NoSubscriber;

pub use batch::{
    event_size, split_into_batches, truncate_message, InputEvent, EVENT_OVERHEAD_BYTES,
    MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN_MS, MAX_MESSAGE_BYTES,
};
pub use sink::{CloudWatchSink, Sink, SinkError, FALLBACK_REGION};
pub use writer::{is_internal_target, EventWriter, ShipperWriter};

use queue::Queue;
use state::Shared;
use worker::Shutdown;

/// The AWS SDK's configuration loader with the HTTPS client the rest of the app uses: rustls
/// with *ring*, as sqlx's. The SDK's default client brings a second crypto library (aws-lc),
/// whose C build is the single slowest step of a first build, for the same TLS.
pub fn sdk_defaults() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

/// The HTTPS client of [`sdk_defaults`], for a credentials provider built on its own.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// How the shipper batches, buffers and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipperConfig {
    /// CloudWatch log group, e.g. `taskoverflow`.
    pub log_group: String,
    /// Most bytes (message + 26 per event) held before `send` starts dropping. Default 8 MiB.
    pub max_buffer_bytes: usize,
    /// How often pending events are flushed. Default 1 s.
    pub flush_interval: Duration,
    /// Retries of one batch after throttling or server errors. Default 5.
    pub max_retries: u32,
    /// First backoff delay; doubles on each retry. Default 100 ms.
    pub base_backoff: Duration,
}

impl ShipperConfig {
    /// The defaults above for `log_group`.
    pub fn new(log_group: impl Into<String>) -> Self {
        Self {
            log_group: log_group.into(),
            max_buffer_bytes: 8 * 1024 * 1024,
            flush_interval: Duration::from_secs(1),
            max_retries: 5,
            base_backoff: Duration::from_millis(100),
        }
    }
}

/// What [`Shipper::shutdown`] achieved, counted since the shipper started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    /// Events CloudWatch acknowledged.
    pub sent: u64,
    /// Events lost: buffer full, after shutdown, no credentials, given up after retries,
    /// rejected as fatal, or still unsent when the deadline passed.
    pub dropped: u64,
    /// True when the deadline passed before everything was flushed.
    pub timed_out: bool,
}

/// A cheap, clonable handle to one background shipper.
#[derive(Clone)]
pub struct Shipper {
    inner: Arc<Handle>,
}

/// Dropping the last handle closes the channel, which makes the worker flush and stop.
struct Handle {
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    tx: mpsc::UnboundedSender<Shutdown>,
    /// None only if no worker could be started at all (see `spawn_worker`).
    worker: Option<AbortHandle>,
}

impl Shipper {
    /// Ships to CloudWatch Logs using the AWS configuration of the environment
    /// (`AWS_REGION`, the credentials chain, `AWS_ENDPOINT_URL`; region `us-east-1` if none).
    ///
    /// Returns at once: loading the configuration and checking credentials happen on the
    /// background worker. Without credentials it logs one warning and discards events.
    /// Best called from within a tokio runtime (see [`Shipper::with_sink`]).
    pub fn from_env(config: ShipperConfig) -> Shipper {
        Self::spawn(config, |config, shared, queue, rx| async move {
            // Quietly: on a machine without AWS the SDK warns about each place it looked for a
            // region (instance metadata, three times); the shipper's one warning says enough.
            let sdk = sdk_defaults()
                .load()
                .with_subscriber(NoSubscriber::default())
                .await;
            worker::run_checked(config, shared, queue, rx, sdk).await;
        })
    }

    /// Like [`Shipper::from_env`] but with an explicit SDK configuration (tests, emulators).
    pub fn from_sdk_config(config: ShipperConfig, sdk: &SdkConfig) -> Shipper {
        let sdk = sdk.clone();
        Self::spawn(config, |config, shared, queue, rx| {
            worker::run_checked(config, shared, queue, rx, sdk)
        })
    }

    /// Ships to any [`Sink`] (tests use fakes).
    ///
    /// The worker runs on the current tokio runtime; called outside one, it gets a thread
    /// with a small runtime of its own. `shutdown` itself needs a tokio runtime.
    pub fn with_sink<S: Sink + 'static>(config: ShipperConfig, sink: S) -> Shipper {
        Self::spawn(config, |config, shared, queue, rx| {
            worker::run(config, shared, queue, rx, sink)
        })
    }

    fn spawn<W, Fut>(config: ShipperConfig, work: W) -> Shipper
    where
        W: FnOnce(ShipperConfig, Arc<Shared>, Arc<Queue>, mpsc::UnboundedReceiver<Shutdown>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let shared = Arc::new(Shared::new(config.max_buffer_bytes));
        let queue = Arc::new(Queue::default());
        // Unbounded so that `shutdown` can ask without awaiting; it carries only requests.
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = spawn_worker(work(config, Arc::clone(&shared), Arc::clone(&queue), rx));
        let handle = Handle {
            shared,
            queue,
            tx,
            worker,
        };
        Shipper {
            inner: Arc::new(handle),
        }
    }

    /// Queues one event for `stream`. Never blocks and never awaits: if the event does not
    /// fit the buffer (or the shipper is shut down, or has no credentials) it is dropped and
    /// counted. Empty messages, which CloudWatch rejects, are dropped too.
    pub fn send(&self, stream: &str, timestamp_ms: i64, message: String) {
        let shared = &self.inner.shared;
        if message.is_empty() || !shared.is_accepting() {
            shared.count_dropped(1);
            return;
        }
        let event = InputEvent::new(timestamp_ms, message);
        let bytes = event.size();
        if !shared.try_reserve(bytes) {
            shared.count_dropped(1);
            return;
        }
        if self.inner.queue.push(stream, event).is_err() {
            // The worker has taken its last events (shutdown, or no credentials): nothing
            // will ever ship this.
            shared.unreserve(bytes);
        }
    }

    /// Events dropped so far.
    pub fn dropped(&self) -> u64 {
        self.inner.shared.dropped()
    }

    /// Events acknowledged by CloudWatch so far.
    pub fn sent(&self) -> u64 {
        self.inner.shared.sent()
    }

    /// Bytes (message + 26 per event) accepted and not yet acknowledged or dropped.
    pub fn buffered_bytes(&self) -> usize {
        self.inner.shared.buffered_bytes()
    }

    /// Stops accepting events, flushes everything buffered, and returns within `deadline`
    /// whatever the network does. Whatever is still unsent then is counted as dropped and
    /// the worker is stopped. Calling it again returns the same counts at once.
    pub async fn shutdown(&self, deadline: Duration) -> FlushReport {
        let shared = &self.inner.shared;
        shared.stop_accepting();
        let (reply_tx, reply_rx) = oneshot::channel();
        let (flushed, timed_out) = match self.inner.tx.send(reply_tx) {
            Ok(()) => match tokio::time::timeout(deadline, reply_rx).await {
                Ok(Ok(())) => (true, false),
                // The worker died without answering (it was aborted or panicked).
                Ok(Err(_)) => (false, false),
                Err(_) => (false, true),
            },
            // The worker already finished (an earlier shutdown): nothing left to flush.
            Err(_) => (true, false),
        };
        if !flushed {
            if let Some(worker) = &self.inner.worker {
                worker.abort();
            }
            // Nothing will take what is still queued: free it; `finalise` counts it lost.
            drop(self.inner.queue.close());
            shared.finalise();
        }
        shared.report(timed_out)
    }

    /// A `tracing_subscriber` `MakeWriter`: each formatted event becomes one CloudWatch
    /// event in the stream `stream_for` picks for it. Events of the shipper itself and of
    /// the AWS/HTTP stack are not shipped (see [`is_internal_target`]). The stream's name
    /// may be a `&'static str`, which costs nothing per event, or a `String`.
    pub fn make_writer<F, S>(&self, stream_for: F) -> ShipperWriter<F>
    where
        F: Fn(&tracing::Metadata<'_>) -> S + Send + Sync + 'static,
        S: AsRef<str>,
    {
        ShipperWriter::new(self.clone(), stream_for)
    }
}

/// Runs the worker on the current runtime or, outside any runtime (say, logging set up
/// before `#[tokio::main]` starts one), on a thread of its own.
fn spawn_worker<F>(work: F) -> Option<AbortHandle>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        return Some(runtime.spawn(work).abort_handle());
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            // Without a worker every event is dropped and counted; the app still runs.
            eprintln!("cloudwatch_shipper: cannot start a runtime for the log shipper: {error}");
            return None;
        }
    };
    let task = runtime.spawn(work);
    let abort = task.abort_handle();
    let thread = std::thread::Builder::new()
        .name("cloudwatch-shipper".to_owned())
        .spawn(move || {
            let _ = runtime.block_on(task);
        });
    match thread {
        Ok(_) => Some(abort),
        Err(error) => {
            eprintln!("cloudwatch_shipper: cannot start the log shipper thread: {error}");
            None
        }
    }
}

impl fmt::Debug for Shipper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shipper")
            .field("sent", &self.sent())
            .field("dropped", &self.dropped())
            .field("buffered_bytes", &self.buffered_bytes())
            .finish()
    }
}

#[cfg(test)]
mod fake_sink;
#[cfg(test)]
mod shipper_tests;
