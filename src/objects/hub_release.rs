//! What publishing relies on in a project hub: the production pointer
//! (compare-and-set), the versions withdrawn by failed publishes, and the
//! draft size bound that keeps every version inside one D1 row. The hub runs
//! one request at a time, so "withdraw unless production points at it" is a
//! single step: once a failed publish withdrew a version, no promote can move
//! production to it, and its rows can be deleted safely (`studio::releases`).

use super::hub_api::ProductionPointer;
use super::project_hub::{field, read_meta, write_meta};
use crate::projects::limits;
use serde_json::{json, Value};
use worker::{Response, Result, SqlStorage};

/// Versions withdrawn by failed publishes that the hub remembers (the oldest
/// is forgotten first); a withdrawn number is only used again by a publish.
const MAX_WITHDRAWN: usize = 100;

fn reply(status: u16, body: Value) -> Result<Response> {
    Ok(Response::from_json(&body)?.with_status(status))
}

fn refuse(status: u16, code: &str, message: impl Into<String>) -> Result<Response> {
    reply(status, json!({ "error": code, "message": message.into() }))
}

/// `/production/get` and `/production/withdraw`; `None` for other paths
/// (`/production/set` is [`set_production`]: the hub notifies listeners).
pub fn handle(sql: &SqlStorage, path: &str, cmd: &Value) -> Option<Result<Response>> {
    match path {
        "/production/get" => {
            Some(read_meta::<ProductionPointer>(sql, "production").and_then(|p| reply(200, json!({ "production": p }))))
        }
        "/production/withdraw" => Some(withdraw(sql, cmd)),
        _ => None,
    }
}

/// Compare-and-set: refused (409) when production moved since the caller
/// read it, or when `next` is a withdrawn version and the caller is not a
/// publish re-creating that number.
pub fn set_production(sql: &SqlStorage, cmd: &Value) -> Result<Response> {
    let expected: Option<ProductionPointer> = field(cmd, "expected")?;
    let next: ProductionPointer = field(cmd, "next")?;
    let current: Option<ProductionPointer> = read_meta(sql, "production")?;
    if current != expected {
        return refuse(409, "production_moved", "production changed while this publish ran; retry");
    }
    let mut withdrawn: Vec<String> = read_meta(sql, "withdrawn")?.unwrap_or_default();
    if withdrawn.contains(&next.version) {
        if cmd["publish"].as_bool() != Some(true) {
            return refuse(
                409,
                "version_withdrawn",
                format!("version {} was withdrawn by a failed publish", next.version),
            );
        }
        withdrawn.retain(|v| *v != next.version);
        write_meta(sql, "withdrawn", &withdrawn)?;
    }
    write_meta(sql, "production", &next)?;
    reply(200, json!({ "production": next }))
}

/// A failed publish asks before deleting its rows: `withdrawn: true` means
/// production does not point at the version and never will; `false` means it
/// does (the move happened after all).
fn withdraw(sql: &SqlStorage, cmd: &Value) -> Result<Response> {
    let version: String = field(cmd, "version")?;
    let pointer: Option<ProductionPointer> = read_meta(sql, "production")?;
    if pointer.as_ref().is_some_and(|p| p.version == version) {
        return reply(200, json!({ "withdrawn": false, "production": pointer }));
    }
    let mut withdrawn: Vec<String> = read_meta(sql, "withdrawn")?.unwrap_or_default();
    if !withdrawn.contains(&version) {
        withdrawn.push(version);
        let excess = withdrawn.len().saturating_sub(MAX_WITHDRAWN);
        withdrawn.drain(..excess);
        write_meta(sql, "withdrawn", &withdrawn)?;
    }
    reply(200, json!({ "withdrawn": true, "production": pointer }))
}

/// The 413 refusal of a draft edit that would take the draft past
/// `limits::MAX_DRAFT_BYTES` as published, or `None`. `type_edit` is a Type
/// put (its name and stored length), `instructions_len` new Instructions
/// (their JSON length); the rest is counted from what is stored.
pub fn too_large(
    sql: &SqlStorage,
    type_edit: Option<(&str, usize)>,
    instructions_len: Option<usize>,
) -> Result<Option<Response>> {
    #[derive(serde::Deserialize)]
    struct Len {
        name: String,
        n: usize,
    }
    let rows: Vec<Len> = sql.exec("SELECT name, LENGTH(CAST(doc AS BLOB)) AS n FROM types", None)?.to_array()?;
    let mut lens: Vec<usize> =
        rows.iter().filter(|r| type_edit.is_none_or(|(name, _)| r.name != name)).map(|r| r.n).collect();
    lens.extend(type_edit.map(|(_, n)| n));
    let instructions = match instructions_len {
        Some(n) => n,
        None => limits::json_string_len(&read_meta::<String>(sql, "instructions")?.unwrap_or_default()),
    };
    let bytes = limits::snapshot_bytes(instructions, &lens);
    if bytes <= limits::MAX_DRAFT_BYTES {
        return Ok(None);
    }
    let body = json!({ "error": "draft_too_large", "message": limits::draft_too_large(bytes),
                       "bytes": bytes, "limit": limits::MAX_DRAFT_BYTES });
    Ok(Some(reply(413, body)?))
}
