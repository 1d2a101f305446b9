//! Project secrets operations (`studio::ops` pattern): what
//! `GET/PUT/DELETE /api/v1/orgs/<org>/projects/<p>/secrets[/<name>]` decide,
//! called by those handlers (`studio::secrets`) and by the project Settings
//! page, so both check `project.publish`, the name rule and the body the
//! same way and say the same thing.
//!
//! Values are write-only: nothing here returns, logs or formats one; the
//! audit record names the secret and its channels only.

use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::identity::validate::FieldError;
use crate::objects::call;
use crate::studio::auth::Caller;
use crate::studio::draft::{project_ref_for, ProjectRef};
use crate::tools::secrets::{self, Channel};
use serde_json::{json, Value};

fn channel_names(channels: &[Channel]) -> Vec<&'static str> {
    channels.iter().map(|c| c.as_str()).collect()
}

/// Member with `project.publish` (a secret changes what production does
/// without a publish), and the project exists: the first step of every
/// secrets operation (the API handler takes it before it reads the body).
pub async fn publisher(ctx: &Ctx, caller: &Caller, org: &str, project: &str) -> Result<ProjectRef, ApiError> {
    project_ref_for(ctx, caller.clone(), org, project, Permission::ProjectPublish).await
}

/// The list view (`tools::secrets::list_view` as the hub answers it):
/// `[{name, channels: {draft: times | null, production: times | null}}]`.
pub async fn list(ctx: &Ctx, r: &ProjectRef) -> Result<Value, ApiError> {
    let answer = call(&r.stub, "/secrets/list", &json!({ "now": ctx.now })).await?;
    Ok(answer["secrets"].clone())
}

/// Refuses a name that breaks the rule (422 at `name`); the API checks it
/// before it reads the body.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if secrets::valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::Invalid(vec![FieldError::new("name", secrets::name_rule())]))
    }
}

/// Sets (or replaces) `name` from a PUT body already parsed as JSON
/// (`{"value", "channel"?}`; no channel sets both). Answers `{secret, set}`:
/// the name's list entry after the change and the channels set.
pub async fn put(ctx: &Ctx, r: &ProjectRef, name: &str, body: &Value) -> Result<Value, ApiError> {
    check_name(name)?;
    let put = secrets::parse_put(body).map_err(|problems| {
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
    Ok(json!({ "secret": entry, "set": channels }))
}

/// Deletes `name` from `channel` (`draft`, `production`, or `None` for
/// both). 404 when the name has no value in any channel asked for. Answers
/// the channels it was deleted from.
pub async fn delete(
    ctx: &Ctx,
    r: &ProjectRef,
    name: &str,
    channel: Option<&str>,
) -> Result<Vec<&'static str>, ApiError> {
    check_name(name)?;
    let channels = match channel {
        None => vec![Channel::Draft, Channel::Production],
        Some(c) => vec![Channel::parse(c).ok_or_else(|| {
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
    Ok(gone)
}
