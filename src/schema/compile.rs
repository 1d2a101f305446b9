//! The second pass of compilation: each subschema becomes a [`Node`] with
//! its keywords parsed and checked against what the 2020-12 meta-schema
//! allows (a malformed keyword is a [`CompileError`] at its JSON Pointer).
//!
//! Subschemas are compiled from a work list, not by recursion, so a long
//! chain of `$ref`s cannot exhaust the stack, and every location is
//! compiled once (a `$ref` to it shares the node; cycles are fine).

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::regex::Regex;
use super::registry::Registry;
use super::walk::escape;
use super::CompileError;

pub(super) type NodeId = usize;

pub(super) enum Node {
    Bool(bool),
    Schema(Box<Keywords>),
}

/// Type bits: `null`, `boolean`, `object`, `array`, `number`, `string`, `integer`.
pub(super) const TYPES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

#[derive(Default)]
pub(super) struct Keywords {
    /// The schema resource (`$id`) this node belongs to, for `$dynamicRef`.
    pub resource: usize,
    pub types: u8,
    pub const_: Option<Value>,
    pub enum_: Option<Vec<Value>>,
    pub multiple_of: Option<Number>,
    pub maximum: Option<Number>,
    pub exclusive_maximum: Option<Number>,
    pub minimum: Option<Number>,
    pub exclusive_minimum: Option<Number>,
    pub max_length: Option<u64>,
    pub min_length: Option<u64>,
    pub pattern: Option<(Regex, String)>,
    pub prefix_items: Vec<NodeId>,
    pub items: Option<NodeId>,
    pub contains: Option<NodeId>,
    pub max_contains: Option<u64>,
    pub min_contains: Option<u64>,
    pub max_items: Option<u64>,
    pub min_items: Option<u64>,
    pub unique_items: bool,
    pub unevaluated_items: Option<NodeId>,
    /// Sorted by name.
    pub properties: Vec<(String, NodeId)>,
    pub pattern_properties: Vec<(Regex, NodeId)>,
    pub additional_properties: Option<NodeId>,
    pub property_names: Option<NodeId>,
    pub required: Vec<String>,
    pub dependent_required: Vec<(String, Vec<String>)>,
    pub dependent_schemas: Vec<(String, NodeId)>,
    pub max_properties: Option<u64>,
    pub min_properties: Option<u64>,
    pub unevaluated_properties: Option<NodeId>,
    pub all_of: Vec<NodeId>,
    pub any_of: Vec<NodeId>,
    pub one_of: Vec<NodeId>,
    pub not: Option<NodeId>,
    pub if_: Option<NodeId>,
    pub then_: Option<NodeId>,
    pub else_: Option<NodeId>,
    pub ref_: Option<NodeId>,
    pub dynamic_ref: Option<(NodeId, Option<String>)>,
}

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

pub(super) struct Compiled {
    pub nodes: Vec<Node>,
    /// Per resource: its `$dynamicAnchor` names and their nodes.
    pub dynamic: HashMap<(usize, String), NodeId>,
    pub annotations: bool,
}

pub(super) fn compile(root: &Value) -> Result<Compiled, Vec<CompileError>> {
    let mut errors = Vec::new();
    let reg = Registry::scan(root, &mut errors);
    let mut b = Builder { reg, nodes: Vec::new(), ids: HashMap::new(), queue: Vec::new(), errors, annotations: false };
    b.id_for(root, String::new());
    let mut dynamic = HashMap::new();
    for (res, name, pointer) in std::mem::take(&mut b.reg.dynamic) {
        if let Some(value) = b.reg.root.pointer(&pointer) {
            let id = b.id_for(value, pointer);
            dynamic.entry((res, name)).or_insert(id);
        }
    }
    while let Some((id, value, pointer)) = b.queue.pop() {
        b.nodes[id] = b.build(value, &pointer);
    }
    if b.errors.is_empty() {
        Ok(Compiled { nodes: b.nodes, dynamic, annotations: b.annotations })
    } else {
        b.errors.sort_by(|x, y| x.pointer.cmp(&y.pointer));
        Err(b.errors)
    }
}

struct Builder<'a> {
    reg: Registry<'a>,
    nodes: Vec<Node>,
    ids: HashMap<String, NodeId>,
    queue: Vec<(NodeId, &'a Value, String)>,
    errors: Vec<CompileError>,
    annotations: bool,
}

