//! The semantic checks of a Type document: what `type.schema.json` cannot say.
//!
//! They run on the raw JSON even when the schema check failed, skipping any
//! field whose JSON type is wrong (the schema layer already reported it), so
//! one answer lists every problem. Each rule notes why it exists. The data
//! kinds' own rules (`http`, `code`) are in `data_checks`.

use serde_json::{Map, Value};

use super::data_checks;
use super::problem::{join, Problem};
use super::types::{compile_schema, ValidationOptions, MAX_UI_HTML_BYTES};
use crate::schema::non_local_refs;

/// The only dialect accepted in `$schema` (MCP: `inputSchema` is 2020-12).
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

pub(super) fn check_document(
    doc: &Map<String, Value>,
    path_name: &str,
    existing_names: &[&str],
    opts: &ValidationOptions,
    out: &mut Vec<Problem>,
) {
    if let Some(Value::String(name)) = doc.get("name") {
        // The URL names the resource; a body naming another would silently
        // create or overwrite a different Type.
        if name != path_name {
            out.push(Problem::new("/name", format!("name {name:?} must equal the name in the URL ({path_name:?})")));
        }
        // MCP: tool names are unique within a server.
        if existing_names.contains(&name.as_str()) {
            out.push(Problem::new("/name", format!("another Type in this project is already named {name:?}")));
        }
    }
    if let Some(schema @ Value::Object(_)) = doc.get("input_schema") {
        check_object_schema(schema, "/input_schema", "input_schema", out);
    }
    if let Some(schema @ Value::Object(_)) = doc.get("output_schema") {
        check_object_schema(schema, "/output_schema", "output_schema", out);
    }
    match doc.get("kind").and_then(Value::as_str) {
        Some("interactive") => check_interactive(doc, out),
        Some("http") => check_http(doc, opts, out),
        Some("code") => check_code(doc, opts, out),
        _ => {}
    }
}

/// The kind-specific members a Type must not carry (`a_kind`: "an http").
fn refuse_others(doc: &Map<String, Value>, a_kind: &str, others: &[&str], out: &mut Vec<Problem>) {
    for other in others {
        if present(doc.get(*other)) {
            out.push(Problem::new(
                format!("/{other}"),
                format!("{a_kind} Type must not have {other} (leave it out or set it to null)"),
            ));
        }
    }
}

/// MCP requires `inputSchema` to be an object schema (`"type": "object"`)
/// in JSON Schema 2020-12, and servers must never dereference network refs.
fn check_object_schema(schema: &Value, at: &str, field: &str, out: &mut Vec<Problem>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    match obj.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        Some(_) => {
            out.push(Problem::new(join(at, "type"), format!("{field} must have \"type\": \"object\" at the top")))
        }
        None => out.push(Problem::new(at, format!("{field} must have \"type\": \"object\" at the top"))),
    }
    let before = out.len();
    if let Some(dialect) = obj.get("$schema") {
        let ok = dialect.as_str().is_some_and(|d| d.trim_end_matches('#') == DRAFT_2020_12);
        if !ok {
            out.push(Problem::new(
                join(at, "$schema"),
                format!("only JSON Schema 2020-12 is accepted ({DRAFT_2020_12})"),
            ));
        }
    }
    refuse_external_refs(schema, at, out);
    // Compiling after a refused ref or dialect would only repeat the problem
    // in the validator's words.
    if out.len() == before {
        if let Err(errors) = compile_schema(schema) {
            for e in errors {
                out.push(Problem::new(format!("{at}{}", e.pointer), format!("{field} does not compile: {e}")));
            }
        }
    }
}

/// Refuses every `$ref`/`$dynamicRef` that is not a local `#...` reference
/// (found keyword by keyword: a `$ref` inside `const` or `enum` is data).
/// The compiler cannot resolve them anyway; this gives the author a precise
/// message.
fn refuse_external_refs(schema: &Value, at: &str, out: &mut Vec<Problem>) {
    for (pointer, keyword, r) in non_local_refs(schema) {
        out.push(Problem::new(
            format!("{at}{pointer}"),
            format!(
                "{keyword} {r:?} is refused: only local references starting \
                 with '#' are allowed (schemas are never fetched)"
            ),
        ));
    }
}

fn present(v: Option<&Value>) -> bool {
    !matches!(v, None | Some(Value::Null))
}

fn check_interactive(doc: &Map<String, Value>, out: &mut Vec<Problem>) {
    match doc.get("ui") {
        None | Some(Value::Null) => {
            out.push(Problem::new("/ui", "an interactive Type needs ui.html"));
        }
        Some(Value::Object(ui)) => {
            if let Some(Value::String(html)) = ui.get("html") {
                if html.len() > MAX_UI_HTML_BYTES {
                    out.push(Problem::new(
                        "/ui/html",
                        format!("ui.html is {} bytes; the limit is {MAX_UI_HTML_BYTES} (512 KiB)", html.len()),
                    ));
                }
            }
        }
        Some(_) => {}
    }
    refuse_others(doc, "an interactive", &["http", "code"], out);
}

fn check_http(doc: &Map<String, Value>, opts: &ValidationOptions, out: &mut Vec<Problem>) {
    match doc.get("http") {
        None | Some(Value::Null) => out.push(Problem::new("/http", "an http Type needs http.url and http.secret")),
        Some(Value::Object(http)) => data_checks::check_http_spec(http, opts, out),
        Some(_) => {}
    }
    refuse_others(doc, "an http", &["ui", "code"], out);
}

fn check_code(doc: &Map<String, Value>, opts: &ValidationOptions, out: &mut Vec<Problem>) {
    match doc.get("code") {
        None | Some(Value::Null) => out.push(Problem::new("/code", "a code Type needs code.source")),
        Some(Value::Object(code)) => data_checks::check_code_spec(code, opts, out),
        Some(_) => {}
    }
    refuse_others(doc, "a code", &["ui", "http"], out);
}
