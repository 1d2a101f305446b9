//! Accounts: signup (bootstrap or invitation), login, logout, me, personal API
//! tokens, and accepting an invitation with an existing account. Accepting an
//! invitation (either way) is a membership change: D1 and its outbox record
//! in one batch, then the project hubs, before success is reported
//! (`access_sync`); a push that fails answers 202 `"sync": "pending"`.

use super::access_sync::{self, Synced};
use super::auth::{self, Caller, Via};
use crate::audit::record::Action;
use crate::audit_io::actions::{management, Actor};
use crate::crypto;
use crate::http::context::{Ctx, Incoming};
use crate::http::respond::{json, with_header};
use crate::http::ApiError;
use crate::identity::{password, validate};
use crate::store::{self, credentials, invitations, orgs, users};
use serde_json::json;

/// Validated signup input, shared by the API and the Studio form.
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub name: String,
    pub invitation: Option<String>,
    pub bootstrap_secret: Option<String>,
}

pub async fn signup(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    auth::refuse_foreign_origin(ctx, &inc.headers)?;
    let mut b = inc.json().await?;
    let email = b.string("email", 320).and_then(|e| b.check(validate::normalize_email("email", &e)));
    let pass = b.string("password", 1024).filter(|p| b.check(validate::validate_password("password", p)).is_some());
    let name = b.string("name", 200).and_then(|n| b.check(validate::validate_display_name("name", &n, 100)));
    let invitation = b.opt_string("invitation", 200);
    let bootstrap_secret = b.opt_string("bootstrap_secret", 500);
    b.finish()?;
    let (Some(email), Some(password), Some(name)) = (email, pass, name) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let (user, synced) =
        create_account(ctx, SignupInput { email, password, name, invitation, bootstrap_secret }).await?;
    json(synced.status(201), &json!({ "user": user, "sync": synced.as_str() }))
}

/// Creates the account: the first one of an empty instance with the bootstrap
/// secret, every other one with a valid invitation for exactly that email.
/// The new membership reaches the project hubs before this returns
/// [`Synced::Done`]; [`Synced::Pending`] means D1 holds it and the cron
/// trigger retries the hubs (`access_sync`).
pub async fn create_account(ctx: &Ctx, input: SignupInput) -> Result<(users::User, Synced), ApiError> {
    let user = users::User {
        id: crypto::new_id("usr"),
        email: input.email.clone(),
        name: input.name.clone(),
        created_at: ctx.now,
    };
    if let Some(token) = &input.invitation {
        let inv = pending_invitation_for(ctx, token, &input.email).await?;
        if users::by_email(&ctx.db, &input.email).await?.is_some() {
            return Err(ApiError::Conflict(
                "this invitation is for an existing account: sign in, then accept it".into(),
            ));
        }
        let hash =
            password::hash_password(&input.password, &crypto::random_bytes::<16>(), password::KdfParams::CURRENT);
        // Single use: the guarded UPDATE runs first; the inserts only happen if
        // it marked the invitation as accepted by this new user.
        let accepted_by_me = "EXISTS (SELECT 1 FROM invitations WHERE id = ?1 AND accepted_by = ?2)";
        let stmts = vec![
            invitations::accept(&ctx.db, &inv.id, &user.id, ctx.now)?,
            store::stmt(
                &ctx.db,
                &format!(
                    "INSERT INTO users (id, email, name, password_hash, created_at) SELECT ?2, ?3, ?4, ?5, ?6 WHERE {accepted_by_me}"
                ),
                &[(&inv.id).into(), (&user.id).into(), (&user.email).into(), (&user.name).into(), (&hash).into(), user.created_at.into()],
            )?,
            store::stmt(
                &ctx.db,
                &format!(
                    "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT ?3, ?2, ?4, ?5 WHERE {accepted_by_me}"
                ),
                &[(&inv.id).into(), (&user.id).into(), (&inv.org_id).into(), (&inv.role).into(), ctx.now.into()],
            )?,
        ];
        let accepted = Some((inv.id.as_str(), user.id.as_str()));
        let (changed, synced) = match access_sync::commit(ctx, &inv.org_id, stmts, accepted).await {
            Ok(done) => done,
            // Lost a race with another signup for the same email (the batch
            // rolled back as a whole): the account exists now.
            Err(e) => {
                if users::by_email(&ctx.db, &input.email).await?.is_some() {
                    return Err(ApiError::Conflict(
                        "this invitation is for an existing account: sign in, then accept it".into(),
                    ));
                }
                return Err(e);
            }
        };
        if changed.first() != Some(&1) {
            return Err(ApiError::Gone("this invitation was just used or revoked".into()));
        }
        audit_accepted(ctx, Actor { user: &user, via: "signup" }, &inv).await?;
        return Ok((user, synced));
    }
    let Some(expected) = &ctx.config.bootstrap_secret else {
        return Err(ApiError::Forbidden("signing up needs an invitation from an organization".into()));
    };
    let Some(given) = &input.bootstrap_secret else {
        return Err(ApiError::Forbidden("signing up needs an invitation from an organization".into()));
    };
    if !crypto::ct_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::Forbidden("the bootstrap secret is not correct".into()));
    }
    if users::count(&ctx.db).await? > 0 {
        return Err(ApiError::Forbidden(
            "this instance already has accounts: signing up needs an invitation from an organization".into(),
        ));
    }
    let hash = password::hash_password(&input.password, &crypto::random_bytes::<16>(), password::KdfParams::CURRENT);
    if !users::insert_first(&ctx.db, &user, &hash).await? {
        return Err(ApiError::Forbidden("this instance already has accounts".into()));
    }
    // The first account belongs to no org yet: no hub to reach.
    Ok((user, Synced::Done))
}

