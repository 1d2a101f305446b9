//! Compatibility of two versions of one tool's JSON Schema, for the semver
//! suggestion of a publish.
//!
//! Why sides matter: callers *send* instances of `input_schema`, so accepting
//! less (a narrowed type, a new constraint, a newly required property) breaks
//! them; callers *read* instances of `output_schema`, so guaranteeing less (a
//! widened type, a property no longer required) breaks them. Each keyword
//! change is classified as narrowing or widening once, and the side maps it
//! to a bump. Removing a property is breaking on both sides; adding one is
//! minor on both. A change this module cannot reason about (`anyOf`, `$ref`,
//! `if`/`then`, ...) is assumed breaking: a false "major" costs a version
//! number, a false "minor" costs callers.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::problem::join;
use super::semver::Bump;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Input,
    Output,
}

/// One reason for a bump, e.g. `input_schema property /order/id removed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Finding {
    pub bump: Bump,
    pub text: String,
}

#[derive(Debug, Clone, Copy)]
enum Change {
    /// Fewer instances are valid.
    Narrowed,
    /// More instances are valid.
    Widened,
    /// Neither provably: treated as breaking.
    Changed,
    /// Documentation only.
    Annotation,
}

const ANNOTATIONS: &[&str] =
    &["title", "description", "examples", "default", "$comment", "deprecated", "readOnly", "writeOnly"];
/// Keywords that, when present, only restrict; their values are not ordered.
const RESTRICTIONS: &[&str] = &["const", "pattern", "format", "multipleOf", "contentEncoding", "contentMediaType"];
const UPPER_BOUNDS: &[&str] = &["maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains"];
const LOWER_BOUNDS: &[&str] = &["minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains"];
const OPEN_CLOSED: &[&str] = &["additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems"];

impl Side {
    fn field(self) -> &'static str {
        match self {
            Side::Input => "input_schema",
            Side::Output => "output_schema",
        }
    }

    fn bump(self, change: Change) -> Bump {
        match (change, self) {
            (Change::Annotation, _) => Bump::Patch,
            (Change::Changed, _) => Bump::Major,
            (Change::Narrowed, Side::Input) | (Change::Widened, Side::Output) => Bump::Major,
            (Change::Widened, Side::Input) | (Change::Narrowed, Side::Output) => Bump::Minor,
        }
    }
}

/// Every difference between `old` and `new`, in a stable order (keywords
/// alphabetically, properties by name, depth first).
pub(super) fn compare(old: &Value, new: &Value, side: Side) -> Vec<Finding> {
    let mut cmp = Cmp { side, out: Vec::new() };
    cmp.node(old, new, "");
    cmp.out
}

struct Cmp {
    side: Side,
    out: Vec<Finding>,
}

/// A schema as a keyword map: `true` is `{}`, `false` is `{"not": {}}`.
fn as_map(v: &Value) -> Option<Cow<'_, Map<String, Value>>> {
    match v {
        Value::Object(m) => Some(Cow::Borrowed(m)),
        Value::Bool(true) => Some(Cow::Owned(Map::new())),
        Value::Bool(false) => {
            let mut m = Map::new();
            m.insert("not".into(), Value::Object(Map::new()));
            Some(Cow::Owned(m))
        }
        _ => None,
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "any".to_string(), Value::to_string)
}

impl Cmp {
    fn push(&mut self, bump: Bump, ptr: &str, what: &str) {
        let field = self.side.field();
        let text = if ptr.is_empty() { format!("{field}: {what}") } else { format!("{field} at {ptr}: {what}") };
        self.out.push(Finding { bump, text });
    }

    fn change(&mut self, change: Change, ptr: &str, what: &str) {
        self.push(self.side.bump(change), ptr, what);
    }

    fn property(&mut self, bump: Bump, ptr: &str, what: &str) {
        let text = format!("{} property {ptr} {what}", self.side.field());
        self.out.push(Finding { bump, text });
    }

    fn node(&mut self, old: &Value, new: &Value, ptr: &str) {
        if old == new {
            return;
        }
        let (Some(o), Some(n)) = (as_map(old), as_map(new)) else {
            self.change(Change::Changed, ptr, "schema replaced");
            return;
        };
        let keys: BTreeSet<&str> = o.keys().chain(n.keys()).map(String::as_str).collect();
        for k in keys {
            let (a, b) = (o.get(k), n.get(k));
            if a != b {
                self.keyword(k, a, b, ptr, &o, &n);
            }
        }
    }

