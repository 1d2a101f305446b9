//! JSON request bodies: size cap, media type, UTF-8, "must be an object", and
//! typed field extraction that collects *every* problem with its field name
//! before anything is written. Unknown fields are refused, so a typo never
//! silently does nothing.

use super::ApiError;
use crate::identity::validate::FieldError;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Management API bodies are small; 64 KiB is generous (Types have their own cap).
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// Checks the media type of a JSON body (`application/json`, any parameters).
pub fn check_json_content_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let essence = content_type.unwrap_or("").split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "send the body as application/json (got {:?})",
            if essence.is_empty() { "nothing" } else { essence }
        )))
    }
}

/// A parsed JSON object body with typed accessors.
#[derive(Debug)]
pub struct Body {
    map: Map<String, Value>,
    seen: BTreeSet<String>,
    errors: Vec<FieldError>,
}

impl Body {
    pub fn parse(bytes: &[u8], limit: usize) -> Result<Body, ApiError> {
        if bytes.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ApiError::bad_request("invalid_json", "the body is not valid UTF-8"))?;
        if text.trim().is_empty() {
            return Err(ApiError::bad_request("invalid_json", "the body is empty; send a JSON object"));
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
        match value {
            Value::Object(map) => Ok(Body { map, seen: BTreeSet::new(), errors: Vec::new() }),
            _ => Err(ApiError::bad_request("invalid_json", "the body must be a JSON object")),
        }
    }

    /// A body built from fields already in hand: a Studio form handler turns
    /// its form into the JSON object the API handler would have received and
    /// hands it to the same operation (`studio::ops`), so both share every
    /// check and every message.
    pub fn from_object(map: Map<String, Value>) -> Body {
        Body { map, seen: BTreeSet::new(), errors: Vec::new() }
    }

    /// An empty body, for routes whose body is optional.
    pub fn empty() -> Body {
        Body { map: Map::new(), seen: BTreeSet::new(), errors: Vec::new() }
    }

