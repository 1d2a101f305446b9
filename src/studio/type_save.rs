//! What a Type save (`PUT .../draft/types/<name>`) checks beyond the pure
//! rules of `projects::types`, and where their inputs come from.
//!
//! - The project's secret names (both channels) come from the hub in the
//!   same `/draft/get` hop the save already makes (`with_secret_names`), so
//!   "this secret exists" costs no extra hop. A secret deleted between that
//!   read and the write is not caught here; the call then fails as "secret
//!   missing" and the next publish warns.
//! - The org's `upstream_hosts` come from D1 (one read per save).
//! - [`runtime_checks`]: checks that need the sandbox, run after the pure
//!   ones; today the `code` kind's trial load ([`code_trial_load`]).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::http::context::Ctx;
use crate::projects::types::{CodeSpec, Problem, ValidationOptions, MAX_CODE_SOURCE_BYTES};

/// The options of one save: the dev flag, the secret names the hub answered
/// (`secret_names: {draft: [...], production: [...]}` of `/draft/get`), the
/// org allowlist.
pub fn options(ctx: &Ctx, draft_answer: &Value, upstream_hosts: Option<Vec<String>>) -> ValidationOptions {
    let mut names = BTreeSet::new();
    for channel in ["draft", "production"] {
        if let Some(list) = draft_answer["secret_names"][channel].as_array() {
            names.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    ValidationOptions {
        allow_loopback_upstreams: ctx.config.allow_loopback_upstreams,
        secret_names: Some(names),
        upstream_hosts,
    }
}

/// The checks that need the runtime, for the document as sent (`raw`
/// parsed), run whether or not the pure checks passed so one 422 lists
/// everything: a `code` Type whose source passed its own pure checks
/// (`pure` holds no problem under `/code/source`) is trial-loaded.
pub async fn runtime_checks(ctx: &Ctx, doc: &Value, pure: &[Problem]) -> Vec<Problem> {
    if doc["kind"] != "code" || pure.iter().any(|p| p.path == "/code" || p.path.starts_with("/code/source")) {
        return Vec::new();
    }
    let Some(source) = doc["code"]["source"].as_str().filter(|s| !s.trim().is_empty()) else {
        return Vec::new();
    };
    if source.len() > MAX_CODE_SOURCE_BYTES {
        return Vec::new();
    }
    let spec = CodeSpec { source: source.to_string(), allowed_hosts: Vec::new(), timeout_ms: None };
    code_trial_load(ctx, &spec).await
}

/// The `code` kind's trial load (`tools::code::trial`): `code.source` in
/// the sandbox with no outbound access and no secrets; a problem at
/// `/code/source` (naming the line of a syntax error) when it does not load
/// or has no default export with `run`. Empty = it loads.
async fn code_trial_load(ctx: &Ctx, code: &CodeSpec) -> Vec<Problem> {
    match crate::tools::code::trial(ctx, &code.source).await {
        Ok(()) => Vec::new(),
        Err(problem) => vec![Problem::new("/code/source", problem)],
    }
}
