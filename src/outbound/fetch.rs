//! The one bounded outbound fetch (wasm32 glue; the decisions are the pure
//! `outbound` and `outbound::guard`).
//!
//! - The guard checks the URL, and every redirect target, before any request.
//! - One deadline covers every hop's headers and the whole body: the work
//!   races a timer, and when the timer wins the request is aborted (its
//!   `AbortSignal`), which also cancels a body still streaming in.
//! - The body is read chunk by chunk and refused as soon as it passes
//!   [`Limits::max_bytes`] (a declared `Content-Length` over the cap is
//!   refused before reading); the request is then aborted, so a server that
//!   keeps sending, or sends the cap and stalls, is cut off at once. The
//!   runtime decompresses `Content-Encoding` bodies before we see them, so the
//!   cap counts decompressed bytes (a compression bomb ends at the cap too).
//! - Redirects use `redirect: manual`: with `max_redirects = 0` a redirect is
//!   [`FetchError::Redirect`]; otherwise each hop is resolved, re-checked by
//!   the guard, and followed with the Fetch standard's method rules, and a hop
//!   to another origin keeps only harmless headers.
//! - Failures are [`FetchError`]s: callers show [`FetchError::public_reason`]
//!   and may log [`FetchError::log_detail`]; runtime error text never
//!   reaches a response.

use super::allowlist;
use super::guard::{self, Policy};
use super::{is_redirect, keeps_header_across_origins, method_after_redirect, redirect_target, FetchError, Limits};
use crate::http::capped::{self, Capped};
use futures_util::future::{select, Either};
use url::Url;
use worker::{AbortController, AbortSignal, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// One outbound request.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Outbound {
    pub fn get(url: &str) -> Self {
        Outbound { method: "GET".into(), url: url.into(), headers: Vec::new(), body: None }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A complete answer within the limits.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    /// Response headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URL that answered (after redirects).
    pub url: Url,
}

/// Fetches `req` within `limits`; see the module doc for the guarantees.
pub async fn fetch(req: Outbound, limits: Limits, policy: Policy) -> Result<Fetched, FetchError> {
    fetch_within(req, limits, policy, None).await
}

/// [`fetch`] where the URL and every redirect target must also pass the
/// host allowlist `hosts` (`outbound::allowlist`; `None`: no list).
pub async fn fetch_within(
    req: Outbound,
    limits: Limits,
    policy: Policy,
    hosts: Option<&[String]>,
) -> Result<Fetched, FetchError> {
    let url = guard::check(&req.url, policy).map_err(FetchError::Refused)?;
    if !allowlist::allows_with(hosts, &url, policy) {
        return Err(FetchError::HostNotAllowed);
    }
    let controller = AbortController::default();
    let work = Box::pin(follow(req, url, limits, policy, hosts, controller.signal()));
    let timer = Box::pin(Delay::from(limits.deadline));
    let outcome = match select(work, timer).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err(FetchError::Timeout(limits.deadline)),
    };
    if outcome.is_err() {
        // Ends the connection: a body still streaming in, a stalled server.
        controller.abort();
    }
    outcome
}

async fn follow(
    req: Outbound,
    mut url: Url,
    limits: Limits,
    policy: Policy,
    hosts: Option<&[String]>,
    signal: AbortSignal,
) -> Result<Fetched, FetchError> {
    let Outbound { mut method, mut headers, mut body, .. } = req;
    let mut redirects = 0u8;
    loop {
        let mut resp = send(&method, &url, &headers, body.as_deref(), &signal).await?;
        let status = resp.status_code();
        if is_redirect(status) {
            if limits.max_redirects == 0 {
                return Err(FetchError::Redirect);
            }
            if redirects == limits.max_redirects {
                return Err(FetchError::TooManyRedirects(limits.max_redirects));
            }
            redirects += 1;
            let location = resp.headers().get("Location").ok().flatten();
            let next = redirect_target(&url, location.as_deref())?;
            guard::check_url(&next, policy).map_err(FetchError::RedirectRefused)?;
            if !allowlist::allows_with(hosts, &next, policy) {
                return Err(FetchError::RedirectNotAllowed);
            }
            let (next_method, keep_body) = method_after_redirect(status, &method);
            method = next_method;
            if !keep_body {
                body = None;
            }
            if next.origin() != url.origin() {
                headers.retain(|(name, _)| keeps_header_across_origins(name));
            }
            url = next;
            continue;
        }
        let response_headers = resp.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        let body = read_capped(&mut resp, limits.max_bytes).await?;
        return Ok(Fetched { status, headers: response_headers, body, url });
    }
}

pub(crate) async fn send(
    method: &str,
    url: &Url,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    signal: &AbortSignal,
) -> Result<worker::Response, FetchError> {
    let failed = |e: worker::Error| FetchError::Failed(e.to_string());
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value).map_err(failed)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(method.to_string())).with_redirect(RequestRedirect::Manual).with_headers(h);
    if let Some(bytes) = body {
        init.with_body(Some(worker::js_sys::Uint8Array::from(bytes).into()));
    }
    let request = Request::new_with_init(url.as_str(), &init).map_err(failed)?;
    Fetch::Request(request).send_with_signal(signal).await.map_err(failed)
}

/// The body, refused as soon as it passes `max` bytes (`http::capped`).
pub(crate) async fn read_capped(resp: &mut worker::Response, max: usize) -> Result<Vec<u8>, FetchError> {
    let declared = capped::declared_length(resp.headers());
    // A response without a body (204, HEAD) has no stream.
    capped::read(declared, || Ok(resp.stream().ok()), max).await.map_err(|e| match e {
        Capped::TooLarge => FetchError::TooLarge(max),
        Capped::Read(e) => FetchError::Failed(e.to_string()),
    })
}
