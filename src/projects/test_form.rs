//! The Type editor's test panel form, pure: one field per top-level
//! property of the input schema (labelled with the property's name), and
//! the posted fields turned back into the `tools/call` arguments.
//!
//! Why server-rendered from the schema: the panel works without scripts
//! (a plain form POST), and the same function that draws the fields reads
//! them back. Field names are `arg.<index>` (a property name may hold any
//! character; the index is stable for one schema).
//!
//! What each property becomes: `string` (and formats) a text input, `number`
//! and `integer` a number input, `boolean` a checkbox, an `enum` a select
//! (its options are the JSON texts of the values), anything else (objects,
//! arrays, unions, no type) a JSON textarea. Reading back never refuses: an
//! empty field is left out, and a value that does not parse as its type
//! (`"abc"` for a number, broken JSON) is sent as the string typed, so the
//! endpoint's argument validation answers exactly as a host would see it.

use serde_json::{Map, Value};

/// How a property is edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Text,
    Number,
    Integer,
    Checkbox,
    /// `(option value = the JSON text, label)`.
    Select(Vec<(String, String)>),
    Json,
}

/// One field of the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct TestField {
    /// The property name (the label).
    pub label: String,
    /// The form field name and element id suffix: `arg.<i>` / `arg-<i>`.
    pub name: String,
    pub id: String,
    pub control: Control,
    pub required: bool,
    pub description: String,
    /// The value shown (posted back, or the schema's `default`/`examples[0]`).
    pub value: String,
    /// Checkbox state.
    pub checked: bool,
}

impl TestField {
    pub fn is_text(&self) -> bool {
        self.control == Control::Text
    }
    pub fn is_number(&self) -> bool {
        matches!(self.control, Control::Number | Control::Integer)
    }
    pub fn step(&self) -> &'static str {
        if self.control == Control::Integer {
            "1"
        } else {
            "any"
        }
    }
    pub fn is_checkbox(&self) -> bool {
        self.control == Control::Checkbox
    }
    pub fn is_json(&self) -> bool {
        self.control == Control::Json
    }
    pub fn options(&self) -> &[(String, String)] {
        match &self.control {
            Control::Select(o) => o,
            _ => &[],
        }
    }
}

fn control_of(s: &Value) -> Control {
    if let Some(values) = s["enum"].as_array() {
        let opts = values
            .iter()
            .map(|v| (v.to_string(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect();
        return Control::Select(opts);
    }
    match s["type"].as_str() {
        Some("string") => Control::Text,
        Some("number") => Control::Number,
        Some("integer") => Control::Integer,
        Some("boolean") => Control::Checkbox,
        _ => Control::Json,
    }
}

/// The text a control shows for `v`.
fn shown(control: &Control, v: &Value) -> String {
    match (control, v) {
        (Control::Select(_), v) => v.to_string(),
        (Control::Json, v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Null) => String::new(),
        (_, v) => v.to_string(),
    }
}

/// The fields of `schema`; `posted` (a Run's form) refills them.
pub fn fields(schema: &Value, posted: Option<&[(String, String)]>) -> Vec<TestField> {
    let required: Vec<&str> =
        schema["required"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let Some(props) = schema["properties"].as_object() else { return Vec::new() };
    props
        .iter()
        .enumerate()
        .map(|(i, (key, s))| {
            let control = control_of(s);
            let name = format!("arg.{i}");
            let initial = s["examples"].get(0).or(s.get("default"));
            let (value, checked) = match posted {
                Some(form) => {
                    let v = form.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
                    (v.clone().unwrap_or_default(), v.is_some())
                }
                None => (initial.map(|v| shown(&control, v)).unwrap_or_default(), initial == Some(&Value::Bool(true))),
            };
            TestField {
                label: key.clone(),
                id: format!("arg-{i}"),
                name,
                control,
                required: required.contains(&key.as_str()),
                description: s["description"].as_str().unwrap_or_default().to_string(),
                value,
                checked,
            }
        })
        .collect()
}

/// The `tools/call` arguments the posted form means (see the module doc).
pub fn arguments(schema: &Value, posted: &[(String, String)]) -> Value {
    let mut args = Map::new();
    for f in fields(schema, Some(posted)) {
        let raw = f.value.replace("\r\n", "\n");
        let value = match &f.control {
            Control::Checkbox => Some(Value::Bool(f.checked)),
            _ if raw.trim().is_empty() => None,
            Control::Text => Some(Value::String(raw)),
            Control::Integer => Some(raw.trim().parse::<i64>().map(Value::from).unwrap_or(Value::String(raw))),
            Control::Number => Some(
                raw.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::String(raw)),
            ),
            Control::Select(_) | Control::Json => Some(serde_json::from_str(&raw).unwrap_or(Value::String(raw))),
        };
        if let Some(v) = value {
            args.insert(f.label, v);
        }
    }
    Value::Object(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({ "type": "object", "required": ["order_id"], "properties": {
            "order_id": { "type": "string", "description": "The order", "examples": ["A-1"] },
            "quantity": { "type": "integer" },
            "price": { "type": "number" },
            "gift": { "type": "boolean", "default": true },
            "mode": { "enum": ["fast", "slow", 3] },
            "tags": { "type": "array", "items": { "type": "string" } } } })
    }

    fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn one_labelled_field_per_property() {
        // serde_json orders properties by name.
        let f = fields(&schema(), None);
        let labels: Vec<&str> = f.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["gift", "mode", "order_id", "price", "quantity", "tags"]);
        assert!(f[0].is_checkbox() && f[0].checked);
        assert_eq!(f[1].options()[0], ("\"fast\"".to_string(), "fast".to_string()));
        assert_eq!(f[1].options()[2], ("3".to_string(), "3".to_string()));
        assert_eq!(f[2].control, Control::Text);
        assert!(f[2].required && !f[3].required);
        assert_eq!(f[2].value, "A-1");
        assert_eq!(f[4].control, Control::Integer);
        assert!(f[5].is_json());
        assert!(fields(&json!({ "type": "object" }), None).is_empty());
    }

    #[test]
    fn posted_fields_become_typed_arguments() {
        let form = post(&[("arg.1", "3"), ("arg.2", "A-7"), ("arg.3", "2.5"), ("arg.4", "3"), ("arg.5", "[\"x\"]")]);
        assert_eq!(
            arguments(&schema(), &form),
            json!({ "order_id": "A-7", "quantity": 3, "price": 2.5, "gift": false, "mode": 3, "tags": ["x"] })
        );
        let refilled = fields(&schema(), Some(&form));
        assert_eq!(refilled[2].value, "A-7");
        assert!(!refilled[0].checked);
    }

    #[test]
    fn what_does_not_parse_is_sent_as_typed_and_empty_is_left_out() {
        let form = post(&[("arg.2", ""), ("arg.4", "many"), ("arg.0", "true"), ("arg.5", "[broken")]);
        assert_eq!(arguments(&schema(), &form), json!({ "quantity": "many", "gift": true, "tags": "[broken" }));
    }
}
