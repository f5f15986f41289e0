//! Where batches go: the [`Sink`] trait, its error classes, and the real CloudWatch sink.

use std::future::Future;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatchlogs::config::Region;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;

use crate::batch::InputEvent;

/// How a sink call failed, reduced to what the worker must do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// Too many requests: back off and retry.
    #[error("throttled")]
    Throttled,
    /// 5xx, timeout or connection failure: back off and retry.
    #[error("server or network error: {0}")]
    Server(String),
    /// The log group or stream is missing: create them, then retry.
    #[error("log group or stream not found")]
    ResourceNotFound,
    /// Creating something that is already there (harmless for create calls).
    #[error("resource already exists")]
    AlreadyExists,
    /// Retrying cannot help (credentials, validation...): drop the batch and count it.
    #[error("fatal: {0}")]
    Fatal(String),
}

impl SinkError {
    /// Whether backing off and trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SinkError::Throttled | SinkError::Server(_))
    }
}

/// A destination for log batches. The worker is the only caller and calls one method at a
/// time, so implementations need no internal queueing.
pub trait Sink: Send + Sync {
    /// Creates the log group; [`SinkError::AlreadyExists`] if it exists.
    fn create_log_group(&self, group: &str) -> impl Future<Output = Result<(), SinkError>> + Send;

    /// Creates the log stream in `group`; [`SinkError::AlreadyExists`] if it exists.
    fn create_log_stream(
        &self,
        group: &str,
        stream: &str,
    ) -> impl Future<Output = Result<(), SinkError>> + Send;

    /// Stores one batch, already sorted and within every PutLogEvents limit.
    fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        events: &[InputEvent],
    ) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// Region used when the environment names none.
pub const FALLBACK_REGION: &str = "us-east-1";

/// SDK timeouts: short enough that a dead endpoint cannot hold up shutdown for long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);

/// The real sink over the AWS SDK.
#[derive(Debug, Clone)]
pub struct CloudWatchSink {
    client: Client,
}

impl CloudWatchSink {
    /// Wraps a client exactly as given (the caller owns its retry and timeout policy).
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// Builds a client from `sdk` with the SDK's retries off (the worker's retry policy is
    /// the only one) and short connect/operation timeouts.
    /// Without a configured region it uses `us-east-1`, the AWS Academy Learner Lab region.
    pub fn from_sdk_config(sdk: &SdkConfig) -> Self {
        let mut builder = aws_sdk_cloudwatchlogs::config::Builder::from(sdk);
        if sdk.region().is_none() {
            builder.set_region(Some(Region::new(FALLBACK_REGION)));
        }
        let conf = builder
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            )
            .build();
        Self::new(Client::from_conf(conf))
    }

    /// The underlying client (tests read logs back with it).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl Sink for CloudWatchSink {
    async fn create_log_group(&self, group: &str) -> Result<(), SinkError> {
        self.client
            .create_log_group()
            .log_group_name(group)
            .send()
            .await
            .map(|_| ())
            .map_err(classify)
    }

    async fn create_log_stream(&self, group: &str, stream: &str) -> Result<(), SinkError> {
        self.client
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
            .map(|_| ())
            .map_err(classify)
    }

    async fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        events: &[InputEvent],
    ) -> Result<(), SinkError> {
        let events = events
            .iter()
            .map(|e| {
                InputLogEvent::builder()
                    .timestamp(e.timestamp_ms)
                    .message(e.message.clone())
                    .build()
                    .map_err(|err| SinkError::Fatal(format!("invalid log event: {err}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .client
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .map_err(classify)?;
        if let Some(rejected) = output.rejected_log_events_info() {
            // The call succeeded; CloudWatch only skipped events outside its time window.
            tracing::debug!(target: "cloudwatch_shipper", ?rejected, "CloudWatch rejected some events");
        }
        Ok(())
    }
}

/// Maps any SDK error onto the worker's error classes.
fn classify<E>(err: SdkError<E>) -> SinkError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            classify_service(service.err().code(), status, service.err().message())
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => SinkError::Server(describe(&err)),
        SdkError::DispatchFailure(dispatch) if dispatch.is_user() => {
            SinkError::Fatal(describe(&err))
        }
        SdkError::DispatchFailure(_) => SinkError::Server(describe(&err)),
        // Request construction failed (e.g. no region, no credentials): retrying cannot help.
        _ => SinkError::Fatal(describe(&err)),
    }
}

/// Classification of an error response by its AWS error code, falling back to HTTP status.
fn classify_service(code: Option<&str>, status: u16, message: Option<&str>) -> SinkError {
    let text = format!(
        "{} (HTTP {status}): {}",
        code.unwrap_or("unknown error"),
        message.unwrap_or("no message")
    );
    match code {
        Some("ResourceNotFoundException") => SinkError::ResourceNotFound,
        Some("ResourceAlreadyExistsException") => SinkError::AlreadyExists,
        Some(
            "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException"
            | "RequestLimitExceeded",
        ) => SinkError::Throttled,
        Some("ServiceUnavailableException" | "InternalFailure" | "ServiceUnavailable") => {
            SinkError::Server(text)
        }
        _ if status == 429 => SinkError::Throttled,
        _ if status >= 500 => SinkError::Server(text),
        _ => SinkError::Fatal(text),
    }
}

fn describe<E: std::error::Error + 'static>(err: &E) -> String {
    aws_sdk_cloudwatchlogs::error::DisplayErrorContext(err).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_the_right_class() {
        let c = |code, status| classify_service(Some(code), status, None);
        assert_eq!(
            c("ResourceNotFoundException", 400),
            SinkError::ResourceNotFound
        );
        assert_eq!(
            c("ResourceAlreadyExistsException", 400),
            SinkError::AlreadyExists
        );
        assert_eq!(c("ThrottlingException", 400), SinkError::Throttled);
        assert!(matches!(
            c("ServiceUnavailableException", 503),
            SinkError::Server(_)
        ));
        assert!(matches!(c("SomethingNew", 502), SinkError::Server(_)));
        assert_eq!(classify_service(None, 429, None), SinkError::Throttled);
        assert!(matches!(
            c("UnrecognizedClientException", 400),
            SinkError::Fatal(_)
        ));
        assert!(matches!(
            c("InvalidParameterException", 400),
            SinkError::Fatal(_)
        ));
        assert!(matches!(
            c("ExpiredTokenException", 400),
            SinkError::Fatal(_)
        ));
    }

    #[test]
    fn only_throttling_and_server_errors_are_retryable() {
        assert!(SinkError::Throttled.is_retryable());
        assert!(SinkError::Server("x".into()).is_retryable());
        assert!(!SinkError::ResourceNotFound.is_retryable());
        assert!(!SinkError::AlreadyExists.is_retryable());
        assert!(!SinkError::Fatal("x".into()).is_retryable());
    }
}
