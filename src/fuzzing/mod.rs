//! Fuzzing entry points: one function per `cargo fuzz` target, over the
//! real parsers and validators, each asserting what must hold for *any*
//! input (a failed assertion is a crash the fuzzer reports).
//!
//! Why here and not in `fuzz/`: the fuzz crate (`fuzz/`, libFuzzer, its own
//! lock file, never built by `cargo test` or the wasm build) is a thin
//! `fuzz_target!` per function below, and `cargo test` replays every file
//! of `fuzz/corpus/<target>/` through the *same* functions without
//! sanitizers (`replay_tests`), so the corpora guard `npm test` cheaply.
//! Some parsers are private to their modules; the functions here call
//! only their public entry points (the ones the glue calls), so what is
//! fuzzed is what runs.
//!
//! Properties asserted, beyond "no panic":
//! - `mcp_message`: a parsed message re-serialized parses to the same
//!   message; every refusal is a 4xx (or an in-band 200) JSON-RPC error.
//! - `header_value`: an accepted `=?base64?…?=` value re-encodes to
//!   exactly the input (one spelling per value: canonical padding).
//! - `type_document`: an accepted Type, stored and validated again, is
//!   accepted as the same Type ("accepted ⇒ re-validates").
//! - `arguments`: argument validation is deterministic and equals
//!   compile + check.
//! - `pkce`: a verifier verifies against its own challenge exactly when it
//!   is well formed, and against no other challenge.
//! - `redirect`: an accepted redirect is valid on its own and registered
//!   (byte-equal, or loopback with only the port different).
//! - `jwt`: an edited token never verifies with claims other than the
//!   ones signed; an arbitrary string never verifies.
//! - `cursor`: encode ⇒ decode round-trips; an arbitrary string is never
//!   accepted for another scope.
//! - `semver`: parsing is canonical (the string is the printed triple) and
//!   the next version is greater.
//! - `diff`: a snapshot against itself has no change; a first publish of a
//!   non-empty draft is major.
//! - `ssrf`: no private, loopback, link-local, ... address (or an IPv6
//!   spelling of one) is ever classified public, and an accepted URL is
//!   https (or loopback http under the dev policy) and re-checks the same.
//! - `audit_query`: an accepted query's SQL has one placeholder per bound
//!   argument, and its text depends on which filters are given, never on
//!   their values.

mod audit;
mod mcp;
mod oauth;
mod outbound;
mod projects;

#[cfg(test)]
mod replay_tests;

pub use audit::{audit_query, cursor};
pub use mcp::{header_value, mcp_message};
pub use oauth::{jwt, pkce, redirect};
pub use outbound::ssrf;
pub use projects::{arguments, diff, semver, type_document};

/// A fuzzing entry point: any bytes in, a panic when a property fails.
pub type Target = fn(&[u8]);

/// Every target: its name (the folder under `fuzz/corpus/` and the
/// `fuzz/fuzz_targets/<name>.rs` file) and its entry point.
pub const TARGETS: &[(&str, Target)] = &[
    ("mcp_message", mcp_message),
    ("header_value", header_value),
    ("type_document", type_document),
    ("arguments", arguments),
    ("pkce", pkce),
    ("redirect", redirect),
    ("jwt", jwt),
    ("cursor", cursor),
    ("semver", semver),
    ("diff", diff),
    ("ssrf", ssrf),
    ("audit_query", audit_query),
];

/// `data` as text, lossily (most targets fuzz strings; invalid UTF-8 is
/// what the HTTP layer would have refused or replaced).
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}
