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

use crate::audit::record::Action;
use crate::audit_io::actions;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::outbound::allowlist::{self, MAX_ENTRIES};
use crate::outbound::guard::Policy;
use crate::store::orgs;
use crate::studio::auth::Caller;
use serde_json::json;

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
    let Some(raw) = b.opt_string_array("upstream_hosts", MAX_ENTRIES, 260) else { return Change::Keep };
    match allowlist::parse_list(&raw, Policy { allow_loopback }) {
        Err(problems) => {
            for (i, message) in problems {
                b.error(&format!("upstream_hosts[{i}]"), message);
            }
            Change::Keep
        }
        Ok(entries) => {
            let mut out: Vec<String> = Vec::new();
            for e in entries.iter().map(ToString::to_string) {
                if !out.contains(&e) {
                    out.push(e);
                }
            }
            Change::Set(out)
        }
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