impl<'a> Builder<'a> {
    /// The node of the subschema at `pointer`, queued for compilation on first use.
    fn id_for(&mut self, value: &'a Value, pointer: String) -> NodeId {
        if let Some(&id) = self.ids.get(&pointer) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::Bool(true));
        self.ids.insert(pointer.clone(), id);
        self.queue.push((id, value, pointer));
        id
    }

    fn fail(&mut self, at: &str, key: &str, message: impl Into<String>) {
        self.errors.push(CompileError::new(format!("{at}/{}", escape(key)), message));
    }

    fn build(&mut self, value: &'a Value, at: &str) -> Node {
        match value {
            Value::Bool(b) => Node::Bool(*b),
            Value::Object(obj) => Node::Schema(Box::new(self.keywords(obj, at))),
            _ => {
                self.errors.push(CompileError::new(at, "a schema must be an object or a boolean"));
                Node::Bool(true)
            }
        }
    }

    fn keywords(&mut self, obj: &'a Map<String, Value>, at: &str) -> Keywords {
        let res = self.reg.resource_at(at);
        let mut k = Keywords { resource: res, ..Keywords::default() };
        for (key, value) in obj {
            self.keyword(&mut k, key, value, at, res);
        }
        k.properties.sort_by(|a, b| a.0.cmp(&b.0));
        k
    }

    fn keyword(&mut self, k: &mut Keywords, key: &str, v: &'a Value, at: &str, res: usize) {
        let here = format!("{at}/{}", escape(key));
        match key {
            "type" => k.types = self.types(v, at),
            "const" => k.const_ = Some(v.clone()),
            "enum" => match v {
                Value::Array(list) => k.enum_ = Some(list.clone()),
                _ => self.fail(at, key, "enum must be an array"),
            },
            "multipleOf" => match v {
                Value::Number(n) if n.as_f64().is_some_and(|f| f > 0.0) => k.multiple_of = Some(n.clone()),
                _ => self.fail(at, key, "multipleOf must be a number greater than 0"),
            },
            "maximum" => k.maximum = self.number(v, at, key),
            "exclusiveMaximum" => k.exclusive_maximum = self.number(v, at, key),
            "minimum" => k.minimum = self.number(v, at, key),
            "exclusiveMinimum" => k.exclusive_minimum = self.number(v, at, key),
            "maxLength" => k.max_length = self.count(v, at, key),
            "minLength" => k.min_length = self.count(v, at, key),
            "maxItems" => k.max_items = self.count(v, at, key),
            "minItems" => k.min_items = self.count(v, at, key),
            "maxContains" => k.max_contains = self.count(v, at, key),
            "minContains" => k.min_contains = self.count(v, at, key),
            "maxProperties" => k.max_properties = self.count(v, at, key),
            "minProperties" => k.min_properties = self.count(v, at, key),
            "pattern" => match v.as_str().map(|p| (p, Regex::new(p))) {
                Some((p, Ok(re))) => k.pattern = Some((re, p.to_string())),
                Some((p, Err(e))) => {
                    self.fail(at, key, format!("pattern {p:?} is not a valid regular expression: {e}"))
                }
                None => self.fail(at, key, "pattern must be a string"),
            },
            "uniqueItems" => match v {
                Value::Bool(b) => k.unique_items = *b,
                _ => self.fail(at, key, "uniqueItems must be a boolean"),
            },
            "required" => k.required = self.names(v, at, key).unwrap_or_default(),
            "dependentRequired" => match v {
                Value::Object(map) => {
                    for (name, list) in map {
                        let list = self.names(list, &here, name).unwrap_or_default();
                        k.dependent_required.push((name.clone(), list));
                    }
                }
                _ => self.fail(at, key, "dependentRequired must be an object of name arrays"),
            },
            "properties" => k.properties = self.schema_map(v, at, key),
            "patternProperties" => {
                for (name, id) in self.schema_map(v, at, key) {
                    match Regex::new(&name) {
                        Ok(re) => k.pattern_properties.push((re, id)),
                        Err(e) => self.fail(&here, &name, format!("{name:?} is not a valid regular expression: {e}")),
                    }
                }
            }
            "dependentSchemas" => k.dependent_schemas = self.schema_map(v, at, key),
            "$defs" | "definitions" => {
                self.schema_map(v, at, key);
            }
            "dependencies" => self.dependencies(v, at),
            "prefixItems" => k.prefix_items = self.schema_list(v, at, key),
            "allOf" => k.all_of = self.schema_list(v, at, key),
            "anyOf" => k.any_of = self.schema_list(v, at, key),
            "oneOf" => k.one_of = self.schema_list(v, at, key),
            "items" => k.items = Some(self.id_for(v, here)),
            "contains" => k.contains = Some(self.id_for(v, here)),
            "additionalProperties" => k.additional_properties = Some(self.id_for(v, here)),
            "propertyNames" => k.property_names = Some(self.id_for(v, here)),
            "not" => k.not = Some(self.id_for(v, here)),
            "if" => k.if_ = Some(self.id_for(v, here)),
            "then" => k.then_ = Some(self.id_for(v, here)),
            "else" => k.else_ = Some(self.id_for(v, here)),
            "contentSchema" => {
                self.id_for(v, here);
            }
            "unevaluatedItems" => {
                self.annotations = true;
                k.unevaluated_items = Some(self.id_for(v, here));
            }
            "unevaluatedProperties" => {
                self.annotations = true;
                k.unevaluated_properties = Some(self.id_for(v, here));
            }
            "$ref" | "$dynamicRef" => {
                let Some(reference) = v.as_str() else {
                    return self.fail(at, key, format!("{key} must be a string"));
                };
                match self.reg.resolve(reference, res) {
                    Ok(t) if key == "$ref" => k.ref_ = Some(self.id_for(t.value, t.pointer)),
                    Ok(t) => {
                        // Dynamic only when the target really is a $dynamicAnchor of that name.
                        let bookend = t.value.get("$dynamicAnchor").and_then(Value::as_str) == t.anchor.as_deref();
                        let anchor = t.anchor.filter(|_| bookend);
                        k.dynamic_ref = Some((self.id_for(t.value, t.pointer), anchor));
                    }
                    Err(message) => self.fail(at, key, message),
                }
            }
            "$schema" => match v.as_str() {
                Some(d) if d.trim_end_matches('#') == DIALECT => {}
                _ => self.fail(at, key, format!("only JSON Schema 2020-12 is supported ({DIALECT})")),
            },
            "$comment" | "title" | "description" | "format" | "contentEncoding" | "contentMediaType"
                if !v.is_string() =>
            {
                self.fail(at, key, format!("{key} must be a string"))
            }
            "deprecated" | "readOnly" | "writeOnly" if !v.is_boolean() => {
                self.fail(at, key, format!("{key} must be a boolean"))
            }
            "examples" if !v.is_array() => self.fail(at, key, "examples must be an array"),
            "$vocabulary" if !v.as_object().is_some_and(|m| m.values().all(Value::is_boolean)) => {
                self.fail(at, key, "$vocabulary must map URIs to booleans")
            }
            // $id, $anchor, $dynamicAnchor: checked by the registry. `default`
            // and unknown keywords: annotations without rules.
            _ => {}
        }
    }

    fn types(&mut self, v: &Value, at: &str) -> u8 {
        let one = |t: &Value| t.as_str().and_then(|t| TYPES.iter().position(|&n| n == t)).map(|i| 1u8 << i);
        let bits = match v {
            Value::Array(list) if !list.is_empty() => {
                let bits: Option<Vec<u8>> = list.iter().map(one).collect();
                bits.filter(|b| (1..b.len()).all(|i| !b[..i].contains(&b[i]))).map(|b| b.iter().fold(0, |a, x| a | x))
            }
            Value::Array(_) => None,
            one_type => one(one_type),
        };
        bits.unwrap_or_else(|| {
            self.fail(at, "type", format!("{v} is not a JSON Schema type ({}, or an array of them)", TYPES.join(", ")));
            0
        })
    }

    fn number(&mut self, v: &Value, at: &str, key: &str) -> Option<Number> {
        match v {
            Value::Number(n) => Some(n.clone()),
            _ => {
                self.fail(at, key, format!("{key} must be a number"));
                None
            }
        }
    }

    /// A non-negative integer (`2` or `2.0`).
    fn count(&mut self, v: &Value, at: &str, key: &str) -> Option<u64> {
        let n = v.as_u64().or_else(|| v.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64));
        if n.is_none() {
            self.fail(at, key, format!("{key} must be a non-negative integer"));
        }
        n
    }

    /// An array of distinct strings (`required`, `dependentRequired` entries).
    fn names(&mut self, v: &Value, at: &str, key: &str) -> Option<Vec<String>> {
        let list: Option<Vec<String>> =
            v.as_array().and_then(|l| l.iter().map(|s| s.as_str().map(str::to_string)).collect());
        let list = list.filter(|l| (1..l.len()).all(|i| !l[..i].contains(&l[i])));
        if list.is_none() {
            self.fail(at, key, format!("{key} must be an array of distinct strings"));
        }
        list
    }

    fn schema_map(&mut self, v: &'a Value, at: &str, key: &str) -> Vec<(String, NodeId)> {
        let Value::Object(map) = v else {
            self.fail(at, key, format!("{key} must be an object of schemas"));
            return Vec::new();
        };
        let here = format!("{at}/{}", escape(key));
        map.iter().map(|(name, sub)| (name.clone(), self.id_for(sub, format!("{here}/{}", escape(name))))).collect()
    }

    fn schema_list(&mut self, v: &'a Value, at: &str, key: &str) -> Vec<NodeId> {
        match v {
            Value::Array(list) if !list.is_empty() => {
                list.iter().enumerate().map(|(i, sub)| self.id_for(sub, format!("{at}/{key}/{i}"))).collect()
            }
            _ => {
                self.fail(at, key, format!("{key} must be a non-empty array of schemas"));
                Vec::new()
            }
        }
    }

    /// `dependencies` (before 2019-09) has no meaning in 2020-12; its shape is
    /// still checked, as the meta-schema does, and it is otherwise ignored.
    fn dependencies(&mut self, v: &'a Value, at: &str) {
        let Value::Object(map) = v else {
            return self.fail(at, "dependencies", "dependencies must be an object");
        };
        let here = format!("{at}/dependencies");
        for (name, entry) in map {
            if entry.is_array() {
                self.names(entry, &here, name);
            } else {
                self.id_for(entry, format!("{here}/{}", escape(name)));
            }
        }
    }
}
