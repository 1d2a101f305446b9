//! `versions` (immutable published snapshots) and `release_history` (every
//! move of the production pointer). Rows are inserted, never updated.

use super::{all, first, run, stmt, Arg};
use crate::http::ApiError;
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: String,
    pub seq: i64,
    pub notes: String,
    pub author_id: String,
    pub created_at: i64,
    pub content_hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRow {
    pub version: String,
    pub seq: i64,
    pub notes: String,
    pub author_id: String,
    pub created_at: i64,
    pub content_hash: String,
    pub diff: String,
    pub snapshot: String,
}

const SUMMARY: &str = "version, seq, notes, author_id, created_at, content_hash";

pub async fn latest(db: &D1Database, project_id: &str) -> Result<Option<VersionSummary>, ApiError> {
    first(
        db,
        &format!("SELECT {SUMMARY} FROM versions WHERE project_id = ?1 ORDER BY seq DESC LIMIT 1"),
        &[project_id.into()],
    )
    .await
}

pub async fn get(db: &D1Database, project_id: &str, version: &str) -> Result<Option<VersionRow>, ApiError> {
    first(
        db,
        &format!("SELECT {SUMMARY}, diff, snapshot FROM versions WHERE project_id = ?1 AND version = ?2"),
        &[project_id.into(), version.into()],
    )
    .await
}

/// Newest first; `before_seq` is the cursor (exclusive).
pub async fn page(
    db: &D1Database,
    project_id: &str,
    before_seq: i64,
    limit: i64,
) -> Result<Vec<VersionSummary>, ApiError> {
    all(
        db,
        &format!("SELECT {SUMMARY} FROM versions WHERE project_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"),
        &[project_id.into(), Arg::Int(before_seq), Arg::Int(limit)],
    )
    .await
}

pub struct NewVersion<'a> {
    pub project_id: &'a str,
    pub version: &'a str,
    pub seq: i64,
    pub notes: &'a str,
    pub author_id: &'a str,
    pub now: i64,
    pub content_hash: &'a str,
    pub diff: &'a str,
    pub snapshot: &'a str,
}

/// The version row and its `publish` history entry, for one atomic batch.
pub fn insert(db: &D1Database, v: &NewVersion<'_>, history_seq: i64) -> Result<Vec<D1PreparedStatement>, ApiError> {
    Ok(vec![
        stmt(
            db,
            "INSERT INTO versions (project_id, version, seq, notes, author_id, created_at, content_hash, diff, snapshot)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[
                v.project_id.into(),
                v.version.into(),
                Arg::Int(v.seq),
                v.notes.into(),
                v.author_id.into(),
                Arg::Int(v.now),
                v.content_hash.into(),
                v.diff.into(),
                v.snapshot.into(),
            ],
        )?,
        history_stmt(db, v.project_id, history_seq, "publish", v.version, v.author_id, v.now)?,
    ])
}

/// Undoes an insert whose pointer move failed, so the version number is free
/// again. Only a version that production never served is deleted.
pub async fn delete_unreleased(
    db: &D1Database,
    project_id: &str,
    version: &str,
    history_seq: i64,
) -> Result<(), ApiError> {
    let stmts = vec![
        stmt(
            db,
            "DELETE FROM release_history WHERE project_id = ?1 AND seq = ?2",
            &[project_id.into(), Arg::Int(history_seq)],
        )?,
        stmt(db, "DELETE FROM versions WHERE project_id = ?1 AND version = ?2", &[project_id.into(), version.into()])?,
    ];
    super::batch(db, stmts).await.map(|_| ())
}

pub fn history_stmt(
    db: &D1Database,
    project_id: &str,
    seq: i64,
    action: &str,
    version: &str,
    actor_id: &str,
    now: i64,
) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "INSERT INTO release_history (project_id, seq, action, version, actor_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[project_id.into(), Arg::Int(seq), action.into(), version.into(), actor_id.into(), Arg::Int(now)],
    )
}

pub async fn next_history_seq(db: &D1Database, project_id: &str) -> Result<i64, ApiError> {
    #[derive(Deserialize)]
    struct N {
        n: Option<i64>,
    }
    let n =
        first::<N>(db, "SELECT MAX(seq) AS n FROM release_history WHERE project_id = ?1", &[project_id.into()]).await?;
    Ok(n.and_then(|r| r.n).unwrap_or(0) + 1)
}

pub async fn delete_history(db: &D1Database, project_id: &str, seq: i64) -> Result<(), ApiError> {
    run(db, "DELETE FROM release_history WHERE project_id = ?1 AND seq = ?2", &[project_id.into(), Arg::Int(seq)])
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub seq: i64,
    pub action: String,
    pub version: String,
    pub actor_id: String,
    pub at: i64,
}

pub async fn history(db: &D1Database, project_id: &str, limit: i64) -> Result<Vec<HistoryEntry>, ApiError> {
    all(
        db,
        "SELECT seq, action, version, actor_id, at FROM release_history WHERE project_id = ?1 ORDER BY seq DESC LIMIT ?2",
        &[project_id.into(), Arg::Int(limit)],
    )
    .await
}
