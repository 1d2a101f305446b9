//! Project secrets, the pure rules (`/api/v1/orgs/<org>/projects/<p>/secrets`):
//! the name rule, the value bound, the request bodies and the list view.
//! Storage and sealing are `objects::hub_secrets`; the HTTP glue is
//! `studio::secrets`.
//!
//! Why these rules:
//! - Names `[A-Za-z_][A-Za-z0-9_]{0,63}`: they are keys of a handler's
//!   `env.secrets` and of Type documents, so an identifier is the one shape
//!   that reads the same in JavaScript, JSON and a shell.
//! - Values at most 4 KiB (UTF-8 bytes), non-empty strings: API keys, tokens
//!   and signing keys fit; a certificate bundle or a data file does not
//!   belong here. An empty value would sign with an empty HMAC key.
//! - Values are write-only: nothing here ever formats a value into a message;
//!   errors name the field and the limit only.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use crate::oauth::grants::Channel;

/// A value may be at most this many UTF-8 bytes.
pub const MAX_VALUE_BYTES: usize = 4 * 1024;
/// A name may be at most this many characters.
pub const MAX_NAME_LEN: usize = 64;
/// A PUT body is refused past this many bytes (the value plus JSON escaping
/// plus the channel; a `\u` escape is 6 bytes per byte of value at worst).
pub const MAX_BODY_BYTES: usize = 6 * MAX_VALUE_BYTES + 1024;
/// At most this many secret names per project (both channels share names).
pub const MAX_SECRETS_PER_PROJECT: usize = 100;

/// `[A-Za-z_][A-Za-z0-9_]{0,63}`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && name.len() <= MAX_NAME_LEN
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The message for a name that breaks the rule.
pub fn name_rule() -> &'static str {
    "a secret name must be 1-64 characters of A-Z, a-z, 0-9 and '_', not starting with a digit"
}

/// A checked `PUT .../secrets/<name>` body.
#[derive(PartialEq, Eq)]
pub struct PutSecret {
    pub value: String,
    /// The channels to set: the one named, or both when none is.
    pub channels: Vec<Channel>,
}

/// Debug never shows the value.
impl std::fmt::Debug for PutSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PutSecret {{ value: <{} bytes>, channels: {:?} }}", self.value.len(), self.channels)
    }
}

/// Checks a PUT body (already parsed as JSON). Every problem as
/// `(field, message)`; messages never quote the value.
pub fn parse_put(body: &Value) -> Result<PutSecret, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![("/", "the body must be a JSON object {\"value\", \"channel\"?}".to_string())]);
    };
    for key in obj.keys() {
        if key != "value" && key != "channel" {
            problems.push(("/", format!("unknown field {key:?} (only value and channel)")));
        }
    }
    let value = match obj.get("value") {
        Some(Value::String(v)) if v.is_empty() => {
            problems.push(("value", "must not be empty".to_string()));
            None
        }
        Some(Value::String(v)) if v.len() > MAX_VALUE_BYTES => {
            problems.push(("value", format!("is {} bytes; the limit is {MAX_VALUE_BYTES} (4 KiB)", v.len())));
            None
        }
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => {
            problems.push(("value", "must be a string".to_string()));
            None
        }
        None => {
            problems.push(("value", "is required".to_string()));
            None
        }
    };
    let channels = match obj.get("channel") {
        None | Some(Value::Null) => vec![Channel::Draft, Channel::Production],
        Some(Value::String(c)) => match Channel::parse(c) {
            Some(c) => vec![c],
            None => {
                problems.push(("channel", "must be \"draft\" or \"production\" (or left out for both)".to_string()));
                Vec::new()
            }
        },
        Some(_) => {
            problems.push(("channel", "must be \"draft\" or \"production\" (or left out for both)".to_string()));
            Vec::new()
        }
    };
    match value {
        Some(value) if problems.is_empty() => Ok(PutSecret { value, channels }),
        _ => Err(problems),
    }
}

/// One stored (name, channel) row's times, as the list shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Times {
    pub created_at: i64,
    pub updated_at: i64,
    pub last_used_at: Option<i64>,
}

/// One row of the hub's table, without the sealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub channel: Channel,
    pub times: Times,
}

/// One entry of `GET .../secrets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub name: String,
    pub channels: ListedChannels,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListedChannels {
    pub draft: Option<Times>,
    pub production: Option<Times>,
}

/// The list view: one entry per name (sorted), each channel's times or null.
pub fn list_view(rows: &[Row]) -> Vec<Listed> {
    let mut by_name: BTreeMap<&str, ListedChannels> = BTreeMap::new();
    for r in rows {
        let entry = by_name.entry(&r.name).or_default();
        match r.channel {
            Channel::Draft => entry.draft = Some(r.times),
            Channel::Production => entry.production = Some(r.times),
        }
    }
    by_name.into_iter().map(|(name, channels)| Listed { name: name.to_string(), channels }).collect()
}

#[cfg(test)]
#[path = "secrets_tests.rs"]
mod tests;
