//! The `code` kind's decisions (pure; `code.rs` is the loader glue and
//! `code_gateway.rs` the outbound glue): what a sandbox is loaded with, what
//! one call sends into it, what its reply means, and whether one of its
//! fetches may leave.
//!
//! Why it is shaped like this:
//! - **One isolate per content hash.** The loader caches an isolate under an
//!   id; ours is the SHA-256 of everything the isolate holds: the handler's
//!   source and its outbound policy (the gateway's `props`, fixed when the
//!   isolate loads). An unchanged handler reuses its isolate, and a draft and
//!   a production call of the same Type share one. A change of the source,
//!   of `allowed_hosts`, of the org allowlist or of `timeout_ms` is a new id,
//!   so a cached isolate never runs with an outdated policy.
//! - **Nothing secret in the isolate.** Secrets and the caller travel with
//!   each call ([`payload`]), never in the isolate's `env`: a cached isolate
//!   holds no secret, and a changed secret is seen by the next call.
//! - **The gateway is the only way out.** Every fetch of a handler reaches
//!   [`gateway_verdict`]: the URL must pass the SSRF guard (https only;
//!   loopback http only under `ALLOW_LOOPBACK_UPSTREAMS`) and its host must be
//!   in the effective allowed hosts (the Type's `allowed_hosts` ∩ the org's
//!   `upstream_hosts`). An empty list allows nothing.
//! - **Bounded everything.** The parent's wall clock (`timeout_ms`) ends a
//!   call whatever the handler does; `limits` (CPU ms, subrequests) are the
//!   platform's in production (local workerd enforces none); the answer, the
//!   captured `console.*` lines and a thrown message are capped.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use super::result::Failure;
use super::DataCall;
use crate::crypto::sha256_hex;
use crate::outbound::allowlist;
use crate::outbound::guard::{self, Policy};
use crate::projects::types::CodeSpec;

/// Bumped when the sandbox modules (`src/js/setup.mjs`, `runner.mjs`)
/// change, so isolates loaded with the old ones are not reused.
pub const RUNTIME_VERSION: &str = "v2";
/// The sandbox's compatibility date (at most the local workerd's build date).
pub const COMPATIBILITY_DATE: &str = "2026-11-17";
/// CPU time of one call in production (the platform's `limits.cpuMs`).
pub const MAX_CPU_MS: u64 = 30_000;
/// Subrequests (fetches) of one call: counted in the sandbox, and the
/// platform's `limits.subRequests` in production.
pub const MAX_SUBREQUESTS: u32 = 50;
/// Captured `console.*` output per call.
pub const MAX_LOG_LINES: usize = 64;
pub const MAX_LOG_BYTES: usize = 8 * 1024;
/// The answer's JSON text (like an `http` backend's body).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// A request body a handler sends, and a response it reads, through the gateway.
pub const MAX_GATEWAY_BYTES: usize = 1024 * 1024;
/// The gateway follows no redirect itself: it answers the 3xx, and the
/// sandbox's fetch brings the next hop through the gateway again.
pub const GATEWAY_REDIRECTS: u8 = 0;

/// What the gateway of one isolate enforces (its `props`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayPolicy {
    /// The effective allowed hosts (`host` or `host:port`), sorted.
    pub allowed_hosts: Vec<String>,
    /// `ALLOW_LOOPBACK_UPSTREAMS`.
    pub allow_loopback: bool,
    /// Each gateway request's deadline: the Type's `timeout_ms`.
    pub deadline_ms: u64,
}

/// Everything decided before a call runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The loader id (see the module doc).
    pub id: String,
    pub policy: GatewayPolicy,
    /// The parent's wall-clock limit.
    pub timeout_ms: u64,
    /// The platform's `limits` of the isolate.
    pub cpu_ms: u64,
}

impl Plan {
    pub fn new(spec: &CodeSpec, call: &DataCall) -> Plan {
        let timeout_ms = spec.timeout_ms_or_default();
        let allowed_hosts = allowlist::intersect(call.upstream_hosts.as_deref(), &spec.allowed_hosts);
        let policy = GatewayPolicy { allowed_hosts, allow_loopback: call.allow_loopback, deadline_ms: timeout_ms };
        Plan { id: loader_id(&spec.source, &policy), policy, timeout_ms, cpu_ms: timeout_ms.min(MAX_CPU_MS) }
    }
}

/// `code-v1-<sha256 of the source and the policy>`.
pub fn loader_id(source: &str, policy: &GatewayPolicy) -> String {
    let policy = serde_json::to_string(policy).unwrap_or_default();
    let digest = sha256_hex(format!("{RUNTIME_VERSION}\n{policy}\n{source}").as_bytes());
    format!("code-{RUNTIME_VERSION}-{digest}")
}

/// The id of a save-time trial load (no outbound, no secrets): its own
/// namespace, so it never shares an isolate with a real call.
pub fn trial_id(source: &str) -> String {
    format!("trial-{RUNTIME_VERSION}-{}", sha256_hex(source.as_bytes()))
}

/// The platform limits of a loaded isolate (`WorkerCode.limits`).
pub fn platform_limits(cpu_ms: u64) -> Value {
    json!({ "cpuMs": cpu_ms, "subRequests": MAX_SUBREQUESTS })
}

/// How much longer than the Type's `timeout_ms` the parent waits for the
/// runner's own timeout answer (which carries the captured `console.*`
/// lines) before it ends the call itself, without them.
pub const RUNNER_GRACE_MS: u64 = 500;

