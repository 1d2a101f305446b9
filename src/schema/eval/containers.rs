//! The keywords of arrays and objects, including `unevaluatedItems` and
//! `unevaluatedProperties`, which run last and see the annotations of every
//! other keyword of the same schema (and of its valid in-place subschemas).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{canonical_key, plural, show, Loc, Node, NodeId, Run, Seen, Step, MAX_LISTED};
use crate::schema::compile::Keywords;

/// `('a', 'b' were unexpected)`, listing at most [`MAX_LISTED`] names.
fn unexpected(names: &[&str]) -> String {
    let mut list: Vec<String> = names.iter().take(MAX_LISTED).map(|n| format!("'{n}'")).collect();
    if names.len() > MAX_LISTED {
        list.push(format!("and {} more", names.len() - MAX_LISTED));
    }
    let verb = if names.len() == 1 { "was" } else { "were" };
    format!("({} {verb} unexpected)", list.join(", "))
}

impl Run<'_> {
    fn is_false(&self, id: NodeId) -> bool {
        matches!(self.v.nodes[id], Node::Bool(false))
    }

    pub(super) fn array<'x>(&mut self, k: &Keywords, items: &'x [Value], loc: Loc, seen: &mut Seen<'x>) -> bool {
        let mut ok = true;
        let len = items.len() as u64;
        let shown = || show(&items);
        if let Some(min) = k.min_items.filter(|&m| len < m) {
            ok = self.fail(loc, "minItems", || format!("{} has less than {}", shown(), plural(min, "item", "items")));
        }
        if let Some(max) = k.max_items.filter(|&m| len > m) {
            ok = self.fail(loc, "maxItems", || format!("{} has more than {}", shown(), plural(max, "item", "items")));
        }
        if k.unique_items && items.len() > 1 {
            let mut keys = HashSet::with_capacity(items.len());
            if !items.iter().all(|item| keys.insert(canonical_key(item))) {
                ok = self.fail(loc, "uniqueItems", || format!("{} has non-unique elements", shown()));
            }
        }
        for (i, (item, &id)) in items.iter().zip(&k.prefix_items).enumerate() {
            ok &= self.eval(id, item, Loc { up: Some(&loc), step: Step::Index(i) }).0;
            if !ok && self.quiet > 0 {
                return false;
            }
        }
        seen.prefix = seen.prefix.max(k.prefix_items.len().min(items.len()));
        if let Some(id) = k.items {
            for (i, item) in items.iter().enumerate().skip(k.prefix_items.len()) {
                ok &= self.eval(id, item, Loc { up: Some(&loc), step: Step::Index(i) }).0;
                if !ok && self.quiet > 0 {
                    return false;
                }
            }
            seen.all_items = true;
        }
        if let Some(id) = k.contains {
            let mut count = 0u64;
            for (i, item) in items.iter().enumerate() {
                if self.quietly(id, item, Loc { up: Some(&loc), step: Step::Index(i) }).0 {
                    count += 1;
                    if self.v.annotations {
                        seen.indices.insert(i);
                    }
                }
            }
            let min = k.min_contains.unwrap_or(1);
            if count < min {
                let msg = || match k.min_contains {
                    None => format!("None of {} are valid under the given schema", shown()),
                    Some(m) => {
                        format!("{} has less than {} valid under 'contains'", shown(), plural(m, "item", "items"))
                    }
                };
                ok = self.fail(loc, "minContains", msg);
            }
            if let Some(max) = k.max_contains.filter(|&m| count > m) {
                let msg =
                    || format!("{} has more than {} valid under 'contains'", shown(), plural(max, "item", "items"));
                ok = self.fail(loc, "maxContains", msg);
            }
        }
        if let Some(id) = k.unevaluated_items {
            let mut extra = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if seen.all_items || i < seen.prefix || seen.indices.contains(&i) {
                    continue;
                }
                if self.is_false(id) {
                    extra.push(i);
                } else {
                    ok &= self.eval(id, item, Loc { up: Some(&loc), step: Step::Index(i) }).0;
                }
            }
            if !extra.is_empty() {
                let msg = || format!("Unevaluated items are not allowed (items {extra:?} were unexpected)");
                ok = self.fail(loc, "unevaluatedItems", msg);
            }
            seen.all_items = true;
        }
        ok
    }

    pub(super) fn object<'x>(
        &mut self,
        k: &Keywords,
        obj: &'x Map<String, Value>,
        loc: Loc,
        seen: &mut Seen<'x>,
    ) -> bool {
        let mut ok = true;
        let len = obj.len() as u64;
        let shown = || show(obj);
        if let Some(min) = k.min_properties.filter(|&m| len < m) {
            let msg = || format!("{} has less than {}", shown(), plural(min, "property", "properties"));
            ok = self.fail(loc, "minProperties", msg);
        }
        if let Some(max) = k.max_properties.filter(|&m| len > m) {
            let msg = || format!("{} has more than {}", shown(), plural(max, "property", "properties"));
            ok = self.fail(loc, "maxProperties", msg);
        }
        for name in k.required.iter().filter(|n| !obj.contains_key(*n)) {
            ok = self.fail(loc, "required", || format!("{name:?} is a required property"));
        }
        for (present, names) in k.dependent_required.iter().filter(|(p, _)| obj.contains_key(p)) {
            for name in names.iter().filter(|n| !obj.contains_key(*n)) {
                let msg = || format!("{name:?} is a required property (because {present:?} is present)");
                ok = self.fail(loc, "dependentRequired", msg);
            }
        }
        if !ok && self.quiet > 0 {
            return false;
        }
        for (name, id) in &k.properties {
            if let Some((key, value)) = obj.get_key_value(name) {
                ok &= self.eval(*id, value, Loc { up: Some(&loc), step: Step::Key(key) }).0;
                seen.props.insert(key);
            }
        }
        if !k.pattern_properties.is_empty() || k.additional_properties.is_some() {
            let mut extra = Vec::new();
            for (key, value) in obj {
                let at = Loc { up: Some(&loc), step: Step::Key(key) };
                let mut matched = false;
                for (re, id) in &k.pattern_properties {
                    if re.is_match(key) {
                        matched = true;
                        ok &= self.eval(*id, value, at).0;
                    }
                }
                let named = k.properties.binary_search_by(|(n, _)| n.as_str().cmp(key)).is_ok();
                match k.additional_properties {
                    Some(id) if !matched && !named => {
                        if self.is_false(id) {
                            extra.push(key.as_str());
                        } else {
                            ok &= self.eval(id, value, at).0;
                        }
                        seen.all_props = true;
                    }
                    _ if matched => {
                        seen.props.insert(key);
                    }
                    _ => {}
                }
                if !ok && self.quiet > 0 {
                    return false;
                }
            }
            if !extra.is_empty() {
                let msg = || format!("Additional properties are not allowed {}", unexpected(&extra));
                ok = self.fail(loc, "additionalProperties", msg);
            }
        }
        if let Some(id) = k.property_names {
            for key in obj.keys() {
                let name = Value::String(key.clone());
                let before = self.errors.len();
                ok &= self.eval(id, &name, loc).0;
                for e in &mut self.errors[before..] {
                    e.message = format!("property name {key:?}: {}", e.message);
                }
            }
        }
        if let Some(id) = k.unevaluated_properties {
            let mut extra = Vec::new();
            for (key, value) in obj {
                if seen.all_props || seen.props.contains(key.as_str()) {
                    continue;
                }
                if self.is_false(id) {
                    extra.push(key.as_str());
                } else {
                    ok &= self.eval(id, value, Loc { up: Some(&loc), step: Step::Key(key) }).0;
                }
            }
            if !extra.is_empty() {
                let msg = || format!("Unevaluated properties are not allowed {}", unexpected(&extra));
                ok = self.fail(loc, "unevaluatedProperties", msg);
            }
            seen.all_props = true;
        }
        ok
    }
}
