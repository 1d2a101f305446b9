//! `invitations`: email + role, a random token stored hashed, 7-day expiry,
//! single use, revocable.

use super::{all, first, run, stmt, Arg};
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

pub const LIFETIME_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Invitation {
    /// "pending", "accepted", "revoked" or "expired" at `now`.
    pub fn status(&self, now: i64) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.revoked_at.is_some() {
            "revoked"
        } else if now >= self.expires_at {
            "expired"
        } else {
            "pending"
        }
    }
}

const COLUMNS: &str = "id, org_id, email, role, created_by, created_at, expires_at, accepted_at, revoked_at";

pub async fn insert(db: &D1Database, inv: &Invitation, token_hash: &str) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO invitations (id, org_id, email, role, token_hash, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            (&inv.id).into(),
            (&inv.org_id).into(),
            (&inv.email).into(),
            (&inv.role).into(),
            token_hash.into(),
            (&inv.created_by).into(),
            Arg::Int(inv.created_at),
            Arg::Int(inv.expires_at),
        ],
    )
    .await
    .map(|_| ())
}

pub async fn by_token_hash(db: &D1Database, hash: &str) -> Result<Option<Invitation>, ApiError> {
    first(db, &format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = ?1"), &[hash.into()]).await
}

pub async fn for_org(db: &D1Database, org_id: &str) -> Result<Vec<Invitation>, ApiError> {
    all(
        db,
        &format!("SELECT {COLUMNS} FROM invitations WHERE org_id = ?1 ORDER BY created_at DESC, id"),
        &[org_id.into()],
    )
    .await
}

/// Marks the invitation used, only if it is still pending at `now`: the
/// statement is the single-use guard (run it in the same batch as the writes
/// it allows, and check it changed one row).
pub fn accept(db: &D1Database, id: &str, user_id: &str, now: i64) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "UPDATE invitations SET accepted_at = ?3, accepted_by = ?2
         WHERE id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?3",
        &[id.into(), user_id.into(), Arg::Int(now)],
    )
}

pub async fn revoke(db: &D1Database, org_id: &str, id: &str, now: i64) -> Result<bool, ApiError> {
    Ok(run(
        db,
        "UPDATE invitations SET revoked_at = ?3 WHERE id = ?2 AND org_id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL",
        &[org_id.into(), id.into(), Arg::Int(now)],
    )
    .await?
        == 1)
}
