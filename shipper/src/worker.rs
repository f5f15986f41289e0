//! The background task: collects events per stream, flushes batches, retries, settles counts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::config::ProvideCredentials;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tracing::instrument::WithSubscriber;
use tracing::subscriber::NoSubscriber;

use crate::batch::{split_into_batches, InputEvent, MAX_BATCH_BYTES, MAX_BATCH_EVENTS};
use crate::sink::{CloudWatchSink, Sink, SinkError};
use crate::state::Shared;
use crate::ShipperConfig;

/// No single backoff sleep is longer than this, whatever `max_retries` is.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Repeated delivery failures are reported at most this often, so the log is not flooded.
const WARNING_INTERVAL: Duration = Duration::from_secs(60);

pub(crate) enum Command {
    Event { stream: String, event: InputEvent },
    Shutdown(oneshot::Sender<()>),
}

/// Delay before retry number `retry` (0-based): `base × 2^retry`, capped.
pub(crate) fn backoff(base: Duration, retry: u32) -> Duration {
    let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Checks credentials, then ships through CloudWatch or, without credentials, discards.
pub(crate) async fn run_checked(
    config: ShipperConfig,
    shared: Arc<Shared>,
    rx: mpsc::UnboundedReceiver<Command>,
    sdk: SdkConfig,
) {
    let problem = match sdk.credentials_provider() {
        None => Some("no credentials provider is configured".to_owned()),
        // Quietly: the credential chain warns about every provider that failed (instance
        // metadata on a laptop); `reason` below keeps what went wrong, in one line.
        Some(provider) => provider
            .provide_credentials()
            .with_subscriber(NoSubscriber::default())
            .await
            .err()
            // The short form: the full chain repeats every provider and fills a screen.
            .map(|e| e.to_string()),
    };
    match problem {
        None => run(config, shared, rx, CloudWatchSink::from_sdk_config(&sdk)).await,
        Some(reason) => {
            tracing::warn!(
                target: "cloudwatch_shipper",
                log_group = %config.log_group,
                %reason,
                "no AWS credentials found; logs go to stdout only and are not shipped to CloudWatch Logs"
            );
            discard(shared, rx).await;
        }
    }
}

/// Without credentials: drop everything cheaply and keep answering shutdown.
async fn discard(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Command>) {
    // From now on `send` drops without queueing; only what was queued before arrives here.
    shared.start_discarding();
    while let Some(command) = rx.recv().await {
        match command {
            Command::Event { event, .. } => shared.settle(1, event.size(), false),
            Command::Shutdown(reply) => {
                let _ = reply.send(());
            }
        }
    }
}

/// Ships through `sink` until shutdown (or until every handle is dropped).
pub(crate) async fn run<S: Sink>(
    config: ShipperConfig,
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Command>,
    sink: S,
) {
    // A zero period would make `interval` panic; 1 ms is "flush all the time".
    let period = config.flush_interval.max(Duration::from_millis(1));
    let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut worker = Worker::new(config, shared, sink);
    let reply = loop {
        tokio::select! {
            command = rx.recv() => match command {
                Some(Command::Event { stream, event }) => worker.push(stream, event).await,
                Some(Command::Shutdown(reply)) => break Some(reply),
                None => break None,
            },
            _ = ticker.tick() => worker.flush_all().await,
        }
    };
    // Take in whatever raced with the shutdown request, then stop the channel for good.
    rx.close();
    let mut late_replies = Vec::new();
    while let Ok(command) = rx.try_recv() {
        match command {
            // flush_all below sends everything, so "batch full" needs no action here.
            Command::Event { stream, event } => {
                worker.queue(stream, event);
            }
            Command::Shutdown(reply) => late_replies.push(reply),
        }
    }
    worker.flush_all().await;
    for reply in reply.into_iter().chain(late_replies) {
        let _ = reply.send(());
    }
}

struct Pending {
    events: Vec<InputEvent>,
    bytes: usize,
}

struct Worker<S> {
    config: ShipperConfig,
    shared: Arc<Shared>,
    sink: S,
    pending: HashMap<String, Pending>,
    group_ready: bool,
    streams_ready: HashSet<String>,
    last_warning: Option<Instant>,
}

impl<S: Sink> Worker<S> {
    fn new(config: ShipperConfig, shared: Arc<Shared>, sink: S) -> Self {
        Self {
            config,
            shared,
            sink,
            pending: HashMap::new(),
            group_ready: false,
            streams_ready: HashSet::new(),
            last_warning: None,
        }
    }

    fn queue(&mut self, stream: String, event: InputEvent) -> bool {
        let pending = self.pending.entry(stream).or_insert_with(|| Pending {
            events: Vec::new(),
            bytes: 0,
        });
        pending.bytes += event.size();
        pending.events.push(event);
        pending.events.len() >= MAX_BATCH_EVENTS || pending.bytes >= MAX_BATCH_BYTES
    }

    /// Queues an event and flushes its stream at once when it holds a full batch.
    async fn push(&mut self, stream: String, event: InputEvent) {
        if self.queue(stream.clone(), event) {
            self.flush_stream(&stream).await;
        }
    }

    async fn flush_all(&mut self) {
        let mut streams: Vec<String> = self.pending.keys().cloned().collect();
        streams.sort();
        for stream in streams {
            self.flush_stream(&stream).await;
        }
    }

    async fn flush_stream(&mut self, stream: &str) {
        let Some(pending) = self.pending.remove(stream) else {
            return;
        };
        for batch in split_into_batches(pending.events) {
            let bytes: usize = batch.iter().map(InputEvent::size).sum();
            let count = batch.len() as u64;
            match self.deliver(stream, &batch).await {
                Ok(()) => self.shared.settle(count, bytes, true),
                Err(err) => {
                    self.shared.settle(count, bytes, false);
                    self.report_failure(stream, count, &err);
                }
            }
        }
    }

    /// One batch: create what is missing, retry what may pass later, give up after
    /// `max_retries` retries.
    async fn deliver(&mut self, stream: &str, batch: &[InputEvent]) -> Result<(), SinkError> {
        self.ensure_stream(stream).await;
        let mut retries = 0;
        loop {
            let group = self.config.log_group.as_str();
            let err = match self.sink.put_log_events(group, stream, batch).await {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            if retries >= self.config.max_retries {
                return Err(err);
            }
            match err {
                SinkError::Throttled | SinkError::Server(_) => {
                    tokio::time::sleep(backoff(self.config.base_backoff, retries)).await;
                }
                SinkError::ResourceNotFound => {
                    // Deleted behind our back (or never created): create both again.
                    self.group_ready = false;
                    self.streams_ready.remove(stream);
                    self.ensure_stream(stream).await;
                }
                other => return Err(other),
            }
            retries += 1;
        }
    }

    /// Creates the group and stream on first use. A retryable failure leaves them to be
    /// tried again on the next flush; any other outcome (including "access denied", e.g.
    /// when the group was made by Terraform and only PutLogEvents is allowed) is final and
    /// left for PutLogEvents to prove right or wrong.
    async fn ensure_stream(&mut self, stream: &str) {
        let group = self.config.log_group.as_str();
        if !self.group_ready {
            let result = self.sink.create_log_group(group).await;
            self.group_ready = !matches!(&result, Err(e) if e.is_retryable());
            log_create_failure("log group", group, result);
        }
        if !self.streams_ready.contains(stream) {
            let result = self.sink.create_log_stream(group, stream).await;
            if !matches!(&result, Err(e) if e.is_retryable()) {
                self.streams_ready.insert(stream.to_owned());
            }
            log_create_failure("log stream", stream, result);
        }
    }

    fn report_failure(&mut self, stream: &str, count: u64, err: &SinkError) {
        let due = self
            .last_warning
            .is_none_or(|at| at.elapsed() >= WARNING_INTERVAL);
        if due {
            self.last_warning = Some(Instant::now());
            tracing::warn!(
                target: "cloudwatch_shipper",
                log_group = %self.config.log_group,
                log_stream = stream,
                events = count,
                dropped_total = self.shared.dropped(),
                error = %err,
                "could not ship log events to CloudWatch Logs; dropped them"
            );
        } else {
            tracing::debug!(target: "cloudwatch_shipper", log_stream = stream, events = count, error = %err, "dropped log events");
        }
    }
}

fn log_create_failure(what: &str, name: &str, result: Result<(), SinkError>) {
    match result {
        Ok(()) | Err(SinkError::AlreadyExists) => {}
        Err(err) => {
            tracing::debug!(target: "cloudwatch_shipper", what, name, error = %err, "could not create");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_is_capped() {
        let base = Duration::from_millis(100);
        let delays: Vec<_> = (0..5).map(|n| backoff(base, n).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1600]);
        assert_eq!(backoff(base, 20), MAX_BACKOFF);
        assert_eq!(backoff(base, 200), MAX_BACKOFF);
    }
}
