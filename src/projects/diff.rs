//! What publishing would change: the draft compared with the published
//! version, with a suggested semver bump.
//!
//! Why a suggestion and not a rule: the publisher may know better (and may
//! pick any greater version), but the default should protect callers. Types
//! are matched by name, so a rename is a removal plus an addition, which is
//! breaking: MCP clients call tools by name. Schema rules are in
//! `schema_diff`; the rest, per top-level field of a Type:
//!
//! | change | bump |
//! |---|---|
//! | Type removed or renamed | major |
//! | Type added | minor |
//! | `kind` changed | major (a different tool behind the same name) |
//! | scope added | major (callers without it lose access) |
//! | scope removed | minor |
//! | `output_schema` added / removed | minor / major |
//! | `http` changed (url, timeout, headers, secret) | minor (same contract, new behaviour) |
//! | `code` changed (source, allowed_hosts, timeout) | minor (same contract, new behaviour) |
//! | `title`, `description`, `annotations`, `ui`, scope order | patch |
//! | Instructions changed | patch |
//!
//! First publish (`published == None`): every Type is "added" and the
//! suggestion is `Major` (from nothing to 1.0.0, see
//! [`semver::next_version`](super::semver::next_version)), or `None` when the
//! draft is empty.
//!
//! `Snapshot::content_hash` identifies a version's content independently of
//! map key order and Type order, so "nothing changed since the last publish"
//! is a hash comparison.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::schema_diff::{self, Side};
pub use super::semver::{is_greater, next_version, parse_semver, try_next_version, Bump, FIRST_VERSION};
use super::types::TypeDoc;

/// The content of one version (or of the draft): its Types and Instructions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Sorted by name (see [`Snapshot::new`]).
    pub types: Vec<TypeDoc>,
    pub instructions: String,
}

impl Snapshot {
    /// A snapshot with its Types sorted by name.
    pub fn new(mut types: Vec<TypeDoc>, instructions: impl Into<String>) -> Self {
        types.sort_by(|a, b| a.name.cmp(&b.name));
        Self { types, instructions: instructions.into() }
    }

    pub fn get(&self, name: &str) -> Option<&TypeDoc> {
        self.types.iter().find(|t| t.name == name)
    }

    /// Compact JSON with object keys sorted (by code point, at every depth,
    /// whatever `serde_json` features are on) and Types sorted by name.
    /// Absent optional fields are omitted, so `null` and absent agree.
    /// Not RFC 8785: it only needs to be stable for Dockyard's own hashes.
    pub fn canonical_json(&self) -> String {
        let mut sorted = self.clone();
        sorted.types.sort_by(|a, b| a.name.cmp(&b.name));
        // Serializing strings, numbers, `Value`s and string-keyed maps cannot fail.
        let value = serde_json::to_value(&sorted).expect("a Snapshot always serializes to JSON");
        let mut out = String::new();
        write_canonical(&value, &mut out);
        out
    }

    /// SHA-256 (lowercase hex) of [`Snapshot::canonical_json`].
    pub fn content_hash(&self) -> String {
        crate::crypto::sha256_hex(self.canonical_json().as_bytes())
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// How one Type present on both sides changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeChange {
    pub name: String,
    /// Top-level fields that differ, in document order: `title`,
    /// `description`, `kind`, `input_schema`, `output_schema`,
    /// `annotations`, `scopes`, `ui`, `http`.
    pub fields: Vec<String>,
    /// The largest bump among `reasons`.
    pub bump: Bump,
    /// One line per finding, each starting with `<name>: `.
    pub reasons: Vec<String>,
}

/// What publishing `draft` over `published` changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Names in the draft only, sorted.
    pub added: Vec<String>,
    /// Names in the published version only, sorted.
    pub removed: Vec<String>,
    /// Types on both sides that differ, sorted by name.
    pub changed: Vec<TypeChange>,
    pub instructions_changed: bool,
    /// `None` when nothing changed.
    pub suggested_bump: Option<Bump>,
    /// Every reason, in this order: first publish, removed (or renamed)
    /// Types, added Types, changed Types, Instructions.
    pub reasons: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.suggested_bump.is_none()
    }
}

/// Compares the draft with the published version (`None`: never published).
pub fn diff(published: Option<&Snapshot>, draft: &Snapshot) -> Diff {
    let by_name =
        |s: &Snapshot| -> BTreeMap<String, TypeDoc> { s.types.iter().map(|t| (t.name.clone(), t.clone())).collect() };
    let old = published.map(by_name).unwrap_or_default();
    let new = by_name(draft);
    let added: Vec<String> = new.keys().filter(|k| !old.contains_key(*k)).cloned().collect();
    let removed: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();

    let mut bump: Option<Bump> = None;
    let mut reasons = Vec::new();
    let mut renamed_into = BTreeSet::new();
    for name in &removed {
        let target = added.iter().find(|a| {
            !renamed_into.contains(*a) && new.get(*a).zip(old.get(name)).is_some_and(|(n, o)| same_but_name(o, n))
        });
        match target {
            Some(a) => {
                renamed_into.insert(a.clone());
                reasons.push(format!("{name}: renamed to {a} (callers use the old name)"));
            }
            None => reasons.push(format!("{name}: Type removed")),
        }
        bump = bump.max(Some(Bump::Major));
    }
    for name in &added {
        reasons.push(format!("{name}: Type added"));
        bump = bump.max(Some(Bump::Minor));
    }
    let mut changed = Vec::new();
    for (name, o) in &old {
        if let Some(change) = new.get(name).and_then(|n| compare_types(o, n)) {
            bump = bump.max(Some(change.bump));
            reasons.extend(change.reasons.iter().cloned());
            changed.push(change);
        }
    }
    let old_instructions = published.map_or("", |p| p.instructions.as_str());
    let instructions_changed = old_instructions != draft.instructions;
    if instructions_changed {
        reasons.push("Instructions changed".to_string());
        bump = bump.max(Some(Bump::Patch));
    }
    if published.is_none() && bump.is_some() {
        bump = Some(Bump::Major);
        reasons.insert(0, format!("first published version ({FIRST_VERSION})"));
    }
    Diff { added, removed, changed, instructions_changed, suggested_bump: bump, reasons }
}

