//! The Type model (one tool of a project) and its validation.
//!
//! Why two layers: `schema/type.schema.json` is the published contract of the
//! document's shape (clients and the Studio can use it too), so structural
//! rules live there and are checked first. What a schema cannot say well is
//! checked in `type_checks`: the name equals the URL and is unique, the
//! embedded `input_schema` really compiles as a JSON Schema 2020-12 object
//! schema without network `$ref`, kind-specific `ui`/`http`/`code`, byte
//! limits; the data kinds' rules (the upstream URL against the SSRF guard and
//! the org allowlist, header names, secrets that exist, `code.allowed_hosts`)
//! are in `data_checks`. What needs the runtime (a `code` source's trial load)
//! runs after these, in the save glue (`studio::type_save`). Every layer runs
//! on every document and all their problems are returned together (422 lists
//! everything), in the order of `problem::finish` (by JSON Pointer, then
//! message).
//!
//! Schemas are compiled with Dockyard's own 2020-12 validator
//! (`crate::schema`), which resolves references only inside the document:
//! Dockyard never fetches a schema.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::problem::finish;
pub use super::problem::Problem;
use super::type_checks;
use crate::schema::{CompileError, Validator};

/// A Type document may be at most 1 MiB, as sent and as stored. The whole
/// draft has its own bound (`limits::MAX_DRAFT_BYTES`).
pub const MAX_TYPE_BYTES: usize = 1024 * 1024;
/// `ui.html` may be at most 512 KiB (UTF-8 bytes).
pub const MAX_UI_HTML_BYTES: usize = 512 * 1024;
/// `http.timeout_ms` and `code.timeout_ms` may be at most 60 s (the
/// platform's wall-clock ceiling for a handler, and Metabind's).
pub const MAX_DATA_TOOL_TIMEOUT_MS: u64 = 60_000;
/// Used when a data Type gives no `timeout_ms`.
pub const DEFAULT_DATA_TOOL_TIMEOUT_MS: u64 = 10_000;
/// `code.source` may be at most 256 KiB (UTF-8 bytes).
pub const MAX_CODE_SOURCE_BYTES: usize = 256 * 1024;
/// The JSON Schema of a Type document (`schema/type.schema.json`).
pub const TYPE_SCHEMA_JSON: &str = include_str!("../../schema/type.schema.json");

/// One tool of a project, as stored in drafts and published snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDoc {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub description: String,
    pub kind: Kind,
    pub input_schema: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<UiSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An MCP Apps tool: arguments come back as `structuredContent`, the UI
    /// is `ui.html` served as `ui://<project>/<name>`.
    Interactive,
    /// A data tool: arguments are POSTed, signed, to `http.url`.
    Http,
    /// A data tool: `code.source`'s default export `run(args, env)` runs in
    /// a sandboxed isolate.
    Code,
}

/// The MCP Apps UI of an interactive Type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiSpec {
    pub html: String,
    /// `{connectDomains, resourceDomains, frameDomains, baseUriDomains}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csp: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefers_border: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// The upstream of an http Type.
///
/// Decoding never fails on what older releases stored: `headers` values
/// that are plain strings are [`HeaderValue::Plain`], and an `http` without
/// `secret` decodes with an empty one (the save checks refuse that, so
/// only a Type saved before `secret` became required has it; a call of such
/// a Type fails as "secret missing").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpSpec {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, HeaderValue>>,
    /// Name of the project secret whose HMAC-SHA256 signs the body
    /// (`Dockyard-Signature`). Required at save.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret: String,
}

/// A configured request header: a literal, or a value taken from a project
/// secret (`{"secret": "<name>", "prefix": "Bearer "}`), resolved per call
/// in the caller's channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    Plain(String),
    Secret {
        secret: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        prefix: String,
    },
}

impl HttpSpec {
    /// `timeout_ms`, or [`DEFAULT_DATA_TOOL_TIMEOUT_MS`] when not given.
    pub fn timeout_ms_or_default(&self) -> u64 {
        self.timeout_ms.unwrap_or(DEFAULT_DATA_TOOL_TIMEOUT_MS)
    }

