//! Projects and their settings (`/api/v1/orgs/<org>/projects`). The draft,
//! publish and versions routes come with the projects issue.
//!
//! A project delete (`org.manage`) goes to the hub first: in one command it
//! ends every open stream and wipes the hub's storage (`deleteAll`: grants,
//! codes, refresh hashes, the draft, the production pointer, the member
//! snapshot), answering with the grants that were live. Then D1 drops the
//! versions, release history, grants index rows and the project row in one
//! batch (the slug is free again); audit records stay. A hub that is already
//! wiped (a retried delete) answers "no project", and D1 is cleaned up all
//! the same. A re-created project with the same slug inherits nothing: its
//! hub starts empty, so an access token still in flight whose `aud` names
//! the slug carries a `grant_id` the new hub never held (401 "the grant does
//! not exist"), and old codes and refresh tokens hash to nothing it knows.

use super::access_sync;
use super::auth;
use super::ops;
use super::orgs::{authorize, require_permission};
use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::identity::validate;
use crate::store::projects;
use crate::tools::limits;
use serde_json::json;

pub fn view(ctx: &Ctx, org_slug: &str, p: &projects::Project) -> serde_json::Value {
    let base = format!("{}/{org_slug}/{}", ctx.config.public_url, p.slug);
    json!({
        "id": p.id, "slug": p.slug, "name": p.name, "visibility": p.visibility, "created_at": p.created_at,
        "endpoints": { "draft": format!("{base}/draft"), "production": base },
    })
}

pub async fn list(ctx: &Ctx, inc: &mut Incoming, org: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let (org, list) = ops::projects::list(ctx, &caller, org).await?;
    let list: Vec<_> = list.iter().map(|p| view(ctx, &org.slug, p)).collect();
    json(200, &json!({ "projects": list }))
}

pub async fn create(ctx: &Ctx, inc: &mut Incoming, org: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let (org, p) = ops::projects::create(ctx, &caller, org, b).await?;
    json(201, &json!({ "project": view(ctx, &org.slug, &p) }))
}

pub async fn delete(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let (slug, revoked) = delete_project(ctx, &caller, org, project).await?;
    json(200, &json!({ "deleted": slug, "revoked_count": revoked }))
}

