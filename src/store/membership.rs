//! The org's membership version and the membership outbox (migration 0003):
//! what lets the project hubs converge on D1 (`studio::access_sync`).

use super::{all, first, run, stmt, Arg};
use crate::http::ApiError;
use crate::identity::roles::{self, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use worker::{D1Database, D1PreparedStatement};

/// The statements that record a membership change of `org_id`, for the same
/// batch as the change: bump the org's version and make sure the outbox
/// holds a row at the new version (an existing row keeps its `created_at`
/// and `attempts`). With `accepted = Some((invitation_id, user_id))` both
/// only happen when that invitation was accepted by that user in the batch.
pub fn record_change(
    db: &D1Database,
    org_id: &str,
    now: i64,
    accepted: Option<(&str, &str)>,
) -> Result<Vec<D1PreparedStatement>, ApiError> {
    let (guard, extra): (&str, Vec<Arg<'_>>) = match accepted {
        None => ("", Vec::new()),
        Some((invitation, user)) => (
            " AND EXISTS (SELECT 1 FROM invitations WHERE id = ?3 AND accepted_by = ?4)",
            vec![invitation.into(), user.into()],
        ),
    };
    let mut args = vec![org_id.into(), Arg::Int(now)];
    args.extend(extra);
    Ok(vec![
        // `?2 = ?2` keeps the numbering the same for both statements.
        stmt(
            db,
            &format!("UPDATE orgs SET membership_version = membership_version + 1 WHERE id = ?1 AND ?2 = ?2{guard}"),
            &args,
        )?,
        stmt(
            db,
            &format!(
                "INSERT INTO membership_outbox (org_id, version, created_at)
                 SELECT id, membership_version, ?2 FROM orgs WHERE id = ?1{guard}
                 ON CONFLICT (org_id) DO UPDATE SET version = excluded.version"
            ),
            &args,
        )?,
    ])
}

/// The org's members with their resolved roles, and the membership version
/// they are at: one statement, so the two always agree.
pub struct Snapshot {
    pub version: i64,
    pub members: BTreeMap<String, Role>,
}

pub async fn snapshot(db: &D1Database, org_id: &str) -> Result<Option<Snapshot>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        version: i64,
        user_id: Option<String>,
        role: Option<String>,
        scopes: Option<String>,
        permissions: Option<String>,
    }
    let rows: Vec<Row> = all(
        db,
        "SELECT o.membership_version AS version, m.user_id, m.role, r.scopes, r.permissions
         FROM orgs o LEFT JOIN memberships m ON m.org_id = o.id
         LEFT JOIN roles r ON r.org_id = o.id AND r.name = m.role
         WHERE o.id = ?1",
        &[org_id.into()],
    )
    .await?;
    let Some(version) = rows.first().map(|r| r.version) else { return Ok(None) };
    let mut members = BTreeMap::new();
    for row in rows {
        let (Some(user_id), Some(name)) = (row.user_id, row.role) else { continue };
        let role = match roles::builtin(&name) {
            Some(r) => Some(r),
            None => match (row.scopes, row.permissions) {
                (Some(s), Some(p)) => Some(super::orgs::role_from_json(&name, &s, &p)?),
                _ => None,
            },
        };
        // A member whose role no longer resolves gets no access in the hubs.
        if let Some(role) = role {
            members.insert(user_id, role);
        }
    }
    Ok(Some(Snapshot { version, members }))
}

/// The org's membership version now.
pub async fn version(db: &D1Database, org_id: &str) -> Result<i64, ApiError> {
    #[derive(Deserialize)]
    struct V {
        membership_version: i64,
    }
    let v: Option<V> = first(db, "SELECT membership_version FROM orgs WHERE id = ?1", &[org_id.into()]).await?;
    Ok(v.map_or(0, |v| v.membership_version))
}

/// An org whose hubs may still be behind D1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub org_id: String,
    pub version: i64,
    pub created_at: i64,
    pub attempts: i64,
    pub last_attempt_at: Option<i64>,
}

const PENDING: &str = "org_id, version, created_at, attempts, last_attempt_at";

/// The outbox, the longest-waiting first.
pub async fn pending(db: &D1Database, limit: i64) -> Result<Vec<Pending>, ApiError> {
    all(
        db,
        &format!("SELECT {PENDING} FROM membership_outbox ORDER BY created_at, org_id LIMIT ?1"),
        &[Arg::Int(limit)],
    )
    .await
}

pub async fn pending_for(db: &D1Database, org_id: &str) -> Result<Option<Pending>, ApiError> {
    first(db, &format!("SELECT {PENDING} FROM membership_outbox WHERE org_id = ?1"), &[org_id.into()]).await
}

/// Every hub holds `version`: the row goes, unless a newer change is waiting.
pub async fn synced(db: &D1Database, org_id: &str, version: i64) -> Result<(), ApiError> {
    run(db, "DELETE FROM membership_outbox WHERE org_id = ?1 AND version <= ?2", &[org_id.into(), Arg::Int(version)])
        .await
        .map(|_| ())
}

/// A push failed: the row stays for the next run, with the attempt counted.
pub async fn failed(db: &D1Database, org_id: &str, now: i64, error: &str) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE membership_outbox SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3 WHERE org_id = ?1",
        &[org_id.into(), Arg::Int(now), error.into()],
    )
    .await
    .map(|_| ())
}

/// Makes sure the outbox holds a row for the org at its current version (a
/// new hub that may have missed a change).
pub async fn enqueue(db: &D1Database, org_id: &str, now: i64) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO membership_outbox (org_id, version, created_at)
         SELECT id, membership_version, ?2 FROM orgs WHERE id = ?1
         ON CONFLICT (org_id) DO UPDATE SET version = excluded.version",
        &[org_id.into(), Arg::Int(now)],
    )
    .await
    .map(|_| ())
}
