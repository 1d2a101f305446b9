//! The official JSON-Schema-Test-Suite, draft 2020-12, against our validator.
//!
//! The suite's files are not in this repository: `scripts/setup.sh` installs
//! them into `.cache/json-schema-test-suite/` from the PyPI source
//! distribution of `jsonschema` (pinned by version and SHA-256), the only
//! package on the registries we use that ships the 2020-12 files (the npm
//! `json-schema-test-suite` stops at draft 4; the crate
//! `json_schema_test_suite` at 2019-09). `DOCKYARD_JSON_SCHEMA_TEST_SUITE`
//! may point at another checkout's `tests/draft2020-12`.
//!
//! Every file runs except those in [`NOT_RUN`], each with its reason. A case
//! whose schema does not compile must be one Dockyard refuses at the door
//! anyway (a reference to a schema outside the document, which would need
//! fetching, or another dialect's `$schema`); it is counted, not skipped.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{non_local_refs, Validator};

const SUITE_ENV: &str = "DOCKYARD_JSON_SCHEMA_TEST_SUITE";

/// Files (relative to `draft2020-12/`) that are not run, and why.
const NOT_RUN: &[(&str, &str)] = &[
    ("optional/format/", "format is an annotation (2020-12's default); these files assert formats"),
    (
        "optional/ecmascript-regex.json",
        "ECMA-262 regex details: the Worker runs patterns on JavaScript's RegExp (checked end to end), native tests on fancy-regex",
    ),
    ("optional/dependencies-compatibility.json", "`dependencies` (before 2019-09) is not applied"),
];

fn suite_dir() -> PathBuf {
    match std::env::var_os(SUITE_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/json-schema-test-suite/tests/draft2020-12"),
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir).expect("readable").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Why Dockyard refuses this schema before compiling it, if it does.
fn refused_at_the_door(schema: &Value) -> bool {
    let foreign_dialect = schema
        .get("$schema")
        .and_then(Value::as_str)
        .is_some_and(|d| d.trim_end_matches('#') != "https://json-schema.org/draft/2020-12/schema");
    foreign_dialect || !non_local_refs(schema).is_empty()
}

#[test]
fn official_json_schema_test_suite_2020_12() {
    let dir = suite_dir();
    assert!(
        dir.join("type.json").is_file(),
        "the JSON-Schema-Test-Suite is not installed at {}: run `bash scripts/setup.sh` \
         (it fetches the jsonschema sdist from PyPI, which ships the suite), or set {SUITE_ENV}",
        dir.display()
    );
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let (mut tests, mut cases, mut refused, mut checked_though_refused) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in &paths {
        let rel = path.strip_prefix(&dir).expect("inside").to_string_lossy().replace('\\', "/");
        if NOT_RUN.iter().any(|(prefix, _)| rel.starts_with(prefix)) {
            continue;
        }
        let text = fs::read_to_string(path).expect("readable");
        let groups: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        for group in &groups {
            let what = format!("{rel}: {}", group["description"].as_str().unwrap_or("?"));
            let schema = &group["schema"];
            cases += 1;
            let door = refused_at_the_door(schema);
            let validator = match Validator::compile(schema) {
                Ok(v) => v,
                Err(_) if door => {
                    refused += 1;
                    continue;
                }
                Err(e) => {
                    failures.push(format!("{what}: does not compile: {e:?}"));
                    continue;
                }
            };
            checked_though_refused += usize::from(door);
            for test in group["tests"].as_array().expect("tests") {
                tests += 1;
                let data = &test["data"];
                let expected = test["valid"].as_bool().expect("valid");
                let errors = validator.errors(data);
                if errors.is_empty() != expected || validator.is_valid(data) != expected {
                    let t = test["description"].as_str().unwrap_or("?");
                    failures.push(format!("{what} / {t}: expected valid={expected}, got {errors:?}"));
                }
            }
        }
    }
    println!(
        "JSON-Schema-Test-Suite 2020-12: {} files, {cases} cases, {tests} tests passed; {refused} cases refused \
         (they need a schema from outside the document or another dialect), {checked_though_refused} of them \
         compiled and were checked anyway; not run: {NOT_RUN:?}",
        paths.len()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(tests > 1000, "only {tests} tests ran: is {} the 2020-12 directory?", dir.display());
}