    /// Every project secret a call needs, sorted and unique: `secret` and
    /// the secret-backed headers (the names `values_for` is asked for).
    pub fn secret_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::iter::once(self.secret.clone())
            .filter(|s| !s.is_empty())
            .chain(self.headers.iter().flatten().filter_map(|(_, v)| match v {
                HeaderValue::Secret { secret, .. } => Some(secret.clone()),
                HeaderValue::Plain(_) => None,
            }))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The handler of a code Type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSpec {
    /// An ES module whose default export has `async run(args, env)`.
    pub source: String,
    /// Hosts (optionally `:port`) the handler's `fetch` may reach; further
    /// narrowed by the org's `upstream_hosts` (intersection).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl CodeSpec {
    /// `timeout_ms`, or [`DEFAULT_DATA_TOOL_TIMEOUT_MS`] when not given.
    pub fn timeout_ms_or_default(&self) -> u64 {
        self.timeout_ms.unwrap_or(DEFAULT_DATA_TOOL_TIMEOUT_MS)
    }
}

/// Settings and project facts that change what validation accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationOptions {
    /// `ALLOW_LOOPBACK_UPSTREAMS`: lets `http.url` point at localhost,
    /// 127.0.0.0/8 or `[::1]` (and use plain `http://` there), and
    /// `code.allowed_hosts` list loopback. Dev/tests only.
    pub allow_loopback_upstreams: bool,
    /// The names of the project's secrets that have a value in either
    /// channel; `None` skips the "secret exists" check (pure tests of other
    /// rules). The Type save always passes them.
    pub secret_names: Option<BTreeSet<String>>,
    /// The org's `upstream_hosts` (`None`: no org allowlist).
    pub upstream_hosts: Option<Vec<String>>,
}

/// Type names that collide with Studio paths (`/studio/<org>/<project>/types/new`
/// and the other page words); also refused as org and project slugs
/// (`identity::validate::RESERVED_SLUGS`).
pub const RESERVED_TYPE_NAMES: &[&str] = &["account", "audit", "settings", "login", "signup", "new"];

/// Validates a Type document sent to `PUT .../draft/types/<path_name>`.
///
/// `existing_names` are the names of the project's *other* Types (leave out
/// the one being replaced). On refusal every problem is returned, each with
/// the JSON Pointer of the offending spot, for a 422.
pub fn validate_type(
    raw: &[u8],
    path_name: &str,
    existing_names: &[&str],
    opts: &ValidationOptions,
) -> Result<TypeDoc, Vec<Problem>> {
    if raw.len() > MAX_TYPE_BYTES {
        return Err(vec![Problem::new(
            "",
            format!("the document is {} bytes; the limit is {MAX_TYPE_BYTES} (1 MiB)", raw.len()),
        )]);
    }
    let doc: Value =
        serde_json::from_slice(raw).map_err(|e| vec![Problem::new("", format!("not valid UTF-8 JSON: {e}"))])?;
    let Some(obj) = doc.as_object() else {
        return Err(vec![Problem::new("", "a Type document must be a JSON object")]);
    };
    let mut problems = document_schema_problems(&doc);
    type_checks::check_document(obj, path_name, existing_names, opts, &mut problems);
    if let Some(name) = obj.get("name").and_then(Value::as_str) {
        if RESERVED_TYPE_NAMES.contains(&name) {
            problems.push(Problem::new("/name", format!("'{name}' is reserved (it names a Studio page)")));
        }
    }
    if !problems.is_empty() {
        return Err(finish(problems));
    }
    let doc: TypeDoc = serde_json::from_value(doc)
        .map_err(|e| vec![Problem::new("", format!("the document does not fit the Type model: {e}"))])?;
    // The stored form can be longer than what was sent (`1E2` is stored as
    // `100.0`), and the stored form is what drafts and versions hold.
    let stored = serde_json::to_string(&doc).map_or(usize::MAX, |s| s.len());
    if stored > MAX_TYPE_BYTES {
        let message =
            format!("the Type is {stored} bytes as stored (numbers rewritten); the limit is {MAX_TYPE_BYTES} (1 MiB)");
        return Err(vec![Problem::new("", message)]);
    }
    Ok(doc)
}

