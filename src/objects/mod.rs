//! Durable Object classes. Each is thin: decode the request, call a pure domain
//! function, encode the answer. Each module says which guarantee its
//! one-request-at-a-time execution gives.

pub mod hub_api;
pub mod listeners;
pub mod project_hub;
pub mod rate_limiter;

use crate::http::ApiError;
use worker::{Method, Request, RequestInit, Stub};

/// Sends a JSON command to an object and returns its JSON answer. A non-2xx
/// answer carries an `ApiError` body, which is passed through.
pub async fn call(stub: &Stub, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.to_string().into()));
    let req = Request::new_with_init(&format!("https://do.internal{path}"), &init)
        .map_err(|e| ApiError::Internal(format!("DO request: {e}")))?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|e| ApiError::Internal(format!("DO fetch: {e}")))?;
    let status = resp.status_code();
    let value: serde_json::Value = resp.json().await.map_err(|e| ApiError::Internal(format!("DO answer: {e}")))?;
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(ApiError::Internal(format!("DO {path} answered {status}: {value}")))
    }
}

/// Reads a command body inside an object.
pub async fn read_command(req: &mut Request) -> worker::Result<serde_json::Value> {
    req.json().await
}
