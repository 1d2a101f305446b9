//! The org's upstream allowlist for data tools: `upstream_hosts` in
//! `PATCH /api/v1/orgs/<org>` (`org.manage`) and `GET /api/v1/orgs/<org>`
//! (every member: Type authors need to know which hosts their `http.url`
//! and `code.allowed_hosts` may name). The rules are `outbound::allowlist`;
//! the column is `orgs.upstream_hosts` (D1, migration 0006).
//!
//! `[...]` sets the list (normalized: lower case, punycode, duplicates
//! dropped, order kept), `null` clears it (no org allowlist), absence keeps
//! it. `[]` is a list that allows nothing. A change takes effect on the next
//! data-tool call and the next Type save (read from D1 each time, no cache).
//! Types saved before a change are not re-checked; their calls are refused
//! by the call-time check.
//!
//! [`set`] is the operation of the org Settings page's allowlist form: a
//! body with `upstream_hosts` only, so saving the allowlist never touches
//! the audit settings (and the audit form, which sends no `upstream_hosts`,
//! keeps the list).

use crate::audit::record::Action;
use crate::audit_io::actions;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::Permission;
use crate::outbound::allowlist::{self, MAX_ENTRIES};
use crate::outbound::guard::Policy;
use crate::store::orgs;
use crate::studio::auth::Caller;
use crate::studio::orgs::{membership, require_permission};
use serde_json::{json, Value};

/// What a PATCH body says about `upstream_hosts`.
pub enum Change {
    Keep,
    Clear,
    Set(Vec<String>),
}

/// Reads `upstream_hosts` from a PATCH body; every bad entry is an error
/// named `upstream_hosts[i]`.
pub fn take(b: &mut Body, allow_loopback: bool) -> Change {
    if b.is_null("upstream_hosts") {
        return Change::Clear;
    }
    let Some(raw) = b.opt_value("upstream_hosts") else { return Change::Keep };
    let Value::Array(items) = raw else {
        b.error("upstream_hosts", "must be an array of hostnames (host or host:port), or null to clear it");
        return Change::Keep;
    };
    if items.len() > MAX_ENTRIES {
        b.error("upstream_hosts", format!("must have at most {MAX_ENTRIES} entries"));
        return Change::Keep;
    }
    let policy = Policy { allow_loopback };
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let parsed = match item {
            Value::String(s) => allowlist::parse_entry(s, policy),
            _ => Err("must be a string".to_string()),
        };
        match parsed {
            Ok(e) if !out.contains(&e.to_string()) => out.push(e.to_string()),
            Ok(_) => {}
            Err(message) => {
                ok = false;
                b.error(&format!("upstream_hosts[{i}]"), message);
            }
        }
    }
    if ok {
        Change::Set(out)
    } else {
        Change::Keep
    }
}

/// Stores a change and records `org.upstream_hosts` (the list after it).
pub async fn apply(ctx: &Ctx, caller: &Caller, org: &orgs::Org, change: Change) -> Result<(), ApiError> {
    let hosts = match change {
        Change::Keep => return Ok(()),
        Change::Clear => None,
        Change::Set(h) => Some(h),
    };
    orgs::set_upstream_hosts(&ctx.db, &org.id, hosts.as_deref()).await?;
    actions::management(
        ctx,
        caller,
        Some(&org.slug),
        Action::OrgUpstreamHosts,
        &org.slug,
        json!({ "upstream_hosts": hosts }),
    );
    Ok(())
}

/// Sets or clears the allowlist alone (`org.manage`): the body is
/// `{"upstream_hosts": [...] | null}`, checked as in `PATCH /api/v1/orgs/<org>`
/// (each bad entry a 422 at `upstream_hosts[i]`). Answers the list after it.
pub async fn set(ctx: &Ctx, caller: &Caller, slug: &str, mut b: Body) -> Result<Option<Vec<String>>, ApiError> {
    let (org, role) = membership(ctx, caller, slug).await?;
    require_permission(&role, Permission::OrgManage)?;
    let change = take(&mut b, ctx.config.allow_loopback_upstreams);
    b.finish()?;
    apply(ctx, caller, &org, change).await?;
    orgs::upstream_hosts(&ctx.db, &org.id).await
}
