//! Engine replies to Workers responses, the 401 discovery answer, and
//! listen streams held by the hub.

use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::BASE_SCOPES;
use crate::mcp::{self, HttpReply, HttpRequest, ReplyBody};
use crate::oauth::{metadata, resource::Resource};
use serde_json::json;
use worker::{Response, Stub};

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

pub fn to_response(reply: HttpReply) -> Result<Response, ApiError> {
    let resp = match reply.body {
        ReplyBody::Empty | ReplyBody::OpenStream(_) => Response::empty().map_err(internal)?,
        ReplyBody::Json(v) => {
            let r = Response::ok(v.to_string()).map_err(internal)?;
            r.headers().set("Content-Type", "application/json").map_err(internal)?;
            r
        }
        ReplyBody::Sse(events) => {
            let r = Response::ok(mcp::encode_all(&events)).map_err(internal)?;
            r.headers().set("Content-Type", "text/event-stream").map_err(internal)?;
            r.headers().set("Cache-Control", "no-cache").map_err(internal)?;
            r
        }
    };
    let resp = resp.with_status(reply.status);
    for (k, v) in &reply.headers {
        resp.headers().set(k, v).map_err(internal)?;
    }
    Ok(resp)
}

fn with_auth_header(
    req: &HttpRequest,
    status: u16,
    challenge: String,
    body: serde_json::Value,
) -> Result<Response, ApiError> {
    let origin = req.headers.iter().find(|(k, _)| k == "origin").map(|(_, v)| v.as_str());
    let mut headers = mcp::cors_headers(origin, origin.is_some());
    headers.push(("WWW-Authenticate".into(), challenge));
    headers.push(("Cache-Control".into(), "no-store".into()));
    to_response(HttpReply { status, headers, body: ReplyBody::Json(body) })
}

/// 401 with the RFC 9728 discovery header (MUST for every protected endpoint
/// without a valid token); `problem` says why a presented token failed.
pub fn unauthorized(
    ctx: &Ctx,
    req: &HttpRequest,
    resource: &Resource,
    problem: Option<&str>,
) -> Result<Response, ApiError> {
    let challenge = metadata::www_authenticate(
        &ctx.config.public_url,
        resource,
        problem.map(|_| "invalid_token"),
        &BASE_SCOPES.join(" "),
    );
    let message = match problem {
        Some(p) => format!("the access token was not accepted: {p}"),
        None if resource.draft => {
            "the draft endpoint needs an access token of an organization member with draft access".to_string()
        }
        None => "this project is private: it needs an access token of an organization member".to_string(),
    };
    with_auth_header(req, 401, challenge, json!({ "error": "unauthorized", "message": message }))
}

/// 403 `insufficient_scope` naming every scope the call needs (step-up).
pub fn insufficient_scope(
    ctx: &Ctx,
    req: &HttpRequest,
    resource: &Resource,
    needed: &[String],
) -> Result<Response, ApiError> {
    let challenge =
        metadata::www_authenticate(&ctx.config.public_url, resource, Some("insufficient_scope"), &needed.join(" "));
    let message = format!("this call needs the scopes {}; authorize again to grant them", needed.join(" "));
    with_auth_header(req, 403, challenge, json!({ "error": "insufficient_scope", "message": message }))
}

/// 400 for a token in the query string.
pub fn refuse_query_token(req: &HttpRequest) -> Result<Response, ApiError> {
    let origin = req.headers.iter().find(|(k, _)| k == "origin").map(|(_, v)| v.as_str());
    let body = json!({ "error": "invalid_request", "message": "send the access token in the Authorization header, never in the URL" });
    to_response(HttpReply {
        status: 400,
        headers: mcp::cors_headers(origin, origin.is_some()),
        body: ReplyBody::Json(body),
    })
}

/// A JSON-RPC error answer in-band (HTTP 200).
pub fn rpc_error(req: &HttpRequest, id: &serde_json::Value, code: i64, message: &str) -> Result<Response, ApiError> {
    let origin = req.headers.iter().find(|(k, _)| k == "origin").map(|(_, v)| v.as_str());
    let mut headers = mcp::cors_headers(origin, origin.is_some());
    headers.push(("Content-Type".into(), "application/json".into()));
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    to_response(HttpReply { status: 200, headers, body: ReplyBody::Json(body) })
}

/// Opens a listen stream in the hub and passes its streaming response on.
pub async fn stream_from_hub(stub: &Stub, body: &serde_json::Value) -> Result<Response, ApiError> {
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post).with_body(Some(body.to_string().into()));
    let req = worker::Request::new_with_init("https://do.internal/listen", &init).map_err(internal)?;
    stub.fetch_with_request(req).await.map_err(internal)
}
