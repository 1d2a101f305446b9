//! Dockyard: MCP servers for organizations, on Cloudflare Workers.
//!
//! The runtime line: `audit`, `config`, `crypto`, `http` (route, error, body, html,
//! page), `identity`, `mcp`, `oauth`, `projects`, `schema` and `outbound` (all but its
//! `fetch`) are plain Rust with no `worker` import, so `cargo test` runs them
//! natively (`scripts/runtime-line.sh` enforces it). The glue
//! that touches the Workers runtime (`app`, `objects`, `store`, `studio`) is
//! compiled for wasm32 only; the `worker` crate is a wasm32-only dependency.
//!
//! Three entry points: `fetch` (every request, `app`), `queue` (audit records
//! into D1, `audit_io::consumer`) and `scheduled` (the cron triggers,
//! `scheduled`: membership push retries, audit retention and SIEM webhooks).

pub mod audit;
pub mod config;
pub mod crypto;
#[doc(hidden)]
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzzing;
pub mod http;
pub mod identity;
pub mod mcp;
pub mod oauth;
pub mod outbound;
pub mod projects;
pub mod schema;
pub mod tools;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod audit_io;
#[cfg(target_arch = "wasm32")]
mod authz;
#[cfg(target_arch = "wasm32")]
mod endpoint;
#[cfg(target_arch = "wasm32")]
mod objects;
#[cfg(target_arch = "wasm32")]
mod scheduled;
#[cfg(target_arch = "wasm32")]
mod store;
#[cfg(target_arch = "wasm32")]
mod studio;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

#[cfg(target_arch = "wasm32")]
#[worker::event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(req: worker::Request, env: worker::Env, ctx: worker::Context) -> worker::Result<worker::Response> {
    app::handle(req, env, ctx).await
}

/// Audit records from the queue into D1 (`audit_io::consumer`).
#[cfg(target_arch = "wasm32")]
#[worker::event(queue)]
async fn queue(
    batch: worker::MessageBatch<serde_json::Value>,
    env: worker::Env,
    _ctx: worker::Context,
) -> worker::Result<()> {
    audit_io::consumer::consume(batch, env).await
}

/// Cron triggers (`scheduled`).
#[cfg(target_arch = "wasm32")]
#[worker::event(scheduled)]
async fn on_schedule(event: worker::ScheduledEvent, env: worker::Env, _ctx: worker::ScheduleContext) {
    scheduled::run(event, env).await;
}
