//! The scheduled handler (`#[event(scheduled)]`, wasm32 glue): one
//! dispatcher for the cron triggers of wrangler.toml.
//!
//! - every minute ([`EVERY_MINUTE`]): push new audit records to the SIEM
//!   webhooks that are due (`audit_io::webhook`);
//! - hourly (`7 * * * *`): also purge what expired (`audit_io::retention`).
//!
//! A run with any other cron (wrangler's test route without `cron=`) does
//! both. "Now" is the event's scheduled time, so a test can run the purge
//! as of a later day through `/cdn-cgi/handler/scheduled?time=<ms>`. Each
//! run reports what it did in one log line (`scheduled: {...}` JSON).

use crate::audit_io::{retention, webhook};
use crate::http::respond::load_config;
use serde_json::json;
use worker::{Env, ScheduleContext, ScheduledEvent};

pub const EVERY_MINUTE: &str = "* * * * *";

pub async fn run(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now_ms = event.schedule() as i64;
    let cron = event.cron();
    let config = match load_config(&env) {
        Ok(c) => c,
        Err(e) => return worker::console_error!("scheduled: not configured: {e:?}"),
    };
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => return worker::console_error!("scheduled: no D1 binding: {e}"),
    };
    let mut report = json!({ "cron": cron, "at": now_ms });
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
    worker::console_log!("scheduled: {report}");
}