fn same_but_name(old: &TypeDoc, new: &TypeDoc) -> bool {
    let mut renamed = old.clone();
    renamed.name.clone_from(&new.name);
    renamed == *new
}

/// Collects findings for one Type; `None` when it did not change.
fn compare_types(old: &TypeDoc, new: &TypeDoc) -> Option<TypeChange> {
    if old == new {
        return None;
    }
    let mut fields = Vec::new();
    let mut found: Vec<(Bump, String)> = Vec::new();
    let mut field = |name: &str, differs: bool, findings: Vec<(Bump, String)>| {
        if differs {
            fields.push(name.to_string());
            found.extend(findings);
        }
    };
    field("title", old.title != new.title, vec![(Bump::Patch, "title changed".into())]);
    field("description", old.description != new.description, vec![(Bump::Patch, "description changed".into())]);
    let kinds = format!("kind changed ({:?} -> {:?})", old.kind, new.kind).to_lowercase();
    field("kind", old.kind != new.kind, vec![(Bump::Major, kinds)]);
    field(
        "input_schema",
        old.input_schema != new.input_schema,
        schema_findings(&old.input_schema, &new.input_schema, Side::Input),
    );
    let output = match (&old.output_schema, &new.output_schema) {
        (None, Some(_)) => vec![(Bump::Minor, "output_schema added".into())],
        (Some(_), None) => vec![(Bump::Major, "output_schema removed".into())],
        (Some(o), Some(n)) => schema_findings(o, n, Side::Output),
        (None, None) => Vec::new(),
    };
    field("output_schema", old.output_schema != new.output_schema, output);
    field("annotations", old.annotations != new.annotations, vec![(Bump::Patch, "annotations changed".into())]);
    field("scopes", old.scopes != new.scopes, scope_findings(&old.scopes, &new.scopes));
    field("ui", old.ui != new.ui, vec![(Bump::Patch, "ui changed".into())]);
    field("http", old.http != new.http, http_findings(old, new));
    field("code", old.code != new.code, code_findings(old, new));

    let bump = found.iter().map(|(b, _)| *b).max().unwrap_or(Bump::Patch);
    let name = &new.name;
    Some(TypeChange {
        name: name.clone(),
        fields,
        bump,
        reasons: found.into_iter().map(|(_, r)| format!("{name}: {r}")).collect(),
    })
}

fn schema_findings(old: &Value, new: &Value, side: Side) -> Vec<(Bump, String)> {
    let found = schema_diff::compare(old, new, side);
    if found.is_empty() && old != new {
        // Every differing keyword was found equivalent (`true` vs absent
        // `additionalProperties`, 10 vs 10.0, a respelled type list).
        let field = match side {
            Side::Input => "input_schema",
            Side::Output => "output_schema",
        };
        return vec![(Bump::Patch, format!("{field} respelled (same meaning)"))];
    }
    found.into_iter().map(|f| (f.bump, f.text)).collect()
}

fn scope_findings(old: &[String], new: &[String]) -> Vec<(Bump, String)> {
    let mut out: Vec<(Bump, String)> = Vec::new();
    for s in new.iter().filter(|s| !old.contains(s)) {
        out.push((Bump::Major, format!("scope {s} now required")));
    }
    for s in old.iter().filter(|s| !new.contains(s)) {
        out.push((Bump::Minor, format!("scope {s} no longer required")));
    }
    if out.is_empty() {
        out.push((Bump::Patch, "scopes reordered".into()));
    }
    out
}

fn http_findings(old: &TypeDoc, new: &TypeDoc) -> Vec<(Bump, String)> {
    let (o, n) = (old.http.as_ref(), new.http.as_ref());
    let parts: [(&str, bool); 4] = [
        ("url", o.map(|h| &h.url) != n.map(|h| &h.url)),
        ("timeout_ms", o.map(|h| h.timeout_ms) != n.map(|h| h.timeout_ms)),
        ("headers", o.map(|h| &h.headers) != n.map(|h| &h.headers)),
        ("secret", o.map(|h| &h.secret) != n.map(|h| &h.secret)),
    ];
    parts
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(part, _)| (Bump::Minor, format!("http.{part} changed")))
        .collect()
}

fn code_findings(old: &TypeDoc, new: &TypeDoc) -> Vec<(Bump, String)> {
    let (o, n) = (old.code.as_ref(), new.code.as_ref());
    let parts: [(&str, bool); 3] = [
        ("source", o.map(|c| &c.source) != n.map(|c| &c.source)),
        ("allowed_hosts", o.map(|c| &c.allowed_hosts) != n.map(|c| &c.allowed_hosts)),
        ("timeout_ms", o.map(|c| c.timeout_ms) != n.map(|c| c.timeout_ms)),
    ];
    parts
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(part, _)| (Bump::Minor, format!("code.{part} changed")))
        .collect()
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
