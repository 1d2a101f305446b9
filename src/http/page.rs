//! Keyset pagination for lists that grow without bound (the Authorized apps
//! grants lists): `limit` and an opaque `cursor` naming the last item seen.
//!
//! Why keyset and opaque: an offset skips or repeats rows when rows are added
//! between pages; a cursor of the last row's sort key (`created_at`, then the
//! id) does not. Opaque (base64url) so callers pass it back instead of
//! building one; it is not a secret and not signed — a crafted cursor only
//! moves the window within what the caller may list anyway.

use super::ApiError;
use crate::crypto::{b64url_decode, b64url_encode};

/// Where a page starts: after the item with this sort key (newest first:
/// `created_at` descending, then the id ascending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at: i64,
    pub id: String,
}

/// `limit`: `default` when absent, else a whole number from 1 to `max`.
pub fn parse_limit(raw: Option<&str>, default: u32, max: u32) -> Result<u32, ApiError> {
    match raw {
        None => Ok(default),
        Some(text) => limit_value(text, max).ok_or_else(|| {
            ApiError::bad_request("invalid_limit", format!("limit must be a whole number from 1 to {max}"))
        }),
    }
}

/// The rule of every `limit`: digits only, from 1 to `max`. (Listings with
/// their own error shape, like the audit log's, call this and word the
/// refusal themselves.)
pub fn limit_value(text: &str, max: u32) -> Option<u32> {
    text.parse::<u32>().ok().filter(|n| (1..=max).contains(n) && text.bytes().all(|b| b.is_ascii_digit()))
}

/// The cursor of the page after `after`.
pub fn encode_cursor(after: &After) -> String {
    b64url_encode(format!("{}:{}", after.created_at, after.id).as_bytes())
}

/// `cursor`: absent (the first page) or one [`encode_cursor`] made.
pub fn parse_cursor(raw: Option<&str>) -> Result<Option<After>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let invalid =
        || ApiError::bad_request("invalid_cursor", "cursor is not one this API returned; start again without it");
    let text = b64url_decode(raw).and_then(|b| String::from_utf8(b).ok()).ok_or_else(invalid)?;
    let (at, id) = text.split_once(':').ok_or_else(invalid)?;
    let created_at = at.parse::<i64>().ok().filter(|n| *n >= 0 && at.bytes().all(|b| b.is_ascii_digit()));
    let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match created_at {
        Some(created_at) if id_ok => Ok(Some(After { created_at, id: id.to_string() })),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: ApiError) -> &'static str {
        match e {
            ApiError::BadRequest { code, .. } => code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None, 50, 500).unwrap(), 50);
        assert_eq!(parse_limit(Some("1"), 50, 500).unwrap(), 1);
        assert_eq!(parse_limit(Some("500"), 50, 500).unwrap(), 500);
        for bad in ["0", "501", "-1", "+5", "2.5", "ten", "", " 5", "99999999999"] {
            let e = parse_limit(Some(bad), 50, 500).unwrap_err();
            assert!(e.message().contains("limit"), "{bad}");
            assert_eq!(code(e), "invalid_limit", "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip() {
        let after = After { created_at: 1_767_000_000, id: "grt_0123abcd".into() };
        let c = encode_cursor(&after);
        assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{c}");
        assert_eq!(parse_cursor(Some(&c)).unwrap(), Some(after));
        assert_eq!(parse_cursor(None).unwrap(), None);
    }

    #[test]
    fn foreign_cursors_are_refused() {
        let enc = |s: &str| b64url_encode(s.as_bytes());
        for bad in [
            "garbage!".to_string(),
            "%00".into(),
            enc("x:grt_1"),
            enc("-5:grt_1"),
            enc("12"),
            enc("12:"),
            enc("12:grt 1"),
            enc("12:grt_1'; DROP TABLE grants_index;--"),
            enc(&format!("12:{}", "a".repeat(65))),
            enc("{\"x\":1}"),
        ] {
            let e = parse_cursor(Some(&bad)).unwrap_err();
            assert!(e.message().contains("cursor"), "{bad}");
            assert_eq!(code(e), "invalid_cursor", "{bad}");
        }
    }
}
