//! The records of the audit log and the one fixed taxonomy of outcomes.
//!
//! An [`McpRecord`] has exactly the keys of the issue, in that order, in the
//! API, NDJSON and CSV alike ([`FIELDS`]); every key is always present
//! (`null` when it does not apply), so a consumer never has to guess whether
//! a missing key means "unknown" or "not sent". An [`ActionRecord`] is a
//! management action (publish, revoke, member change, ...): a separate shape
//! and table, because none of the MCP fields apply to it.
//!
//! Every record reaches D1 through the queue as a [`QueueMessage`]. The
//! consumer trusts nothing: [`QueueMessage::decode`] checks the shape, the
//! enums, the lengths and that `status` agrees with `error_code`, so a
//! malformed message is dropped (and counted) instead of being retried
//! forever or inserted half-valid.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The keys of an MCP record, in order (the CSV header row).
pub const FIELDS: [&str; 25] = [
    "id",
    "at",
    "duration_ms",
    "org",
    "project",
    "channel",
    "version",
    "method",
    "tool",
    "tool_kind",
    "era",
    "protocol_version",
    "status",
    "error_code",
    "user_id",
    "user_email",
    "client_id",
    "client_name",
    "grant_id",
    "host_name",
    "host_version",
    "args_sha256",
    "args_bytes",
    "result_sha256",
    "result_bytes",
];

/// One HTTP request to an MCP endpoint (CORS preflights excepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpRecord {
    /// The request id (`req_<32 hex>`), also sent as `Dockyard-Request-Id`.
    pub id: String,
    /// Unix milliseconds when the request arrived.
    pub at: i64,
    /// Until the response (for a listen stream: until the stream opened).
    pub duration_ms: i64,
    /// Org slug.
    pub org: String,
    /// Project slug.
    pub project: String,
    /// `draft` or `production`.
    pub channel: String,
    /// The published version served, `draft-r<revision>`, `unpublished`, or
    /// `null` when the request was refused before the project was read.
    pub version: Option<String>,
    /// The JSON-RPC method, or the HTTP method for non-POST requests (and for
    /// a POST whose body is not a JSON-RPC request).
    pub method: String,
    /// The tool name of a `tools/call`.
    pub tool: Option<String>,
    /// The Type's `kind` (`interactive`, `http`) when the tool exists.
    pub tool_kind: Option<String>,
    /// `modern` or `legacy`.
    pub era: Option<String>,
    pub protocol_version: Option<String>,
    pub status: Status,
    pub error_code: Option<ErrorCode>,
    pub user_id: Option<String>,
    /// Filled in at ingestion from D1 (the email at that moment).
    pub user_email: Option<String>,
    pub client_id: Option<String>,
    /// Filled in at ingestion from the client's metadata (`client_name`).
    pub client_name: Option<String>,
    pub grant_id: Option<String>,
    pub host_name: Option<String>,
    pub host_version: Option<String>,
    pub args_sha256: Option<String>,
    pub args_bytes: Option<i64>,
    pub result_sha256: Option<String>,
    pub result_bytes: Option<i64>,
}

/// The outcome class of a request (the `status` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Ok,
    /// Bad arguments, protocol errors, HTTP-level 400/405/406/413/415.
    Invalid,
    /// 401, 403, Origin refused, a hidden tool, a missing scope.
    Denied,
    RateLimited,
    /// A tool ran and failed (handler error, output-schema mismatch).
    ToolError,
    /// A data tool's backend failed or timed out.
    UpstreamError,
    /// Our side failed (5xx).
    Error,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Ok,
        Status::Invalid,
        Status::Denied,
        Status::RateLimited,
        Status::ToolError,
        Status::UpstreamError,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Invalid => "invalid",
            Status::Denied => "denied",
            Status::RateLimited => "rate_limited",
            Status::ToolError => "tool_error",
            Status::UpstreamError => "upstream_error",
            Status::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal => $status:ident, )*) => {
        /// Why a request did not end `ok`: one fixed taxonomy (docs/AUDIT.md).
        /// Each code belongs to exactly one [`Status`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// The status this code belongs to.
            pub fn status(self) -> Status {
                match self { $(ErrorCode::$variant => Status::$status,)* }
            }
        }
    };
}

