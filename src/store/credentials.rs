//! `sessions` and `api_tokens`: both stored only as SHA-256 hashes of the
//! secret the client holds.

use super::{all, first, run, Arg};
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::D1Database;

#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub user_id: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn create_session(
    db: &D1Database,
    id_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?3, ?4)",
        &[id_hash.into(), user_id.into(), Arg::Int(now), Arg::Int(expires_at)],
    )
    .await
    .map(|_| ())
}

pub async fn session(db: &D1Database, id_hash: &str) -> Result<Option<SessionRow>, ApiError> {
    first(db, "SELECT user_id, last_seen_at, expires_at FROM sessions WHERE id_hash = ?1", &[id_hash.into()]).await
}

pub async fn touch_session(db: &D1Database, id_hash: &str, now: i64) -> Result<(), ApiError> {
    run(db, "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1", &[id_hash.into(), Arg::Int(now)])
        .await
        .map(|_| ())
}

pub async fn delete_session(db: &D1Database, id_hash: &str) -> Result<(), ApiError> {
    run(db, "DELETE FROM sessions WHERE id_hash = ?1", &[id_hash.into()]).await.map(|_| ())
}

/// Ends every session of `user_id` except `keep_hash` (a password change).
pub async fn delete_other_sessions(db: &D1Database, user_id: &str, keep_hash: &str) -> Result<(), ApiError> {
    run(db, "DELETE FROM sessions WHERE user_id = ?1 AND id_hash != ?2", &[user_id.into(), keep_hash.into()])
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenOwner {
    pub id: String,
    pub user_id: String,
    pub last_used_at: Option<i64>,
}

pub async fn create_token(
    db: &D1Database,
    id: &str,
    user_id: &str,
    name: &str,
    hash: &str,
    now: i64,
) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[id.into(), user_id.into(), name.into(), hash.into(), Arg::Int(now)],
    )
    .await
    .map(|_| ())
}

pub async fn token_by_hash(db: &D1Database, hash: &str) -> Result<Option<TokenOwner>, ApiError> {
    first(db, "SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = ?1", &[hash.into()]).await
}

pub async fn touch_token(db: &D1Database, id: &str, now: i64) -> Result<(), ApiError> {
    run(db, "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", &[id.into(), Arg::Int(now)]).await.map(|_| ())
}

pub async fn list_tokens(db: &D1Database, user_id: &str) -> Result<Vec<ApiToken>, ApiError> {
    all(
        db,
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1 ORDER BY created_at DESC, id",
        &[user_id.into()],
    )
    .await
}

/// Deletes one of the user's tokens; false when there is no such token.
pub async fn delete_token(db: &D1Database, user_id: &str, id: &str) -> Result<bool, ApiError> {
    Ok(run(db, "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2", &[id.into(), user_id.into()]).await? == 1)
}
