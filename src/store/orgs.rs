//! `orgs`, `memberships` and custom `roles`.

use super::{all, first, run, stmt, Arg};
use crate::http::ApiError;
use crate::identity::roles::{self, Role};
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgWithRole {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub joined_at: i64,
}

pub async fn by_slug(db: &D1Database, slug: &str) -> Result<Option<Org>, ApiError> {
    first(db, "SELECT id, slug, name, created_at FROM orgs WHERE slug = ?1", &[slug.into()]).await
}

pub async fn by_id(db: &D1Database, id: &str) -> Result<Option<Org>, ApiError> {
    first(db, "SELECT id, slug, name, created_at FROM orgs WHERE id = ?1", &[id.into()]).await
}

pub async fn for_user(db: &D1Database, user_id: &str) -> Result<Vec<OrgWithRole>, ApiError> {
    all(
        db,
        "SELECT o.id, o.slug, o.name, o.created_at, m.role FROM orgs o
         JOIN memberships m ON m.org_id = o.id WHERE m.user_id = ?1 ORDER BY o.slug",
        &[user_id.into()],
    )
    .await
}

/// The org and its creator's owner membership, as statements for one batch.
pub fn insert_with_owner(db: &D1Database, org: &Org, owner_id: &str) -> Result<Vec<D1PreparedStatement>, ApiError> {
    Ok(vec![
        stmt(
            db,
            "INSERT INTO orgs (id, slug, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[(&org.id).into(), (&org.slug).into(), (&org.name).into(), owner_id.into(), Arg::Int(org.created_at)],
        )?,
        add_member(db, &org.id, owner_id, "owner", org.created_at)?,
    ])
}

pub fn add_member(
    db: &D1Database,
    org_id: &str,
    user_id: &str,
    role: &str,
    now: i64,
) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (org_id, user_id) DO NOTHING",
        &[org_id.into(), user_id.into(), role.into(), Arg::Int(now)],
    )
}

pub async fn role_name_of(db: &D1Database, org_id: &str, user_id: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct R {
        role: String,
    }
    Ok(first::<R>(
        db,
        "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2",
        &[org_id.into(), user_id.into()],
    )
    .await?
    .map(|r| r.role))
}

pub async fn members(db: &D1Database, org_id: &str) -> Result<Vec<Member>, ApiError> {
    all(
        db,
        "SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at AS joined_at
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1 ORDER BY u.email",
        &[org_id.into()],
    )
    .await
}

pub async fn count_role(db: &D1Database, org_id: &str, role: &str) -> Result<usize, ApiError> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let n = first::<N>(
        db,
        "SELECT COUNT(*) AS n FROM memberships WHERE org_id = ?1 AND role = ?2",
        &[org_id.into(), role.into()],
    )
    .await?;
    Ok(n.map_or(0, |r| r.n.max(0) as usize))
}

