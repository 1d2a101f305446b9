//! The audit log's I/O (wasm32 glue): records leave the hot path through
//! Cloudflare Queues and land in D1; the scheduled handler purges and
//! pushes them to an org's SIEM webhook. What a record is, and every
//! decision about its content, is in the pure `crate::audit`.
//!
//! Write path (docs/AUDIT.md, "Guarantees"):
//! 1. the MCP endpoint builds the record at the end of `serve` and hands it
//!    to [`send::mcp`], which runs after the response (`ctx.defer`, i.e.
//!    `waitUntil`): if the org stores payloads, they are redacted and
//!    encrypted here, then the message is sent to `AUDIT_QUEUE`;
//! 2. if the queue refuses the send, the record is inserted into D1
//!    directly (the same idempotent statement), and only if that fails too
//!    is it logged whole as a last resort;
//! 3. [`consumer::consume`] validates each message, inserts the batch in
//!    one D1 batch (a transaction), idempotent on the record id, and acks;
//!    a D1 failure retries the batch (redelivery never duplicates); a
//!    malformed message is logged, counted in `audit_dropped` and acked.
//!
//! Why Queues and not the project's Durable Object: bench/README.md
//! ("Audit ingestion: Queues vs a Durable Object buffer") and docs/AUDIT.md.

pub mod actions;
pub mod consumer;
pub mod retention;
pub mod send;
pub mod settings_cache;
pub mod webhook;

/// The queue binding (wrangler.toml `[[queues.producers]]`).
pub const QUEUE_BINDING: &str = "AUDIT_QUEUE";
