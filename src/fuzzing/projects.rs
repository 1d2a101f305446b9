//! Project targets: the Type document validator, argument validation
//! (JSON Schema 2020-12), semver, and the draft/production diff.

use serde::Deserialize;
use serde_json::Value;

use crate::projects::diff::{diff as diff_of, Bump, Snapshot};
use crate::projects::semver::{is_greater, parse_semver, try_next_version};
use crate::projects::types::{check_arguments, compile_schema, validate_arguments, validate_type, ValidationOptions};

/// Input: a Type document as sent to `PUT .../draft/types/<name>`.
pub fn type_document(data: &[u8]) {
    let opts = ValidationOptions { allow_loopback_upstreams: false, secret_names: None, upstream_hosts: None };
    let name = serde_json::from_slice::<Value>(data)
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "x".into());
    let Ok(doc) = validate_type(data, &name, &["other"], &opts) else { return };
    assert_eq!(doc.name, name);
    // Accepted ⇒ the stored form re-validates, as the same Type.
    let stored = serde_json::to_vec(&doc).expect("a TypeDoc serializes");
    match validate_type(&stored, &name, &["other"], &opts) {
        Ok(again) => assert_eq!(again, doc, "the stored form validates as another Type"),
        Err(problems) => panic!("the stored form of an accepted Type is refused: {problems:?}"),
    }
    // Its input schema compiles, and `{}`-style arguments are answered.
    let v = compile_schema(&doc.input_schema).expect("an accepted Type's input_schema compiles");
    let _ = check_arguments(&v, &Value::Object(Default::default()));
}

/// Input: `{"schema": <JSON Schema>, "args": <instance>}`.
pub fn arguments(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    let (Some(schema), Some(args)) = (v.get("schema"), v.get("args")) else { return };
    let once = validate_arguments(schema, args);
    assert_eq!(validate_arguments(schema, args), once, "validation is not deterministic");
    if let Ok(compiled) = compile_schema(schema) {
        assert_eq!(check_arguments(&compiled, args), once, "compile + check differs from validate_arguments");
        if let Err(problems) = &once {
            assert!(!problems.is_empty(), "a refusal without a problem");
        }
    }
}

/// Input: `version` or `a\nb`.
pub fn semver(data: &[u8]) {
    let text = super::text(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, "1.0.0"));
    if let Some((x, y, z)) = parse_semver(a) {
        assert_eq!(format!("{x}.{y}.{z}"), a, "two spellings of one version");
        assert!(!is_greater(a, a));
        for bump in [Bump::Patch, Bump::Minor, Bump::Major] {
            if let Some(next) = try_next_version(Some(a), bump) {
                assert!(is_greater(&next, a), "{next} after {a} is not greater");
            }
        }
    } else {
        assert_eq!(try_next_version(Some(a), Bump::Patch), None, "a next version of unparseable {a:?}");
    }
    assert!(!(is_greater(a, b) && is_greater(b, a)), "{a} and {b} are each greater than the other");
}

#[derive(Deserialize)]
struct Pair {
    published: Option<Snapshot>,
    draft: Snapshot,
}

/// Input: `{"published": <Snapshot or null>, "draft": <Snapshot>}`.
pub fn diff(data: &[u8]) {
    let Ok(Pair { published, draft }) = serde_json::from_slice::<Pair>(data) else { return };
    for s in published.iter().chain([&draft]) {
        let same = diff_of(Some(s), s);
        assert!(same.is_empty(), "a snapshot differs from itself: {:?}", same.reasons);
        // The canonical JSON is a snapshot again, with the same hash.
        let back: Snapshot = serde_json::from_str(&s.canonical_json()).expect("canonical JSON is a Snapshot");
        assert_eq!(back.content_hash(), s.content_hash(), "the canonical form hashes differently");
    }
    let d = diff_of(published.as_ref(), &draft);
    if published.is_none() && !draft.types.is_empty() {
        assert_eq!(d.suggested_bump, Some(Bump::Major), "a first publish that is not major");
    }
    if let Some(p) = &published {
        if p.content_hash() == draft.content_hash() {
            assert!(d.is_empty(), "same content, yet a change: {:?}", d.reasons);
        }
        if !d.removed.is_empty() {
            assert_eq!(d.suggested_bump, Some(Bump::Major), "a removal that is not major");
        }
    }
    assert_eq!(d.is_empty(), d.reasons.is_empty(), "reasons {:?} for bump {:?}", d.reasons, d.suggested_bump);
}