/// Changes a role, for a batch (it changes one row, or none); the `WHERE`
/// guard keeps at least one owner even under a race between two demotions.
pub fn set_role(db: &D1Database, org_id: &str, user_id: &str, role: &str) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2
           AND (role <> 'owner' OR ?3 = 'owner'
                OR (SELECT COUNT(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') > 1)",
        &[org_id.into(), user_id.into(), role.into()],
    )
}

/// Removes a member, for a batch, keeping at least one owner (same guard as
/// `set_role`).
pub fn remove_member(db: &D1Database, org_id: &str, user_id: &str) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2
           AND (role <> 'owner' OR (SELECT COUNT(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') > 1)",
        &[org_id.into(), user_id.into()],
    )
}

#[derive(Debug, Deserialize)]
struct RoleRow {
    name: String,
    scopes: String,
    permissions: String,
}

fn role_from_row(row: RoleRow) -> Result<Role, ApiError> {
    role_from_json(&row.name, &row.scopes, &row.permissions)
}

/// A custom role from its stored columns (JSON arrays of scopes and permissions).
pub fn role_from_json(name: &str, scopes: &str, permissions: &str) -> Result<Role, ApiError> {
    let scopes: Vec<String> = serde_json::from_str(scopes).map_err(super::internal)?;
    let perms: Vec<String> = serde_json::from_str(permissions).map_err(super::internal)?;
    roles::custom_role(name, &scopes, &perms)
        .map_err(|e| ApiError::Internal(format!("stored role {name} is invalid: {e:?}")))
}

pub async fn custom_roles(db: &D1Database, org_id: &str) -> Result<Vec<Role>, ApiError> {
    let rows: Vec<RoleRow> =
        all(db, "SELECT name, scopes, permissions FROM roles WHERE org_id = ?1 ORDER BY name", &[org_id.into()])
            .await?;
    rows.into_iter().map(role_from_row).collect()
}

/// Resolves a role name in an org: built-in first, then the org's custom roles.
pub async fn resolve_role(db: &D1Database, org_id: &str, name: &str) -> Result<Option<Role>, ApiError> {
    if let Some(r) = roles::builtin(name) {
        return Ok(Some(r));
    }
    let row: Option<RoleRow> = first(
        db,
        "SELECT name, scopes, permissions FROM roles WHERE org_id = ?1 AND name = ?2",
        &[org_id.into(), name.into()],
    )
    .await?;
    row.map(role_from_row).transpose()
}

fn scopes_json(role: &Role) -> String {
    match &role.scopes {
        roles::ScopeGrant::All => "[\"*\"]".to_string(),
        roles::ScopeGrant::Only(s) => serde_json::to_string(s).unwrap_or_else(|_| "[]".into()),
    }
}

fn permissions_json(role: &Role) -> String {
    serde_json::to_string(&role.permissions).unwrap_or_else(|_| "[]".into())
}

pub async fn insert_role(db: &D1Database, org_id: &str, role: &Role, now: i64) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO roles (org_id, name, scopes, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            org_id.into(),
            (&role.name).into(),
            (&scopes_json(role)).into(),
            (&permissions_json(role)).into(),
            Arg::Int(now),
        ],
    )
    .await
    .map(|_| ())
}

/// Changes a custom role's scopes and permissions, for a batch.
pub fn update_role(db: &D1Database, org_id: &str, role: &Role) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "UPDATE roles SET scopes = ?3, permissions = ?4 WHERE org_id = ?1 AND name = ?2",
        &[org_id.into(), (&role.name).into(), (&scopes_json(role)).into(), (&permissions_json(role)).into()],
    )
}

/// Deletes a custom role that no member holds; false when it is in use or absent.
pub async fn delete_unused_role(db: &D1Database, org_id: &str, name: &str) -> Result<bool, ApiError> {
    Ok(run(
        db,
        "DELETE FROM roles WHERE org_id = ?1 AND name = ?2
           AND NOT EXISTS (SELECT 1 FROM memberships WHERE org_id = ?1 AND role = ?2)
           AND NOT EXISTS (SELECT 1 FROM invitations WHERE org_id = ?1 AND role = ?2
                           AND accepted_at IS NULL AND revoked_at IS NULL)",
        &[org_id.into(), name.into()],
    )
    .await?
        == 1)
}

/// Renames an org (its slug never changes).
pub async fn set_name(db: &D1Database, org_id: &str, name: &str) -> Result<(), ApiError> {
    run(db, "UPDATE orgs SET name = ?2 WHERE id = ?1", &[org_id.into(), name.into()]).await.map(|_| ())
}

/// The org's upstream allowlist for data tools (`None`: no allowlist, the
/// SSRF guard alone decides; `Some([])`: no upstream at all). A stored value
/// that does not parse is treated as an empty list: fail closed.
pub async fn upstream_hosts(db: &D1Database, org_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        upstream_hosts: Option<String>,
    }
    let row: Option<Row> = first(db, "SELECT upstream_hosts FROM orgs WHERE id = ?1", &[org_id.into()]).await?;
    Ok(row.and_then(|r| r.upstream_hosts).map(|raw| serde_json::from_str(&raw).unwrap_or_default()))
}

/// Replaces the org's upstream allowlist (`None` clears it).
pub async fn set_upstream_hosts(db: &D1Database, org_id: &str, hosts: Option<&[String]>) -> Result<(), ApiError> {
    let text = hosts.map(serde_json::to_string).transpose().map_err(|e| ApiError::Internal(e.to_string()))?;
    let value = text.as_deref().map_or(Arg::Null, Arg::Text);
    run(db, "UPDATE orgs SET upstream_hosts = ?2 WHERE id = ?1", &[org_id.into(), value]).await.map(|_| ())
}
