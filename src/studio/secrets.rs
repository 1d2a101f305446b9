//! Project secrets API (`/api/v1/orgs/<org>/projects/<p>/secrets`, needs
//! `project.publish`: a secret changes what production does without a
//! publish, so it takes the permission a publish takes).
//!
//! - `GET .../secrets`: `{"secrets": [{"name", "channels": {"draft":
//!   {created_at, updated_at, last_used_at} | null, "production": ...}}]}`.
//! - `PUT .../secrets/<name>` `{"value", "channel"?}`: no channel sets both.
//! - `DELETE .../secrets/<name>[?channel=draft|production]`: no channel
//!   deletes both; 404 when the name has no value in any channel asked for.
//!
//! Values are write-only: no answer, error, log line or audit record holds
//! one (the audit record names the secret and the channels). The decisions
//! are `studio::ops::secrets` (the project Settings page calls them too);
//! the rules are `tools::secrets`; storage and sealing are
//! `objects::hub_secrets`. A change needs no publish: the next data-tool
//! call reads the hub.

use super::ops::secrets as op;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::tools::secrets;
use serde_json::{json, Value};

pub async fn list(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let caller = super::auth::require(ctx, &inc.method, &inc.headers).await?;
    let r = op::publisher(ctx, &caller, org, project).await?;
    json(200, &json!({ "secrets": op::list(ctx, &r).await? }))
}

pub async fn put(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    name: &str,
) -> Result<worker::Response, ApiError> {
    let caller = super::auth::require(ctx, &inc.method, &inc.headers).await?;
    let r = op::publisher(ctx, &caller, org, project).await?;
    op::check_name(name)?;
    let raw = inc.json_bytes(secrets::MAX_BODY_BYTES).await?;
    // Malformed JSON, not an object, empty: 400, as everywhere.
    crate::http::body::Body::parse(&raw, secrets::MAX_BODY_BYTES)?;
    let body: Value = serde_json::from_slice(&raw)
        .map_err(|_| ApiError::bad_request("invalid_json", "the body is not valid JSON"))?;
    json(200, &op::put(ctx, &r, name, &body).await?)
}

pub async fn delete(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    name: &str,
) -> Result<worker::Response, ApiError> {
    let caller = super::auth::require(ctx, &inc.method, &inc.headers).await?;
    let r = op::publisher(ctx, &caller, org, project).await?;
    let channel = inc.query("channel");
    let gone = op::delete(ctx, &r, name, channel.as_deref()).await?;
    json(200, &json!({ "deleted": name, "channels": gone }))
}
