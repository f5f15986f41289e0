//! The todo list as JSON, written by hand: byte for byte what `serde_json::to_vec(&[Todo])`
//! writes, for the one response that carries hundreds of todos.
//!
//! Why by hand: serde_json escapes every key again for every todo and writes through
//! `io::Write` one fragment at a time; here the keys are constants and a string without a
//! character to escape is copied in one piece. The property test below holds it to serde_json's
//! output for arbitrary todos (control characters, quotes and non-ASCII text included).

use super::timestamp::{self, PgTimestamp};
use super::TodoRef;

/// Room for one todo: a title and a description of ordinary length fit, so a list of ordinary
/// todos is written without the buffer growing.
const BYTES_PER_TODO: usize = 256;

/// A JSON array of todos, appended to one todo at a time.
#[derive(Debug)]
pub struct TodoListJson {
    bytes: Vec<u8>,
    empty: bool,
}

impl TodoListJson {
    /// An empty list with room for `todos` ordinary todos.
    pub fn with_capacity(todos: usize) -> Self {
        let mut bytes = Vec::with_capacity(2 + todos * BYTES_PER_TODO);
        bytes.push(b'[');
        Self { bytes, empty: true }
    }

    /// Appends one todo, its fields in `Todo`'s order.
    pub fn push(&mut self, todo: &TodoRef<'_>) {
        let out = &mut self.bytes;
        if !self.empty {
            out.push(b',');
        }
        self.empty = false;
        out.extend_from_slice(b"{\"id\":");
        out.extend_from_slice(itoa::Buffer::new().format(todo.id).as_bytes());
        out.extend_from_slice(b",\"title\":");
        write_string(out, todo.title);
        out.extend_from_slice(b",\"description\":");
        match todo.description {
            Some(description) => write_string(out, description),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(if todo.completed {
            b",\"completed\":true"
        } else {
            b",\"completed\":false"
        });
        out.extend_from_slice(b",\"deadline_at\":");
        match todo.deadline_at {
            Some(deadline) => write_timestamp(out, deadline),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"created_at\":");
        write_timestamp(out, todo.created_at);
        out.extend_from_slice(b",\"updated_at\":");
        write_timestamp(out, todo.updated_at);
        out.push(b'}');
    }

    /// The finished array.
    pub fn into_bytes(mut self) -> Vec<u8> {
        self.bytes.push(b']');
        self.bytes
    }
}

fn write_timestamp(out: &mut Vec<u8>, moment: PgTimestamp) {
    match moment.digits() {
        Some(digits) => {
            out.push(b'"');
            out.extend_from_slice(&digits);
            out.push(b'"');
        }
        None => write_string(out, &timestamp::format(&moment.to_naive())),
    }
}

/// A JSON string as serde_json writes it: `"` and `\` escaped, the control characters below
/// U+0020 as `\b \t \n \f \r` or `\u00XX` (lowercase hex), everything else as it is.
fn write_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    // Most text has nothing to escape; this test of every byte, without an early exit, is
    // compiled into a few vector instructions per 16 bytes.
    let needs_escape = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    if !bytes
        .iter()
        .fold(false, |any, &byte| any | needs_escape(byte))
    {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut copied = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ],
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..at]);
        out.extend_from_slice(escape);
        copied = at + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    use proptest::prelude::*;

    use super::*;
    use crate::todos::Todo;

    fn borrowed(todo: &Todo) -> TodoRef<'_> {
        let timestamp = |moment| PgTimestamp::from_naive(moment).expect("in chrono's range");
        TodoRef {
            id: todo.id,
            title: &todo.title,
            description: todo.description.as_deref(),
            completed: todo.completed,
            deadline_at: todo.deadline_at.as_ref().map(timestamp),
            created_at: timestamp(&todo.created_at),
            updated_at: timestamp(&todo.updated_at),
        }
    }

    fn written(todos: &[Todo]) -> Vec<u8> {
        let mut list = TodoListJson::with_capacity(todos.len());
        for todo in todos {
            list.push(&borrowed(todo));
        }
        list.into_bytes()
    }

    /// Any text: every code point is as likely as any other, so control characters, quotes,
    /// backslashes and multi-byte characters all turn up.
    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter)
    }

    /// Any moment chrono can hold, years beyond 9999 and before year 1 included.
    fn moment() -> impl Strategy<Value = NaiveDateTime> {
        any::<i64>().prop_filter_map("outside chrono's range", |micros| {
            DateTime::from_timestamp_micros(micros / 16).map(|moment| moment.naive_utc())
        })
    }

    fn todo() -> impl Strategy<Value = Todo> {
        (
            any::<i64>(),
            text(),
            prop::option::of(text()),
            any::<bool>(),
            prop::option::of(moment()),
            moment(),
            moment(),
        )
            .prop_map(
                |(id, title, description, completed, deadline_at, created_at, updated_at)| Todo {
                    id,
                    title,
                    description,
                    completed,
                    deadline_at,
                    created_at,
                    updated_at,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn writes_what_serde_json_writes(todos in prop::collection::vec(todo(), 0..4)) {
            let expected = serde_json::to_vec(&todos).expect("a todo serialises");
            let written = written(&todos);
            prop_assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&expected));
        }
    }

    #[test]
    fn escapes_every_control_character_as_serde_json_does() {
        let every_byte_below_128: String = (0..128u8).map(char::from).collect();
        let mut out = Vec::new();
        write_string(&mut out, &every_byte_below_128);
        let expected = serde_json::to_vec(&every_byte_below_128).expect("a string serialises");
        assert_eq!(out, expected);
    }

    #[test]
    fn an_empty_list_is_an_empty_array() {
        assert_eq!(written(&[]), b"[]");
    }

    #[test]
    fn a_list_of_ordinary_todos_fits_the_room_reserved() {
        let at = NaiveDate::from_ymd_opt(2023, 12, 4)
            .and_then(|day| day.and_hms_opt(14, 0, 0))
            .expect("a valid time");
        let todos: Vec<Todo> = (1..=400)
            .map(|week| Todo {
                id: 1_000_000 + week,
                title: format!("Revise chapter {week}"),
                description: Some(format!(
                    "Read the notes again and do the exercises of week {week}"
                )),
                completed: false,
                deadline_at: Some(at),
                created_at: at,
                updated_at: at,
            })
            .collect();
        let bytes = written(&todos);
        assert!(
            bytes.len() <= 2 + todos.len() * BYTES_PER_TODO,
            "{}",
            bytes.len()
        );
    }
}
