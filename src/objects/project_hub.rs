//! ProjectHub: one object per project (`get_by_name("<org>/<project>")`). It
//! holds what must be strongly consistent for the project, in its SQLite
//! storage: the project settings (visibility: the kill switch), the draft
//! working copy with its revision counter, the production pointer, the member
//! access snapshot and grants, and the open SSE listeners (per grant, so a
//! revocation ends the revoked grant's streams).
//!
//! The object runs one request at a time, so: two draft edits never interleave
//! (each bumps the revision once, and the size check of one sees the other:
//! a draft never grows past `limits::MAX_DRAFT_BYTES`), a publish's pointer
//! move is a compare-and-set that cannot race another, a failed publish's
//! "withdraw unless production points at it" is one step that no promote can
//! slip through, a member snapshot older than the one held is ignored, and
//! the next request after any change sees it.
//!
//! `/delete` (project delete) closes every stream and wipes the storage
//! (`deleteAll`); the object is then uninitialized again.
//!
//! Only `/init` (project creation) creates the object's tables. Every other
//! command on a hub that was never initialized answers "no such project"
//! without writing, so anonymous probes of made-up `/<org>/<project>` paths
//! (and forged codes naming them) leave no storage behind.

use super::hub_api::{Draft, DraftHave, EndpointView, HubProject};
use super::listeners::{ListenSpec, Listeners};
use super::{hub_data, hub_grants, hub_oauth, hub_release, hub_secrets};
use crate::oauth::grants::{HubAccess, MemberAccess};
use crate::oauth::resource::Resource;
use crate::projects::limits;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use worker::*;

#[durable_object]
pub struct ProjectHub {
    state: State,
    /// The bindings and vars (`SECRETS_KEY` for `hub_secrets`).
    env: Env,
    listeners: Listeners,
    /// The schema is created once per object instance, not on every request.
    migrated: std::cell::Cell<bool>,
    /// Test-only failure injection (`DOCKYARD_FAULTS`; unset in production):
    /// `hub.draft` makes every draft read fail; `bench.seed` enables the
    /// bench's `/bench/seed-grants`.
    faults: Vec<String>,
}

/// The commands of the OAuth side (`hub_oauth`), answered with an OAuth error
/// by a hub that holds no project.
const OAUTH_COMMANDS: [&str; 3] = ["/codes/redeem", "/refresh", "/grants/revoke-refresh"];

fn reply(status: u16, body: Value) -> Result<Response> {
    Ok(Response::from_json(&body)?.with_status(status))
}

fn refuse(status: u16, code: &str, message: impl Into<String>) -> Result<Response> {
    reply(status, json!({ "error": code, "message": message.into() }))
}

impl ProjectHub {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    /// Whether `/init` ever ran here (its tables exist); a read, so asking
    /// creates no storage.
    fn initialized(&self) -> Result<bool> {
        if self.migrated.get() {
            return Ok(true);
        }
        let rows = self.sql().exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'", None)?;
        Ok(!rows.to_array::<Value>()?.is_empty())
    }

    /// The answer of a hub that holds no project, written nowhere.
    fn uninitialized_answer(path: &str) -> Result<Response> {
        match path {
            "/endpoint" => reply(200, json!({ "project": null, "production": null, "draft": null })),
            p if OAUTH_COMMANDS.contains(&p) => reply(
                200,
                json!({ "oauth_error": "invalid_grant", "description": "the code or token is unknown", "revoked": null }),
            ),
            _ => refuse(404, "not_found", "the project is not initialized"),
        }
    }

    fn migrate(&self) -> Result<()> {
        if self.migrated.get() {
            return Ok(());
        }
        let sql = self.sql();
        hub_grants::migrate(&sql)?;
        hub_secrets::migrate(&sql)?;
        sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", None)?;
        sql.exec("CREATE TABLE IF NOT EXISTS types (name TEXT PRIMARY KEY, doc TEXT NOT NULL)", None)?;
        sql.exec("CREATE TABLE IF NOT EXISTS ended_sessions (hash TEXT PRIMARY KEY, ended_at INTEGER NOT NULL)", None)?;
        self.migrated.set(true);
        Ok(())
    }

    fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        read_meta(&self.sql(), key)
    }

    fn set_meta<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<()> {
        write_meta(&self.sql(), key, value)
    }

    fn revision(&self) -> Result<i64> {
        Ok(self.meta("revision")?.unwrap_or(0))
    }

    fn bump_revision(&self) -> Result<i64> {
        let next = self.revision()? + 1;
        self.set_meta("revision", &next)?;
        Ok(next)
    }

    fn draft(&self) -> Result<Draft> {
        if self.faults.iter().any(|f| f == "hub.draft") {
            return Err(Error::RustError("injected fault hub.draft".into()));
        }
        #[derive(serde::Deserialize)]
        struct Row {
            doc: String,
        }
        let rows: Vec<Row> = self.sql().exec("SELECT doc FROM types ORDER BY name", None)?.to_array()?;
        let types = rows.iter().map(|r| serde_json::from_str(&r.doc)).collect::<serde_json::Result<Vec<Value>>>()?;
        Ok(Draft { revision: self.revision()?, instructions: self.meta("instructions")?.unwrap_or_default(), types })
    }

    /// Optimistic concurrency: a stale `if_revision` is refused.
    fn stale(&self, cmd: &Value) -> Result<Option<Response>> {
        if let Some(expected) = cmd.get("if_revision").and_then(Value::as_i64) {
            let current = self.revision()?;
            if expected != current {
                return Ok(Some(refuse(
                    409,
                    "stale_revision",
                    format!("the draft is at revision {current}, not {expected}; reload and retry"),
                )?));
            }
        }
        Ok(None)
    }

    /// The hot path's grant check (DESIGN step 4): live grant, current
    /// member, channel permission, effective scopes; touches last use.
    fn check_access(&self, cmd: &Value, access: &HubAccess, now: i64) -> Result<Value> {
        let grant_id: String = field(&cmd["grant"], "id")?;
        let token_scopes: Vec<String> = field(&cmd["grant"], "scopes")?;
        let resource: Resource = field(cmd, "resource")?;
        let mut grant = hub_grants::get(&self.sql(), &grant_id)?;
        match access.check(grant.as_ref(), &token_scopes, &resource) {
            Err(denied) => Ok(json!({ "ok": false, "reason": denied.to_string() })),
            Ok(live) => {
                if let Some(g) = grant.as_mut().filter(|g| g.last_used_at.is_none_or(|t| now - t >= 60)) {
                    g.last_used_at = Some(now);
                    hub_grants::save(&self.sql(), g)?;
                }
                let member_scopes = access.members.get(&live.user_id).and_then(|m| m.scopes.clone());
                Ok(json!({
                    "ok": true, "user_id": live.user_id, "client_id": live.client_id,
                    "effective_scopes": live.effective_scopes, "member_scopes": member_scopes,
                }))
            }
        }
    }

    fn session_ended(&self, hash: &str) -> Result<bool> {
        let rows = self.sql().exec("SELECT hash FROM ended_sessions WHERE hash = ?", vec![hash.into()])?;
        Ok(!rows.to_array::<Value>()?.is_empty())
    }

    async fn access(&self) -> Result<HubAccess> {
        Ok(self.meta("access")?.unwrap_or_default())
    }

    /// Replaces the member snapshot with D1's (`members` at `version`),
    /// unless this hub already holds a newer one; revokes the grants of
    /// members who are gone. One command carries every member, so a role edit
    /// is one call per hub.
    fn replace_members(&self, cmd: &Value, now: i64) -> Result<Value> {
        let members: BTreeMap<String, MemberAccess> = field(cmd, "members")?;
        let version: i64 = field(cmd, "version")?;
        let mut access = self.meta::<HubAccess>("access")?.unwrap_or_default();
        let Some(gone) = access.replace_if_newer(version, members) else {
            return Ok(json!({ "applied": false, "version": access.version, "revoked": [] }));
        };
        let mut revoked = Vec::new();
        for user in gone {
            revoked.extend(hub_grants::revoke_user(&self.sql(), &user, now)?);
        }
        self.listeners.close_grants(&revoked);
        self.set_meta("access", &access)?;
        Ok(json!({ "applied": true, "version": version, "revoked": revoked }))
    }

    async fn draft_changed(&self) -> Result<()> {
        self.listeners.notify("draft").await;
        Ok(())
    }
}

