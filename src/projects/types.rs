//! The Type model (one tool of a project) and its validation.
//!
//! Why two layers: `schema/type.schema.json` is the published contract of the
//! document's shape (clients and the Studio can use it too), so structural
//! rules live there and are checked first. What a schema cannot say well is
//! checked in `type_checks`: the name equals the URL and is unique, the
//! embedded `input_schema` really compiles as a JSON Schema 2020-12 object
//! schema without network `$ref`, kind-specific `ui`/`http`, the upstream URL,
//! byte limits. Both layers run on every document and all their problems are
//! returned together (422 lists everything), in the order of
//! `problem::finish` (by JSON Pointer, then message).
//!
//! Schemas are compiled with Dockyard's own 2020-12 validator
//! (`crate::schema`), which resolves references only inside the document:
//! Dockyard never fetches a schema.

use std::cell::OnceCell;
use std::collections::BTreeMap;
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
/// `http.timeout_ms` may be at most 30 s.
pub const MAX_HTTP_TIMEOUT_MS: u64 = 30_000;
/// Used when an http Type gives no `timeout_ms`.
pub const DEFAULT_HTTP_TIMEOUT_MS: u64 = 10_000;
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An MCP Apps tool: arguments come back as `structuredContent`, the UI
    /// is `ui.html` served as `ui://<project>/<name>`.
    Interactive,
    /// A data tool: arguments are POSTed to `http.url`.
    Http,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpSpec {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// Name of the project secret that signs the body (HMAC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl HttpSpec {
    /// `timeout_ms`, or [`DEFAULT_HTTP_TIMEOUT_MS`] when not given.
    pub fn timeout_ms_or_default(&self) -> u64 {
        self.timeout_ms.unwrap_or(DEFAULT_HTTP_TIMEOUT_MS)
    }
}

/// Settings that change what validation accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidationOptions {
    /// `ALLOW_LOOPBACK_UPSTREAMS`: lets `http.url` point at localhost,
    /// 127.0.0.0/8 or `[::1]` (and use plain `http://` there). Dev/tests only.
    pub allow_loopback_upstreams: bool,
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
        ("/http/timeout_ms", "maximum") => Some("timeout_ms must be 30000 (30 s) or less"),
        ("/http/timeout_ms", "minimum") => Some("timeout_ms must be at least 1"),
        (_, "pattern") if in_scopes => Some("a scope must be 1-64 characters of a-z, 0-9, '_', '.', ':' or '-'"),
        _ => None,
    }
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
