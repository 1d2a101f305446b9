//! Compiled validators kept per isolate, keyed by the schema's content: a
//! `tools/call` validates its arguments (and a data tool its output) against
//! a schema that is the same on every call of that Type, so it is compiled
//! once, not on every call. The key is the schema's JSON text (serde_json
//! writes object keys sorted, so equal schemas give equal text); a schema
//! that changes is a new key, so an entry is never stale.
//!
//! Bounded: at most [`MAX_ENTRIES`] schemas and [`MAX_KEY_BYTES`] of keys;
//! the map is cleared when either would be passed (a cold compile is what
//! every call paid before). Only schemas that compile are kept.

use super::{CompileError, Validator};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub const MAX_ENTRIES: usize = 256;
pub const MAX_KEY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Default)]
struct Cache {
    map: HashMap<String, Rc<Validator>>,
    key_bytes: usize,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// The compiled `schema`, from the cache or compiled now (and kept).
pub fn compiled(schema: &Value) -> Result<Rc<Validator>, Vec<CompileError>> {
    let key = schema.to_string();
    if let Some(v) = CACHE.with(|c| c.borrow().map.get(&key).cloned()) {
        return Ok(v);
    }
    let validator = Rc::new(Validator::compile(schema)?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.map.len() >= MAX_ENTRIES || c.key_bytes + key.len() > MAX_KEY_BYTES {
            c.map.clear();
            c.key_bytes = 0;
        }
        if key.len() <= MAX_KEY_BYTES {
            c.key_bytes += key.len();
            c.map.insert(key, validator.clone());
        }
    });
    Ok(validator)
}

/// How many compiled schemas this thread holds (for tests).
pub fn len() -> usize {
    CACHE.with(|c| c.borrow().map.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_schema_is_compiled_once_and_validates_like_a_fresh_one() {
        let schema =
            json!({"type": "object", "properties": {"id": {"type": "string", "minLength": 1}}, "required": ["id"]});
        let a = compiled(&schema).unwrap();
        let b = compiled(
            &json!({"required": ["id"], "properties": {"id": {"minLength": 1, "type": "string"}}, "type": "object"}),
        )
        .unwrap();
        assert!(Rc::ptr_eq(&a, &b), "equal content (keys in any order) shares one validator");
        assert!(a.is_valid(&json!({"id": "x"})));
        assert!(!a.is_valid(&json!({"id": ""})));
        assert!(!a.is_valid(&json!({})));
        let other = compiled(&json!({"type": "object", "required": ["name"]})).unwrap();
        assert!(!Rc::ptr_eq(&a, &other), "another schema is another entry");
        assert!(!other.is_valid(&json!({"id": "x"})));
    }

    #[test]
    fn a_schema_that_does_not_compile_is_an_error_and_is_not_kept() {
        let before = len();
        let bad = json!({"type": 5});
        assert!(compiled(&bad).is_err());
        assert!(compiled(&bad).is_err());
        assert_eq!(len(), before);
    }

    #[test]
    fn the_cache_is_bounded() {
        for i in 0..(MAX_ENTRIES + 10) {
            compiled(&json!({"type": "object", "maxProperties": i})).unwrap();
        }
        assert!(len() <= MAX_ENTRIES);
    }
}
