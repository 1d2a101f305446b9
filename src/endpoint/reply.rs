//! Engine replies to Workers responses, the 401 discovery answer, and
//! listen streams held by the hub.

use crate::app::Ctx;
use crate::http::ApiError;
use crate::mcp::{self, HttpReply, HttpRequest, ReplyBody};
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

/// 401 with the discovery header of RFC 9728 (MUST for every private endpoint
/// without a valid token).
pub fn unauthorized(
    ctx: &Ctx,
    req: &HttpRequest,
    _endpoint_url: &str,
    org: &str,
    project: &str,
    draft: bool,
) -> Result<Response, ApiError> {
    let prm = format!(
        "{}/.well-known/oauth-protected-resource/{org}/{project}{}",
        ctx.config.public_url,
        if draft { "/draft" } else { "" }
    );
    let body = serde_json::json!({
        "error": "unauthorized",
        "message": if draft {
            "the draft endpoint needs an access token of an organization member with draft access"
        } else {
            "this project is private: it needs an access token of an organization member"
        },
    });
    let origin = req.headers.iter().find(|(k, _)| k == "origin").map(|(_, v)| v.as_str());
    let mut headers = mcp::cors_headers(origin, origin.is_some());
    headers.push((
        "WWW-Authenticate".into(),
        format!("Bearer resource_metadata=\"{prm}\", scope=\"tools:read tools:call\""),
    ));
    headers.push(("Cache-Control".into(), "no-store".into()));
    to_response(HttpReply { status: 401, headers, body: ReplyBody::Json(body) })
}

/// Opens a listen stream in the hub and passes its streaming response on.
pub async fn stream_from_hub(stub: &Stub, body: &serde_json::Value) -> Result<Response, ApiError> {
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post).with_body(Some(body.to_string().into()));
    let req = worker::Request::new_with_init("https://do.internal/listen", &init).map_err(internal)?;
    stub.fetch_with_request(req).await.map_err(internal)
}