    fn keyword(
        &mut self,
        k: &str,
        a: Option<&Value>,
        b: Option<&Value>,
        ptr: &str,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        match k {
            "type" => self.types(a, b, ptr),
            "enum" => self.enums(a, b, ptr),
            "properties" => self.properties(a, b, ptr),
            "required" => self.required(a, b, ptr, o.get("properties"), n.get("properties")),
            "uniqueItems" => {
                let on = |v: Option<&Value>| v == Some(&Value::Bool(true));
                let change = if on(b) && !on(a) { Change::Narrowed } else { Change::Widened };
                self.change(change, ptr, &format!("uniqueItems {} -> {}", show(a), show(b)));
            }
            "items" => match (a, b) {
                (Some(x), Some(y)) => self.node(x, y, &format!("{ptr}[]")),
                (None, _) => self.change(Change::Narrowed, ptr, "items constrained"),
                (_, None) => self.change(Change::Widened, ptr, "items no longer constrained"),
            },
            _ if ANNOTATIONS.contains(&k) => self.change(Change::Annotation, ptr, &format!("{k} changed")),
            _ if RESTRICTIONS.contains(&k) => {
                let change = match (a, b) {
                    (None, _) => Change::Narrowed,
                    (_, None) => Change::Widened,
                    _ => Change::Changed,
                };
                self.change(change, ptr, &format!("{k} {} -> {}", show(a), show(b)));
            }
            _ if UPPER_BOUNDS.contains(&k) => self.bound(k, a, b, ptr, true),
            _ if LOWER_BOUNDS.contains(&k) => self.bound(k, a, b, ptr, false),
            _ if OPEN_CLOSED.contains(&k) => self.open_closed(k, a, b, ptr),
            _ => self.change(
                Change::Changed,
                ptr,
                &format!("{k} changed (compatibility not analysed, assumed breaking)"),
            ),
        }
    }

    fn types(&mut self, a: Option<&Value>, b: Option<&Value>, ptr: &str) {
        let (old, new) = (type_set(a), type_set(b));
        let narrower = includes(old.as_ref(), new.as_ref());
        let wider = includes(new.as_ref(), old.as_ref());
        let (change, word) = match (narrower, wider) {
            (true, true) => return, // same set, spelled differently
            (true, false) => (Change::Narrowed, "narrowed"),
            (false, true) => (Change::Widened, "widened"),
            (false, false) => (Change::Changed, "changed"),
        };
        self.change(change, ptr, &format!("type {word} ({} -> {})", show(a), show(b)));
    }

    fn enums(&mut self, a: Option<&Value>, b: Option<&Value>, ptr: &str) {
        let (Some(Value::Array(old)), Some(Value::Array(new))) = (a, b) else {
            let change = match (a, b) {
                (None, _) => Change::Narrowed,
                (_, None) => Change::Widened,
                _ => Change::Changed,
            };
            self.change(change, ptr, &format!("enum {} -> {}", show(a), show(b)));
            return;
        };
        let lost: Vec<&Value> = old.iter().filter(|v| !new.contains(v)).collect();
        let gained: Vec<&Value> = new.iter().filter(|v| !old.contains(v)).collect();
        let list = |vs: &[&Value]| Value::Array(vs.iter().map(|v| (*v).clone()).collect()).to_string();
        let (change, what) = match (lost.is_empty(), gained.is_empty()) {
            (true, true) => (Change::Annotation, "enum reordered".to_string()),
            (false, true) => (Change::Narrowed, format!("enum lost values {}", list(&lost))),
            (true, false) => (Change::Widened, format!("enum gained values {}", list(&gained))),
            (false, false) => {
                (Change::Changed, format!("enum lost values {} and gained {}", list(&lost), list(&gained)))
            }
        };
        self.change(change, ptr, &what);
    }

