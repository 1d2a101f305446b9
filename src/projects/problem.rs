//! One reason a document or a set of tool arguments was refused, located by a
//! JSON Pointer (RFC 6901).
//!
//! Why a pointer and not a field name: Type documents nest (`/ui/html`,
//! `/input_schema/properties/x/$ref`, `/scopes/3`), and the Studio and API
//! clients highlight the exact spot. Every validator in `projects` returns all
//! its problems at once, in one deterministic order (see `finish`), so a 422
//! lists everything to fix and tests can compare lists exactly.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::identity::validate::FieldError;

/// At most this many problems are returned; the rest are summarised in one
/// last problem at the root. A pathological 1 MiB document must not turn
/// into a multi-megabyte error body.
pub const MAX_PROBLEMS: usize = 100;

/// Messages are clipped to this many characters (validator messages quote
/// the offending value, which can be large).
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A refused spot: `path` is a JSON Pointer into the checked document (`""`
/// is the whole document), `message` says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: clip(message.into()) }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// For `ApiError::Invalid`: the pointer becomes the field name (`""` for the
/// whole document).
impl From<Problem> for FieldError {
    fn from(p: Problem) -> Self {
        FieldError::new(p.path, p.message)
    }
}

/// Escapes one reference token for a JSON Pointer (`~` -> `~0`, `/` -> `~1`).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `base` + `/` + escaped `token`.
pub(crate) fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape(token))
}

fn clip(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

/// Orders pointers token by token, numerically where both tokens are array
/// indexes (so `/scopes/2` sorts before `/scopes/10`).
fn compare_paths(a: &str, b: &str) -> Ordering {
    let mut ta = a.split('/');
    let mut tb = b.split('/');
    loop {
        match (ta.next(), tb.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(i), Ok(j)) => i.cmp(&j),
                    _ => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// The one order every caller sees: by path (document order is not kept by
/// `serde_json`, so paths sort lexically with numeric indexes), then by
/// message; exact duplicates dropped; capped at [`MAX_PROBLEMS`].
pub(crate) fn finish(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by(|a, b| compare_paths(&a.path, &b.path).then_with(|| a.message.cmp(&b.message)));
    problems.dedup();
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem::new("", format!("… and {more} more problems")));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tokens() {
        assert_eq!(join("/properties", "a/b~c"), "/properties/a~1b~0c");
        assert_eq!(join("", "name"), "/name");
    }

    #[test]
    fn sorts_indexes_numerically_and_dedups() {
        let out = finish(vec![
            Problem::new("/scopes/10", "b"),
            Problem::new("/scopes/2", "a"),
            Problem::new("", "root"),
            Problem::new("/scopes/2", "a"),
        ]);
        let paths: Vec<_> = out.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["", "/scopes/2", "/scopes/10"]);
    }

    #[test]
    fn caps_the_list_and_clips_messages() {
        let many = (0..150).map(|i| Problem::new(format!("/x/{i}"), "bad")).collect();
        let out = finish(many);
        assert_eq!(out.len(), MAX_PROBLEMS + 1);
        assert_eq!(out[MAX_PROBLEMS].message, "… and 50 more problems");
        let long = Problem::new("", "é".repeat(1000));
        assert_eq!(long.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn converts_to_field_error() {
        let f: FieldError = Problem::new("/name", "bad").into();
        assert_eq!(f.field, "/name");
    }
}