error_codes! {
    /// 403: the `Origin` header names a site that may not call this endpoint.
    OriginRefused = "origin_refused" => Denied,
    /// 401: no access token on a draft or private endpoint.
    TokenMissing = "token_missing" => Denied,
    /// 401: the token is malformed, forged, signed by an unknown key or issuer.
    TokenInvalid = "token_invalid" => Denied,
    /// 401: the token expired (or is not valid yet).
    TokenExpired = "token_expired" => Denied,
    /// 401: the token is for another endpoint (production vs draft, another project).
    TokenWrongAudience = "token_wrong_audience" => Denied,
    /// 401: the token's grant was revoked.
    GrantRevoked = "grant_revoked" => Denied,
    /// 401: the token's grant does not exist (any more).
    GrantUnknown = "grant_unknown" => Denied,
    /// 401: the grant belongs to another endpoint.
    GrantWrongEndpoint = "grant_wrong_endpoint" => Denied,
    /// 401: the user is no longer a member of the organization.
    NotAMember = "not_a_member" => Denied,
    /// 401: the member's role lacks `endpoint.draft` / `endpoint.production`.
    ChannelNotAllowed = "channel_not_allowed" => Denied,
    /// 401: the project does not exist (answered like a private one).
    ProjectUnknown = "project_unknown" => Denied,
    /// 403 `insufficient_scope`: the call needs scopes the token lacks (step-up).
    InsufficientScope = "insufficient_scope" => Denied,
    /// -32602 to the client: the Type needs a scope the member's role lacks.
    ToolHidden = "tool_hidden" => Denied,
    /// `isError`: calling tools needs `tools:call`.
    CallScopeMissing = "call_scope_missing" => Denied,
    /// 400: the access token was sent in the query string.
    TokenInQuery = "token_in_query" => Invalid,
    /// 413: the body exceeds 1 MiB.
    PayloadTooLarge = "payload_too_large" => Invalid,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type" => Invalid,
    /// 406: `Accept` does not allow what the answer is.
    NotAcceptable = "not_acceptable" => Invalid,
    /// 405: a method the endpoint does not serve (in this era).
    MethodNotAllowed = "method_not_allowed" => Invalid,
    /// -32700: the body is not JSON.
    ParseError = "parse_error" => Invalid,
    /// -32600: not a valid JSON-RPC request (batches, bad framing).
    InvalidRequest = "invalid_request" => Invalid,
    /// -32020: a standard header disagrees with the body.
    HeaderMismatch = "header_mismatch" => Invalid,
    /// -32022: a protocol version we do not speak.
    UnsupportedProtocolVersion = "unsupported_protocol_version" => Invalid,
    /// -32602: invalid params (missing `_meta`, a bad cursor, ...).
    InvalidParams = "invalid_params" => Invalid,
    /// -32601: an unknown method.
    MethodNotFound = "method_not_found" => Invalid,
    /// 400: a legacy request without `Mcp-Session-Id`.
    SessionRequired = "session_required" => Invalid,
    /// 404: a legacy session id that is unknown, forged, expired or ended.
    SessionNotFound = "session_not_found" => Invalid,
    /// -32602: `tools/call` of a tool that does not exist.
    UnknownTool = "unknown_tool" => Invalid,
    /// `isError`: the arguments do not match the Type's input schema.
    InvalidArguments = "invalid_arguments" => Invalid,
    /// -32002 / -32602: `resources/read` of a resource that does not exist.
    ResourceNotFound = "resource_not_found" => Invalid,
    /// 429.
    RateLimited = "rate_limited" => RateLimited,
    /// `isError` from a tool that ran.
    ToolFailed = "tool_failed" => ToolError,
    /// The tool's result does not match its `outputSchema`.
    OutputSchemaMismatch = "output_schema_mismatch" => ToolError,
    /// `isError`: a data tool whose kind cannot run in this build (the `code` runtime).
    DataToolUnavailable = "data_tool_unavailable" => ToolError,
    /// `isError`: a data tool names a project secret without a value in this channel.
    SecretMissing = "secret_missing" => ToolError,
    /// `isError`: a `code` handler threw.
    HandlerThrew = "handler_threw" => ToolError,
    /// `isError`: a `code` handler did not finish within its `timeout_ms`.
    HandlerTimeout = "handler_timeout" => ToolError,
    /// `isError`: a `code` handler returned something that is not a valid result (or too large).
    HandlerInvalid = "handler_invalid" => ToolError,
    /// `isError`: the project's data-tool rate window (per minute) is full.
    DataToolRateLimited = "data_tool_rate_limited" => RateLimited,
    /// `isError`: a data tool's backend answered a non-2xx status.
    UpstreamFailed = "upstream_failed" => UpstreamError,
    /// `isError`: a data tool's backend did not answer within the Type's `timeout_ms`.
    UpstreamTimeout = "upstream_timeout" => UpstreamError,
    /// `isError`: a backend's answer is not JSON, not an object, or a malformed MCP result.
    UpstreamInvalid = "upstream_invalid" => UpstreamError,
    /// `isError`: a backend's answer is larger than 1 MiB (decompressed).
    UpstreamTooLarge = "upstream_too_large" => UpstreamError,
    /// `isError`: the SSRF guard or the org allowlist refused the URL or a redirect.
    UpstreamRefused = "upstream_refused" => UpstreamError,
    /// `isError`: the backend could not be reached (connection, redirects).
    UpstreamUnreachable = "upstream_unreachable" => UpstreamError,
    /// `isError`: our side failed before a data tool ran (logged).
    DataToolInternal = "data_tool_internal" => Error,
    /// 500: our side failed.
    Internal = "internal_error" => Error,
    /// 503: the instance is misconfigured.
    Unavailable = "unavailable" => Error,
}