    fn take(&mut self, field: &str) -> Option<Value> {
        self.seen.insert(field.to_string());
        match self.map.get(field) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.clone()),
        }
    }

    /// Whether `field` is present and explicitly `null` (marks it seen):
    /// for PATCH fields where `null` clears a setting and absence keeps it.
    pub fn is_null(&mut self, field: &str) -> bool {
        self.seen.insert(field.to_string());
        matches!(self.map.get(field), Some(Value::Null))
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Records problems found by a validator of several fields at once.
    pub fn errors(&mut self, errors: Vec<FieldError>) {
        self.errors.extend(errors);
    }

    /// Records the outcome of a validator on an already-extracted value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// An optional string of at most `max` characters.
    pub fn opt_string(&mut self, field: &str, max: usize) -> Option<String> {
        match self.take(field)? {
            Value::String(s) if s.chars().count() > max => {
                self.error(field, format!("must be at most {max} characters"));
                None
            }
            Value::String(s) => Some(s),
            _ => {
                self.error(field, "must be a string");
                None
            }
        }
    }

    /// A required string; the empty string counts as missing.
    pub fn string(&mut self, field: &str, max: usize) -> Option<String> {
        let present = matches!(self.map.get(field), Some(v) if !v.is_null());
        let v = self.opt_string(field, max);
        if !present {
            self.error(field, "is required");
        } else if matches!(&v, Some(s) if s.trim().is_empty()) {
            self.error(field, "must not be empty");
            return None;
        }
        v
    }

    /// An optional value of any JSON type (the caller checks it).
    pub fn opt_value(&mut self, field: &str) -> Option<Value> {
        self.take(field)
    }

    /// An optional JSON object (its fields are the caller's to check).
    pub fn opt_object(&mut self, field: &str) -> Option<Map<String, Value>> {
        match self.take(field)? {
            Value::Object(m) => Some(m),
            _ => {
                self.error(field, "must be an object");
                None
            }
        }
    }

    /// An optional array of strings, each at most `max_len` characters.
    pub fn opt_string_array(&mut self, field: &str, max_items: usize, max_len: usize) -> Option<Vec<String>> {
        let items = match self.take(field)? {
            Value::Array(items) => items,
            _ => {
                self.error(field, "must be an array of strings");
                return None;
            }
        };
        if items.len() > max_items {
            self.error(field, format!("must have at most {max_items} items"));
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::String(s) if s.chars().count() <= max_len => out.push(s),
                Value::String(_) => {
                    self.error(&format!("{field}[{i}]"), format!("must be at most {max_len} characters"))
                }
                _ => self.error(&format!("{field}[{i}]"), "must be a string"),
            }
        }
        Some(out)
    }

    /// Ends extraction: unknown fields and every collected problem become one
    /// 422 listing them all.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: Vec<String> = self.map.keys().filter(|k| !self.seen.contains(*k)).cloned().collect();
        for k in unknown {
            let shown: String = k.chars().take(64).collect();
            self.errors.push(FieldError::new(&shown, "is not a known field"));
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_json_object() {
        for (bytes, needle) in [
            (&b"{\"a\":"[..], "not valid JSON"),
            (b"[]", "must be a JSON object"),
            (b"\"x\"", "must be a JSON object"),
            (b"", "empty"),
            (b"\xff\xfe{}", "UTF-8"),
        ] {
            let e = Body::parse(bytes, 100).unwrap_err();
            assert_eq!(e.status(), 400);
            assert!(e.message().contains(needle), "{e:?}");
        }
        assert_eq!(Body::parse(&[b' '; 101], 100).unwrap_err().status(), 413);
    }

    #[test]
    fn content_type_must_be_json() {
        assert!(check_json_content_type(Some("application/json; charset=utf-8")).is_ok());
        assert!(check_json_content_type(Some("Application/JSON")).is_ok());
        assert_eq!(check_json_content_type(Some("text/plain")).unwrap_err().status(), 415);
        assert_eq!(check_json_content_type(None).unwrap_err().status(), 415);
    }

    #[test]
    fn collects_every_field_problem() {
        let mut b = Body::parse(br#"{"name": 5, "slug": "", "tags": ["a", 3], "extra": true}"#, 1000).unwrap();
        assert_eq!(b.string("name", 10), None);
        assert_eq!(b.string("slug", 10), None);
        assert_eq!(b.string("email", 10), None);
        assert_eq!(b.opt_string_array("tags", 5, 5), Some(vec!["a".to_string()]));
        let ApiError::Invalid(fields) = b.finish().unwrap_err() else { panic!() };
        let got: Vec<(&str, &str)> = fields.iter().map(|f| (f.field.as_str(), f.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("name", "must be a string"),
                ("slug", "must not be empty"),
                ("email", "is required"),
                ("tags[1]", "must be a string"),
                ("extra", "is not a known field"),
            ]
        );
    }

    #[test]
    fn nested_objects() {
        let mut b = Body::parse(br#"{"audit": {"payloads": true}, "other": 3}"#, 1000).unwrap();
        assert_eq!(b.opt_object("audit").unwrap()["payloads"], true);
        assert_eq!(b.opt_object("other"), None);
        assert_eq!(b.opt_object("missing"), None);
        let ApiError::Invalid(fields) = b.finish().unwrap_err() else { panic!() };
        assert_eq!((fields[0].field.as_str(), fields[0].message.as_str()), ("other", "must be an object"));
    }

    #[test]
    fn length_limits_and_nulls() {
        let mut b = Body::parse(br#"{"a": "abcdef", "b": null}"#, 1000).unwrap();
        assert_eq!(b.opt_string("a", 3), None);
        assert_eq!(b.opt_string("b", 3), None);
        let ApiError::Invalid(fields) = b.finish().unwrap_err() else { panic!() };
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].message, "must be at most 3 characters");
    }
}
