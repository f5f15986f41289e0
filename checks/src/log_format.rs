//! The log format the lab asks for: one JSON object per line, with these fields at the top level.
//!
//! One table for the grader and the students: the handout's field table (docs/handout.md,
//! "Structured logging") is this one, word for word, and the kit's tests keep them equal, so
//! what a student reads is what the grader checks.

/// One top-level field of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The field's key.
    pub name: &'static str,
    /// Which lines carry it.
    pub on: &'static str,
    /// What its value is.
    pub value: &'static str,
}

/// The lines every field of this kind is on.
pub const EVERY_LINE: &str = "every line";
const REQUEST_LINES: &str = "lines written while serving a request, SQL included";
const SAME_LINES: &str = "the same lines";
const FINISHED_LINE: &str = "the `Request finished` line";

/// Every field the lab's log lines must carry, in the handout's order.
pub const FIELDS: [Field; 10] = [
    Field {
        name: "timestamp",
        on: EVERY_LINE,
        value: "RFC 3339 time in UTC, e.g. `2026-11-26T15:31:30.222461Z`",
    },
    Field {
        name: "level",
        on: EVERY_LINE,
        value: "`INFO`, `WARN`, `ERROR`, ...",
    },
    Field {
        name: "location",
        on: EVERY_LINE,
        value: "where the line came from: the tracing target, e.g. `sqlx::query`",
    },
    Field {
        name: "message",
        on: EVERY_LINE,
        value: "the human-readable message",
    },
    Field {
        name: "hostname",
        on: EVERY_LINE,
        value: "the machine (or ECS task) that wrote it",
    },
    Field {
        name: "request_id",
        on: REQUEST_LINES,
        value: "the correlation ID, the same as the response's `x-request-id`",
    },
    Field {
        name: "method",
        on: SAME_LINES,
        value: "the HTTP method, exactly as sent",
    },
    Field {
        name: "url",
        on: SAME_LINES,
        value: "path and query, exactly as sent, e.g. `/api/v1/todos?completed=false`",
    },
    Field {
        name: "status",
        on: FINISHED_LINE,
        value: "the response's status, a number",
    },
    Field {
        name: "latency_ms",
        on: FINISHED_LINE,
        value: "milliseconds from request to response, a number (with a fraction)",
    },
];

/// The names of the fields every line carries.
pub fn every_line() -> impl Iterator<Item = &'static str> {
    FIELDS
        .iter()
        .filter(|field| field.on == EVERY_LINE)
        .map(|field| field.name)
}