/// The meta rows `/endpoint` reads: project and production, plus the member
/// snapshot when a grant is checked.
const ENDPOINT_KEYS: [&str; 3] = ["project", "production", "access"];

/// Several values of the `meta` table in one query (JSON text by key; a key
/// never set is absent).
fn read_metas(sql: &SqlStorage, keys: &[&str]) -> Result<std::collections::HashMap<String, String>> {
    #[derive(serde::Deserialize)]
    struct Row {
        key: String,
        value: String,
    }
    let marks = vec!["?"; keys.len()].join(", ");
    let binds: Vec<SqlStorageValue> = keys.iter().map(|k| (*k).into()).collect();
    let rows: Vec<Row> = sql.exec(&format!("SELECT key, value FROM meta WHERE key IN ({marks})"), binds)?.to_array()?;
    Ok(rows.into_iter().map(|r| (r.key, r.value)).collect())
}

/// A value of the `meta` table (JSON), `None` when the key was never set.
pub(super) fn read_meta<T: DeserializeOwned>(sql: &SqlStorage, key: &str) -> Result<Option<T>> {
    #[derive(serde::Deserialize)]
    struct Row {
        value: String,
    }
    let rows: Vec<Row> = sql.exec("SELECT value FROM meta WHERE key = ?", vec![key.into()])?.to_array()?;
    match rows.into_iter().next() {
        None => Ok(None),
        Some(r) => Ok(Some(serde_json::from_str(&r.value)?)),
    }
}

pub(super) fn write_meta<T: serde::Serialize>(sql: &SqlStorage, key: &str, value: &T) -> Result<()> {
    let text = serde_json::to_string(value)?;
    sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![key.into(), text.into()],
    )?;
    Ok(())
}

pub(super) fn field<T: DeserializeOwned>(cmd: &Value, name: &str) -> Result<T> {
    serde_json::from_value(cmd.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| Error::RustError(format!("hub command field {name}: {e}")))
}