/// Deletes a project (`org.manage`): the API's DELETE and the Studio's
/// project Settings. Answers the slug and how many live grants it revoked.
pub async fn delete_project(
    ctx: &Ctx,
    caller: &auth::Caller,
    org: &str,
    project: &str,
) -> Result<(String, usize), ApiError> {
    let (org, role) = super::orgs::membership(ctx, caller, org).await?;
    require_permission(&role, Permission::OrgManage)?;
    let p = find(ctx, &org.id, project).await?;
    let stub = crate::objects::hub(ctx, &org.slug, &p.slug)?;
    let revoked: Vec<String> = match crate::objects::call(&stub, "/delete", &json!({ "now": ctx.now })).await {
        Ok(answer) => serde_json::from_value(answer["revoked"].clone()).unwrap_or_default(),
        // Wiped by an earlier attempt whose D1 step failed.
        Err(ApiError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    crate::objects::forget_hub(&org.slug, &p.slug);
    projects::delete(&ctx.db, &p.id).await?;
    let details = json!({ "project_id": p.id, "name": p.name, "revoked_count": revoked.len() });
    management(ctx, caller, Some(&org.slug), Action::ProjectDelete, &p.slug, details);
    Ok((p.slug, revoked.len()))
}

async fn find(ctx: &Ctx, org_id: &str, slug: &str) -> Result<projects::Project, ApiError> {
    let not_found = || ApiError::NotFound(format!("no project {slug:?} in this organization"));
    validate::validate_slug("project", slug).map_err(|_| not_found())?;
    projects::by_slug(&ctx.db, org_id, slug).await?.ok_or_else(not_found)
}

pub async fn get(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let (_, org, _) = authorize(ctx, inc, org, Permission::ProjectEdit).await?;
    let p = find(ctx, &org.id, project).await?;
    let mut v = view(ctx, &org.slug, &p);
    v[RATE_FIELD] = data_settings(ctx, &org.slug, &p.slug, None).await?;
    json(200, &json!({ "project": v }))
}

/// The data-tool rate setting lives in the project hub, next to the window
/// it bounds (`objects::hub_data`), so the call path needs no extra hop.
pub const RATE_FIELD: &str = "data_tool_rate_per_minute";

/// Reads (and with `set`, first writes) the hub's data-tool rate setting
/// (the project Settings page reads it with `None`).
pub async fn data_settings(
    ctx: &Ctx,
    org_slug: &str,
    project_slug: &str,
    set: Option<u32>,
) -> Result<serde_json::Value, ApiError> {
    let stub = crate::objects::hub(ctx, org_slug, project_slug)?;
    let answer = crate::objects::call(&stub, "/data/settings", &json!({ RATE_FIELD: set, "now": ctx.now })).await?;
    Ok(answer[RATE_FIELD].clone())
}

pub async fn update(ctx: &Ctx, inc: &mut Incoming, org: &str, project: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    let v = update_project(ctx, &caller, org, project, b).await?;
    json(200, &json!({ "project": v }))
}

/// Renames a project, changes its visibility or its data-tool rate (body:
/// `name`, `visibility` (`org.manage`), the rate field (`project.publish`)): the API's PATCH and the Studio's project
/// Settings (its kill switch is `visibility: private`).
pub async fn update_project(
    ctx: &Ctx,
    caller: &auth::Caller,
    org: &str,
    project: &str,
    mut b: crate::http::body::Body,
) -> Result<serde_json::Value, ApiError> {
    let (org, role) = super::orgs::membership(ctx, caller, org).await?;
    require_permission(&role, Permission::ProjectEdit)?;
    let mut p = find(ctx, &org.id, project).await?;
    let name = b.opt_string("name", 200).and_then(|n| b.check(validate::validate_display_name("name", &n, 100)));
    let visibility = b.opt_string("visibility", 20);
    if let Some(v) = &visibility {
        if v != "private" && v != "public" {
            b.error("visibility", "must be \"private\" or \"public\"");
        }
    }
    let rate = b.opt_value(RATE_FIELD).and_then(|v| match limits::parse_setting(&v) {
        Ok(n) => Some(n),
        Err(message) => {
            b.error(RATE_FIELD, message);
            None
        }
    });
    b.finish()?;
    if rate.is_some() {
        require_permission(&role, Permission::ProjectPublish)?;
    }
    let mut changed_visibility = None;
    if let Some(v) = visibility {
        if v != p.visibility {
            require_permission(&role, Permission::OrgManage)?;
            changed_visibility = Some(v.clone());
        }
        p.visibility = v;
    }
    if let Some(n) = name {
        p.name = n;
    }
    // The MCP hot path reads visibility in the hub. Closing (-> private) goes
    // to the hub first, opening (-> public) last: a failure in between leaves
    // the project closed, never open.
    if changed_visibility.as_deref() == Some("private") {
        access_sync::push_visibility(ctx, &org.slug, &p.slug, "private").await?;
    }
    projects::update(&ctx.db, &p).await?;
    if changed_visibility.as_deref() == Some("public") {
        access_sync::push_visibility(ctx, &org.slug, &p.slug, "public").await?;
    }
    if let Some(v) = &changed_visibility {
        management(ctx, caller, Some(&org.slug), Action::ProjectVisibility, &p.slug, json!({ "visibility": v }));
    }
    let mut v = view(ctx, &org.slug, &p);
    v[RATE_FIELD] = data_settings(ctx, &org.slug, &p.slug, rate).await?;
    if let Some(n) = rate {
        management(ctx, caller, Some(&org.slug), Action::ProjectDataRate, &p.slug, json!({ RATE_FIELD: n }));
    }
    Ok(v)
}
