//! The cron triggers (`[triggers] crons` in wrangler.toml): a small dispatcher
//! of periodic jobs. Each job is one call below, runs on its own (one failing
//! does not stop the next) and reports what it did; the jobs live with the data
//! they repair or purge.
//!
//! - every run: retry membership pushes that did not reach every project hub
//!   (`studio::access_sync::retry_pending`), then push new audit records to the
//!   SIEM webhooks that are due (`audit_io::webhook`);
//! - hourly (`7 * * * *`) and any run that is not the every-minute cron (e.g.
//!   wrangler's trigger route without `cron=`): also purge what expired
//!   (`audit_io::retention`).
//!
//! "Now" is the event's scheduled time, so a test can run the purge as of a
//! later day through `/cdn-cgi/handler/scheduled?time=<ms>`; locally,
//! `wrangler dev --test-scheduled` also serves `GET /__scheduled?cron=...`
//! (the end-to-end harness starts every worker that way). Each run logs one
//! line, `scheduled: {...}` (JSON), when it did anything.

use crate::audit_io::{retention, webhook};
use crate::http::respond::load_config;
use crate::studio::access_sync::{self, SyncEnv};
use serde_json::json;
use worker::{console_error, console_log, Env, ScheduledEvent};

pub const EVERY_MINUTE: &str = "* * * * *";

pub async fn run(event: ScheduledEvent, env: Env) {
    let now_ms = event.schedule() as i64;
    let cron = event.cron();
    let config = match load_config(&env) {
        Ok(c) => c,
        Err(e) => return console_error!("scheduled: not configured: {e:?}"),
    };
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => return console_error!("scheduled: the D1 binding DB is missing: {e}"),
    };
    let mut report = json!({ "cron": cron, "at": now_ms });
    let sync = SyncEnv { env: &env, db: &db, config: &config, now: now_ms / 1000 };
    match access_sync::retry_pending(&sync).await {
        Ok((0, 0)) => {}
        Ok((held, pending)) => report["membership_sync"] = json!({ "held": held, "pending": pending }),
        Err(e) => report["membership_sync"] = json!({ "error": format!("{e:?}") }),
    }
    if cron != EVERY_MINUTE {
        report["purged"] = match retention::purge(&db, now_ms, config.session_idle_secs as i64).await {
            Ok(r) => json!(r),
            Err(e) => json!({ "error": format!("{e:?}") }),
        };
    }
    report["webhooks"] = match webhook::deliver_all(&db, &config, now_ms / 1000).await {
        Ok(r) => json!(r),
        Err(e) => json!({ "error": format!("{e:?}") }),
    };
    console_log!("scheduled: {report}");
}
