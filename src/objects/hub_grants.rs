//! Grant and authorization-code rows of a project hub (SQLite in the object).
//! One row per grant, keyed by id, with its refresh-token hashes as indexed
//! columns: the hot path's "is this grant live?" and the token endpoint's
//! "which grant holds this refresh token?" are keyed lookups, never scans.
//! The decisions themselves are pure (`oauth::grants`).

use crate::oauth::grants::{Grant, PendingCode};
use serde::Deserialize;
use worker::{Result, SqlStorage};

pub fn migrate(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS grants (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, doc TEXT NOT NULL,
           current_hash TEXT, previous_hash TEXT)",
        None,
    )?;
    sql.exec("CREATE INDEX IF NOT EXISTS grants_user ON grants(user_id)", None)?;
    sql.exec("CREATE INDEX IF NOT EXISTS grants_current ON grants(current_hash)", None)?;
    sql.exec("CREATE INDEX IF NOT EXISTS grants_previous ON grants(previous_hash)", None)?;
    sql.exec(
        "CREATE TABLE IF NOT EXISTS codes (hash TEXT PRIMARY KEY, doc TEXT NOT NULL, expires_at INTEGER NOT NULL)",
        None,
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct Doc {
    doc: String,
}

fn parse<T: serde::de::DeserializeOwned>(rows: Vec<Doc>) -> Result<Option<T>> {
    match rows.into_iter().next() {
        None => Ok(None),
        Some(r) => Ok(Some(serde_json::from_str(&r.doc)?)),
    }
}

pub fn get(sql: &SqlStorage, id: &str) -> Result<Option<Grant>> {
    parse(sql.exec("SELECT doc FROM grants WHERE id = ?", vec![id.into()])?.to_array()?)
}

/// The grant whose current or previous refresh token has this hash.
pub fn by_refresh_hash(sql: &SqlStorage, hash: &str) -> Result<Option<Grant>> {
    parse(
        sql.exec("SELECT doc FROM grants WHERE current_hash = ? OR previous_hash = ?", vec![hash.into(), hash.into()])?
            .to_array()?,
    )
}

pub fn save(sql: &SqlStorage, g: &Grant) -> Result<()> {
    let (current, previous) = match &g.refresh {
        Some(r) => (Some(r.current_hash.clone()), r.previous_hash.clone()),
        None => (None, None),
    };
    sql.exec(
        "INSERT INTO grants (id, user_id, doc, current_hash, previous_hash) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, current_hash = excluded.current_hash,
           previous_hash = excluded.previous_hash",
        vec![
            g.id.clone().into(),
            g.user_id.clone().into(),
            serde_json::to_string(g)?.into(),
            current.map_or(worker::SqlStorageValue::Null, Into::into),
            previous.map_or(worker::SqlStorageValue::Null, Into::into),
        ],
    )?;
    Ok(())
}

/// Revokes every live grant of a user; returns their ids.
pub fn revoke_user(sql: &SqlStorage, user_id: &str, now: i64) -> Result<Vec<String>> {
    let rows: Vec<Doc> = sql.exec("SELECT doc FROM grants WHERE user_id = ?", vec![user_id.into()])?.to_array()?;
    let mut revoked = Vec::new();
    for r in rows {
        let mut g: Grant = serde_json::from_str(&r.doc)?;
        if g.revoked_at.is_none() {
            g.revoked_at = Some(now);
            save(sql, &g)?;
            revoked.push(g.id);
        }
    }
    Ok(revoked)
}

/// Revokes these grants (the ones this hub holds and that were live);
/// returns the ids it revoked. One command per hub however many ids: the
/// bulk revocation's "one call per hub".
pub fn revoke_ids(sql: &SqlStorage, ids: &[String], now: i64) -> Result<Vec<String>> {
    let mut revoked = Vec::new();
    for id in ids {
        if let Some(mut g) = get(sql, id)? {
            if g.revoke(now) {
                save(sql, &g)?;
                revoked.push(g.id);
            }
        }
    }
    Ok(revoked)
}

/// Every grant id this hub holds that is not revoked (for a project delete).
pub fn unrevoked_ids(sql: &SqlStorage) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let rows: Vec<Id> =
        sql.exec("SELECT id FROM grants WHERE json_extract(doc, '$.revoked_at') IS NULL", None)?.to_array()?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

pub fn put_code(sql: &SqlStorage, c: &PendingCode) -> Result<()> {
    sql.exec(
        "INSERT INTO codes (hash, doc, expires_at) VALUES (?, ?, ?)",
        vec![c.code_hash.clone().into(), serde_json::to_string(c)?.into(), c.expires_at.into()],
    )?;
    Ok(())
}

pub fn get_code(sql: &SqlStorage, hash: &str) -> Result<Option<PendingCode>> {
    parse(sql.exec("SELECT doc FROM codes WHERE hash = ?", vec![hash.into()])?.to_array()?)
}

/// Keeps a used code (so a replay is recognized) until it expires anyway.
pub fn update_code(sql: &SqlStorage, c: &PendingCode) -> Result<()> {
    sql.exec(
        "UPDATE codes SET doc = ? WHERE hash = ?",
        vec![serde_json::to_string(c)?.into(), c.code_hash.clone().into()],
    )?;
    Ok(())
}

/// Drops codes that expired more than an hour ago (replays of them fail as unknown).
pub fn purge_codes(sql: &SqlStorage, now: i64) -> Result<()> {
    sql.exec("DELETE FROM codes WHERE expires_at < ?", vec![(now - 3600).into()])?;
    Ok(())
}

/// Bench only (the hub runs it only with `DOCKYARD_FAULTS=bench.seed`, never
/// set in production): `count` copies of grant `id` as other live grants of
/// the same member (ids `<id>-seed-<n>`, numbered from `start`, no refresh
/// token), so `npm run bench` can measure a call while the hub holds 10,000
/// grants without 10,000 consent flows. Answers how many were written.
pub fn seed_copies(sql: &SqlStorage, id: &str, start: u64, count: u64) -> Result<u64> {
    let Some(template) = get(sql, id)? else { return Ok(0) };
    for n in start..start + count {
        let copy = Grant { id: format!("{id}-seed-{n}"), refresh: None, last_used_at: None, ..template.clone() };
        save(sql, &copy)?;
    }
    Ok(count)
}
