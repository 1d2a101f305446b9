//! Project operations (`/api/v1/orgs/<org>/projects` and the Studio's
//! Create project form).

use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::crypto;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::identity::validate;
use crate::objects::hub_api::HubProject;
use crate::store::{self, orgs::Org, projects};
use crate::studio::access_sync;
use crate::studio::auth::Caller;
use crate::studio::orgs::{membership, require_permission};
use serde_json::json;

/// The org's projects, for a member with `project.edit`.
pub async fn list(ctx: &Ctx, caller: &Caller, org_slug: &str) -> Result<(Org, Vec<projects::Project>), ApiError> {
    let (org, role) = membership(ctx, caller, org_slug).await?;
    require_permission(&role, Permission::ProjectEdit)?;
    let list = projects::for_org(&ctx.db, &org.id).await?;
    Ok((org, list))
}

/// Creates a private project (`project.edit`). Body: `slug`, `name`.
pub async fn create(
    ctx: &Ctx,
    caller: &Caller,
    org_slug: &str,
    mut b: Body,
) -> Result<(Org, projects::Project), ApiError> {
    let (org, role) = membership(ctx, caller, org_slug).await?;
    require_permission(&role, Permission::ProjectEdit)?;
    let slug = b.string("slug", 100).filter(|s| b.check(validate::validate_slug("slug", s)).is_some());
    let name = b.string("name", 200).and_then(|n| b.check(validate::validate_display_name("name", &n, 100)));
    b.finish()?;
    let (Some(slug), Some(name)) = (slug, name) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let taken = || ApiError::Conflict(format!("the project slug {slug:?} is taken in {}", org.slug));
    if projects::by_slug(&ctx.db, &org.id, &slug).await?.is_some() {
        return Err(taken());
    }
    let p = projects::Project {
        id: crypto::new_id("prj"),
        org_id: org.id.clone(),
        slug: slug.clone(),
        name,
        visibility: "private".into(),
        created_at: ctx.now,
    };
    // The hub gets the member snapshot first, so the project is never served
    // without one.
    let hub_project = HubProject {
        id: p.id.clone(),
        org_id: org.id.clone(),
        org_slug: org.slug.clone(),
        slug: slug.clone(),
        visibility: p.visibility.clone(),
    };
    let members_version = access_sync::init_hub(ctx, &org.slug, &hub_project).await?;
    match projects::insert(&ctx.db, &p, &caller.user.id).await {
        Err(e) if store::is_unique_violation(&e) => Err(taken()),
        Err(e) => Err(e),
        Ok(()) => {
            access_sync::after_project_created(ctx, &org.id, members_version).await?;
            management(ctx, caller, Some(&org.slug), Action::ProjectCreate, &p.slug, json!({ "name": p.name }));
            Ok((org, p))
        }
    }
}

/// One project of the org, for a member with `project.edit` (404 otherwise
/// when it does not exist).
pub async fn get(ctx: &Ctx, caller: &Caller, org_slug: &str, slug: &str) -> Result<(Org, projects::Project), ApiError> {
    let (org, role) = membership(ctx, caller, org_slug).await?;
    require_permission(&role, Permission::ProjectEdit)?;
    let not_found = || ApiError::NotFound(format!("no project {slug:?} in {}", org.slug));
    if validate::validate_slug("project", slug).is_err() {
        return Err(not_found());
    }
    let p = projects::by_slug(&ctx.db, &org.id, slug).await?.ok_or_else(not_found)?;
    Ok((org, p))
}
