//! Evaluation: one instance against the compiled nodes, collecting every
//! error with the JSON Pointer of the offending value.
//!
//! Subschemas whose failure is not itself an error (`anyOf`, `oneOf`, `not`,
//! `if`, `contains`) are evaluated quietly: no messages are built there and
//! evaluation stops at the first failure. Annotations (which properties and
//! items were evaluated) are only tracked when the schema uses
//! `unevaluatedProperties` or `unevaluatedItems`.

use std::collections::HashSet;

use serde_json::Value;

use super::compile::{Keywords, Node, NodeId, TYPES};
use super::numbers::{canonical_key, cmp, equal, is_integer, is_multiple};
use super::walk::escape;
use super::{SchemaError, Validator};

/// Nested subschema evaluations allowed for one value: enough for deeply
/// recursive data (JSON bodies nest at most 128 levels), and a clear error
/// instead of a stack overflow for a `$ref` cycle that never reaches a
/// smaller value.
const MAX_DEPTH: u32 = 300;

/// How many unexpected property names one message lists.
const MAX_LISTED: usize = 10;

/// What was evaluated, for `unevaluated*`: property names (or all), and items
/// (a prefix, single indices from `contains`, or all).
#[derive(Default)]
struct Seen<'x> {
    all_props: bool,
    props: HashSet<&'x str>,
    all_items: bool,
    prefix: usize,
    indices: HashSet<usize>,
}

impl<'x> Seen<'x> {
    fn merge(&mut self, other: Seen<'x>) {
        self.all_props |= other.all_props;
        self.props.extend(other.props);
        self.all_items |= other.all_items;
        self.prefix = self.prefix.max(other.prefix);
        self.indices.extend(other.indices);
    }
}

/// The location of a value inside the instance, as a chain up to the root.
#[derive(Clone, Copy)]
struct Loc<'a> {
    up: Option<&'a Loc<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl Loc<'_> {
    fn pointer(&self) -> String {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(loc) = at {
            match loc.step {
                Step::Root => {}
                Step::Key(k) => steps.push(escape(k)),
                Step::Index(i) => steps.push(i.to_string()),
            }
            at = loc.up;
        }
        steps.iter().rev().map(|s| format!("/{s}")).collect()
    }
}

/// A value shown in a message, shortened (arguments can be megabytes).
fn show(v: &impl serde::Serialize) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn errors(v: &Validator, instance: &Value, quiet: bool) -> Vec<SchemaError> {
    let mut run = Run { v, errors: Vec::new(), quiet: u32::from(quiet), depth: 0, scope: Vec::new() };
    let (ok, _) = run.eval(0, instance, Loc { up: None, step: Step::Root });
    if !ok && run.errors.is_empty() {
        run.errors.push(SchemaError { instance_path: String::new(), keyword: "", message: "invalid".into() });
    }
    run.errors
}

struct Run<'s> {
    v: &'s Validator,
    errors: Vec<SchemaError>,
    /// > 0 while inside a quietly evaluated subschema.
    quiet: u32,
    depth: u32,
    /// The dynamic scope: schema resources entered, outermost first.
    scope: Vec<usize>,
}

