//! The audit record of one MCP request, accumulated along the steps of
//! `serve` and sent at its end (wasm32 glue over `crate::audit::observe`).
//!
//! Each step tells the draft what only it knows — the request facts once
//! the body is read, the verified caller, why a token or grant was refused,
//! that a tool ran, the version served — and [`AuditDraft::finish`] reads
//! the answer itself, stamps `Dockyard-Request-Id` on it and hands the
//! record to `audit_io::send` (after the response, `waitUntil`). A CORS
//! preflight gets neither a record nor the header.

use crate::audit::observe::{self, Hint, RequestFacts, SessionCheck};
use crate::audit::record::{ErrorCode, McpRecord};
use crate::audit::redact;
use crate::crypto;
use crate::http::context::Ctx;
use crate::mcp::{Era, HttpRequest};
use crate::oauth::resource::Resource;
use crate::oauth::tokens::AccessClaims;
use crate::projects::types::{Kind, TypeDoc};
use worker::{Headers, Response, ResponseBody};

pub const HEADER: &str = "Dockyard-Request-Id";

pub struct AuditDraft {
    id: String,
    org: String,
    project: String,
    channel: &'static str,
    preflight: bool,
    facts: RequestFacts,
    version: Option<String>,
    tool_kind: Option<&'static str>,
    user_id: Option<String>,
    client_id: Option<String>,
    grant_id: Option<String>,
    hint: Hint,
    /// A code handler's captured `console.*` lines (bounded); stored in the
    /// encrypted payload only, like the arguments and the result.
    logs: Vec<String>,
    /// Test fault `audit.garbage` plus the request header
    /// `dockyard-test-garbage`: also send malformed queue messages.
    garbage: bool,
}

impl AuditDraft {
    pub fn start(ctx: &Ctx, resource: &Resource, http_method: &str, headers: &[(String, String)]) -> Self {
        let garbage = ctx.config.fault("audit.garbage") && headers.iter().any(|(k, _)| k == "dockyard-test-garbage");
        AuditDraft {
            id: crypto::new_id("req"),
            org: resource.org.clone(),
            project: resource.project.clone(),
            channel: resource.channel().as_str(),
            preflight: http_method.eq_ignore_ascii_case("OPTIONS"),
            facts: RequestFacts { method: http_method.to_ascii_uppercase(), ..Default::default() },
            version: None,
            tool_kind: None,
            user_id: None,
            client_id: None,
            grant_id: None,
            hint: Hint::default(),
            logs: Vec::new(),
            garbage,
        }
    }

    /// Step 2: the request, once its body is read (or refused unread).
    /// `session_key`: the caller's holder key, which a legacy session id is
    /// checked under (`mcp::session::holder_key`).
    pub fn request(&mut self, ctx: &Ctx, req: &HttpRequest, resource: &Resource, session_key: &[u8; 32]) {
        let endpoint_url = resource.canonical_url(&ctx.config.public_url);
        let check = SessionCheck { key: session_key, endpoint_url: &endpoint_url, now_secs: ctx.now.max(0) as u64 };
        self.facts = observe::request_facts(req, &check);
    }

    /// Step 3: a verified token names its grant, client and user.
    pub fn caller(&mut self, claims: &AccessClaims) {
        self.user_id = Some(claims.sub.clone());
        self.client_id = Some(claims.client_id.clone());
        self.grant_id = Some(claims.grant_id.clone());
    }

    /// The request id (`Dockyard-Request-Id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The verified caller's user id, if any.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The verified caller's OAuth client, if any.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// Why the request was refused (or a more precise tool outcome).
    pub fn because(&mut self, code: ErrorCode) {
        self.hint.code = Some(code);
    }

    /// Step 6: the tool was executed.
    /// Step 6: what a code handler wrote to its console.
    pub fn logs(&mut self, logs: Vec<String>) {
        self.logs = logs;
    }

    /// The captured lines (for `serve_capturing_logs`).
    pub fn captured_logs(&self) -> &[String] {
        &self.logs
    }

    pub fn tool_ran(&mut self) {
        self.hint.tool_ran = true;
    }

    /// Step 5: the version served and, for a call, the Type's kind.
    pub fn served(&mut self, version: &str, types: &[TypeDoc]) {
        self.version = Some(version.to_string());
        if let Some(name) = &self.facts.tool {
            self.tool_kind = types.iter().find(|t| &t.name == name).map(|t| match t.kind {
                Kind::Interactive => "interactive",
                Kind::Http => "http",
                Kind::Code => "code",
            });
        }
    }

    /// Stamps the id on the response and sends the record.
    pub fn finish(self, ctx: &Ctx, resp: Response) -> Response {
        if self.preflight {
            return resp;
        }
        let resp = with_request_id(resp, &self.id);
        let status = resp.status_code();
        let content_type = resp.headers().get("Content-Type").ok().flatten().unwrap_or_default();
        let body: &[u8] = match resp.body() {
            ResponseBody::Body(b) => b,
            _ => &[],
        };
        let outcome = observe::reply_facts(status, &content_type, body, &self.facts, self.hint);
        let (args_sha256, args_bytes) = split(self.facts.arguments.as_ref().map(redact::digest));
        let (result_sha256, result_bytes) = split(outcome.result.as_ref().map(redact::digest));
        let now_ms = worker::Date::now().as_millis() as i64;
        let facts = self.facts;
        let record = McpRecord {
            id: self.id,
            at: ctx.now_ms,
            duration_ms: (now_ms - ctx.now_ms).max(0),
            org: self.org,
            project: self.project,
            channel: self.channel.into(),
            version: self.version,
            method: facts.method,
            tool: facts.tool,
            tool_kind: self.tool_kind.map(str::to_string),
            era: facts.era.map(|e| if e == Era::Modern { "modern" } else { "legacy" }.to_string()),
            protocol_version: facts.protocol_version,
            status: outcome.error_code.map_or(crate::audit::Status::Ok, ErrorCode::status),
            error_code: outcome.error_code,
            user_id: self.user_id,
            user_email: None,
            client_id: self.client_id,
            client_name: None,
            grant_id: self.grant_id,
            host_name: facts.host.as_ref().map(|h| h.name.clone()),
            host_version: facts.host.map(|h| h.version),
            args_sha256,
            args_bytes,
            result_sha256,
            result_bytes,
        };
        let payload =
            crate::audit_io::send::Payload { arguments: facts.arguments, result: outcome.result, logs: self.logs };
        crate::audit_io::send::mcp(ctx, record, payload, self.garbage);
        resp
    }
}

fn split(d: Option<(String, i64)>) -> (Option<String>, Option<i64>) {
    match d {
        Some((h, n)) => (Some(h), Some(n)),
        None => (None, None),
    }
}

/// The response with `Dockyard-Request-Id`. A response passed on from the
/// hub (a listen stream) has immutable headers, so it is rebuilt around the
/// same body stream.
fn with_request_id(resp: Response, id: &str) -> Response {
    if resp.headers().set(HEADER, id).is_ok() {
        return resp;
    }
    let headers = Headers::new();
    for (k, v) in resp.headers().entries() {
        let _ = headers.append(&k, &v);
    }
    let _ = headers.set(HEADER, id);
    let status = resp.status_code();
    let (_, body) = resp.into_parts();
    Response::builder().with_status(status).with_headers(headers).body(body)
}
