//! A scriptable in-memory sink for the unit tests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::{InputEvent, Sink, SinkError};

/// What `put_log_events` does once its script has run out.
#[derive(Clone, Debug)]
pub(crate) enum Then {
    Succeed,
    Fail(SinkError),
    /// Never answers, like a dead endpoint without timeouts.
    Hang,
}

#[derive(Debug)]
pub(crate) struct Log {
    /// Every put attempt, successful or not: (stream, messages).
    pub attempts: Vec<(String, Vec<String>)>,
    /// Messages of successful puts, per call: (stream, messages).
    pub delivered: Vec<(String, Vec<String>)>,
    pub groups_created: usize,
    pub streams_created: Vec<String>,
    script: VecDeque<Result<(), SinkError>>,
    then: Then,
    create_result: Result<(), SinkError>,
}

#[derive(Clone)]
pub(crate) struct FakeSink {
    log: Arc<Mutex<Log>>,
}

impl FakeSink {
    /// Answers `script` in order, then behaves as `then`.
    pub(crate) fn new(script: Vec<Result<(), SinkError>>, then: Then) -> Self {
        Self {
            log: Arc::new(Mutex::new(Log {
                attempts: Vec::new(),
                delivered: Vec::new(),
                groups_created: 0,
                streams_created: Vec::new(),
                script: script.into(),
                then,
                create_result: Ok(()),
            })),
        }
    }

    pub(crate) fn ok() -> Self {
        Self::new(Vec::new(), Then::Succeed)
    }

    pub(crate) fn hanging() -> Self {
        Self::new(Vec::new(), Then::Hang)
    }

    pub(crate) fn with_create_result(self, result: Result<(), SinkError>) -> Self {
        self.log().create_result = result;
        self
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// All delivered messages of `stream`, in delivery order.
    pub(crate) fn delivered_to(&self, stream: &str) -> Vec<String> {
        self.log()
            .delivered
            .iter()
            .filter(|(s, _)| s == stream)
            .flat_map(|(_, m)| m.clone())
            .collect()
    }

    /// Polls until `cond` holds or `limit` passes; returns whether it held.
    pub(crate) async fn wait_for(&self, limit: Duration, cond: impl Fn(&Log) -> bool) -> bool {
        let start = tokio::time::Instant::now();
        loop {
            if cond(&self.log()) {
                return true;
            }
            if start.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Sink for FakeSink {
    async fn create_log_group(&self, _group: &str) -> Result<(), SinkError> {
        let mut log = self.log();
        log.groups_created += 1;
        log.create_result.clone()
    }

    async fn create_log_stream(&self, _group: &str, stream: &str) -> Result<(), SinkError> {
        let mut log = self.log();
        log.streams_created.push(stream.to_owned());
        log.create_result.clone()
    }

    async fn put_log_events(
        &self,
        _group: &str,
        stream: &str,
        events: &[InputEvent],
    ) -> Result<(), SinkError> {
        let messages: Vec<String> = events.iter().map(|e| e.message.clone()).collect();
        let outcome = {
            let mut log = self.log();
            log.attempts.push((stream.to_owned(), messages.clone()));
            match log.script.pop_front() {
                Some(result) => Some(result),
                None => match &log.then {
                    Then::Succeed => Some(Ok(())),
                    Then::Fail(err) => Some(Err(err.clone())),
                    Then::Hang => None,
                },
            }
        };
        match outcome {
            Some(Ok(())) => {
                self.log().delivered.push((stream.to_owned(), messages));
                Ok(())
            }
            Some(Err(err)) => Err(err),
            None => std::future::pending().await,
        }
    }
}
