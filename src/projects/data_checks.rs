//! The save-time checks of the data kinds (`http`, `code`): what
//! `type.schema.json` cannot say. Like `type_checks`, they run on the raw
//! JSON, skip a field whose JSON type is wrong (the schema layer reported
//! it) and push every problem with its JSON Pointer.
//!
//! - `http.url`: the SSRF guard (`outbound::guard`, the same one every
//!   outbound fetch uses) and the org's `upstream_hosts`
//!   (`outbound::allowlist`), so a Type that could never run is refused at
//!   save with a reason, not at its first call.
//! - Headers ([`check_header`]): see [`RESERVED_HEADERS`] for the names that
//!   are refused and why; `Authorization` only with a secret-backed value (a
//!   credential typed into a Type document would be readable by every
//!   editor and kept in every published version).
//! - Secrets: `http.secret` and every secret-backed header must name a
//!   secret the project has, in either channel (a Type may name one that has
//!   a value in only one channel; calling it in the other fails visibly and
//!   publishing warns). Checked only when the caller supplies the names.
//! - `code.source`: at most 256 KiB and not blank. Whether it loads (a
//!   default export with `run`) needs the sandbox: the glue runs that trial
//!   load after these checks (`studio::type_save`).
//! - `code.allowed_hosts`: each entry a hostname with an optional `:port`,
//!   loopback only under the dev setting (`outbound::allowlist`).

use serde_json::{Map, Value};

use super::problem::{join, Problem};
use super::types::{ValidationOptions, MAX_CODE_SOURCE_BYTES};
use crate::outbound::allowlist;
use crate::outbound::guard::{self, Policy, Refusal};

/// Header names a Type may not configure:
/// - `Host`: the URL names the host; a second one is request smuggling.
/// - `Content-Type`, `Content-Length`: Dockyard sends the JSON envelope and
///   frames it itself.
/// - Hop-by-hop headers (RFC 9110 §7.6.1) and `Transfer-Encoding`,
///   `Upgrade`, `Proxy-*`: they describe one connection, not the request.
/// - `Dockyard-*` and `X-Dockyard-*`: Dockyard's own (`Dockyard-Signature`,
///   `Dockyard-Request-Id`); a backend must be able to trust them.
pub const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
];

/// At most this many configured headers.
pub const MAX_HEADERS: usize = 32;

pub(super) fn check_http_spec(http: &Map<String, Value>, opts: &ValidationOptions, out: &mut Vec<Problem>) {
    if let Some(Value::String(url)) = http.get("url") {
        if let Err(message) = check_upstream_url(url, opts) {
            out.push(Problem::new("/http/url", message));
        }
    }
    if let Some(Value::String(name)) = http.get("secret") {
        check_secret_exists(name, "/http/secret", opts, out);
    }
    if let Some(Value::Object(headers)) = http.get("headers") {
        if headers.len() > MAX_HEADERS {
            out.push(Problem::new("/http/headers", format!("at most {MAX_HEADERS} headers")));
        }
        for (name, value) in headers {
            let at = join("/http/headers", name);
            if let Err(message) = check_header(name, value) {
                out.push(Problem::new(&at, message));
            }
            if let Value::Object(v) = value {
                if let Some(Value::String(secret)) = v.get("secret") {
                    check_secret_exists(secret, &join(&at, "secret"), opts, out);
                }
            }
        }
    }
}

pub(super) fn check_code_spec(code: &Map<String, Value>, opts: &ValidationOptions, out: &mut Vec<Problem>) {
    if let Some(Value::String(source)) = code.get("source") {
        if source.len() > MAX_CODE_SOURCE_BYTES {
            let message =
                format!("code.source is {} bytes; the limit is {MAX_CODE_SOURCE_BYTES} (256 KiB)", source.len());
            out.push(Problem::new("/code/source", message));
        } else if !source.is_empty() && source.trim().is_empty() {
            out.push(Problem::new("/code/source", "code.source is blank; it must be an ES module"));
        }
    }
    if let Some(Value::Array(hosts)) = code.get("allowed_hosts") {
        let policy = Policy { allow_loopback: opts.allow_loopback_upstreams };
        for (i, host) in hosts.iter().enumerate() {
            if let Value::String(h) = host {
                if let Err(message) = allowlist::parse_entry(h, policy) {
                    out.push(Problem::new(format!("/code/allowed_hosts/{i}"), format!("allowed_hosts: {message}")));
                }
            }
        }
    }
}

fn check_secret_exists(name: &str, at: &str, opts: &ValidationOptions, out: &mut Vec<Problem>) {
    let Some(known) = &opts.secret_names else { return };
    // A name that breaks the rule was reported by the schema layer.
    if crate::tools::secrets::valid_name(name) && !known.contains(name) {
        out.push(Problem::new(
            at,
            format!(
                "the project has no secret named {name:?} (in either channel); \
                 create it with PUT .../secrets/{name} first"
            ),
        ));
    }
}

/// The upstream must pass the one outbound guard (`outbound::guard`), the
/// same check the CIMD fetch uses: https to a public host, no credentials in
/// the URL, no non-public address literal in any spelling, no local or cloud
/// metadata name. Loopback (and plain http to it) only with
/// `ALLOW_LOOPBACK_UPSTREAMS`, for local development. Then the org's
/// allowlist, when it has one. This is the early, clear refusal at save; the
/// fetch layer checks every hop again.
pub(crate) fn check_upstream_url(raw: &str, opts: &ValidationOptions) -> Result<(), String> {
    let policy = Policy { allow_loopback: opts.allow_loopback_upstreams };
    let url =
        match guard::check(raw, policy) {
            Ok(url) => url,
            Err(Refusal::Loopback) => return Err(
                "http.url points at a loopback host, allowed only with ALLOW_LOOPBACK_UPSTREAMS (local development)"
                    .into(),
            ),
            Err(Refusal::Credentials) => {
                return Err("http.url must not carry credentials; use http.headers or http.secret".into())
            }
            Err(why) => return Err(format!("http.url {why}")),
        };
    if !allowlist::allows_with(opts.upstream_hosts.as_deref(), &url, policy) {
        let host = url.host_str().unwrap_or_default();
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        return Err(format!(
            "http.url's host {host}{port} is not in the organization's upstream_hosts \
             (an admin with org.manage can add it: PATCH /api/v1/orgs/<org>)"
        ));
    }
    Ok(())
}

/// Header names are HTTP tokens (RFC 9110); values cannot smuggle a line
/// break; [`RESERVED_HEADERS`] and `Dockyard-*` are refused; `Authorization`
/// must be secret-backed.
pub fn check_header(name: &str, value: &Value) -> Result<(), String> {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token_char) {
        return Err(format!("{name:?} is not a valid header name"));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-dockyard-") || lower.starts_with("dockyard-")
    {
        return Err(format!("header {name:?} is set by Dockyard or the connection and cannot be configured"));
    }
    let broken = |v: &str| v.chars().any(|c| c == '\r' || c == '\n' || c == '\0');
    match value {
        Value::String(_) if lower == "authorization" => Err(format!(
            "header {name:?} must take its value from a project secret: \
             {{\"secret\": \"<name>\", \"prefix\": \"Bearer \"}}"
        )),
        Value::String(v) if broken(v) => Err(format!("header {name:?} has a line break or NUL in its value")),
        Value::Object(o) if o.get("prefix").and_then(Value::as_str).is_some_and(broken) => {
            Err(format!("header {name:?} has a line break or NUL in its prefix"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "data_checks_tests.rs"]
mod tests;