impl Run<'_> {
    /// Records an error (unless quiet) and returns false.
    fn fail(&mut self, loc: Loc, keyword: &'static str, message: impl FnOnce() -> String) -> bool {
        if self.quiet == 0 {
            self.errors.push(SchemaError { instance_path: loc.pointer(), keyword, message: message() });
        }
        false
    }

    fn quietly<'x>(&mut self, id: NodeId, inst: &'x Value, loc: Loc) -> (bool, Seen<'x>) {
        self.quiet += 1;
        let r = self.eval(id, inst, loc);
        self.quiet -= 1;
        r
    }

    fn eval<'x>(&mut self, id: NodeId, inst: &'x Value, loc: Loc) -> (bool, Seen<'x>) {
        let k = match &self.v.nodes[id] {
            Node::Bool(true) => return (true, Seen::default()),
            Node::Bool(false) => {
                return (
                    self.fail(loc, "false", || format!("False schema does not allow {}", show(inst))),
                    Seen::default(),
                )
            }
            Node::Schema(k) => k,
        };
        if self.depth >= MAX_DEPTH {
            let msg = || "the schema nests references too deeply for this value".to_string();
            return (self.fail(loc, "$ref", msg), Seen::default());
        }
        self.depth += 1;
        let entered = self.scope.last() != Some(&k.resource);
        if entered {
            self.scope.push(k.resource);
        }
        let r = self.keywords(k, inst, loc);
        if entered {
            self.scope.pop();
        }
        self.depth -= 1;
        r
    }

    fn keywords<'x>(&mut self, k: &Keywords, inst: &'x Value, loc: Loc) -> (bool, Seen<'x>) {
        let mut seen = Seen::default();
        let mut ok = self.assertions(k, inst, loc);
        if !ok && self.quiet > 0 {
            return (false, seen);
        }
        ok &= self.in_place(k, inst, loc, &mut seen);
        match inst {
            Value::Array(items) => ok &= self.array(k, items, loc, &mut seen),
            Value::Object(obj) => ok &= self.object(k, obj, loc, &mut seen),
            _ => {}
        }
        (ok, seen)
    }

    /// The keywords that look at the value alone.
    fn assertions(&mut self, k: &Keywords, inst: &Value, loc: Loc) -> bool {
        let mut ok = true;
        if k.types != 0 && !type_matches(k.types, inst) {
            let names: Vec<String> =
                (0..TYPES.len()).filter(|i| k.types & (1 << i) != 0).map(|i| format!("{:?}", TYPES[i])).collect();
            let kind = if names.len() == 1 { "type" } else { "types" };
            ok = self.fail(loc, "type", || format!("{} is not of {kind} {}", show(inst), names.join(", ")));
        }
        if let Some(c) = &k.const_ {
            if !equal(c, inst) {
                ok = self.fail(loc, "const", || format!("{} was expected", show(c)));
            }
        }
        if let Some(list) = &k.enum_ {
            if !list.iter().any(|e| equal(e, inst)) {
                ok = self.fail(loc, "enum", || format!("{} is not one of {}", show(inst), show(list)));
            }
        }
        match inst {
            Value::Number(n) => {
                let shown = || show(inst);
                let bounds = [
                    (&k.minimum, "minimum", std::cmp::Ordering::Less, "less than the minimum of"),
                    (&k.exclusive_minimum, "exclusiveMinimum", std::cmp::Ordering::Greater, "less than or equal to"),
                    (&k.maximum, "maximum", std::cmp::Ordering::Greater, "greater than the maximum of"),
                    (&k.exclusive_maximum, "exclusiveMaximum", std::cmp::Ordering::Less, "greater than or equal to"),
                ];
                for (bound, keyword, bad, words) in bounds {
                    let Some(b) = bound else { continue };
                    let order = cmp(n, b);
                    let failed = if keyword.starts_with("exclusive") { order != bad } else { order == bad };
                    if failed {
                        ok = self.fail(loc, keyword, || format!("{} is {words} {b}", shown()));
                    }
                }
                if let Some(m) = &k.multiple_of {
                    if !is_multiple(n, m) {
                        ok = self.fail(loc, "multipleOf", || format!("{} is not a multiple of {m}", shown()));
                    }
                }
            }
            Value::String(s) => {
                if k.min_length.is_some() || k.max_length.is_some() {
                    let len = s.chars().count() as u64;
                    if let Some(min) = k.min_length.filter(|&m| len < m) {
                        let msg =
                            || format!("{} is shorter than {}", show(inst), plural(min, "character", "characters"));
                        ok = self.fail(loc, "minLength", msg);
                    }
                    if let Some(max) = k.max_length.filter(|&m| len > m) {
                        let msg =
                            || format!("{} is longer than {}", show(inst), plural(max, "character", "characters"));
                        ok = self.fail(loc, "maxLength", msg);
                    }
                }
                if let Some((re, source)) = &k.pattern {
                    if !re.is_match(s) {
                        ok = self.fail(loc, "pattern", || format!("{} does not match {source:?}", show(inst)));
                    }
                }
            }
            _ => {}
        }
        ok
    }

    /// Subschemas applied to the same value: their annotations count here.
    fn in_place<'x>(&mut self, k: &Keywords, inst: &'x Value, loc: Loc, seen: &mut Seen<'x>) -> bool {
        let mut ok = true;
        for &id in &k.all_of {
            let (valid, s) = self.eval(id, inst, loc);
            ok &= valid;
            seen.merge(s);
            if !ok && self.quiet > 0 {
                return false;
            }
        }
        if !k.any_of.is_empty() {
            let mut any = false;
            for &id in &k.any_of {
                let (valid, s) = self.quietly(id, inst, loc);
                if valid {
                    any = true;
                    seen.merge(s);
                    if !self.v.annotations {
                        break;
                    }
                }
            }
            if !any {
                let msg = || format!("{} is not valid under any of the schemas listed in 'anyOf'", show(inst));
                ok = self.fail(loc, "anyOf", msg);
            }
        }
        if !k.one_of.is_empty() {
            let mut valid_ones = Vec::new();
            for (i, &id) in k.one_of.iter().enumerate() {
                let (valid, s) = self.quietly(id, inst, loc);
                if valid {
                    valid_ones.push(i);
                    seen.merge(s);
                    if valid_ones.len() > 1 {
                        break;
                    }
                }
            }
            match valid_ones[..] {
                [_] => {}
                [] => {
                    let msg = || format!("{} is not valid under any of the schemas listed in 'oneOf'", show(inst));
                    ok = self.fail(loc, "oneOf", msg);
                }
                [a, b, ..] => {
                    let msg = || {
                        format!(
                            "{} is valid under more than one of the schemas listed in 'oneOf' ({a} and {b})",
                            show(inst)
                        )
                    };
                    ok = self.fail(loc, "oneOf", msg);
                }
            }
        }
        if let Some(id) = k.not {
            if self.quietly(id, inst, loc).0 {
                ok = self.fail(loc, "not", || format!("{} must not be valid under the 'not' schema", show(inst)));
            }
        }
        if let Some(id) = k.if_ {
            let (valid, s) = self.quietly(id, inst, loc);
            let branch = if valid {
                seen.merge(s);
                k.then_
            } else {
                k.else_
            };
            if let Some(id) = branch {
                let (valid, s) = self.eval(id, inst, loc);
                ok &= valid;
                seen.merge(s);
            }
        }
        if let Some(id) = k.ref_ {
            let (valid, s) = self.eval(id, inst, loc);
            ok &= valid;
            seen.merge(s);
        }
        if let Some((fallback, anchor)) = &k.dynamic_ref {
            let dynamic = anchor
                .as_ref()
                .and_then(|name| self.scope.iter().find_map(|&res| self.v.dynamic.get(&(res, name.clone())).copied()));
            let (valid, s) = self.eval(dynamic.unwrap_or(*fallback), inst, loc);
            ok &= valid;
            seen.merge(s);
        }
        if let Value::Object(obj) = inst {
            for (name, id) in &k.dependent_schemas {
                if obj.contains_key(name) {
                    let (valid, s) = self.eval(*id, inst, loc);
                    ok &= valid;
                    seen.merge(s);
                }
            }
        }
        ok
    }
}

fn type_matches(types: u8, inst: &Value) -> bool {
    let bit = |name: &str| 1u8 << TYPES.iter().position(|&t| t == name).unwrap_or(0);
    match inst {
        Value::Null => types & bit("null") != 0,
        Value::Bool(_) => types & bit("boolean") != 0,
        Value::Object(_) => types & bit("object") != 0,
        Value::Array(_) => types & bit("array") != 0,
        Value::String(_) => types & bit("string") != 0,
        Value::Number(n) => types & bit("number") != 0 || (types & bit("integer") != 0 && is_integer(n)),
    }
}

mod containers;
