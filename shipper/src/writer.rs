//! The `tracing_subscriber` side: one formatted event in, one CloudWatch event out.

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::Metadata;
use tracing_subscriber::fmt::MakeWriter;

use crate::Shipper;

/// Target prefixes never shipped: the shipper's own warnings and the crates it calls into
/// while shipping. Shipping their events would make every flush log more to flush.
const INTERNAL_PREFIXES: &[&str] = &["cloudwatch_shipper", "aws_", "hyper", "h2", "rustls"];

/// Whether events of `target` stay out of CloudWatch (they still reach stdout).
///
/// `tower` is matched as a whole crate name, not a prefix: the SDK's HTTP stack uses
/// `tower`, but the apps' access lines may come from `tower_http`, which must be shipped.
pub fn is_internal_target(target: &str) -> bool {
    INTERNAL_PREFIXES.iter().any(|p| target.starts_with(p))
        || target == "tower"
        || target.starts_with("tower::")
}

/// `MakeWriter` returned by [`Shipper::make_writer`].
pub struct ShipperWriter<F> {
    shipper: Shipper,
    stream_for: F,
}

impl<F> ShipperWriter<F> {
    pub(crate) fn new(shipper: Shipper, stream_for: F) -> Self {
        Self {
            shipper,
            stream_for,
        }
    }
}

impl<'a, F, S> MakeWriter<'a> for ShipperWriter<F>
where
    F: Fn(&Metadata<'_>) -> S + Send + Sync + 'static,
    S: AsRef<str>,
{
    type Writer = EventWriter<'a, S>;

    /// Without metadata there is no stream to choose, so such writes are not shipped.
    /// (`tracing_subscriber::fmt` always uses `make_writer_for`.)
    fn make_writer(&'a self) -> Self::Writer {
        EventWriter::discarding()
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        if is_internal_target(meta.target()) {
            return EventWriter::discarding();
        }
        EventWriter {
            destination: Some((&self.shipper, (self.stream_for)(meta))),
            buf: Vec::new(),
        }
    }
}

/// Collects one formatted event and hands it to the shipper when dropped.
pub struct EventWriter<'a, S: AsRef<str> = String> {
    destination: Option<(&'a Shipper, S)>,
    buf: Vec<u8>,
}

impl<S: AsRef<str>> EventWriter<'_, S> {
    fn discarding() -> Self {
        Self {
            destination: None,
            buf: Vec::new(),
        }
    }
}

impl<S: AsRef<str>> io::Write for EventWriter<'_, S> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.destination.is_some() {
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<S: AsRef<str>> Drop for EventWriter<'_, S> {
    // The formatter writes one event in one burst, then drops the writer: that is the
    // moment the event is complete.
    fn drop(&mut self) {
        let Some((shipper, stream)) = self.destination.take() else {
            return;
        };
        let line = into_line(std::mem::take(&mut self.buf));
        if !line.is_empty() {
            shipper.send(stream.as_ref(), now_ms(), line);
        }
    }
}

/// The event's bytes as one line without its line ending, reusing the buffer when it is
/// valid UTF-8 (the formatter's always is) instead of copying it.
fn into_line(mut bytes: Vec<u8>) -> String {
    while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
        bytes.pop();
    }
    String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::fake_sink::FakeSink;
    use crate::ShipperConfig;

    #[test]
    fn internal_targets_are_recognised() {
        for target in [
            "cloudwatch_shipper",
            "cloudwatch_shipper::worker",
            "aws_smithy_runtime::client",
            "aws_config",
            "hyper",
            "hyper_util::client",
            "h2::codec",
            "rustls::conn",
            "tower",
            "tower::buffer",
        ] {
            assert!(is_internal_target(target), "{target} should not be shipped");
        }
        for target in ["solution", "sqlx::query", "tower_http::trace", "app::http"] {
            assert!(!is_internal_target(target), "{target} should be shipped");
        }
    }

    #[tokio::test]
    async fn each_formatted_event_becomes_one_trimmed_event_in_its_stream() {
        let sink = FakeSink::ok();
        let shipper = Shipper::with_sink(ShipperConfig::new("g"), sink.clone());
        let writer = shipper.make_writer(|meta| {
            if meta.target().starts_with("sqlx") {
                "sql".to_owned()
            } else {
                "app".to_owned()
            }
        });
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .without_time()
                .with_ansi(false)
                .with_writer(writer),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "app", "hello");
            tracing::info!(target: "sqlx::query", "SELECT 1");
            tracing::warn!(target: "cloudwatch_shipper", "internal");
            tracing::info!(target: "hyper_util::client", "internal too");
        });
        let report = shipper.shutdown(Duration::from_secs(5)).await;
        assert_eq!((report.sent, report.dropped), (2, 0));
        assert_eq!(sink.delivered_to("app"), vec![" INFO app: hello"]);
        assert_eq!(
            sink.delivered_to("sql"),
            vec![" INFO sqlx::query: SELECT 1"]
        );
    }

    #[test]
    fn a_line_loses_only_its_line_ending_and_invalid_utf8_is_replaced() {
        assert_eq!(into_line(b"{\"a\":1}\r\n\n".to_vec()), "{\"a\":1}");
        assert_eq!(
            into_line(b" keeps \n inner breaks \r".to_vec()),
            " keeps \n inner breaks "
        );
        assert_eq!(
            into_line("caf\u{e9} \u{1f980}\n".into()),
            "caf\u{e9} \u{1f980}"
        );
        assert_eq!(into_line(b"bad \xff byte\n".to_vec()), "bad \u{fffd} byte");
        assert_eq!(into_line(b"\r\n".to_vec()), "");
    }

    #[tokio::test]
    async fn empty_writes_and_metadata_less_writers_ship_nothing() {
        let sink = FakeSink::ok();
        let shipper = Shipper::with_sink(ShipperConfig::new("g"), sink.clone());
        let to_app = || EventWriter {
            destination: Some((&shipper, "app".to_owned())),
            buf: Vec::new(),
        };
        io::Write::write_all(&mut to_app(), b"\r\n\n").unwrap();
        let writer = shipper.make_writer(|_| "app".to_owned());
        io::Write::write_all(&mut writer.make_writer(), b"no metadata\n").unwrap();
        {
            let mut w = to_app();
            io::Write::write_all(&mut w, b"two ").unwrap();
            io::Write::write_all(&mut w, b"parts\r\n").unwrap();
        }
        let report = shipper.shutdown(Duration::from_secs(5)).await;
        assert_eq!((report.sent, report.dropped), (1, 0));
        assert_eq!(sink.delivered_to("app"), vec!["two parts"]);
    }
}
