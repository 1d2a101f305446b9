//! The Studio's Type editor form, pure: a Type document <-> the form's
//! fields, where a validation problem's JSON Pointer is shown, and sample
//! arguments for previews.
//!
//! Why here: the editor posts plain form fields (it works without scripts),
//! and the page turns them into exactly the JSON document `PUT
//! .../draft/types/<name>` takes, so the save goes through the same
//! validation and the same 422 `fields`. A field whose text must be JSON
//! (the schemas) and does not parse is reported at that field, before the
//! document is built. Unknown kinds are passed through for the validator to
//! answer.
//!
//! One **Timeout (ms)** field serves both data kinds (`http.timeout_ms` and
//! `code.timeout_ms`): a page can label an input "Timeout (ms)" only once,
//! and only the chosen kind's object gets it. **Allowed hosts** are one host
//! per line (spaces and commas also separate them), shown back one per line.

use serde_json::{json, Map, Value};

/// The annotation hints the editor offers as checkboxes.
pub const HINTS: [&str; 4] = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"];

/// The editor's fields, as posted (strings, checkboxes as booleans).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeForm {
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub input_schema: String,
    pub output_schema: String,
    /// Space- or comma-separated scope names.
    pub scopes: String,
    /// The checked [`HINTS`].
    pub hints: Vec<String>,
    pub ui_html: String,
    pub url: String,
    pub timeout_ms: String,
    /// `Name: value` lines.
    pub headers: String,
    pub secret: String,
    /// The `code` kind's handler (`code.source`), exactly as typed.
    pub source: String,
    /// `code.allowed_hosts`, one per line.
    pub allowed_hosts: String,
}

