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
//! one (the audit record names the secret and the channels). The rules are
//! `tools::secrets`; storage and sealing are `objects::hub_secrets`. A change
//! needs no publish: the next data-tool call reads the hub.

use super::draft::project_ref;
use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::identity::validate::FieldError;
use crate::objects::call;
use crate::tools::secrets::{self, Channel};
use serde_json::{json, Value};

fn check_name(name: &str) -> Result<(), ApiError> {
    if secrets::valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::Invalid(vec![FieldError::new("name", secrets::name_rule())]))
    }
}

fn channel_names(channels: &[Channel]) -> Vec<&'static str> {
    channels.iter().map(|c| c.as_str()).collect()
}

pub async fn list(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    let answer = call(&r.stub, "/secrets/list", &json!({ "now": ctx.now })).await?;
    json(200, &json!({ "secrets": answer["secrets"] }))
}

pub async fn put(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    name: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    check_name(name)?;
    let raw = inc.json_bytes(secrets::MAX_BODY_BYTES).await?;
    // Malformed JSON, not an object, empty: 400, as everywhere.
    crate::http::body::Body::parse(&raw, secrets::MAX_BODY_BYTES)?;
    let body: Value = serde_json::from_slice(&raw)
        .map_err(|_| ApiError::bad_request("invalid_json", "the body is not valid JSON"))?;
    let put = secrets::parse_put(&body).map_err(|problems| {
        ApiError::Invalid(problems.into_iter().map(|(field, message)| FieldError::new(field, message)).collect())
    })?;
    let channels = channel_names(&put.channels);
    let answer = call(
        &r.stub,
        "/secrets/put",
        &json!({ "name": name, "value": put.value, "channels": put.channels, "now": ctx.now }),
    )
    .await?;
    if answer["stored"].as_bool() != Some(true) {
        return Err(ApiError::Conflict(format!(
            "this project already has {} secrets, the limit; delete one first",
            secrets::MAX_SECRETS_PER_PROJECT
        )));
    }
    management(
        ctx,
        &r.caller,
        Some(&r.org_slug),
        Action::SecretSet,
        &format!("{}/{name}", r.project.slug),
        json!({ "project": r.project.slug, "name": name, "channels": channels }),
    );
    let listed = call(&r.stub, "/secrets/list", &json!({ "now": ctx.now })).await?;
    let entry = listed["secrets"].as_array().and_then(|a| a.iter().find(|s| s["name"] == name)).cloned();
    json(200, &json!({ "secret": entry, "set": channels }))
}

pub async fn delete(
    ctx: &Ctx,
    inc: &mut Incoming,
    org: &str,
    project: &str,
    name: &str,
) -> Result<worker::Response, ApiError> {
    let r = project_ref(ctx, inc, org, project, Permission::ProjectPublish).await?;
    check_name(name)?;
    let channels = match inc.query("channel") {
        None => vec![Channel::Draft, Channel::Production],
        Some(c) => vec![Channel::parse(&c).ok_or_else(|| {
            ApiError::bad_request("invalid_channel", "channel must be draft or production (or left out for both)")
        })?],
    };
    let answer =
        call(&r.stub, "/secrets/delete", &json!({ "name": name, "channels": channels, "now": ctx.now })).await?;
    let gone: Vec<Channel> = serde_json::from_value(answer["deleted"].clone()).unwrap_or_default();
    if gone.is_empty() {
        let asked = channel_names(&channels).join(" or ");
        return Err(ApiError::NotFound(format!("the project has no secret {name:?} in {asked}")));
    }
    let gone = channel_names(&gone);
    management(
        ctx,
        &r.caller,
        Some(&r.org_slug),
        Action::SecretDelete,
        &format!("{}/{name}", r.project.slug),
        json!({ "project": r.project.slug, "name": name, "channels": gone }),
    );
    json(200, &json!({ "deleted": name, "channels": gone }))
}
