//! Sinks written outside the crate, as an app's own test double would be: shared by the
//! integration tests and the throughput benchmark (`#[path]`-included there).

#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Arc, Mutex};

use cloudwatch_shipper::{InputEvent, Sink, SinkError};

/// CloudWatch that accepts everything instantly, so only the shipper's own work is timed.
pub struct Discard;

impl Sink for Discard {
    async fn create_log_group(&self, _group: &str) -> Result<(), SinkError> {
        Ok(())
    }
    async fn create_log_stream(&self, _group: &str, _stream: &str) -> Result<(), SinkError> {
        Ok(())
    }
    async fn put_log_events(
        &self,
        _group: &str,
        _stream: &str,
        events: &[InputEvent],
    ) -> Result<(), SinkError> {
        std::hint::black_box(events);
        Ok(())
    }
}

/// An endpoint that is down: every call fails as a refused connection would, retryable, so
/// batches are held and retried.
pub struct Dead;

impl Sink for Dead {
    async fn create_log_group(&self, _group: &str) -> Result<(), SinkError> {
        Err(refused())
    }
    async fn create_log_stream(&self, _group: &str, _stream: &str) -> Result<(), SinkError> {
        Err(refused())
    }
    async fn put_log_events(
        &self,
        _group: &str,
        _stream: &str,
        _events: &[InputEvent],
    ) -> Result<(), SinkError> {
        Err(refused())
    }
}

fn refused() -> SinkError {
    SinkError::Server("connection refused".to_owned())
}

/// Records every (stream, message) it is given.
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<(String, String)>>>);

impl Sink for Recorder {
    async fn create_log_group(&self, _group: &str) -> Result<(), SinkError> {
        Ok(())
    }
    async fn create_log_stream(&self, _group: &str, _stream: &str) -> Result<(), SinkError> {
        Ok(())
    }
    async fn put_log_events(
        &self,
        _group: &str,
        stream: &str,
        events: &[InputEvent],
    ) -> Result<(), SinkError> {
        let mut seen = self.0.lock().map_err(|e| SinkError::Fatal(e.to_string()))?;
        seen.extend(
            events
                .iter()
                .map(|e| (stream.to_owned(), e.message.clone())),
        );
        Ok(())
    }
}
