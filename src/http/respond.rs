//! Building Workers responses (wasm32 glue at the HTTP edge): JSON answers,
//! one more header, and the one map from [`ApiError`] to a response. Every
//! error, including a store failure, becomes a JSON response here.

use crate::config::Config;
use crate::http::ApiError;
use worker::{Env, Response};

/// The parsed settings, read from `env` once per isolate: an isolate's vars
/// and secrets never change (a new deployment or setting is a new isolate),
/// and reading them is about twenty calls into JavaScript per request.
/// A misconfiguration is not kept, so it is reported on every request.
pub fn load_config(env: &Env) -> Result<Config, ApiError> {
    thread_local! {
        static CONFIG: std::cell::OnceCell<Config> = const { std::cell::OnceCell::new() };
    }
    if let Some(config) = CONFIG.with(|c| c.get().cloned()) {
        return Ok(config);
    }
    let config = Config::from_lookup(|name| {
        env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
    })
    .map_err(|e| ApiError::Misconfigured(e.to_string()))?;
    CONFIG.with(|c| {
        let _ = c.set(config.clone());
    });
    Ok(config)
}

pub fn json(status: u16, body: &serde_json::Value) -> Result<Response, ApiError> {
    let resp = Response::from_json(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let resp = resp.with_status(status);
    let _ = resp.headers().set("Cache-Control", "no-store");
    Ok(resp)
}

/// Adds a header to a response we built (cannot fail for valid names).
pub fn with_header(resp: Response, name: &str, value: &str) -> Result<Response, ApiError> {
    resp.headers().set(name, value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

pub fn error_response(err: &ApiError) -> Response {
    if let ApiError::Internal(detail) = err {
        worker::console_error!("internal error: {detail}");
    }
    let resp = Response::from_json(&err.body()).unwrap_or_else(|_| Response::empty().expect("an empty response"));
    let resp = resp.with_status(err.status());
    for (name, value) in err.headers() {
        let _ = resp.headers().set(name, &value);
    }
    let _ = resp.headers().set("Cache-Control", "no-store");
    resp
}
