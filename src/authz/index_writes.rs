//! The D1 grants index after a hub has committed (wasm32 glue).
//!
//! Why: the hub is the authority (a code is redeemed, a refresh token
//! rotated, a grant revoked there, once); `grants_index` in D1 is only the
//! Authorized apps listing. If the index write after a commit failed the
//! request, a client would get an error for tokens that were in fact issued
//! (and a replayed code, already refused and revoked in the hub, would turn
//! into a 500). So the write is tried at once and, if that fails, retried
//! after the response (`ctx.defer`, i.e. `wait_until`) a few times; the
//! caller's answer never depends on it. The writes are idempotent (see
//! `store::grants`), so a retry of a write that did land changes nothing.
//!
//! What this gives up: while D1 is failing, the listing lags behind the hub
//! (a use not shown, a revoked grant still shown as active). Revocation
//! itself never lags: every MCP request asks the hub.
//!
//! Test-only faults (`DOCKYARD_FAULTS`): `token.index` makes every attempt
//! fail; `token.index.first` makes the first (inline) attempt fail, so the
//! retry after the response is what lands.

use crate::config::Config;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::store::grants as index;
use std::time::Duration;
use worker::D1Database;

/// One index write after a hub commit.
#[derive(Debug, Clone)]
pub enum IndexWrite {
    /// The grant was used (code redeemed, refresh rotated).
    Touch(String),
    /// These grants were revoked in their hub.
    Revoked(Vec<String>),
}

/// Pauses before the retries that follow a failed first attempt.
const RETRY_DELAYS_MS: [u64; 3] = [250, 1_000, 4_000];

/// Writes `write` now, or, when that fails, after the response with retries.
/// Never fails: the hub's answer stands either way.
pub async fn after_commit(ctx: &Ctx, write: IndexWrite) {
    let Err(first) = attempt(&ctx.db, &ctx.config, &write, ctx.now, 0).await else { return };
    worker::console_warn!("grants index write failed, retrying after the response: {write:?}: {}", first.message());
    let (env, config, now) = (ctx.env.clone(), ctx.config.clone(), ctx.now);
    ctx.defer(async move {
        let db = match env.d1("DB") {
            Ok(db) => db,
            Err(e) => return worker::console_error!("grants index write abandoned (no DB binding: {e}): {write:?}"),
        };
        for (n, pause) in RETRY_DELAYS_MS.iter().enumerate() {
            worker::Delay::from(Duration::from_millis(*pause)).await;
            match attempt(&db, &config, &write, now, n + 1).await {
                Ok(()) => return,
                Err(e) => {
                    worker::console_warn!("grants index write retry {} failed: {write:?}: {}", n + 1, e.message())
                }
            }
        }
        worker::console_error!("grants index write abandoned after {} retries: {write:?}", RETRY_DELAYS_MS.len());
    });
}

async fn attempt(db: &D1Database, config: &Config, write: &IndexWrite, now: i64, n: usize) -> Result<(), ApiError> {
    if config.fault("token.index") || (n == 0 && config.fault("token.index.first")) {
        return Err(ApiError::Internal("injected fault token.index".into()));
    }
    match write {
        IndexWrite::Touch(grant_id) => index::touch(db, grant_id, now).await,
        IndexWrite::Revoked(ids) => index::mark_revoked(db, ids, now).await,
    }
}
