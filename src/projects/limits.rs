//! Size limits that keep every published version inside one D1 row.
//!
//! Why: publishing stores a version as one row of `versions` (the canonical
//! snapshot, the diff against the previous production, the notes and a few
//! short columns), and D1 refuses a row over 2,000,000 bytes. A draft that
//! grew past that would save fine and then fail at publish with a 500. So the
//! limits are enforced where the draft grows, and they add up to less than a
//! row:
//!
//! | part | bound |
//! |---|---|
//! | snapshot (Types and Instructions, as [`snapshot_bytes`] counts them) | [`MAX_DRAFT_BYTES`], checked at every save by the hub |
//! | one Type | `types::MAX_TYPE_BYTES` (1 MiB), sent and as stored |
//! | diff | [`MAX_STORED_DIFF_BYTES`]: [`stored_diff`] trims the stored copy |
//! | notes | 2,000 characters, at most [`MAX_NOTES_BYTES`] |
//! | version, hashes, ids, times | under [`ROW_OVERHEAD_BYTES`] |
//!
//! The draft's size is counted exactly as the snapshot will be stored
//! (`diff::Snapshot::canonical_json`): the JSON of each stored Type, the
//! JSON-escaped Instructions (a newline counts two bytes), and the few bytes
//! that join them. So a draft at the limit publishes, and one byte more is
//! refused at save time with a 413 naming the limit.

use serde_json::{json, Value};

use super::diff::Diff;

/// What D1 accepts in one row (strings, BLOBs and the row as a whole).
pub const D1_MAX_ROW_BYTES: usize = 2_000_000;
/// The largest draft: its snapshot's canonical JSON, in bytes.
pub const MAX_DRAFT_BYTES: usize = 1_500_000;
/// The largest diff stored with a version; a larger one is trimmed.
pub const MAX_STORED_DIFF_BYTES: usize = 450_000;
/// Release notes: 2,000 characters of at most 4 UTF-8 bytes each.
pub const MAX_NOTES_BYTES: usize = 2_000 * 4;
/// Everything else in a version row, with room to spare: the version (64),
/// the content hash (64), ids, times and SQLite's record header.
pub const ROW_OVERHEAD_BYTES: usize = 4_000;

// The parts of a version row fit in one D1 row, and the largest Type fits in
// a draft with room for others: checked when the crate compiles.
const _: () =
    assert!(MAX_DRAFT_BYTES + MAX_STORED_DIFF_BYTES + MAX_NOTES_BYTES + ROW_OVERHEAD_BYTES < D1_MAX_ROW_BYTES);
const _: () = assert!(super::types::MAX_TYPE_BYTES < MAX_DRAFT_BYTES);

/// `{"instructions":` + `,"types":[` + `]}`: what joins the parts.
const FRAME_BYTES: usize = r#"{"instructions":,"types":[]}"#.len();

/// The size of a snapshot's canonical JSON, from the length of the
/// JSON-encoded Instructions (`serde_json::to_string(&text)`) and of each
/// Type's compact JSON as stored in the draft.
pub fn snapshot_bytes(instructions_json_len: usize, type_lens: &[usize]) -> usize {
    let commas = type_lens.len().saturating_sub(1);
    FRAME_BYTES + instructions_json_len + type_lens.iter().sum::<usize>() + commas
}

/// The length of `text` as a JSON string (quotes and escapes included).
pub fn json_string_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(text.len() * 6 + 2, |s| s.len())
}

/// The refusal of a save that would take the draft to `bytes`.
pub fn draft_too_large(bytes: usize) -> String {
    format!(
        "the draft would be {bytes} bytes as published; a draft (its Types and Instructions together) \
         may be at most {MAX_DRAFT_BYTES} bytes, so that a published version fits one database row"
    )
}

/// The diff as stored with a version: the whole diff when it fits in `max`
/// bytes; otherwise the same shape with `"truncated": true`, the per-Type
/// reasons dropped and as many of the overall reasons as fit (the count of
/// the dropped ones in `"reasons_omitted"`); and when even the name lists do
/// not fit, only counts. The publish answer always carries the whole diff;
/// only the stored copy is trimmed.
pub fn stored_diff(d: &Diff, max: usize) -> String {
    let full = json!(d).to_string();
    if full.len() <= max {
        return full;
    }
    let changed: Vec<Value> =
        d.changed.iter().map(|c| json!({ "name": c.name, "fields": c.fields, "bump": c.bump })).collect();
    let mut compact = json!({
        "added": d.added, "removed": d.removed, "changed": changed,
        "instructions_changed": d.instructions_changed, "suggested_bump": d.suggested_bump,
        "reasons": [], "reasons_omitted": d.reasons.len(), "truncated": true,
    });
    let base = compact.to_string().len();
    if base <= max {
        // Reasons go back in while they fit: each costs its JSON string and a
        // comma; the digits of `reasons_omitted` only shrink meanwhile.
        let mut room = max - base;
        let mut kept = Vec::new();
        for reason in &d.reasons {
            let cost = json_string_len(reason) + usize::from(!kept.is_empty());
            if cost > room {
                break;
            }
            room -= cost;
            kept.push(reason.clone());
        }
        compact["reasons_omitted"] = json!(d.reasons.len() - kept.len());
        compact["reasons"] = json!(kept);
        return compact.to_string();
    }
    json!({
        "added_count": d.added.len(), "removed_count": d.removed.len(), "changed_count": d.changed.len(),
        "instructions_changed": d.instructions_changed, "suggested_bump": d.suggested_bump,
        "reasons": [], "reasons_omitted": d.reasons.len(), "truncated": true,
    })
    .to_string()
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
