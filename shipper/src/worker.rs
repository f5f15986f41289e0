//! The background task: collects events per stream, flushes batches, retries, settles counts.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::config::ProvideCredentials;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tracing::instrument::WithSubscriber;
use tracing::subscriber::NoSubscriber;

use crate::batch::{split_into_batches, InputEvent};
use crate::queue::{Pending, Queue};
use crate::sink::{CloudWatchSink, Sink, SinkError};
use crate::state::Shared;
use crate::ShipperConfig;

/// No single backoff sleep is longer than this, whatever `max_retries` is.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Repeated delivery failures are reported at most this often, so the log is not flooded.
const WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// A shutdown request, answered once everything queued has been flushed or given up.
pub(crate) type Shutdown = oneshot::Sender<()>;

/// Delay before retry number `retry` (0-based): `base × 2^retry`, capped.
pub(crate) fn backoff(base: Duration, retry: u32) -> Duration {
    let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Checks credentials, then ships through CloudWatch or, without credentials, discards.
pub(crate) async fn run_checked(
    config: ShipperConfig,
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    rx: mpsc::UnboundedReceiver<Shutdown>,
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
        None => {
            run(
                config,
                shared,
                queue,
                rx,
                CloudWatchSink::from_sdk_config(&sdk),
            )
            .await
        }
        Some(reason) => {
            tracing::warn!(
                target: "cloudwatch_shipper",
                log_group = %config.log_group,
                %reason,
                "no AWS credentials found; logs go to stdout only and are not shipped to CloudWatch Logs"
            );
            discard(shared, queue, rx).await;
        }
    }
}

/// Without credentials: drop everything cheaply and keep answering shutdown.
async fn discard(
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    mut rx: mpsc::UnboundedReceiver<Shutdown>,
) {
    // From now on `send` drops at once; what was queued before is dropped here.
    shared.start_discarding();
    for (_, pending) in queue.close() {
        shared.settle(pending.events.len() as u64, pending.bytes, false);
    }
    while let Some(reply) = rx.recv().await {
        let _ = reply.send(());
    }
}

/// Ships through `sink` until shutdown (or until every handle is dropped).
pub(crate) async fn run<S: Sink>(
    config: ShipperConfig,
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    mut rx: mpsc::UnboundedReceiver<Shutdown>,
    sink: S,
) {
    // A zero period would make `interval` panic; 1 ms is "flush all the time".
    let period = config.flush_interval.max(Duration::from_millis(1));
    let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut worker = Worker::new(config, shared, sink);
    let reply = loop {
        tokio::select! {
            // `None`: every handle was dropped, which asks for the same final flush.
            reply = rx.recv() => break reply,
            () = queue.batch_ready() => worker.deliver_all(queue.take_full()).await,
            _ = ticker.tick() => worker.deliver_all(queue.take_all()).await,
        }
    };
    // Answer shutdowns that raced with this one too, once the last events are out.
    rx.close();
    let mut replies: Vec<Shutdown> = reply.into_iter().collect();
    while let Ok(reply) = rx.try_recv() {
        replies.push(reply);
    }
    worker.deliver_all(queue.close()).await;
    for reply in replies {
        let _ = reply.send(());
    }
}

struct Worker<S> {
    config: ShipperConfig,
    shared: Arc<Shared>,
    sink: S,
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
            group_ready: false,
            streams_ready: HashSet::new(),
            last_warning: None,
        }
    }

    /// Delivers each stream's events in as few PutLogEvents calls as the limits allow.
    async fn deliver_all(&mut self, queued: Vec<(String, Pending)>) {
        for (stream, pending) in queued {
            for batch in split_into_batches(pending.events) {
                let bytes: usize = batch.iter().map(InputEvent::size).sum();
                let count = batch.len() as u64;
                match self.deliver(&stream, &batch).await {
                    Ok(()) => self.shared.settle(count, bytes, true),
                    Err(err) => {
                        self.shared.settle(count, bytes, false);
                        self.report_failure(&stream, count, &err);
                    }
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
