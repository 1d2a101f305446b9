//! The OAuth commands of a project hub: create a grant with its code, redeem
//! the code, refresh (rotate, with `scope`, `resource` and the member's
//! channel permission checked), revoke, and the hot-path grant check. The hub
//! runs one request at a time, so a code is redeemed at most once and refresh
//! rotation is serialized per project (the grace window for parallel
//! refreshes is logic in `oauth::grants`, not a race).
//!
//! Every command answers with the grants it revoked ([`Answer::revoked`]: a
//! revocation, a replayed code, a reused refresh token), so the hub closes
//! their open listen streams.

use super::hub_grants as rows;
use crate::oauth::grants::{self, Grant, HubAccess, PendingCode, RefreshState};
use crate::oauth::resource::Resource;
use serde_json::{json, Value};
use worker::{Response, Result, SqlStorage};

/// A command's response and the grants it revoked.
pub struct Answer {
    pub response: Response,
    pub revoked: Vec<String>,
}

fn reply(status: u16, body: Value) -> Result<Answer> {
    Ok(Answer { response: Response::from_json(&body)?.with_status(status), revoked: Vec::new() })
}

fn revoking(answer: Result<Answer>, ids: impl IntoIterator<Item = String>) -> Result<Answer> {
    answer.map(|mut a| {
        a.revoked.extend(ids);
        a
    })
}

/// An OAuth refusal the worker passes on (`error` is the RFC 6749 code).
fn oauth_error(error: &str, description: &str, revoked: Option<&str>) -> Result<Answer> {
    let answer = reply(200, json!({ "oauth_error": error, "description": description, "revoked": revoked }));
    revoking(answer, revoked.map(str::to_string))
}

fn field<T: serde::de::DeserializeOwned>(cmd: &Value, name: &str) -> Result<T> {
    serde_json::from_value(cmd.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| worker::Error::RustError(format!("hub command field {name}: {e}")))
}

/// Handles `/grants/*`, `/codes/*` and `/refresh`; `None` for other paths.
pub fn handle(sql: &SqlStorage, access: &HubAccess, path: &str, cmd: &Value) -> Option<Result<Answer>> {
    let now = cmd["now"].as_i64().unwrap_or(0);
    let result = match path {
        "/grants/create" => create(sql, access, cmd),
        "/codes/redeem" => redeem(sql, cmd, now),
        "/refresh" => refresh(sql, access, cmd, now),
        "/grants/revoke" => revoke(sql, cmd, now),
        "/grants/revoke-many" => revoke_many(sql, cmd, now),
        "/grants/revoke-refresh" => revoke_refresh(sql, cmd, now),
        "/grants/first-party" => first_party(sql, access, cmd, now),
        "/grants/get" => field::<String>(cmd, "id").and_then(|id| reply(200, json!({ "grant": rows::get(sql, &id)? }))),
        _ => return None,
    };
    Some(result)
}

fn create(sql: &SqlStorage, access: &HubAccess, cmd: &Value) -> Result<Answer> {
    let grant: Grant = field(cmd, "grant")?;
    let code: PendingCode = field(cmd, "code")?;
    // Membership may have changed since the consent page was rendered.
    if !access.members.contains_key(&grant.user_id) {
        return oauth_error("access_denied", "you are no longer a member of this organization", None);
    }
    rows::save(sql, &grant)?;
    rows::put_code(sql, &code)?;
    reply(200, json!({ "ok": true }))
}

/// The Studio test panel's grant for one member on one endpoint
/// (`studio::test_panel`): the member's live one is reused, or a new one
/// (id `new_id`, no code, no refresh token) is stored like any grant, so
/// revocation, membership and role changes apply to it. `created` tells the
/// worker to add it to the listing.
fn first_party(sql: &SqlStorage, access: &HubAccess, cmd: &Value, now: i64) -> Result<Answer> {
    #[derive(serde::Deserialize)]
    struct Doc {
        doc: String,
    }
    let user_id: String = field(cmd, "user_id")?;
    let resource: Resource = field(cmd, "resource")?;
    let scopes: Vec<String> = field(cmd, "scopes")?;
    if !access.members.contains_key(&user_id) {
        return oauth_error("access_denied", "you are not a member of this organization", None);
    }
    let mine: Vec<Doc> =
        sql.exec("SELECT doc FROM grants WHERE user_id = ?", vec![user_id.clone().into()])?.to_array()?;
    for d in mine {
        let mut g: Grant = serde_json::from_str(&d.doc)?;
        if g.client_id == grants::STUDIO_CLIENT_ID && g.resource == resource && !g.is_revoked() {
            g.last_used_at = Some(now);
            rows::save(sql, &g)?;
            return reply(200, json!({ "grant": g, "created": false }));
        }
    }
    let grant = Grant {
        id: field(cmd, "new_id")?,
        user_id,
        client_id: grants::STUDIO_CLIENT_ID.into(),
        resource,
        scopes,
        created_at: now,
        last_used_at: Some(now),
        revoked_at: None,
        refresh: None,
    };
    rows::save(sql, &grant)?;
    reply(200, json!({ "grant": grant, "created": true }))
}

