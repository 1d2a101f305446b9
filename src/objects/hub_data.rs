//! The one hub command of a data-tool call, and the project's data-tool
//! rate setting (both in the project hub's `meta` table).
//!
//! `/data/call` `{channel, secrets: [names], now}` counts one execution in
//! the project's rate window (`tools::limits`: draft and production and all
//! callers together, because one hub serves both channels) and, when it is
//! allowed, answers the plaintext of the named secrets that have a value in
//! that channel (`hub_secrets::values_for`). The hub runs one request at a
//! time, so check-and-count is one step and two calls can never both take
//! the last slot. Interactive calls and `tools/list` never send it: only
//! data tools pay this extra hop.
//!
//! `/data/settings` `{data_tool_rate_per_minute?}` reads (and sets) the
//! limit. It lives in the hub, next to the window it bounds, so the call path
//! needs no second hop; `PATCH .../projects/<p>` writes it here.
//!
//! Keys: `data_rate_window` (`{start, count}`, unix seconds) and
//! `data_tool_rate_per_minute` (absent = the default, 60).

use super::hub_api::HubProject;
use super::hub_secrets;
use super::project_hub::{read_meta, write_meta};
use crate::tools::limits::{self, Window};
use serde_json::{json, Value};
use worker::{Env, Response, Result, SqlStorage};

const WINDOW_KEY: &str = "data_rate_window";
const LIMIT_KEY: &str = "data_tool_rate_per_minute";

fn reply(body: Value) -> Result<Response> {
    Response::from_json(&body)
}

/// The project's limit (the default when never set).
pub fn rate_per_minute(sql: &SqlStorage) -> Result<u32> {
    Ok(read_meta::<u32>(sql, LIMIT_KEY)?.unwrap_or(limits::DEFAULT_RATE_PER_MINUTE))
}

/// `/data/settings`: sets the limit when the command carries one (already
/// checked by `tools::limits::parse_setting`), answers the current value.
pub fn settings(sql: &SqlStorage, cmd: &Value) -> Result<Response> {
    if let Some(v) = cmd.get(LIMIT_KEY).filter(|v| !v.is_null()) {
        let n = limits::parse_setting(v).map_err(worker::Error::RustError)?;
        write_meta(sql, LIMIT_KEY, &n)?;
        // A new limit starts a new window: the old count was against the old limit.
        write_meta(sql, WINDOW_KEY, &Window::default())?;
    }
    reply(json!({ LIMIT_KEY: rate_per_minute(sql)? }))
}

/// `/data/call`, the rate part: `Ok(())` when the execution was counted,
/// `Err(answer)` with the refusal to send.
pub fn count(sql: &SqlStorage, cmd: &Value, window_secs: u64) -> Result<std::result::Result<(), Value>> {
    let now = cmd["now"].as_u64().unwrap_or(0);
    let per_minute = rate_per_minute(sql)?;
    let window: Window = read_meta(sql, WINDOW_KEY)?.unwrap_or_default();
    match limits::take(window, per_minute, now, window_secs) {
        Ok(next) => {
            write_meta(sql, WINDOW_KEY, &next)?;
            Ok(Ok(()))
        }
        Err(retry_after) => Ok(Err(json!({
            "allowed": false, "limit_per_minute": per_minute, "retry_after": retry_after,
        }))),
    }
}

/// `/data/call` and `/data/settings`; `None` for other paths.
pub async fn handle(sql: &SqlStorage, env: &Env, path: &str, cmd: &Value) -> Option<Result<Response>> {
    match path {
        "/data/settings" => Some(settings(sql, cmd)),
        "/data/call" => Some(call(sql, env, cmd).await),
        _ => None,
    }
}

async fn call(sql: &SqlStorage, env: &Env, cmd: &Value) -> Result<Response> {
    // Test-only (unset in deployments: 60 s); see `tools::limits`.
    let window_secs = limits::window_secs(env.var(limits::TEST_WINDOW_VAR).ok().map(|v| v.to_string()).as_deref());
    if let Err(refusal) = count(sql, cmd, window_secs)? {
        return reply(refusal);
    }
    let channel = if cmd["channel"].as_str() == Some("production") { "production" } else { "draft" };
    // A code handler gets every secret of the channel (`all_secrets`).
    let names: Vec<String> = if cmd["all_secrets"] == true {
        hub_secrets::names_in(sql, channel)?
    } else {
        serde_json::from_value(cmd["secrets"].clone()).unwrap_or_default()
    };
    let now = cmd["now"].as_i64().unwrap_or(0);
    match hub_secrets::values_for(sql, env, channel, &names, now).await {
        Ok(secrets) => {
            // The org id, so the caller reads the org allowlist with one D1 query.
            let org_id = read_meta::<HubProject>(sql, "project")?.map(|p| p.org_id);
            reply(json!({ "allowed": true, "secrets": secrets, "org_id": org_id }))
        }
        // A value that does not open must not let the call run unsigned.
        Err(e) => Err(worker::Error::RustError(format!("data call secrets: {e}"))),
    }
}
