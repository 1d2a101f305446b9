//! Outbound requests to URLs that someone else chose: Client ID Metadata
//! Documents now, data tools (`http` Types, the `code` sandbox's gateway)
//! later. One guard and one bounded fetch, so every such request gets the
//! same protections:
//! - [`guard`] (pure): may we fetch this URL? (https only, no credentials, no
//!   private, loopback, link-local, metadata, … addresses; the dev setting
//!   opens loopback only). Every hop is checked, not just the first.
//! - `fetch` (wasm32 glue): one request with one deadline covering the
//!   headers *and* the body, the body capped while it streams (reading stops
//!   at the cap and the request is aborted), redirects refused or followed
//!   by hand at most [`Limits::max_redirects`] times, each target re-checked.
//! - [`FetchError`] (pure): a typed failure. [`FetchError::public_reason`] is
//!   what a caller may show (fixed words, no upstream detail: no body, no
//!   header, no redirect target, no runtime or TLS error text);
//!   [`FetchError::log_detail`] is for the log only.
//!
//! This file and `guard` are pure (`scripts/runtime-line.sh`); only `fetch`
//! touches the runtime.

use std::fmt;
use std::time::Duration;

use url::Url;

pub mod allowlist;
pub mod guard;

#[cfg(target_arch = "wasm32")]
pub mod fetch;

/// The bounds of one outbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One deadline for the whole exchange: every hop's headers and the body.
    pub deadline: Duration,
    /// The body is refused (and reading stops) past this many bytes.
    pub max_bytes: usize,
    /// 0: a redirect is a failure. N: follow at most N, each re-checked.
    pub max_redirects: u8,
}

/// Why an outbound request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The URL itself is not allowed (the caller's own input).
    Refused(guard::Refusal),
    /// A redirect pointed at a URL the guard refuses.
    RedirectRefused(guard::Refusal),
    /// The URL's host is not in the allowlist the caller gave.
    HostNotAllowed,
    /// A redirect pointed at a host outside that allowlist.
    RedirectNotAllowed,
    /// The answer was a redirect and this request follows none.
    Redirect,
    /// More redirects than [`Limits::max_redirects`].
    TooManyRedirects(u8),
    /// A redirect without a usable `Location`.
    BadRedirect,
    /// The deadline passed before the whole answer arrived.
    Timeout(Duration),
    /// The body is larger than [`Limits::max_bytes`].
    TooLarge(usize),
    /// The runtime could not make the request (DNS, connect, TLS, reset, …).
    /// The text is the runtime's and goes to the log only.
    Failed(String),
}

impl FetchError {
    /// What a caller may be told: fixed words, never an upstream detail.
    pub fn public_reason(&self) -> String {
        match self {
            FetchError::Refused(r) => format!("the URL {r}"),
            FetchError::RedirectRefused(_) => "it redirects to an address that is not allowed".into(),
            FetchError::HostNotAllowed => "the URL's host is not in the organization's upstream allowlist".into(),
            FetchError::RedirectNotAllowed => {
                "it redirects to a host outside the organization's upstream allowlist".into()
            }
            FetchError::Redirect => "the URL redirects, and redirects are not followed".into(),
            FetchError::TooManyRedirects(n) => format!("more than {n} redirects"),
            FetchError::BadRedirect => "a redirect without a valid Location".into(),
            FetchError::Timeout(d) => format!("no complete answer within {} seconds", d.as_secs_f64()),
            FetchError::TooLarge(n) => format!("the answer is larger than {n} bytes"),
            FetchError::Failed(_) => "the connection failed".into(),
        }
    }

    /// What the log gets (may hold upstream and runtime detail).
    pub fn log_detail(&self) -> String {
        match self {
            FetchError::Refused(r) | FetchError::RedirectRefused(r) => format!("{self:?}: {r}"),
            FetchError::Failed(detail) => format!("fetch failed: {detail}"),
            other => other.public_reason(),
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.public_reason())
    }
}

