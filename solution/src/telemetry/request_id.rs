//! Correlation IDs: a client's `x-request-id` is kept only when it is well-formed.

use axum::http::Request;

pub const HEADER: &str = "x-request-id";

/// 1–64 characters of `[A-Za-z0-9._-]`: enough for UUIDs and tracing ids, and nothing that
/// could forge a log field or break a line (quotes, spaces, newlines).
fn is_valid(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Removes an ill-formed id, or several ids, so that `SetRequestIdLayer` makes a fresh one.
pub fn drop_unless_valid<B>(mut request: Request<B>) -> Request<B> {
    let mut ids = request.headers().get_all(HEADER).iter();
    let valid = match (ids.next(), ids.next()) {
        (Some(id), None) => is_valid(id.as_bytes()),
        _ => false,
    };
    if !valid {
        request.headers_mut().remove(HEADER);
    }
    request
}

// The id rule's tests. In the starter they are compiled only when you opt in:
// `cargo test -p starter --features exercises request_id`. Once they pass, make the next line
// `#[cfg(test)]`, so that they run with every `cargo test`.
#[cfg(test)]
mod tests {
    use super::is_valid;

    fn valid(id: &str) -> bool {
        is_valid(id.as_bytes())
    }

    #[test]
    fn an_id_has_1_to_64_characters() {
        assert!(valid("a"), "one character is a valid id");
        assert!(valid(&"a".repeat(64)), "64 characters are a valid id");
        assert!(!valid(""), "an empty id must be replaced");
        assert!(!valid(&"a".repeat(65)), "65 characters are too many");
    }

    #[test]
    fn an_id_holds_letters_digits_dots_underscores_and_hyphens_only() {
        assert!(
            valid("lab-42.trace_A"),
            "letters, digits, `.`, `_` and `-` are allowed"
        );
        assert!(
            valid("0b8e2c4a-6f1d-4e3b-9a57-2d1c0e9f8a61"),
            "a UUID is a valid id"
        );
        for id in ["a b", "a/b", "a:b", "a+b", "a=b", "café", "ß"] {
            assert!(!valid(id), "{id:?} must be replaced");
        }
    }

    #[test]
    fn nothing_that_could_forge_a_field_or_break_a_line_is_kept() {
        let forged = r#"x","level":"ERROR"#;
        for id in ["a\"b", "a\\b", "a\nb", "a\r\nb", "a\tb", "a\0b", forged] {
            assert!(!valid(id), "{id:?} must be replaced");
        }
    }
}
