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