fn redeem(sql: &SqlStorage, cmd: &Value, now: i64) -> Result<Answer> {
    rows::purge_codes(sql, now)?;
    let hash: String = field(cmd, "code_hash")?;
    let Some(mut code) = rows::get_code(sql, &hash)? else {
        return oauth_error("invalid_grant", "the authorization code is unknown or expired", None);
    };
    let client_id: String = field(cmd, "client_id")?;
    let redirect_uri: String = field(cmd, "redirect_uri")?;
    let verifier: String = field(cmd, "code_verifier")?;
    let resource: Option<Resource> = field(cmd, "resource")?;
    let outcome = grants::redeem_code(&mut code, &client_id, &redirect_uri, &verifier, resource.as_ref(), now);
    rows::update_code(sql, &code)?;
    if let Err(e) = outcome {
        if matches!(e, grants::CodeError::Replayed) {
            // MUST: a replayed code revokes the whole grant.
            if let Some(mut g) = rows::get(sql, &code.grant_id)? {
                g.revoked_at.get_or_insert(now);
                rows::save(sql, &g)?;
            }
            return oauth_error("invalid_grant", "the authorization code was already used", Some(&code.grant_id));
        }
        let error = if matches!(e, grants::CodeError::WrongResource) { "invalid_target" } else { "invalid_grant" };
        return oauth_error(error, &e.to_string(), None);
    }
    let Some(mut grant) = rows::get(sql, &code.grant_id)? else {
        return oauth_error("invalid_grant", "the grant of this code no longer exists", None);
    };
    if grant.revoked_at.is_some() {
        return oauth_error("invalid_grant", "the grant was revoked", None);
    }
    // Only clients registered for the refresh_token grant get a refresh token.
    let refresh_hash: Option<String> = field(cmd, "refresh_hash")?;
    grant.refresh = refresh_hash.map(|hash| RefreshState::new(hash, grant.created_at));
    grant.last_used_at = Some(now);
    rows::save(sql, &grant)?;
    reply(200, json!({ "grant": grant }))
}

fn refresh(sql: &SqlStorage, access: &HubAccess, cmd: &Value, now: i64) -> Result<Answer> {
    let hash: String = field(cmd, "hash")?;
    let Some(mut grant) = rows::by_refresh_hash(sql, &hash)? else {
        return oauth_error("invalid_grant", "the refresh token is unknown", None);
    };
    let client_id: String = field(cmd, "client_id")?;
    let scope: Option<String> = field(cmd, "scope")?;
    let resource: Option<Resource> = field(cmd, "resource")?;
    let ask = grants::RefreshAsk {
        presented_hash: &hash,
        client_id: &client_id,
        new_hash: field(cmd, "new_hash")?,
        scope: scope.as_deref(),
        resource: resource.as_ref(),
    };
    // Token rules, scope, resource and the member's channel permission (pure).
    let member = access.members.get(&grant.user_id).cloned();
    let outcome = grants::refresh_grant(&mut grant, ask, member.as_ref(), now);
    rows::save(sql, &grant)?;
    match outcome {
        Ok(scopes) => reply(200, json!({ "grant": grant, "scopes": scopes })),
        Err(e) => {
            let reused = matches!(e, grants::RefreshRefusal::Token(grants::RefreshError::Reused));
            let (error, description) = e.wire();
            oauth_error(error, &description, reused.then_some(grant.id.as_str()))
        }
    }
}

fn revoke(sql: &SqlStorage, cmd: &Value, now: i64) -> Result<Answer> {
    let id: String = field(cmd, "id")?;
    let Some(mut g) = rows::get(sql, &id)? else {
        return reply(404, json!({ "error": "not_found", "message": "no such grant" }));
    };
    let newly = g.revoked_at.is_none();
    g.revoked_at.get_or_insert(now);
    rows::save(sql, &g)?;
    revoking(reply(200, json!({ "revoked": newly, "grant": g })), [id])
}

/// A bulk revocation's share of this hub: every id in one command.
fn revoke_many(sql: &SqlStorage, cmd: &Value, now: i64) -> Result<Answer> {
    let ids: Vec<String> = field(cmd, "ids")?;
    let revoked = rows::revoke_ids(sql, &ids, now)?;
    revoking(reply(200, json!({ "revoked": revoked })), revoked)
}

/// RFC 7009 with a refresh token: revokes its grant if it belongs to the client.
fn revoke_refresh(sql: &SqlStorage, cmd: &Value, now: i64) -> Result<Answer> {
    let hash: String = field(cmd, "hash")?;
    let client_id: String = field(cmd, "client_id")?;
    match rows::by_refresh_hash(sql, &hash)? {
        Some(mut g) if g.client_id == client_id => {
            let newly = g.revoked_at.is_none();
            g.revoked_at.get_or_insert(now);
            rows::save(sql, &g)?;
            revoking(reply(200, json!({ "revoked": newly.then_some(&g.id) })), [g.id.clone()])
        }
        _ => reply(200, json!({ "revoked": null })),
    }
}
