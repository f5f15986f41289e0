//! Correlation IDs: keep a well-formed incoming `x-request-id`, replace anything else.

use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

pub const REQUEST_ID_HEADER: &str = "x-request-id";
const MAX_LEN: usize = 64;

/// 1–64 characters of `[A-Za-z0-9._-]`: enough for UUIDs and tracing ids, and nothing that
/// could forge a log field or break a line (quotes, spaces, newlines).
pub fn is_valid_request_id(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// Removes an ill-formed id so that the next layer generates a fresh one.
pub fn drop_invalid<B>(mut request: Request<B>) -> Request<B> {
    let headers = request.headers_mut();
    let all_valid = headers
        .get_all(REQUEST_ID_HEADER)
        .iter()
        .all(|id| is_valid_request_id(id.as_bytes()));
    // Several ids are as untrustworthy as a bad one.
    if !all_valid || headers.get_all(REQUEST_ID_HEADER).iter().count() > 1 {
        headers.remove(REQUEST_ID_HEADER);
    }
    request
}

/// A fresh UUID v4 for every request that came without a usable id.
#[derive(Debug, Clone, Copy, Default)]
pub struct MakeUuid;

impl MakeRequestId for MakeUuid {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = uuid::Uuid::new_v4().to_string();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuids_and_simple_tokens() {
        for id in [
            "3f2b8a8e-1c1d-4c7a-9a57-0f1e2d3c4b5a",
            "a",
            "req.42_x-Y",
            &"z".repeat(64),
        ] {
            assert!(is_valid_request_id(id.as_bytes()), "{id}");
        }
    }

    #[test]
    fn refuses_what_could_break_a_log_line() {
        for id in [
            "",
            &"z".repeat(65),
            "a b",
            "a\"b",
            "a\nb",
            "a\\b",
            "ünï",
            "{}",
        ] {
            assert!(!is_valid_request_id(id.as_bytes()), "{id:?}");
        }
    }

    #[test]
    fn an_invalid_header_is_removed_and_a_valid_one_kept() {
        let request = |id: &str| {
            Request::builder()
                .header(REQUEST_ID_HEADER, id)
                .body(())
                .expect("a request")
        };
        let kept = drop_invalid(request("abc-123"));
        assert_eq!(kept.headers()[REQUEST_ID_HEADER], "abc-123");
        let dropped = drop_invalid(request("has space"));
        assert!(dropped.headers().get(REQUEST_ID_HEADER).is_none());
    }
}