impl DurableObject for ProjectHub {
    fn new(state: State, env: Env) -> Self {
        let faults = env.var("DOCKYARD_FAULTS").map(|v| v.to_string()).unwrap_or_default();
        let faults = faults.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        Self { state, env, listeners: Listeners::default(), migrated: std::cell::Cell::new(false), faults }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        if path != "/init" && !self.initialized()? {
            return Self::uninitialized_answer(&path);
        }
        self.migrate()?;
        let cmd: Value = req.json().await?;
        let now = cmd["now"].as_i64().unwrap_or(0);
        match path.as_str() {
            "/init" => {
                let project: HubProject = field(&cmd, "project")?;
                self.replace_members(&cmd, now)?;
                self.set_meta("project", &project)?;
                reply(200, json!({ "ok": true }))
            }
            "/settings" => {
                let Some(mut project) = self.meta::<HubProject>("project")? else {
                    return refuse(404, "not_found", "the project is not initialized");
                };
                project.visibility = field(&cmd, "visibility")?;
                self.set_meta("project", &project)?;
                // Production listeners of a project that went private must re-check access.
                if project.visibility == "private" {
                    self.listeners.close_channel("production");
                }
                reply(200, json!({ "project": project }))
            }
            "/members/replace" => reply(200, self.replace_members(&cmd, now)?),
            "/delete" => {
                // Project delete: every stream ends, then the whole storage
                // goes (grants, codes, draft, pointer, members). A project
                // re-created with this slug gets this object back empty, so
                // no grant id, code or refresh token of the old one is known.
                let revoked = hub_grants::unrevoked_ids(&self.sql())?;
                self.listeners.close_all();
                self.state.storage().delete_all().await?;
                self.migrated.set(false);
                reply(200, json!({ "revoked": revoked }))
            }
            "/draft/get" => {
                let mut answer = json!(self.draft()?);
                // The Type save checks named secrets against these, in this one hop.
                if cmd["with_secret_names"].as_bool() == Some(true) {
                    let (draft, production) = hub_secrets::names(&self.sql()).map_err(Error::RustError)?;
                    answer["secret_names"] = json!({ "draft": draft, "production": production });
                }
                reply(200, answer)
            }
            p if p.starts_with("/secrets/") => match hub_secrets::handle(&self.sql(), &self.env, p, &cmd).await {
                Some(result) => result,
                None => refuse(404, "not_found", format!("unknown hub command {path}")),
            },
            "/draft/put-type" => {
                if let Some(r) = self.stale(&cmd)? {
                    return Ok(r);
                }
                let name: String = field(&cmd, "name")?;
                let doc: Value = field(&cmd, "doc")?;
                if let Some(r) = hub_release::too_large(&self.sql(), Some((&name, doc.to_string().len())), None)? {
                    return Ok(r);
                }
                let existed = self.sql().exec("SELECT name FROM types WHERE name = ?", vec![name.clone().into()])?;
                let created = existed.to_array::<Value>()?.is_empty();
                self.sql().exec(
                    "INSERT INTO types (name, doc) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
                    vec![name.into(), doc.to_string().into()],
                )?;
                let revision = self.bump_revision()?;
                self.draft_changed().await?;
                reply(if created { 201 } else { 200 }, json!({ "revision": revision, "created": created }))
            }
            "/draft/delete-type" => {
                if let Some(r) = self.stale(&cmd)? {
                    return Ok(r);
                }
                let name: String = field(&cmd, "name")?;
                let gone =
                    self.sql().exec("DELETE FROM types WHERE name = ? RETURNING name", vec![name.clone().into()])?;
                if gone.to_array::<Value>()?.is_empty() {
                    return refuse(404, "not_found", format!("the draft has no Type named {name:?}"));
                }
                let revision = self.bump_revision()?;
                self.draft_changed().await?;
                reply(200, json!({ "revision": revision }))
            }
            "/draft/put-instructions" => {
                if let Some(r) = self.stale(&cmd)? {
                    return Ok(r);
                }
                let text: String = field(&cmd, "instructions")?;
                if let Some(r) = hub_release::too_large(&self.sql(), None, Some(limits::json_string_len(&text)))? {
                    return Ok(r);
                }
                self.set_meta("instructions", &text)?;
                let revision = self.bump_revision()?;
                self.draft_changed().await?;
                reply(200, json!({ "revision": revision }))
            }
            "/production/set" => {
                let answer = hub_release::set_production(&self.sql(), &cmd)?;
                if answer.status_code() == 200 {
                    self.listeners.notify("production").await;
                }
                Ok(answer)
            }
            p if p.starts_with("/data/") => match hub_data::handle(&self.sql(), &self.env, p, &cmd).await {
                Some(result) => result,
                None => refuse(404, "not_found", format!("unknown hub command {path}")),
            },
            p if p.starts_with("/production/") => match hub_release::handle(&self.sql(), p, &cmd) {
                Some(result) => result,
                None => refuse(404, "not_found", format!("unknown hub command {path}")),
            },
            "/endpoint" => {
                let channel: String = field(&cmd, "channel")?;
                let with_grant = cmd.get("grant").is_some_and(|g| !g.is_null());
                // One read of the meta rows this answer needs.
                let mut metas = read_metas(&self.sql(), if with_grant { &ENDPOINT_KEYS } else { &ENDPOINT_KEYS[..2] })?;
                let project: Option<HubProject> =
                    metas.remove("project").map(|t| serde_json::from_str(&t)).transpose()?;
                let production = metas.remove("production").map(|t| serde_json::from_str(&t)).transpose()?;
                // Access first: the draft is loaded only for a caller who may read it.
                let access = match with_grant {
                    true => {
                        let members: HubAccess =
                            metas.remove("access").map(|t| serde_json::from_str(&t)).transpose()?.unwrap_or_default();
                        Some(self.check_access(&cmd, &members, now)?)
                    }
                    false => None,
                };
                let granted = access.as_ref().is_some_and(|a| a["ok"].as_bool() == Some(true));
                let mut view = EndpointView { project, production, draft: None, draft_unchanged: false };
                if channel == "draft" && granted {
                    // The worker's copy is current: the Types are not read, decoded or sent.
                    let have: Option<DraftHave> = field(&cmd, "draft_have").ok().flatten();
                    let current = match (&have, &view.project) {
                        (Some(h), Some(p)) => h.project_id == p.id && h.revision == self.revision()?,
                        _ => false,
                    };
                    if current {
                        view.draft_unchanged = true;
                    } else {
                        view.draft = Some(self.draft()?);
                    }
                }
                let mut answer = json!(view);
                if let Some(hash) = cmd["session_hash"].as_str() {
                    answer["session_ended"] = json!(self.session_ended(hash)?);
                }
                if let Some(a) = access {
                    answer["access"] = a;
                }
                reply(200, answer)
            }
            "/bench/seed-grants" if self.faults.iter().any(|f| f == "bench.seed") => {
                let grant_id: String = field(&cmd, "grant_id")?;
                let written =
                    hub_grants::seed_copies(&self.sql(), &grant_id, field(&cmd, "start")?, field(&cmd, "count")?)?;
                reply(200, json!({ "written": written }))
            }
            "/sessions/end" => {
                let hash: String = field(&cmd, "hash")?;
                self.sql().exec(
                    "INSERT INTO ended_sessions (hash, ended_at) VALUES (?, ?) ON CONFLICT(hash) DO NOTHING",
                    vec![hash.into(), now.into()],
                )?;
                // Session ids expire on their own after SESSION_MAX_AGE_SECS.
                let horizon = now - crate::mcp::SESSION_MAX_AGE_SECS as i64;
                self.sql().exec("DELETE FROM ended_sessions WHERE ended_at < ?", vec![horizon.into()])?;
                reply(200, json!({ "ended": true }))
            }
            "/listen" => {
                let grant_id: Option<String> = field(&cmd, "grant_id")?;
                // Revoked between the access check and now: no stream.
                if let Some(id) = &grant_id {
                    if hub_grants::get(&self.sql(), id)?.is_none_or(|g| g.is_revoked()) {
                        return refuse(401, "grant_revoked", "the grant was revoked");
                    }
                }
                let spec = ListenSpec {
                    channel: field(&cmd, "channel")?,
                    grant_id,
                    subscription: cmd.get("subscription_id").cloned().unwrap_or(Value::Null),
                    tools: cmd["tools"].as_bool().unwrap_or(true),
                    resources: cmd["resources"].as_bool().unwrap_or(false),
                    first: field(&cmd, "first")?,
                    headers: field(&cmd, "headers")?,
                };
                let resp = self.listeners.open(spec)?;
                self.ensure_keepalive().await?;
                Ok(resp)
            }
            other => {
                let access = self.access().await?;
                match hub_oauth::handle(&self.sql(), &access, other, &cmd) {
                    Some(answer) => {
                        let answer = answer?;
                        self.listeners.close_grants(&answer.revoked);
                        Ok(answer.response)
                    }
                    None => refuse(404, "not_found", format!("unknown hub command {path}")),
                }
            }
        }
    }

    async fn alarm(&self) -> Result<Response> {
        if self.listeners.keepalive().await > 0 {
            self.state.storage().set_alarm(super::listeners::KEEPALIVE_MS).await?;
        }
        Response::ok("ok")
    }
}

impl ProjectHub {
    async fn ensure_keepalive(&self) -> Result<()> {
        if self.state.storage().get_alarm().await?.is_none() {
            self.state.storage().set_alarm(super::listeners::KEEPALIVE_MS).await?;
        }
        Ok(())
    }
}
