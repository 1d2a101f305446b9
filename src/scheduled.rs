//! The cron trigger (`[triggers] crons` in wrangler.toml, every minute): a
//! small dispatcher of periodic jobs. Each job is one line below, runs on its
//! own (one failing does not stop the next) and logs what it did; the jobs
//! live with the data they repair or purge.
//!
//! Jobs: retrying membership pushes that did not reach every project hub
//! (`studio::access_sync::retry_pending`). Later: audit retention purges.
//!
//! Locally, `wrangler dev --test-scheduled` runs it on `GET /__scheduled`
//! (the end-to-end harness starts every worker that way).

use crate::http::respond::load_config;
use crate::studio::access_sync::{self, SyncEnv};
use worker::{console_error, console_log, Env, ScheduledEvent};

pub async fn run(event: ScheduledEvent, env: Env) {
    let config = match load_config(&env) {
        Ok(c) => c,
        Err(e) => return console_error!("scheduled: not configured: {e:?}"),
    };
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => return console_error!("scheduled: the D1 binding DB is missing: {e}"),
    };
    let now = (event.schedule() / 1000.0) as i64;
    let sync = SyncEnv { env: &env, db: &db, config: &config, now };
    match access_sync::retry_pending(&sync).await {
        Ok((0, 0)) => {}
        Ok((held, pending)) => {
            console_log!("scheduled: membership sync: {held} org(s) now hold, {pending} still pending")
        }
        Err(e) => console_error!("scheduled: membership sync: {e:?}"),
    }
}
