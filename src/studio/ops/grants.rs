//! Authorized apps operations: an org's grants (`org.manage`) and a
//! member's own, listed and revoked. `authz::grants_api` (JSON) and the
//! Studio's Authorized apps and Account pages both call these.

use crate::audit::record::Action;
use crate::authz::grants_api::{audit_action, named_ids, revoke_in_hubs, revoke_one};
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::oauth::grant_list::{self, Filter, ListQuery};
use crate::store::grants::{self as index, GrantRow, Owner};
use crate::store::orgs::Org;
use crate::studio::auth::Caller;
use crate::studio::orgs::{membership, require_permission};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Up to `q.limit + 1` rows of what `owner` may see (one more than a page
/// says whether another page follows).
pub async fn list(ctx: &Ctx, owner: Owner<'_>, q: &ListQuery) -> Result<Vec<GrantRow>, ApiError> {
    index::list(&ctx.db, &owner, &q.filter, q.status, ctx.now, q.after.as_ref(), q.limit + 1).await
}

/// The org, for a member who may manage its grants (`org.manage`).
pub async fn org_admin(ctx: &Ctx, caller: &Caller, org_slug: &str) -> Result<Org, ApiError> {
    let (org, role) = membership(ctx, caller, org_slug).await?;
    require_permission(&role, Permission::OrgManage)?;
    Ok(org)
}

/// Revokes one of the org's grants; 404 when it is not the org's.
pub async fn revoke_in_org(ctx: &Ctx, caller: &Caller, org_slug: &str, id: &str) -> Result<GrantRow, ApiError> {
    let org = org_admin(ctx, caller, org_slug).await?;
    let g = index::get(&ctx.db, id).await?.filter(|g| g.org_id == org.id);
    let g = g.ok_or_else(|| ApiError::NotFound("no such grant in this organization".into()))?;
    revoke_one(ctx, caller, &org.slug, &g).await?;
    Ok(g)
}

/// Revokes every unrevoked grant of the org matching `body`
/// (`{project?, user?, client?, channel?}`, at least one); the count revoked.
pub async fn revoke_matching(ctx: &Ctx, caller: &Caller, org_slug: &str, body: &Value) -> Result<usize, ApiError> {
    let org = org_admin(ctx, caller, org_slug).await?;
    let filter: Filter = grant_list::parse_bulk(body)?;
    let mut by_hub: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in index::unrevoked(&ctx.db, &org.id, &filter).await? {
        if let Some(project) = row.project_slug {
            by_hub.entry(project).or_default().push(row.grant_id);
        }
    }
    let hubs = by_hub.len();
    let revoked = revoke_in_hubs(ctx, &org.slug, by_hub).await?;
    let details = json!({
        "filter": { "project": filter.project, "user": filter.user, "client": filter.client, "channel": filter.channel },
        "revoked_count": revoked.len(), "hubs": hubs, "grant_ids": named_ids(&revoked),
    });
    audit_action(ctx, caller, &org.slug, Action::GrantRevokeBulk, "grants", details);
    Ok(revoked.len())
}

/// Revokes one of the caller's own grants; 404 when it is not theirs.
pub async fn revoke_mine(ctx: &Ctx, caller: &Caller, id: &str) -> Result<GrantRow, ApiError> {
    let g = index::get(&ctx.db, id).await?.filter(|g| g.user_id == caller.user.id);
    let g = g.ok_or_else(|| ApiError::NotFound("no such grant of yours".into()))?;
    let org_slug = g.org_slug.clone().ok_or_else(|| ApiError::NotFound("no such grant".into()))?;
    revoke_one(ctx, caller, &org_slug, &g).await?;
    Ok(g)
}
