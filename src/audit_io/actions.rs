//! Management actions into the audit log: one call per handler,
//! [`management`], after the change succeeded (a refused change records
//! nothing: it changed nothing).

use crate::audit::record::{Action, ActionRecord};
use crate::audit::redact::redact;
use crate::crypto;
use crate::http::context::Ctx;
use crate::store::users::User;
use crate::studio::auth::{Caller, Via};
use serde_json::Value;

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