impl ErrorCode {
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

/// A management action (not an MCP request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRecord {
    /// `act_<32 hex>`.
    pub id: String,
    pub at: i64,
    /// Org slug; `null` for account-level actions (API tokens).
    pub org: Option<String>,
    pub actor_id: String,
    pub actor_email: String,
    /// `session`, `token` (a personal API token), `signup` (an invitation
    /// accepted while creating the account) or `system` (no person: the cron
    /// trigger; `actor_id` and `actor_email` are then [`SYSTEM_ACTOR`]).
    pub via: String,
    pub action: Action,
    /// What was acted on: a project slug, a user id, a grant id, ...
    pub target: String,
    /// Redacted details (the new role, the version, the count, ...).
    pub details: Value,
}

/// The actor (`actor_id`, `actor_email`, `via`) of what no person did: the
/// grants the cron trigger's membership sync revoked (`grant.revoke_sync`).
pub const SYSTEM_ACTOR: &str = "system";

macro_rules! actions {
    ($( $variant:ident = $name:literal, )*) => {
        /// What a management action did.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $( $variant, )*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }
        }
    };
}

actions! {
    ProjectCreate = "project.create",
    ProjectVisibility = "project.visibility",
    ProjectDataRate = "project.data_rate",
    ProjectPublish = "project.publish",
    ProjectPromote = "project.promote",
    ProjectDelete = "project.delete",
    GrantRevoke = "grant.revoke",
    GrantRevokeBulk = "grant.revoke_bulk",
    GrantRevokeSync = "grant.revoke_sync",
    MemberAdd = "member.add",
    MemberRoleChange = "member.role_change",
    MemberRemove = "member.remove",
    RoleCreate = "role.create",
    RoleUpdate = "role.update",
    RoleDelete = "role.delete",
    InvitationCreate = "invitation.create",
    InvitationRevoke = "invitation.revoke",
    InvitationAccept = "invitation.accept",
    ApiTokenCreate = "api_token.create",
    ApiTokenDelete = "api_token.delete",
    PasswordChange = "account.password_change",
    AuditSettings = "audit.settings",
    SecretSet = "secret.set",
    SecretDelete = "secret.delete",
    OrgUpstreamHosts = "org.upstream_hosts",
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

/// serde for the three word enums as their `as_str` words, through `parse`.
/// Written out instead of derived: the derive builds a field visitor per enum
/// that matches every name twice (as `str` and as bytes) for each
/// deserializer, about 9 KB of wasm for `ErrorCode` alone (bench/README.md,
/// "Bundle size"); this is one `String` read and the `parse` that exists.
macro_rules! word_serde {
    ($($t:ident = $what:literal),*) => {$(
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = String::deserialize(d)?;
                $t::parse(&word).ok_or_else(|| serde::de::Error::custom(format!("unknown {} `{word}`", $what)))
            }
        }
    )*};
}

word_serde!(Status = "status", ErrorCode = "error code", Action = "action");

/// What travels through the queue. `payload` is the encrypted payload
/// (`v1.<iv>.<ciphertext>`) when the org stores payloads.
// One value per message, built once and moved: boxing the larger variant
// would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QueueMessage {
    Mcp {
        v: u32,
        record: McpRecord,
        #[serde(default)]
        payload: Option<String>,
    },
    Action {
        v: u32,
        record: ActionRecord,
    },
}

