//! Management actions into the audit log: one call per handler,
//! [`management`], after the change succeeded (a refused change records
//! nothing: it changed nothing).

use crate::audit::record::{Action, ActionRecord, SYSTEM_ACTOR};
use crate::audit::redact::redact;
use crate::crypto;
use crate::http::context::Ctx;
use crate::store::users::User;
use crate::studio::auth::{Caller, Via};
use serde_json::Value;
use worker::{D1Database, Env};

/// Who acted, and how they were signed in.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a User,
    /// `session`, `token` (a personal API token) or `signup` (accepting an
    /// invitation while creating the account).
    pub via: &'static str,
}

impl<'a> From<&'a Caller> for Actor<'a> {
    fn from(c: &'a Caller) -> Self {
        let via = match c.via {
            Via::Session { .. } => "session",
            Via::Token => "token",
        };
        Actor { user: &c.user, via }
    }
}

/// Records that `actor` did `action` on `target` (in `org`, a slug; `None`
/// for account-level actions such as API tokens). `details` are redacted.
pub fn management<'a>(
    ctx: &Ctx,
    actor: impl Into<Actor<'a>>,
    org: Option<&str>,
    action: Action,
    target: &str,
    details: Value,
) {
    let actor = actor.into();
    let record = ActionRecord {
        id: crypto::new_id("act"),
        at: ctx.now_ms,
        org: org.map(str::to_string),
        actor_id: actor.user.id.clone(),
        actor_email: actor.user.email.clone(),
        via: actor.via.into(),
        action,
        target: target.chars().take(512).collect(),
        details: redact(&details),
    };
    super::send::action(ctx, record);
}

/// Records that the system (no person: the cron trigger) did `action` on
/// `target` in `org`; actor and `via` are [`SYSTEM_ACTOR`]. Awaited, since a
/// scheduled run has no request to defer it to.
pub async fn system(env: &Env, db: &D1Database, org: &str, action: Action, target: &str, details: Value, now_ms: i64) {
    let record = ActionRecord {
        id: crypto::new_id("act"),
        at: now_ms,
        org: Some(org.to_string()),
        actor_id: SYSTEM_ACTOR.into(),
        actor_email: SYSTEM_ACTOR.into(),
        via: SYSTEM_ACTOR.into(),
        action,
        target: target.chars().take(512).collect(),
        details: redact(&details),
    };
    super::send::system_action(env, db, record).await;
}