/// A status that redirects (`Location` names the next hop).
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The next hop of a redirect from `current`: `Location` resolved against it.
/// The caller re-checks it with [`guard::check_url`].
pub fn redirect_target(current: &Url, location: Option<&str>) -> Result<Url, FetchError> {
    let location = location.map(str::trim).filter(|l| !l.is_empty()).ok_or(FetchError::BadRedirect)?;
    current.join(location).map_err(|_| FetchError::BadRedirect)
}

/// The method after a redirect, and whether the body goes with it (Fetch
/// standard: 303 becomes GET; 301/302 turn a POST into a GET; 307/308 keep
/// both).
pub fn method_after_redirect(status: u16, method: &str) -> (String, bool) {
    match status {
        303 if method != "HEAD" => ("GET".into(), false),
        301 | 302 if method == "POST" => ("GET".into(), false),
        _ => (method.to_string(), true),
    }
}

/// Request headers kept when a redirect leaves the origin: only these; any
/// credential or signature a caller set stays with the origin it was meant for.
pub fn keeps_header_across_origins(name: &str) -> bool {
    ["accept", "accept-language", "content-type", "user-agent"].contains(&name.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::guard::{AddressClass, Refusal};
    use super::*;

    #[test]
    fn public_reasons_carry_no_upstream_detail() {
        let secret = "TLS handshake failed: certificate for 10.0.0.7 (internal.corp) expired";
        let e = FetchError::Failed(secret.into());
        assert_eq!(e.public_reason(), "the connection failed");
        assert!(e.log_detail().contains(secret), "the log keeps the detail");
        let target = Refusal::Address { ip: "10.0.0.7".parse().unwrap(), class: AddressClass::Private };
        let e = FetchError::RedirectRefused(target);
        assert_eq!(e.public_reason(), "it redirects to an address that is not allowed");
        assert!(e.log_detail().contains("10.0.0.7"));
        assert_eq!(FetchError::Timeout(Duration::from_secs(5)).public_reason(), "no complete answer within 5 seconds");
        assert_eq!(FetchError::TooLarge(5120).public_reason(), "the answer is larger than 5120 bytes");
        assert_eq!(FetchError::Redirect.public_reason(), "the URL redirects, and redirects are not followed");
        assert_eq!(FetchError::TooManyRedirects(3).to_string(), "more than 3 redirects");
        assert_eq!(FetchError::Refused(Refusal::Scheme).public_reason(), "the URL must use https");
    }

    #[test]
    fn redirect_targets_resolve_against_the_current_url() {
        let here = Url::parse("https://a.example.com/dir/doc.json?x=1").unwrap();
        let to = |l: &str| redirect_target(&here, Some(l)).map(|u| u.to_string());
        assert_eq!(to("other.json").unwrap(), "https://a.example.com/dir/other.json");
        assert_eq!(to("/top.json").unwrap(), "https://a.example.com/top.json");
        assert_eq!(to("//b.example.com/x").unwrap(), "https://b.example.com/x");
        assert_eq!(to("http://169.254.169.254/").unwrap(), "http://169.254.169.254/");
        assert_eq!(redirect_target(&here, None), Err(FetchError::BadRedirect));
        assert_eq!(redirect_target(&here, Some("  ")), Err(FetchError::BadRedirect));
        assert_eq!(redirect_target(&here, Some("https://[::1")), Err(FetchError::BadRedirect));
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(s), "{s}");
        }
        for s in [200, 204, 300, 304, 305, 400] {
            assert!(!is_redirect(s), "{s}");
        }
    }

    #[test]
    fn methods_and_headers_after_a_redirect() {
        assert_eq!(method_after_redirect(303, "POST"), ("GET".into(), false));
        assert_eq!(method_after_redirect(302, "POST"), ("GET".into(), false));
        assert_eq!(method_after_redirect(301, "GET"), ("GET".into(), true));
        assert_eq!(method_after_redirect(307, "POST"), ("POST".into(), true));
        assert_eq!(method_after_redirect(308, "PUT"), ("PUT".into(), true));
        for kept in ["Accept", "content-type", "User-Agent"] {
            assert!(keeps_header_across_origins(kept), "{kept}");
        }
        for dropped in ["Authorization", "Cookie", "Dockyard-Signature", "X-Api-Key"] {
            assert!(!keeps_header_across_origins(dropped), "{dropped}");
        }
    }
}
