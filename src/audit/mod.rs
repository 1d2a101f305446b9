//! The audit log, pure: what a record is, how a request becomes one, how the
//! log is queried, paged, exported and aggregated. No `worker` import, no
//! clock, no I/O: `cargo test` runs all of it natively, and the wasm32 glue
//! (`crate::audit_io`, `crate::store::audit`, `crate::studio::audit`) only
//! moves bytes between this module and the runtime.
//!
//! Why a module of its own: the audit log answers two questions an admin
//! must be able to answer at any moment — who can reach our tools, and what
//! did they do with them — so every decision about its shape is written down
//! in one place, next to its tests. The field list, the `status` and
//! `error_code` taxonomy and the guarantees are in `docs/AUDIT.md`.
//!
//! - [`record`]: the MCP record (exactly the field names), the
//!   management-action record, the status and error-code enums, and the
//!   queue message that carries either (validated on the way in);
//! - [`observe`]: from one MCP request and its answer to the record's
//!   method, tool, era, protocol version, host, status and error code;
//! - [`redact`]: secret-looking keys redacted, canonical JSON, hashes and
//!   the (capped) payload that is encrypted when an org turns payloads on;
//! - [`query`]: query-string parsing with a 400 naming the parameter, and the
//!   SQL `WHERE` clause it means (bound parameters only);
//! - [`cursor`]: opaque page cursors, HMAC-bound to the org and the filter;
//! - [`export`]: NDJSON and CSV (with formula-injection guard);
//! - [`stats`]: intervals, the per-tool aggregate SQL and the series;
//! - [`settings`]: the org's audit settings, the webhook URL check and the
//!   webhook signature.

pub mod cursor;
pub mod export;
pub mod observe;
pub mod query;
pub mod record;
pub mod redact;
pub mod settings;
pub mod stats;

pub use record::{ActionRecord, ErrorCode, McpRecord, Status};
