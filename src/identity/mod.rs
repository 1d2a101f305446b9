//! Identity: who you are and what you may do.
//!
//! Accounts, passwords, roles -> permissions and scopes, input validation and
//! login rate limiting. Everything here is pure logic (no I/O, no `worker`)
//! so it is unit-tested natively; the runtime glue (D1 queries, Durable
//! Objects, HTTP handlers) lives elsewhere and calls into these modules.

pub mod password;
pub mod ratelimit;
pub mod roles;
pub mod validate;