/// Looks up an invitation token and checks it is pending and for `email`.
async fn pending_invitation_for(ctx: &Ctx, token: &str, email: &str) -> Result<invitations::Invitation, ApiError> {
    let inv = invitations::by_token_hash(&ctx.db, &crypto::sha256_hex(token.as_bytes()))
        .await?
        .ok_or_else(|| ApiError::invalid_field("invitation", "is not a valid invitation"))?;
    match inv.status(ctx.now) {
        "pending" => {}
        "accepted" => return Err(ApiError::Gone("this invitation was already used".into())),
        "revoked" => return Err(ApiError::Gone("this invitation was revoked".into())),
        _ => return Err(ApiError::Gone("this invitation has expired; ask for a new one".into())),
    }
    if !crypto::ct_eq(inv.email.as_bytes(), email.as_bytes()) {
        return Err(ApiError::Forbidden("this invitation was sent to a different email address".into()));
    }
    Ok(inv)
}

/// An accepted invitation is a new member: both go to the org's audit log.
async fn audit_accepted(ctx: &Ctx, actor: Actor<'_>, inv: &invitations::Invitation) -> Result<(), ApiError> {
    let Some(org) = orgs::by_id(&ctx.db, &inv.org_id).await? else { return Ok(()) };
    management(ctx, actor, Some(&org.slug), Action::InvitationAccept, &inv.id, json!({ "role": inv.role }));
    let added = json!({ "role": inv.role, "invitation": inv.id });
    management(ctx, actor, Some(&org.slug), Action::MemberAdd, &actor.user.id, added);
    Ok(())
}

pub async fn login(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    auth::refuse_foreign_origin(ctx, &inc.headers)?;
    let mut b = inc.json().await?;
    let email = b.string("email", 320).and_then(|e| b.check(validate::normalize_email("email", &e)));
    let pass = b.string("password", validate::MAX_PASSWORD_BYTES);
    b.finish()?;
    let (Some(email), Some(pass)) = (email, pass) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let user_id = auth::verify_login(ctx, &email, &pass, &auth::client_ip(&inc.headers)).await?;
    let cookie = auth::start_session(ctx, &user_id).await?;
    let user = users::by_id(&ctx.db, &user_id).await?;
    with_header(json(200, &json!({ "user": user }))?, "Set-Cookie", &cookie)
}

