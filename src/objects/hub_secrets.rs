//! Project secrets in the project's hub (its SQLite storage, table
//! `secrets`), one row per (name, channel).
//!
//! Why the hub: one object per project serves both channels; a data-tool
//! call already makes one hop to it (the rate window), which returns the
//! values it needs in the same answer; a draft Type write passes through it
//! too, so the save check "this secret exists" reads the names where they
//! live, in the same hop; and deleting the project wipes the hub's storage,
//! secrets included, with nothing left behind in D1.
//!
//! Values are sealed with AES-256-GCM (`webcrypto::seal`) under a key derived
//! from `SECRETS_KEY` with its own purpose label ([`KEY_PURPOSE`]). The AAD
//! ([`aad`]) binds a sealed value to its org id, project id, channel and
//! name, so a sealed text copied into another row (another channel, name or
//! project) does not open. Plaintext exists only in this object's memory
//! while sealing or opening, and in the answer of a data-tool call's hub
//! command; it is never logged, listed or audited.

use super::hub_api::HubProject;
use super::project_hub::read_meta;
use crate::webcrypto::seal;
use serde::Deserialize;
use std::collections::BTreeMap;
use worker::{Env, SqlStorage};

/// The HKDF purpose label of the project-secrets key.
pub const KEY_PURPOSE: &str = "dockyard/project-secrets/v1";

/// Creates the table (idempotent; called from the hub's migrate).
pub fn migrate(sql: &SqlStorage) -> worker::Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS secrets (name TEXT NOT NULL, channel TEXT NOT NULL, sealed TEXT NOT NULL, \
         created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_used_at INTEGER, \
         PRIMARY KEY (name, channel))",
        None,
    )?;
    Ok(())
}

/// The additional authenticated data of one sealed value.
pub fn aad(project: &HubProject, channel: &str, name: &str) -> Vec<u8> {
    format!("dockyard/project-secret/v1\n{}\n{}\n{channel}\n{name}", project.org_id, project.id).into_bytes()
}

fn project(sql: &SqlStorage) -> Result<HubProject, String> {
    read_meta::<HubProject>(sql, "project")
        .map_err(|e| format!("project meta: {e}"))?
        .ok_or_else(|| "the project is not initialized".to_string())
}

async fn key(env: &Env) -> Result<web_sys::CryptoKey, String> {
    let config = crate::http::respond::load_config(env).map_err(|e| format!("config: {e:?}"))?;
    seal::derive_key(&config.secrets_key, KEY_PURPOSE).await
}

#[derive(Deserialize)]
struct SealedRow {
    name: String,
    sealed: String,
}

/// The plaintext of those of `names` that have a value in `channel`
/// (absent from the map = missing there), and records `last_used_at = now`
/// on each one returned. A value that does not open (a changed
/// `SECRETS_KEY`, a tampered row) is an error, not "missing": the call
/// must fail visibly rather than run unsigned.
pub async fn values_for(
    sql: &SqlStorage,
    env: &Env,
    channel: &str,
    names: &[String],
    now: i64,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    if names.is_empty() {
        return Ok(out);
    }
    let project = project(sql)?;
    let key = key(env).await?;
    for name in names {
        let rows: Vec<SealedRow> = sql
            .exec(
                "SELECT name, sealed FROM secrets WHERE name = ? AND channel = ?",
                vec![name.as_str().into(), channel.into()],
            )
            .and_then(|c| c.to_array())
            .map_err(|e| format!("secrets read: {e}"))?;
        let Some(row) = rows.into_iter().next() else { continue };
        let plain = seal::decrypt(&key, &row.sealed, &aad(&project, channel, &row.name)).await?;
        let plain = String::from_utf8(plain).map_err(|_| "a stored secret is not UTF-8".to_string())?;
        sql.exec(
            "UPDATE secrets SET last_used_at = ? WHERE name = ? AND channel = ?",
            vec![now.into(), name.as_str().into(), channel.into()],
        )
        .map_err(|e| format!("secrets touch: {e}"))?;
        out.insert(row.name, plain);
    }
    Ok(out)
}
