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
use crate::tools::secrets::{self, Channel, Row, Times};
use crate::webcrypto::seal;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use worker::{Env, Response, SqlStorage};

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

/// The names that have a value in `channel`, sorted (a code handler's
/// `env.secrets` holds all of them).
pub fn names_in(sql: &SqlStorage, channel: &str) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    let rows: Vec<Name> =
        sql.exec("SELECT name FROM secrets WHERE channel = ? ORDER BY name", vec![channel.into()])?.to_array()?;
    Ok(rows.into_iter().map(|r| r.name).collect())
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

#[derive(Deserialize)]
struct TimesRow {
    name: String,
    channel: String,
    created_at: i64,
    updated_at: i64,
    last_used_at: Option<i64>,
}

/// Every (name, channel) row without its sealed value, for the list view.
pub fn rows(sql: &SqlStorage) -> Result<Vec<Row>, String> {
    let raw: Vec<TimesRow> = sql
        .exec("SELECT name, channel, created_at, updated_at, last_used_at FROM secrets ORDER BY name, channel", None)
        .and_then(|c| c.to_array())
        .map_err(|e| format!("secrets list: {e}"))?;
    Ok(raw
        .into_iter()
        .filter_map(|r| {
            let channel = Channel::parse(&r.channel)?;
            let times = Times { created_at: r.created_at, updated_at: r.updated_at, last_used_at: r.last_used_at };
            Some(Row { name: r.name, channel, times })
        })
        .collect())
}

/// The names with a value in each channel: `(draft, production)`.
pub fn names(sql: &SqlStorage) -> Result<(BTreeSet<String>, BTreeSet<String>), String> {
    let mut draft = BTreeSet::new();
    let mut production = BTreeSet::new();
    for r in rows(sql)? {
        match r.channel {
            Channel::Draft => draft.insert(r.name),
            Channel::Production => production.insert(r.name),
        };
    }
    Ok((draft, production))
}

/// Seals and stores `value` under `name` in each of `channels` (created or
/// replaced; a replacement keeps `created_at` and `last_used_at`). Refuses a
/// new name past [`secrets::MAX_SECRETS_PER_PROJECT`] with `Ok(false)`.
pub async fn put(
    sql: &SqlStorage,
    env: &Env,
    name: &str,
    value: &str,
    channels: &[Channel],
    now: i64,
) -> Result<bool, String> {
    let (draft, production) = names(sql)?;
    let known = draft.contains(name) || production.contains(name);
    if !known && draft.union(&production).count() >= secrets::MAX_SECRETS_PER_PROJECT {
        return Ok(false);
    }
    let project = project(sql)?;
    let key = key(env).await?;
    for &channel in channels {
        let ch = channel.as_str();
        let sealed = seal::encrypt(&key, value.as_bytes(), &aad(&project, ch, name)).await?;
        sql.exec(
            "INSERT INTO secrets (name, channel, sealed, created_at, updated_at, last_used_at) \
             VALUES (?, ?, ?, ?, ?, NULL) \
             ON CONFLICT(name, channel) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
            vec![name.into(), ch.into(), sealed.into(), now.into(), now.into()],
        )
        .map_err(|e| format!("secrets write: {e}"))?;
    }
    Ok(true)
}

/// Deletes `name` in each of `channels`; answers the channels that had it.
pub fn delete(sql: &SqlStorage, name: &str, channels: &[Channel]) -> Result<Vec<Channel>, String> {
    let mut gone = Vec::new();
    for &channel in channels {
        let ch = channel.as_str();
        let rows = sql
            .exec("DELETE FROM secrets WHERE name = ? AND channel = ? RETURNING name", vec![name.into(), ch.into()])
            .and_then(|c| c.to_array::<serde_json::Value>())
            .map_err(|e| format!("secrets delete: {e}"))?;
        if !rows.is_empty() {
            gone.push(channel);
        }
    }
    Ok(gone)
}

/// The hub commands of the secrets API (`studio::secrets`); `None` for
/// other paths. Answers never carry a value.
pub async fn handle(sql: &SqlStorage, env: &Env, path: &str, cmd: &Value) -> Option<worker::Result<Response>> {
    let answer = match path {
        "/secrets/list" => rows(sql).map(|r| json!({ "secrets": secrets::list_view(&r) })),
        "/secrets/put" => put_command(sql, env, cmd).await,
        "/secrets/delete" => delete_command(sql, cmd),
        _ => return None,
    };
    Some(match answer {
        Ok(body) => Response::from_json(&body),
        // Storage or crypto failures: the text is ours (never a value).
        Err(e) => Err(worker::Error::RustError(e)),
    })
}

fn channels_of(cmd: &Value) -> Result<Vec<Channel>, String> {
    serde_json::from_value(cmd["channels"].clone()).map_err(|e| format!("secrets command channels: {e}"))
}

async fn put_command(sql: &SqlStorage, env: &Env, cmd: &Value) -> Result<Value, String> {
    let name = cmd["name"].as_str().filter(|n| secrets::valid_name(n)).ok_or("secrets command name")?;
    let value = cmd["value"].as_str().ok_or("secrets command value")?;
    let now = cmd["now"].as_i64().unwrap_or(0);
    let stored = put(sql, env, name, value, &channels_of(cmd)?, now).await?;
    Ok(json!({ "stored": stored, "limit": secrets::MAX_SECRETS_PER_PROJECT }))
}

fn delete_command(sql: &SqlStorage, cmd: &Value) -> Result<Value, String> {
    let name = cmd["name"].as_str().ok_or("secrets command name")?;
    let gone = delete(sql, name, &channels_of(cmd)?)?;
    Ok(json!({ "deleted": gone }))
}