/// What one call sends into the sandbox: `run(args, env)`'s arguments and
/// the runner's per-call bounds, `deadlineMs` (the Type's `timeout_ms`)
/// among them: the runner answers `{kind: "timeout"}` with the lines
/// captured so far when the handler has not finished by then.
pub fn payload(call: &DataCall, deadline_ms: u64) -> Value {
    let c = &call.caller;
    json!({
        "args": call.arguments,
        "env": {
            "secrets": call.secrets,
            "org": c.org,
            "project": c.project,
            "channel": c.channel,
            "caller": c,
        },
        "limits": { "subrequests": MAX_SUBREQUESTS, "lines": MAX_LOG_LINES, "bytes": MAX_LOG_BYTES },
        "deadlineMs": deadline_ms,
    })
}

/// The runner's reply (`src/js/runner.mjs`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reply {
    pub ok: bool,
    /// The answer as JSON text; `None` when it has none (`undefined`, a function).
    #[serde(default)]
    pub json: Option<String>,
    /// `threw`, `no_run`, `unserializable`, `timeout`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub logs: Vec<String>,
    #[serde(default, rename = "droppedLogs")]
    pub dropped_logs: u64,
}

/// What a reply means: the answer for `result::from_answer`, or the failure
/// (`timeout_ms`, the Type's, names the limit of a `timeout` reply).
pub fn answer(reply: &Reply, timeout_ms: u64) -> Result<Value, Failure> {
    if reply.ok {
        let Some(text) = &reply.json else { return Err(Failure::NotAnObject) };
        if text.len() > MAX_ANSWER_BYTES {
            return Err(Failure::TooLarge { limit_bytes: MAX_ANSWER_BYTES });
        }
        return serde_json::from_str(text).map_err(|_| Failure::InvalidJson);
    }
    Err(match reply.kind.as_str() {
        "timeout" => Failure::HandlerTimeout { limit_ms: timeout_ms },
        "no_run" => Failure::HandlerThrew("the module's default export has no run(args, env) function".into()),
        "unserializable" => Failure::HandlerThrew(format!("its answer is not JSON: {}", reply.message)),
        _ if reply.name.is_empty() => Failure::HandlerThrew(reply.message.clone()),
        _ => Failure::HandlerThrew(format!("{}: {}", reply.name, reply.message)),
    })
}

/// The captured lines, bounded again here (the sandbox bounds them first,
/// but its word is not trusted), with a last line counting what was dropped.
pub fn bounded_logs(reply: &Reply) -> Vec<String> {
    let mut out = Vec::new();
    let mut bytes = 0;
    let mut dropped = reply.dropped_logs;
    for line in &reply.logs {
        if out.len() == MAX_LOG_LINES || bytes + line.len() > MAX_LOG_BYTES {
            dropped += 1;
            continue;
        }
        bytes += line.len();
        out.push(line.clone());
    }
    if dropped > 0 {
        out.push(format!("({dropped} more console lines were not kept)"));
    }
    out
}

/// A call that failed outside the handler (the loader or the RPC rejected):
/// the runtime's text mapped to a failure the caller may see.
pub fn rpc_failure(text: &str, timeout_ms: u64) -> Failure {
    if text.contains("hung and would never generate a response") {
        // The runtime noticed that nothing can ever resolve the handler's
        // promise (no timer, no I/O pending) before the wall clock did.
        return Failure::HandlerTimeout { limit_ms: timeout_ms };
    }
    if let Some(problem) = load_problem(text) {
        return Failure::HandlerThrew(problem);
    }
    Failure::Unavailable("the code runtime could not run its handler".into())
}

/// A load failure of the handler's module ("Failed to start Worker: ..."),
/// as a sentence naming the line: `SyntaxError: Unexpected token ';' (line 2)`.
/// `None` when the text is not a load failure.
pub fn load_problem(text: &str) -> Option<String> {
    let rest = text.split_once("Failed to start Worker:")?.1.trim_start();
    let first = rest.lines().next().unwrap_or("").trim();
    let error = first.strip_prefix("Uncaught ").unwrap_or(first);
    let error = if error.is_empty() { "the module could not be loaded" } else { error };
    Some(match error_line(rest) {
        Some(line) => format!("{error} (line {line})"),
        None => error.to_string(),
    })
}

/// The line of `handler.js:<line>:<col>` in a runtime error text.
pub fn error_line(text: &str) -> Option<u32> {
    let after = text.split_once("handler.js:")?.1;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// May a handler's fetch of `raw` leave? The URL to fetch (normalized), or
/// the refusal the handler sees.
pub fn gateway_verdict(policy: &GatewayPolicy, raw: &str) -> Result<Url, String> {
    let guard_policy = Policy { allow_loopback: policy.allow_loopback };
    let url = guard::check(raw, guard_policy).map_err(|r| format!("the URL {r}"))?;
    if !allowlist::allows_with(Some(&policy.allowed_hosts), &url, guard_policy) {
        let host = url.host_str().unwrap_or("");
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        return Err(if policy.allowed_hosts.is_empty() {
            format!("{host}{port} is not allowed: this tool's effective allowed_hosts is empty")
        } else {
            format!("{host}{port} is not in this tool's allowed hosts ({})", policy.allowed_hosts.join(", "))
        });
    }
    Ok(url)
}

/// Request headers a handler may not set through the gateway: the
/// connection's own and the platform's.
pub fn forwards_request_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer"]
        .contains(&n.as_str())
        || n.starts_with("proxy-")
        || n.starts_with("cf-")
        || n.starts_with("x-forwarded-"))
}

/// Response headers passed back to the handler. The body arrives already
/// decoded and measured, so its encoding and length do not; nor does the
/// gateway's own refusal marker, which only the gateway may set.
pub fn forwards_response_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !["content-encoding", "content-length", "transfer-encoding", "connection", "dockyard-refused"].contains(&n.as_str())
}

#[cfg(test)]
#[path = "code_plan_tests.rs"]
mod tests;