/// The message format version this build writes and reads.
pub const MESSAGE_VERSION: u32 = 1;
/// Longest string value accepted in a record (host names, tool names, ...).
const MAX_TEXT: usize = 2048;
/// Longest encrypted payload accepted (it is capped before encryption).
const MAX_PAYLOAD_TEXT: usize = 100 * 1024;

impl QueueMessage {
    /// Validates a message body from the queue; `Err` says why it is dropped.
    pub fn decode(body: &Value) -> Result<QueueMessage, String> {
        let msg: QueueMessage =
            serde_json::from_value(body.clone()).map_err(|e| format!("not an audit message: {e}"))?;
        match &msg {
            QueueMessage::Mcp { v, record, payload } => {
                check_version(*v)?;
                check_mcp(record)?;
                if payload.as_ref().is_some_and(|p| p.len() > MAX_PAYLOAD_TEXT || !p.starts_with("v1.")) {
                    return Err("payload is not an encrypted payload of this format".into());
                }
            }
            QueueMessage::Action { v, record } => {
                check_version(*v)?;
                check_action(record)?;
            }
        }
        Ok(msg)
    }

    pub fn id(&self) -> &str {
        match self {
            QueueMessage::Mcp { record, .. } => &record.id,
            QueueMessage::Action { record, .. } => &record.id,
        }
    }
}

fn check_version(v: u32) -> Result<(), String> {
    if v == MESSAGE_VERSION {
        Ok(())
    } else {
        Err(format!("message version {v} is not {MESSAGE_VERSION}"))
    }
}

fn check_id(id: &str, prefix: &str) -> Result<(), String> {
    let hex = id.strip_prefix(prefix).unwrap_or("");
    if hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!("id {:?} is not {prefix}<32 hex>", truncate(id)))
    }
}

fn check_mcp(r: &McpRecord) -> Result<(), String> {
    check_id(&r.id, "req_")?;
    if r.at <= 0 || r.duration_ms < 0 {
        return Err("at must be positive and duration_ms not negative".into());
    }
    if r.channel != "draft" && r.channel != "production" {
        return Err(format!("channel {:?} is not draft or production", truncate(&r.channel)));
    }
    if r.era.as_deref().is_some_and(|e| e != "modern" && e != "legacy") {
        return Err("era is not modern or legacy".into());
    }
    match (r.status, r.error_code) {
        (Status::Ok, None) => {}
        (Status::Ok, Some(_)) => return Err("an ok record carries no error_code".into()),
        (s, None) => return Err(format!("status {} needs an error_code", s.as_str())),
        (s, Some(c)) if c.status() != s => {
            return Err(format!("error_code {} does not belong to status {}", c.as_str(), s.as_str()))
        }
        _ => {}
    }
    let texts = [
        Some(&r.org),
        Some(&r.project),
        Some(&r.method),
        r.version.as_ref(),
        r.tool.as_ref(),
        r.tool_kind.as_ref(),
        r.protocol_version.as_ref(),
        r.user_id.as_ref(),
        r.user_email.as_ref(),
        r.client_id.as_ref(),
        r.client_name.as_ref(),
        r.grant_id.as_ref(),
        r.host_name.as_ref(),
        r.host_version.as_ref(),
        r.args_sha256.as_ref(),
        r.result_sha256.as_ref(),
    ];
    if texts.iter().flatten().any(|t| t.len() > MAX_TEXT) {
        return Err(format!("a text field is longer than {MAX_TEXT} bytes"));
    }
    if r.org.is_empty() || r.project.is_empty() || r.method.is_empty() {
        return Err("org, project and method must not be empty".into());
    }
    Ok(())
}

fn check_action(r: &ActionRecord) -> Result<(), String> {
    check_id(&r.id, "act_")?;
    if r.at <= 0 {
        return Err("at must be positive".into());
    }
    if !["session", "token", "signup", "system"].contains(&r.via.as_str()) {
        return Err("via is not session, token, signup or system".into());
    }
    let texts = [Some(&r.actor_id), Some(&r.actor_email), Some(&r.target), r.org.as_ref()];
    if texts.iter().flatten().any(|t| t.len() > MAX_TEXT) || r.details.to_string().len() > 16 * 1024 {
        return Err("a field is too long".into());
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
#[path = "record_tests.rs"]
pub(crate) mod tests;
