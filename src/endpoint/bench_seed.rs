//! Bench only: seeding the grants of "an org of 10,000 grants" (issue 14)
//! through the hub's own storage, without 10,000 consent flows. Active only
//! when `DOCKYARD_FAULTS` names `bench.seed` (test-only switches, never set
//! in production; the hub checks the same switch again): an authenticated
//! MCP POST with the header `dockyard-bench-seed-grants: <n>` makes the hub
//! copy the caller's grant `n` times (at most 2,000 per request; the bench
//! loops) and answers `{"written": n}` instead of running the MCP request.

use super::access::Access;
use crate::http::context::Ctx;
use crate::http::respond::json;
use crate::http::ApiError;
use crate::objects::call;
use serde_json::json;
use worker::{Response, Stub};

pub const HEADER: &str = "dockyard-bench-seed-grants";
const MAX_PER_REQUEST: u64 = 2_000;

/// `(start, count)` when this request asks for a seed and the switch is on.
pub fn requested(ctx: &Ctx, headers: &[(String, String)]) -> Option<(u64, u64)> {
    if !ctx.config.fault("bench.seed") {
        return None;
    }
    let raw = headers.iter().find(|(k, _)| k == HEADER).map(|(_, v)| v.as_str())?;
    let (start, count) = raw.split_once('+').unwrap_or(("0", raw));
    Some((start.trim().parse().ok()?, count.trim().parse::<u64>().ok()?.min(MAX_PER_REQUEST)))
}

pub async fn grants(stub: &Stub, access: &Access, (start, count): (u64, u64)) -> Result<Response, ApiError> {
    let Some(grant_id) = &access.grant_id else {
        return Err(ApiError::bad_request("bench_seed", "seeding grants needs an access token"));
    };
    let answer =
        call(stub, "/bench/seed-grants", &json!({ "grant_id": grant_id, "start": start, "count": count })).await?;
    json(200, &answer)
}
