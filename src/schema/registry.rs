//! The first pass of compilation: every schema resource (`$id`), anchor and
//! dynamic anchor of a document, with the base URI of each location, so that
//! `$ref` and `$dynamicRef` resolve (RFC 3986 against the nearest `$id`,
//! JSON Pointer fragments relative to that resource) without fetching.
//!
//! A reference that leaves the document cannot be resolved and is a compile
//! error: Dockyard never fetches a schema.

use std::collections::HashMap;

use serde_json::Value;
use url::Url;

use super::walk::each_subschema;
use super::CompileError;

/// The base URI of a schema without `$id` (as other implementations use).
const DEFAULT_BASE: &str = "json-schema:///";

pub(super) struct Registry<'a> {
    pub root: &'a Value,
    bases: Vec<Url>,
    /// The JSON Pointer (in the document) of each resource's root.
    roots: Vec<String>,
    by_uri: HashMap<String, usize>,
    anchors: HashMap<(usize, String), String>,
    /// (resource, name, pointer) of every `$dynamicAnchor`.
    pub dynamic: Vec<(usize, String, String)>,
    located: HashMap<String, usize>,
}

/// Where a reference leads: the pointer and value of its target, and the
/// fragment when it is an anchor name (for `$dynamicRef`).
pub(super) struct Target<'a> {
    pub pointer: String,
    pub value: &'a Value,
    pub anchor: Option<String>,
}

impl<'a> Registry<'a> {
    pub fn scan(root: &'a Value, errors: &mut Vec<CompileError>) -> Registry<'a> {
        let base = Url::parse(DEFAULT_BASE).expect("the default base URI parses");
        let mut reg = Registry {
            root,
            bases: vec![base.clone()],
            roots: vec![String::new()],
            by_uri: HashMap::from([(base.to_string(), 0)]),
            anchors: HashMap::new(),
            dynamic: Vec::new(),
            located: HashMap::new(),
        };
        reg.visit(root, String::new(), 0, errors);
        reg
    }

    fn visit(&mut self, value: &'a Value, at: String, mut res: usize, errors: &mut Vec<CompileError>) {
        let Value::Object(obj) = value else {
            self.located.insert(at, res);
            return;
        };
        if let Some(id) = obj.get("$id") {
            match self.new_resource(id, res, &at) {
                Ok(r) => res = r,
                Err(message) => errors.push(CompileError::new(format!("{at}/$id"), message)),
            }
        }
        for keyword in ["$anchor", "$dynamicAnchor"] {
            let Some(anchor) = obj.get(keyword) else { continue };
            match anchor.as_str().filter(|a| is_anchor(a)) {
                Some(name) if self.anchors.get(&(res, name.to_string())).is_some_and(|p| *p != at) => errors
                    .push(CompileError::new(format!("{at}/{keyword}"), format!("anchor {name:?} is defined twice"))),
                Some(name) => {
                    self.anchors.insert((res, name.to_string()), at.clone());
                    if keyword == "$dynamicAnchor" {
                        self.dynamic.push((res, name.to_string(), at.clone()));
                    }
                }
                None => errors.push(CompileError::new(
                    format!("{at}/{keyword}"),
                    format!("{keyword} must be a name: a letter or '_', then letters, digits, '-', '_' or '.'"),
                )),
            }
        }
        self.located.insert(at.clone(), res);
        each_subschema(obj, &mut |suffix, sub| self.visit(sub, format!("{at}{suffix}"), res, errors));
    }

    fn new_resource(&mut self, id: &Value, parent: usize, at: &str) -> Result<usize, String> {
        let id = id.as_str().ok_or("$id must be a string")?;
        let mut url = self.bases[parent].join(id).map_err(|e| format!("$id {id:?} is not a URI reference ({e})"))?;
        if url.fragment().is_some_and(|f| !f.is_empty()) {
            return Err(format!("$id {id:?} must not have a fragment (name a location with $anchor)"));
        }
        url.set_fragment(None);
        let key = url.to_string();
        if self.by_uri.contains_key(&key) && !at.is_empty() {
            return Err(format!("$id {id:?} identifies two schemas in this document"));
        }
        let res = self.bases.len();
        self.by_uri.insert(key, res);
        self.bases.push(url);
        self.roots.push(at.to_string());
        Ok(res)
    }

    /// The resource that a location belongs to (the nearest `$id` above it).
    pub fn resource_at(&self, pointer: &str) -> usize {
        let mut p = pointer;
        loop {
            if let Some(&r) = self.located.get(p) {
                return r;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return 0,
            }
        }
    }

    /// Resolves `reference` against the base URI of resource `res`.
    pub fn resolve(&self, reference: &str, res: usize) -> Result<Target<'a>, String> {
        let mut url =
            self.bases[res].join(reference).map_err(|e| format!("{reference:?} is not a URI reference ({e})"))?;
        let fragment = percent_decode(url.fragment().unwrap_or(""));
        url.set_fragment(None);
        let Some(&target) = self.by_uri.get(url.as_str()) else {
            return Err(format!(
                "{reference:?} cannot be resolved: it is not in this schema, and schemas are never fetched"
            ));
        };
        let root = &self.roots[target];
        let (pointer, anchor) = if fragment.is_empty() {
            (root.clone(), None)
        } else if fragment.starts_with('/') {
            (format!("{root}{fragment}"), None)
        } else {
            let found = self.anchors.get(&(target, fragment.clone()));
            let pointer = found.ok_or_else(|| format!("{reference:?} names an anchor this schema does not define"))?;
            (pointer.clone(), Some(fragment))
        };
        let value =
            self.root.pointer(&pointer).ok_or_else(|| format!("{reference:?} points at nothing in this schema"))?;
        Ok(Target { pointer, value, anchor })
    }
}

/// `$anchor` syntax: `^[A-Za-z_][-A-Za-z0-9._]*$`.
fn is_anchor(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Decodes `%XX` escapes of a URI fragment (invalid UTF-8 is replaced).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