pub async fn logout(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    match auth::identify(ctx, &inc.method, &inc.headers).await {
        Ok(Some(_)) => {
            let cookie = auth::end_session(ctx, &inc.headers).await?;
            return with_header(json(200, &json!({ "ok": true }))?, "Set-Cookie", &cookie);
        }
        // A failed CSRF check must not look like a successful logout.
        Err(e @ ApiError::Forbidden(_)) => return Err(e),
        _ => {}
    }
    // No, an expired or an unknown session: nothing to end server-side; clear the cookie.
    with_header(json(200, &json!({ "ok": true }))?, "Set-Cookie", &auth::session_cookie(ctx, None))
}

pub async fn me(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let memberships = orgs::for_user(&ctx.db, &caller.user.id).await?;
    json(200, &json!({ "user": caller.user, "orgs": memberships }))
}

pub async fn list_tokens(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    json(200, &json!({ "tokens": credentials::list_tokens(&ctx.db, &caller.user.id).await? }))
}

pub async fn create_token(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller: Caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    if !matches!(caller.via, Via::Session { .. }) {
        return Err(ApiError::Forbidden(
            "API tokens are created from a signed-in session, not with another token".into(),
        ));
    }
    let b = inc.json().await?;
    let t = super::ops::account::create_token(ctx, &caller, b).await?;
    json(
        201,
        &json!({ "id": t.id, "name": t.name, "token": t.token, "created_at": t.created_at,
                 "note": "this is the only time the token is shown; store it now" }),
    )
}

pub async fn delete_token(ctx: &Ctx, inc: &mut Incoming, id: &str) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    super::ops::account::delete_token(ctx, &caller, id).await?;
    json(200, &json!({ "deleted": id }))
}

/// `POST /api/v1/me/password` `{current_password, new_password}`: 200, and
/// every other session of the account has ended (`ops::account`).
pub async fn change_password(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let b = inc.json().await?;
    super::ops::account::change_password(ctx, &caller, &auth::client_ip(&inc.headers), b).await?;
    json(200, &json!({ "changed": true, "other_sessions": "ended" }))
}

/// An existing account accepts an invitation sent to its email.
pub async fn accept_invitation(ctx: &Ctx, inc: &mut Incoming) -> Result<worker::Response, ApiError> {
    let caller = auth::require(ctx, &inc.method, &inc.headers).await?;
    let mut b = inc.json().await?;
    let token = b.string("invitation", 200);
    b.finish()?;
    let token = token.ok_or_else(|| ApiError::Internal("validated invitation missing".into()))?;
    let inv = pending_invitation_for(ctx, &token, &caller.user.email).await?;
    if orgs::role_name_of(&ctx.db, &inv.org_id, &caller.user.id).await?.is_some() {
        return Err(ApiError::Conflict("you are already a member of this organization".into()));
    }
    let stmts = vec![
        invitations::accept(&ctx.db, &inv.id, &caller.user.id, ctx.now)?,
        store::stmt(
            &ctx.db,
            "INSERT INTO memberships (org_id, user_id, role, created_at)
             SELECT ?3, ?2, ?4, ?5 WHERE EXISTS (SELECT 1 FROM invitations WHERE id = ?1 AND accepted_by = ?2)
             ON CONFLICT (org_id, user_id) DO NOTHING",
            &[(&inv.id).into(), (&caller.user.id).into(), (&inv.org_id).into(), (&inv.role).into(), ctx.now.into()],
        )?,
    ];
    let accepted = Some((inv.id.as_str(), caller.user.id.as_str()));
    let (changed, synced) = access_sync::commit(ctx, &inv.org_id, stmts, accepted).await?;
    if changed.first() != Some(&1) {
        return Err(ApiError::Gone("this invitation was just used or revoked".into()));
    }
    if changed.get(1) != Some(&1) {
        return Err(ApiError::Conflict("you are already a member of this organization".into()));
    }
    audit_accepted(ctx, Actor::from(&caller), &inv).await?;
    let org = orgs::by_id(&ctx.db, &inv.org_id).await?;
    json(synced.status(200), &json!({ "org": org, "role": inv.role, "sync": synced.as_str() }))
}
