//! The `http` kind (wasm32 glue): one signed POST of the envelope to the
//! Type's `http.url`, through `crate::outbound::fetch` (the SSRF guard on
//! the URL and on every redirect, at most 3 redirects, one deadline of the
//! Type's `timeout_ms` for headers and body, the body capped at 1 MiB while
//! it streams — decompressed bytes, since workerd decodes `Content-Encoding`
//! before we read, so a gzip bomb ends at the cap).
//!
//! Headers: `Content-Type: application/json`, `Dockyard-Signature`,
//! `Dockyard-Request-Id` and the Type's static headers. A redirect to
//! another origin drops all but `Content-Type` (`outbound`), so the signature
//! and any secret-backed header stay with the origin they were meant for.

use serde_json::Value;

use super::result::{parse_body, Failure};
use super::signature;
use super::DataCall;
use crate::outbound::fetch::{fetch_within, Outbound};
use crate::outbound::guard::Policy;
use crate::outbound::{FetchError, Limits};
use crate::projects::types::HttpSpec;
use std::time::Duration;

/// The largest answer read (decompressed).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// Redirects followed, each re-checked by the guard.
pub const MAX_REDIRECTS: u8 = 3;

/// Runs one call; `Ok` is the decoded JSON answer of a 2xx.
pub async fn run(spec: &HttpSpec, call: &DataCall) -> Result<Value, Failure> {
    let timeout_ms = spec.timeout_ms_or_default();
    let body = signature::envelope(call);
    let now = worker::Date::now().as_millis() / 1000;
    let headers = signature::request_headers(spec, call, now, &body)?;
    let req = Outbound { method: "POST".into(), url: spec.url.clone(), headers, body: Some(body) };
    let limits = Limits {
        deadline: Duration::from_millis(timeout_ms),
        max_bytes: MAX_ANSWER_BYTES,
        max_redirects: MAX_REDIRECTS,
    };
    let policy = Policy { allow_loopback: call.allow_loopback };
    let fetched = fetch_within(req, limits, policy, call.upstream_hosts.as_deref()).await.map_err(|e| {
        worker::console_log!("data tool {} ({}): {}", call.tool, call.request_id, e.log_detail());
        from_fetch_error(e, timeout_ms)
    })?;
    if !(200..300).contains(&fetched.status) {
        return Err(Failure::Status { status: fetched.status });
    }
    parse_body(&fetched.body)
}

fn from_fetch_error(e: FetchError, timeout_ms: u64) -> Failure {
    match e {
        FetchError::Timeout(_) => Failure::Timeout { limit_ms: timeout_ms },
        FetchError::TooLarge(n) => Failure::TooLarge { limit_bytes: n },
        FetchError::Refused(_)
        | FetchError::RedirectRefused(_)
        | FetchError::HostNotAllowed
        | FetchError::RedirectNotAllowed => Failure::Refused(e.public_reason()),
        other => Failure::Unreachable(other.public_reason()),
    }
}
