//! The code sandbox's way out (wasm32 glue): every `fetch` of a handler
//! arrives at the `Gateway` entrypoint (`src/js/main.mjs`), which hands it to
//! [`code_gateway_fetch`] with the isolate's policy (its `props`).
//!
//! Why a wasm-bindgen export and not an internal HTTP route: the verdict and
//! the request are Rust ([`code_plan::gateway_verdict`]: the SSRF guard and
//! the effective allowed hosts; `outbound::fetch`'s bounded hop), and a
//! direct call needs no route that outside traffic could reach and no
//! shared secret to tell the gateway's requests from a stranger's. The
//! export is removed from the default entrypoint's RPC surface in
//! `main.mjs`, so only the `Gateway` class calls it.
//!
//! One request, one hop: the gateway follows no redirect. A 3xx goes back to
//! the sandbox, whose next hop comes through here again and is checked like
//! the first. The body is capped ([`MAX_GATEWAY_BYTES`] each way) and one
//! deadline (the Type's `timeout_ms`) covers the headers and the body.
//! A refusal is `{ refused: "<why>" }`, which `main.mjs` answers as a 403
//! with `Dockyard-Refused: 1` and the sandbox throws as a `TypeError`.

use std::time::Duration;

use futures_util::future::{select, Either};
use js_sys::{Array, Uint8Array};
use serde_json::json;
use url::Url;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::{AbortController, Delay};

use super::code_plan::{self, GatewayPolicy, MAX_GATEWAY_BYTES};
use crate::outbound::fetch::{read_capped, send};
use crate::outbound::{is_redirect, FetchError};

/// What happened to one request: the answer, or why it did not leave or
/// did not come back (the text the handler sees).
type Answer = Result<(u16, Vec<(String, String)>, Vec<u8>), String>;

/// One fetch of a handler. `headers` is an array of `[name, value]`; the
/// result is `{ status, headers, body }` or `{ refused }` (never a rejection).
#[wasm_bindgen(js_name = codeGatewayFetch)]
pub async fn code_gateway_fetch(
    policy: String,
    method: String,
    url: String,
    headers: JsValue,
    body: Option<Uint8Array>,
) -> JsValue {
    let answer = match serde_json::from_str::<GatewayPolicy>(&policy) {
        Ok(policy) => exchange(&policy, &method, &url, &headers, body).await,
        Err(_) => Err("the gateway has no policy for this sandbox".into()),
    };
    match answer {
        Ok((status, headers, body)) => {
            let out = js_sys::Object::new();
            let pairs: Array = headers.iter().map(|(k, v)| Array::of2(&k.into(), &v.into())).collect();
            let _ = js_sys::Reflect::set(&out, &"status".into(), &status.into());
            let _ = js_sys::Reflect::set(&out, &"headers".into(), &pairs);
            let _ = js_sys::Reflect::set(&out, &"body".into(), &Uint8Array::from(body.as_slice()));
            out.into()
        }
        Err(why) => js_sys::JSON::parse(&json!({ "refused": why }).to_string()).unwrap_or(JsValue::NULL),
    }
}

async fn exchange(
    policy: &GatewayPolicy,
    method: &str,
    raw: &str,
    headers: &JsValue,
    body: Option<Uint8Array>,
) -> Answer {
    let url = code_plan::gateway_verdict(policy, raw)?;
    if body.as_ref().is_some_and(|b| b.length() as usize > MAX_GATEWAY_BYTES) {
        return Err(format!("the request body is larger than {MAX_GATEWAY_BYTES} bytes"));
    }
    let headers = request_headers(headers);
    let body = body.map(|b| b.to_vec());
    let controller = AbortController::default();
    let deadline = Duration::from_millis(policy.deadline_ms);
    let work = Box::pin(one_hop(method, &url, &headers, body.as_deref(), &controller));
    let outcome = match select(work, Box::pin(Delay::from(deadline))).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => Err(FetchError::Timeout(deadline)),
    };
    if outcome.is_err() {
        controller.abort();
    }
    outcome.map_err(|e| {
        worker::console_warn!("code gateway {method} {url}: {}", e.log_detail());
        e.public_reason()
    })
}

async fn one_hop(
    method: &str,
    url: &Url,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    controller: &AbortController,
) -> Result<(u16, Vec<(String, String)>, Vec<u8>), FetchError> {
    let mut resp = send(method, url, headers, body, &controller.signal()).await?;
    let status = resp.status_code();
    let kept = resp.headers().entries().filter(|(k, _)| code_plan::forwards_response_header(k)).collect();
    if is_redirect(status) {
        return Ok((status, kept, Vec::new()));
    }
    let body = read_capped(&mut resp, MAX_GATEWAY_BYTES).await?;
    Ok((status, kept, body))
}

fn request_headers(headers: &JsValue) -> Vec<(String, String)> {
    let Some(pairs) = headers.dyn_ref::<Array>() else { return Vec::new() };
    pairs
        .iter()
        .filter_map(|pair| {
            let pair = pair.dyn_ref::<Array>()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .filter(|(name, _)| code_plan::forwards_request_header(name))
        .collect()
}