/// Compiles a tool's `input_schema` (or `output_schema`) as JSON Schema
/// 2020-12, offline. The compiled validator can be cached per published
/// version by the caller and used with [`check_arguments`].
pub fn compile_schema(schema: &Value) -> Result<Validator, Vec<CompileError>> {
    Validator::compile(schema)
}

/// Checks tool-call arguments against a compiled input schema. Problems carry
/// instance paths (`/order_id`, `""` for the arguments object itself) and the
/// validator's message, for an `isError` result the model can act on.
pub fn check_arguments(validator: &Validator, args: &Value) -> Result<(), Vec<Problem>> {
    let problems: Vec<Problem> =
        validator.errors(args).into_iter().map(|e| Problem::new(e.instance_path, e.message)).collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(finish(problems))
    }
}

/// [`compile_schema`] + [`check_arguments`]. Absent MCP `arguments` should be
/// passed as `{}`. A schema that does not compile (it was validated on save,
/// so only a stored-data bug) is one problem at the root.
pub fn validate_arguments(input_schema: &Value, args: &Value) -> Result<(), Vec<Problem>> {
    let validator = compile_schema(input_schema)
        .map_err(|e| vec![Problem::new("", format!("the tool's input schema does not compile: {}", e[0]))])?;
    check_arguments(&validator, args)
}

/// The embedded document schema, compiled once per isolate (thread-local:
/// in the Worker a compiled pattern is a JavaScript `RegExp`).
fn with_document_validator<T>(f: impl FnOnce(Result<&Validator, &str>) -> T) -> T {
    thread_local! {
        static COMPILED: OnceCell<Result<Rc<Validator>, String>> = const { OnceCell::new() };
    }
    let compiled = COMPILED.with(|cell| {
        cell.get_or_init(|| {
            let schema: Value =
                serde_json::from_str(TYPE_SCHEMA_JSON).map_err(|e| format!("type.schema.json is not JSON: {e}"))?;
            compile_schema(&schema).map(Rc::new).map_err(|e| format!("type.schema.json does not compile: {}", e[0]))
        })
        .clone()
    });
    f(compiled.as_deref().map_err(String::as_str))
}

/// Every error of the document against `type.schema.json`, with friendlier
/// wording for the rules people break most.
fn document_schema_problems(doc: &Value) -> Vec<Problem> {
    with_document_validator(|validator| match validator {
        Ok(v) => v
            .errors(doc)
            .into_iter()
            .map(|e| {
                let message = friendly(&e.instance_path, e.keyword).map_or(e.message, str::to_string);
                Problem::new(e.instance_path, message)
            })
            .collect(),
        // A build defect, not the caller's fault; still a refusal, never a panic.
        Err(msg) => vec![Problem::new("", format!("internal error: {msg}"))],
    })
}

fn friendly(path: &str, keyword: &str) -> Option<&'static str> {
    let in_scopes = path.strip_prefix("/scopes/").is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit()));
    match (path, keyword) {
        ("/name", "pattern") => Some("name must be 1-64 characters of A-Z, a-z, 0-9, '_', '.' or '-'"),
        ("/description", "minLength" | "pattern") => Some("description must say what the tool does (it is blank)"),
        ("/http/timeout_ms" | "/code/timeout_ms", "maximum") => Some("timeout_ms must be 60000 (60 s) or less"),
        ("/http/timeout_ms" | "/code/timeout_ms", "minimum") => Some("timeout_ms must be at least 1"),
        (_, "pattern") if in_scopes => Some("a scope must be 1-64 characters of a-z, 0-9, '_', '.', ':' or '-'"),
        _ => None,
    }
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
