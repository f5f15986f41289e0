//! A tracing layer that writes each event as one flat JSON object.
//!
//! The stock JSON formatter nests span fields under `span`/`spans`; the lab's log queries
//! want them at the top level, so this layer merges the fields of every enclosing span
//! (outermost first) and then the event's own. A later field of the same name replaces an
//! earlier one, so a key never appears twice.

use std::fmt;
use std::io::Write;

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Number, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// Fields every line has; span and event fields may not overwrite them.
const RESERVED: [&str; 5] = ["timestamp", "level", "location", "message", "hostname"];

pub struct JsonLayer<W> {
    writer: W,
    hostname: String,
}

impl<W> JsonLayer<W> {
    pub fn new(writer: W, hostname: String) -> Self {
        Self { writer, hostname }
    }
}

/// The recorded fields of one span or event, in the order they were recorded.
#[derive(Debug, Default)]
struct Fields(Map<String, Value>);

impl Fields {
    fn insert(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.insert(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, format!("{value:?}").into());
    }
}

impl<S, W> Layer<S> for JsonLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attributes.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut own = Fields::default();
        event.record(&mut own);
        let mut own = own.0;
        // Events bridged from the `log` crate name their real origin in `log.target`.
        let location = match own.get("log.target") {
            Some(Value::String(target)) => target.clone(),
            _ => metadata.target().to_owned(),
        };
        own.retain(|key, _| !key.starts_with("log."));
        // sqlx's statement events have no message; their summary is the human-readable part.
        let message = own
            .remove("message")
            .or_else(|| own.get("summary").cloned())
            .unwrap_or_else(|| Value::String(String::new()));

        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            Utc::now()
                .to_rfc3339_opts(SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("level".into(), metadata.level().as_str().into());
        line.insert("location".into(), location.into());
        line.insert("message".into(), message);
        line.insert("hostname".into(), self.hostname.as_str().into());
        let mut merge = |fields: &Map<String, Value>| {
            for (key, value) in fields {
                if !RESERVED.contains(&key.as_str()) {
                    line.insert(key.clone(), value.clone());
                }
            }
        };
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<Fields>() {
                    merge(&fields.0);
                }
            }
        }
        merge(&own);

        let Ok(mut bytes) = serde_json::to_vec(&Value::Object(line)) else {
            return;
        };
        bytes.push(b'\n');
        // A log line that cannot be written must not take the request down with it.
        let _ = self.writer.make_writer_for(metadata).write_all(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines(emit: impl FnOnce()) -> Vec<Map<String, Value>> {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry()
            .with(JsonLayer::new(capture.clone(), "test-host".to_owned()));
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = capture.0.lock().expect("not poisoned").clone();
        String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is a JSON object"))
            .collect()
    }

    #[test]
    fn span_fields_reach_the_top_level() {
        let lines = lines(|| {
            let span = tracing::info_span!("request", request_id = "abc", method = "GET");
            let _entered = span.enter();
            tracing::info!(status = 200u16, latency_ms = 1.5, "Request finished");
        });
        let line = &lines[0];
        assert_eq!(line["request_id"], "abc");
        assert_eq!(line["method"], "GET");
        assert_eq!(line["status"], 200);
        assert_eq!(line["latency_ms"], 1.5);
        assert_eq!(line["message"], "Request finished");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["hostname"], "test-host");
        assert!(line["location"]
            .as_str()
            .is_some_and(|l| l.contains("json")));
        assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    }

    #[test]
    fn inner_fields_win_and_reserved_fields_cannot_be_forged() {
        let lines = lines(|| {
            let outer = tracing::info_span!("outer", url = "/outer", hostname = "forged");
            let _outer = outer.enter();
            let inner = tracing::info_span!("inner", url = "/inner");
            let _inner = inner.enter();
            tracing::warn!(level = "fake", "careful");
        });
        let line = &lines[0];
        assert_eq!(line["url"], "/inner");
        assert_eq!(line["hostname"], "test-host");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "careful");
    }

    #[test]
    fn quotes_and_newlines_stay_inside_one_line() {
        let lines = lines(|| tracing::info!("a \"quoted\"\nmessage"));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["message"], "a \"quoted\"\nmessage");
    }
}