/// What a new Type starts with.
pub fn blank() -> TypeForm {
    TypeForm {
        kind: "interactive".into(),
        input_schema: "{\n  \"type\": \"object\",\n  \"properties\": {}\n}".into(),
        ..TypeForm::default()
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

impl TypeForm {
    /// The form showing a stored document.
    pub fn from_doc(doc: &Value) -> TypeForm {
        let hints = HINTS.iter().filter(|h| doc["annotations"][**h] == json!(true)).map(|h| h.to_string()).collect();
        let headers = doc["http"]["headers"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| format!("{k}: {}", text(v))).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default();
        TypeForm {
            name: text(&doc["name"]),
            title: text(&doc["title"]),
            description: text(&doc["description"]),
            kind: text(&doc["kind"]),
            input_schema: if doc["input_schema"].is_null() { String::new() } else { pretty(&doc["input_schema"]) },
            output_schema: if doc["output_schema"].is_null() { String::new() } else { pretty(&doc["output_schema"]) },
            scopes: doc["scopes"]
                .as_array()
                .map(|a| a.iter().map(text).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
            hints,
            ui_html: text(&doc["ui"]["html"]),
            url: text(&doc["http"]["url"]),
            timeout_ms: doc["http"]["timeout_ms"]
                .as_u64()
                .or(doc["code"]["timeout_ms"].as_u64())
                .map(|n| n.to_string())
                .unwrap_or_default(),
            headers,
            secret: text(&doc["http"]["secret"]),
            source: text(&doc["code"]["source"]),
            allowed_hosts: doc["code"]["allowed_hosts"]
                .as_array()
                .map(|a| a.iter().map(text).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default(),
        }
    }

    /// The document the API takes, or the problems of fields that must be
    /// JSON or numbers (as `(form field, message)`).
    pub fn to_doc(&self) -> Result<Value, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut parse = |field: &str, raw: &str| -> Option<Value> {
            if raw.trim().is_empty() {
                return None;
            }
            match serde_json::from_str::<Value>(raw) {
                Ok(v) => Some(v),
                Err(e) => {
                    problems.push((field.to_string(), format!("is not valid JSON: {e}")));
                    None
                }
            }
        };
        let input = parse("input_schema", &self.input_schema);
        let output = parse("output_schema", &self.output_schema);
        let mut doc = Map::new();
        doc.insert("name".into(), json!(self.name.trim()));
        if !self.title.trim().is_empty() {
            doc.insert("title".into(), json!(self.title.trim()));
        }
        doc.insert("description".into(), json!(self.description.trim()));
        doc.insert("kind".into(), json!(self.kind.trim()));
        doc.insert("input_schema".into(), input.unwrap_or(Value::Null));
        if let Some(o) = output {
            doc.insert("output_schema".into(), o);
        }
        let scopes: Vec<&str> = self.scopes.split([' ', ',', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect();
        doc.insert("scopes".into(), json!(scopes));
        if !self.hints.is_empty() {
            let hints: Map<String, Value> = self.hints.iter().map(|h| (h.clone(), json!(true))).collect();
            doc.insert("annotations".into(), Value::Object(hints));
        }
        match self.kind.as_str() {
            "interactive" => {
                doc.insert("ui".into(), json!({ "html": self.ui_html }));
            }
            "http" => {
                let mut http = Map::new();
                http.insert("url".into(), json!(self.url.trim()));
                if let Some(n) = self.timeout(&mut problems) {
                    http.insert("timeout_ms".into(), json!(n));
                }
                let mut headers = Map::new();
                for line in self.headers.lines().filter(|l| !l.trim().is_empty()) {
                    match line.split_once(':') {
                        Some((k, v)) => {
                            headers.insert(k.trim().to_string(), json!(v.trim()));
                        }
                        None => {
                            problems.push(("headers".into(), format!("{:?} is not a `Name: value` line", line.trim())))
                        }
                    }
                }
                if !headers.is_empty() {
                    http.insert("headers".into(), Value::Object(headers));
                }
                if !self.secret.trim().is_empty() {
                    http.insert("secret".into(), json!(self.secret.trim()));
                }
                doc.insert("http".into(), Value::Object(http));
            }
            "code" => {
                let hosts: Vec<&str> =
                    self.allowed_hosts.split([' ', ',', '\n', '\t']).map(str::trim).filter(|s| !s.is_empty()).collect();
                let mut code = Map::new();
                code.insert("source".into(), json!(self.source));
                code.insert("allowed_hosts".into(), json!(hosts));
                if let Some(n) = self.timeout(&mut problems) {
                    code.insert("timeout_ms".into(), json!(n));
                }
                doc.insert("code".into(), Value::Object(code));
            }
            _ => {}
        }
        if problems.is_empty() {
            Ok(Value::Object(doc))
        } else {
            Err(problems)
        }
    }
}

impl TypeForm {
    /// The shared Timeout (ms) field: `None` when empty or not a number (then
    /// a problem at `timeout_ms`).
    fn timeout(&self, problems: &mut Vec<(String, String)>) -> Option<u64> {
        let raw = self.timeout_ms.trim();
        if raw.is_empty() {
            return None;
        }
        let n = raw.parse::<u64>().ok();
        if n.is_none() {
            problems.push(("timeout_ms".into(), "must be a whole number of milliseconds".into()));
        }
        n
    }
}

/// The form field that shows a problem at JSON Pointer `path` (the API's
/// 422 `fields[].field`): `/input_schema/properties/x` -> `input_schema`,
/// `/ui/html` -> `ui_html`, `/http/url` -> `url`. `None`: the page shows it.
pub fn field_of(path: &str) -> Option<&'static str> {
    let mut segs = path.trim_start_matches('/').split('/');
    let first = segs.next().unwrap_or_default();
    let second = segs.next().unwrap_or_default();
    Some(match (first, second) {
        ("name", _) => "name",
        ("title", _) => "title",
        ("description", _) => "description",
        ("kind", _) => "kind",
        ("input_schema", _) => "input_schema",
        ("output_schema", _) => "output_schema",
        ("scopes", _) => "scopes",
        ("annotations", _) => "annotations",
        ("ui", _) => "ui_html",
        ("http", "timeout_ms") => "timeout_ms",
        ("http", "headers") => "headers",
        ("http", "secret") => "secret",
        ("http", _) => "url",
        ("code", "allowed_hosts") => "allowed_hosts",
        ("code", "timeout_ms") => "timeout_ms",
        ("code", _) => "source",
        _ => return None,
    })
}

/// Arguments that fit `schema` well enough to draw a UI: each property's
/// `examples[0]`, `default`, first `enum` value, or a value of its type.
pub fn sample_args(schema: &Value) -> Value {
    fn sample(s: &Value, depth: usize) -> Value {
        if let Some(v) = s["examples"].get(0).or(s.get("default")).or(s["enum"].get(0)).or(s.get("const")) {
            return v.clone();
        }
        let ty = match &s["type"] {
            Value::Array(a) => a.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
            t => t.clone(),
        };
        match ty.as_str().unwrap_or(if s["properties"].is_object() { "object" } else { "" }) {
            "string" => json!("sample"),
            "integer" => json!(s["minimum"].as_i64().unwrap_or(1)),
            "number" => json!(s["minimum"].as_f64().unwrap_or(1.5)),
            "boolean" => json!(true),
            "array" if depth < 4 => json!([sample(&s["items"], depth + 1)]),
            "object" if depth < 4 => {
                let props = s["properties"].as_object().cloned().unwrap_or_default();
                Value::Object(props.iter().map(|(k, v)| (k.clone(), sample(v, depth + 1))).collect())
            }
            _ => Value::Null,
        }
    }
    match sample(schema, 0) {
        Value::Object(m) => Value::Object(m),
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_round_trips_a_document() {
        let doc = json!({
            "name": "show_order", "title": "Order", "description": "Shows one order", "kind": "interactive",
            "input_schema": { "type": "object", "properties": { "id": { "type": "string" } } },
            "scopes": ["orders:read"], "annotations": { "readOnlyHint": true }, "ui": { "html": "<p>hi</p>" },
        });
        let form = TypeForm::from_doc(&doc);
        assert_eq!(form.scopes, "orders:read");
        assert_eq!(form.hints, vec!["readOnlyHint".to_string()]);
        assert_eq!(form.to_doc().unwrap(), doc);
    }

    #[test]
    fn http_fields_and_bad_json_are_reported_at_their_field() {
        let form = TypeForm {
            name: "fetch".into(),
            kind: "http".into(),
            input_schema: "{ nope".into(),
            url: "https://api.example.com/x".into(),
            timeout_ms: "soon".into(),
            headers: "X-A: 1\nbroken".into(),
            ..TypeForm::default()
        };
        let fields: Vec<String> = form.to_doc().unwrap_err().into_iter().map(|p| p.0).collect();
        assert_eq!(fields, ["input_schema", "timeout_ms", "headers"]);
        let ok = TypeForm { input_schema: "{}".into(), timeout_ms: "500".into(), headers: "X-A: 1".into(), ..form };
        let doc = ok.to_doc().unwrap();
        assert_eq!(
            doc["http"],
            json!({ "url": "https://api.example.com/x", "timeout_ms": 500, "headers": { "X-A": "1" } })
        );
    }

    #[test]
    fn problems_land_on_the_field_that_holds_them() {
        assert_eq!(field_of("/input_schema/properties/id/type"), Some("input_schema"));
        assert_eq!(field_of("/ui/html"), Some("ui_html"));
        assert_eq!(field_of("/ui"), Some("ui_html"));
        assert_eq!(field_of("/http/timeout_ms"), Some("timeout_ms"));
        assert_eq!(field_of("/http"), Some("url"));
        assert_eq!(field_of("/code/source"), Some("source"));
        assert_eq!(field_of("/code/allowed_hosts/0"), Some("allowed_hosts"));
        assert_eq!(field_of("/code/timeout_ms"), Some("timeout_ms"));
        assert_eq!(field_of("/code"), Some("source"));
        assert_eq!(field_of("/"), None);
    }

    #[test]
    fn code_fields_round_trip_and_share_the_timeout() {
        let doc = json!({
            "name": "echo", "description": "Echoes", "kind": "code",
            "input_schema": { "type": "object" }, "scopes": [],
            "code": { "source": "export default {\n  async run(a) { return a; }\n};\n",
                      "allowed_hosts": ["api.example.com", "data.example.org:8443"], "timeout_ms": 2500 },
        });
        let form = TypeForm::from_doc(&doc);
        assert_eq!(form.allowed_hosts, "api.example.com\ndata.example.org:8443");
        assert_eq!(form.timeout_ms, "2500");
        assert_eq!(form.to_doc().unwrap(), doc);
        let spaced =
            TypeForm { allowed_hosts: " a.example.com b.example.com,\n\nc.example.com ".into(), ..form.clone() };
        assert_eq!(
            spaced.to_doc().unwrap()["code"]["allowed_hosts"],
            json!(["a.example.com", "b.example.com", "c.example.com"])
        );
        let bad = TypeForm { timeout_ms: "later".into(), ..form.clone() };
        assert_eq!(
            bad.to_doc().unwrap_err(),
            vec![("timeout_ms".to_string(), "must be a whole number of milliseconds".to_string())]
        );
        // The http object never gets the code fields, and the reverse.
        let as_http = TypeForm { kind: "http".into(), url: "https://api.example.com/x".into(), ..form };
        let d = as_http.to_doc().unwrap();
        assert_eq!(d["http"]["timeout_ms"], 2500);
        assert!(d.get("code").is_none());
    }

    #[test]
    fn sample_arguments_follow_the_schema() {
        let schema = json!({ "type": "object", "properties": {
            "id": { "type": "string", "examples": ["A-1"] }, "n": { "type": "integer" },
            "tags": { "type": "array", "items": { "type": "string" } }, "mode": { "enum": ["x", "y"] } } });
        assert_eq!(sample_args(&schema), json!({ "id": "A-1", "n": 1, "tags": ["sample"], "mode": "x" }));
        assert_eq!(sample_args(&json!(true)), json!({}));
    }
}
