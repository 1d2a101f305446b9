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
use super::signature::{self, REQUEST_ID_HEADER, SIGNATURE_HEADER};
use super::DataCall;
use crate::http::context::Ctx;
use crate::outbound::fetch::{fetch, Outbound};
use crate::outbound::guard::Policy;
use crate::outbound::{FetchError, Limits};
use crate::projects::types::HttpSpec;
use std::time::Duration;

/// The largest answer read (decompressed).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// Redirects followed, each re-checked by the guard.
pub const MAX_REDIRECTS: u8 = 3;

/// The secret names the Type uses: the signing secret first, then header secrets.
pub fn secret_names(spec: &HttpSpec) -> Vec<String> {
    spec.secret_names()
}

/// Runs one call; `Ok` is the decoded JSON answer of a 2xx.
pub async fn run(_ctx: &Ctx, spec: &HttpSpec, call: &DataCall) -> Result<Value, Failure> {
    let timeout_ms = spec.timeout_ms_or_default();
    let channel = match call.caller.channel {
        super::Channel::Draft => "draft",
        super::Channel::Production => "production",
    };
    let secret_name = spec.secret.clone();
    let Some(secret) = call.secrets.get(&secret_name) else {
        return Err(Failure::SecretMissing { name: secret_name, channel });
    };
    let body = signature::envelope(call);
    let now = (worker::Date::now().as_millis() / 1000) as u64;
    let mut req =
        Outbound { method: "POST".into(), url: spec.url.clone(), headers: Vec::new(), body: Some(body.clone()) };
    for (name, value) in spec.headers.iter().flatten() {
        let value = match value {
            crate::projects::types::HeaderValue::Plain(v) => v.clone(),
            crate::projects::types::HeaderValue::Secret { secret, prefix } => match call.secrets.get(secret) {
                Some(v) => format!("{prefix}{v}"),
                None => return Err(Failure::SecretMissing { name: secret.clone(), channel }),
            },
        };
        req = req.header(name, &value);
    }
    req = req
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, &signature::header_value(secret, now, &body))
        .header(REQUEST_ID_HEADER, &call.request_id);
    let limits = Limits {
        deadline: Duration::from_millis(timeout_ms),
        max_bytes: MAX_ANSWER_BYTES,
        max_redirects: MAX_REDIRECTS,
    };
    let fetched = fetch(req, limits, Policy { allow_loopback: call.allow_loopback }).await.map_err(|e| {
        worker::console_log!("data tool {}: {}", call.tool, e.log_detail());
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
        FetchError::Refused(_) | FetchError::RedirectRefused(_) => Failure::Refused(e.public_reason()),
        other => Failure::Unreachable(other.public_reason()),
    }
}
