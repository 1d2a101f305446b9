//! JSON Schema 2020-12 validation, small enough for the Worker bundle.
//!
//! Why our own: the `jsonschema` crate (with `fancy-regex`, `regex`, `ahash`
//! and their Unicode tables) was about two thirds of the release wasm
//! (bench/README.md, "Bundle size"). Dockyard needs one dialect, offline,
//! with errors located by JSON Pointer; that is a few hundred lines.
//!
//! What is implemented: every keyword of the 2020-12 core, applicator,
//! unevaluated and validation vocabularies (`$ref`, `$dynamicRef` and
//! `$dynamicAnchor`, `$anchor`, `$id`-relative resolution, `unevaluated*`),
//! checked against the official JSON-Schema-Test-Suite (`suite_tests.rs`).
//! A schema is also checked against what the 2020-12 meta-schema allows;
//! a malformed keyword is a [`CompileError`] at its JSON Pointer.
//!
//! Decisions:
//! - `format` is an annotation, as 2020-12 specifies by default (the
//!   format-annotation vocabulary): it is never asserted. So are `content*`,
//!   `title`, `description`, `default`, `examples`, `deprecated`, ...
//! - References never leave the document: one that does not resolve inside
//!   it is a compile error. Nothing is ever fetched, and no meta-schema is
//!   built in (`$ref` to the meta-schema is refused like any other).
//! - `$schema` must be 2020-12 wherever it appears.
//! - `pattern` is ECMA-262, run by the platform's `RegExp` in the Worker
//!   (see `regex`).
//! - `dependencies` (pre-2019-09) is not applied.

pub mod cached;
mod compile;
mod eval;
mod numbers;
mod regex;
mod registry;
mod walk;

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

pub use walk::{each_subschema, non_local_refs};

/// A schema that cannot be compiled: `pointer` locates the keyword in the
/// schema (`/properties/a/type`; `""` is the schema itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub pointer: String,
    pub message: String,
}

impl CompileError {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), message: message.into() }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One way an instance fails its schema: `instance_path` is a JSON Pointer
/// into the instance, `keyword` the failing keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub instance_path: String,
    pub keyword: &'static str,
    pub message: String,
}

/// A compiled schema. Compile once, validate many instances.
pub struct Validator {
    nodes: Vec<compile::Node>,
    dynamic: HashMap<(usize, String), compile::NodeId>,
    /// Whether `unevaluated*` appears, so annotations must be tracked.
    annotations: bool,
}

impl Validator {
    /// Compiles `schema` as JSON Schema 2020-12. On failure every problem
    /// found is returned, ordered by pointer.
    pub fn compile(schema: &Value) -> Result<Validator, Vec<CompileError>> {
        let c = compile::compile(schema)?;
        Ok(Validator { nodes: c.nodes, dynamic: c.dynamic, annotations: c.annotations })
    }

    /// Every error of `instance` (empty when it is valid).
    pub fn errors(&self, instance: &Value) -> Vec<SchemaError> {
        eval::errors(self, instance, false)
    }

    pub fn is_valid(&self, instance: &Value) -> bool {
        eval::errors(self, instance, true).is_empty()
    }
}

#[cfg(test)]
mod suite_tests;
#[cfg(test)]
mod tests;