    fn bound(&mut self, k: &str, a: Option<&Value>, b: Option<&Value>, ptr: &str, upper: bool) {
        let what = format!("{k} {} -> {}", show(a), show(b));
        let change = match (a.map(Value::as_f64), b.map(Value::as_f64)) {
            (Some(Some(x)), Some(Some(y))) if x == y => return, // 5 and 5.0
            (None, _) => Change::Narrowed,
            (_, None) => Change::Widened,
            (Some(Some(x)), Some(Some(y))) if (y < x) == upper => Change::Narrowed,
            (Some(Some(_)), Some(Some(_))) => Change::Widened,
            _ => Change::Changed,
        };
        self.change(change, ptr, &what);
    }

    fn open_closed(&mut self, k: &str, a: Option<&Value>, b: Option<&Value>, ptr: &str) {
        #[derive(PartialEq)]
        enum Class {
            Open,
            Closed,
            Schema,
        }
        let class = |v: Option<&Value>| match v {
            None | Some(Value::Bool(true)) => Class::Open,
            Some(Value::Object(m)) if m.is_empty() => Class::Open,
            Some(Value::Bool(false)) => Class::Closed,
            Some(_) => Class::Schema,
        };
        let change = match (class(a), class(b)) {
            (Class::Schema, Class::Schema) => {
                if let (Some(x), Some(y)) = (a, b) {
                    self.node(x, y, &format!("{ptr}/*"));
                }
                return;
            }
            (x, y) if x == y => return, // absent, true and {} mean the same
            (Class::Open, _) | (Class::Schema, Class::Closed) => Change::Narrowed,
            _ => Change::Widened,
        };
        self.change(change, ptr, &format!("{k} {} -> {}", show(a), show(b)));
    }

    fn properties(&mut self, a: Option<&Value>, b: Option<&Value>, ptr: &str) {
        let empty = Map::new();
        let (Some(old), Some(new)) = (props_of(a, &empty), props_of(b, &empty)) else {
            self.change(Change::Changed, ptr, "properties changed");
            return;
        };
        let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for name in names {
            let here = join(ptr, name);
            match (old.get(name), new.get(name)) {
                (Some(_), None) => self.property(Bump::Major, &here, "removed"),
                (None, Some(_)) => self.property(Bump::Minor, &here, "added"),
                (Some(x), Some(y)) => self.node(x, y, &here),
                (None, None) => {}
            }
        }
    }

    fn required(
        &mut self,
        a: Option<&Value>,
        b: Option<&Value>,
        ptr: &str,
        old_props: Option<&Value>,
        new_props: Option<&Value>,
    ) {
        let set = |v: Option<&Value>| -> BTreeSet<String> {
            v.and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let has = |props: Option<&Value>, name: &str| props.and_then(|p| p.get(name)).is_some();
        let (old, new) = (set(a), set(b));
        for name in new.difference(&old) {
            let (bump, what) = match self.side {
                Side::Input => (Bump::Major, "newly required"),
                Side::Output => (Bump::Minor, "now always present"),
            };
            self.property(bump, &join(ptr, name), what);
        }
        for name in old.difference(&new) {
            // A removed property was already reported as removed.
            if has(old_props, name) && !has(new_props, name) {
                continue;
            }
            let (bump, what) = match self.side {
                Side::Input => (Bump::Minor, "no longer required"),
                Side::Output => (Bump::Major, "no longer guaranteed (not required)"),
            };
            self.property(bump, &join(ptr, name), what);
        }
    }
}

/// The `properties` map (`empty` when absent); `None` when malformed.
fn props_of<'a>(v: Option<&'a Value>, empty: &'a Map<String, Value>) -> Option<&'a Map<String, Value>> {
    match v {
        Some(Value::Object(m)) => Some(m),
        None => Some(empty),
        Some(_) => None,
    }
}

/// `None` means any type (no `type` keyword, or one that is not a string or
/// list of strings).
fn type_set(v: Option<&Value>) -> Option<BTreeSet<&str>> {
    match v? {
        Value::String(s) => Some(BTreeSet::from([s.as_str()])),
        Value::Array(l) => l.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Every type of `inner` is also allowed by `outer` (`integer` is within
/// `number`).
fn includes(outer: Option<&BTreeSet<&str>>, inner: Option<&BTreeSet<&str>>) -> bool {
    match (outer, inner) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(o), Some(i)) => i.iter().all(|t| o.contains(t) || (*t == "integer" && o.contains("number"))),
    }
}
