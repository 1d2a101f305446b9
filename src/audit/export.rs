//! The export formats: NDJSON (one JSON record per line) and CSV.
//!
//! CSV decisions (RFC 4180): a header row of the record keys, `\r\n` line
//! ends, a cell quoted when it holds `,`, `"`, `\r`, `\n` or leading or
//! trailing spaces (`"` doubled inside). `null` is an empty cell, numbers
//! and booleans are written as JSON writes them, nested values (an action's
//! `details`) as compact JSON.
//!
//! Formula injection: a spreadsheet runs a cell starting with `=`, `+`,
//! `-`, `@`, tab or carriage return as a formula, and every text field here
//! (host names, tool names, client names) is chosen by a client. Such a
//! text cell gets a leading `'`, which spreadsheets show as plain text.
//! Numbers are never prefixed (they are ours, never negative).

use serde::Serialize;
use serde_json::Value;

use super::record::FIELDS;

/// The columns of an action export.
pub const ACTION_FIELDS: [&str; 9] =
    ["id", "at", "org", "actor_id", "actor_email", "via", "action", "target", "details"];

/// The columns of an MCP-record export.
pub const MCP_FIELDS: [&str; 25] = FIELDS;

pub const NDJSON_CONTENT_TYPE: &str = "application/x-ndjson";
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// One NDJSON line (with its `\n`).
pub fn ndjson_line<T: Serialize>(record: &T) -> String {
    let mut line = serde_json::to_string(record).unwrap_or_else(|_| "{}".into());
    line.push('\n');
    line
}

/// One NDJSON line with a leading `"kind"` key (webhook batches mix MCP
/// records and actions), the record's own keys after it, in order.
pub fn tagged_line<T: Serialize>(kind: &str, record: &T) -> String {
    let inner = serde_json::to_string(record).unwrap_or_else(|_| "{}".into());
    let rest = inner.strip_prefix('{').unwrap_or("}");
    let sep = if rest == "}" { "" } else { "," };
    format!("{{\"kind\":{}{sep}{rest}\n", Value::from(kind))
}

/// The CSV header row.
pub fn csv_header(fields: &[&str]) -> String {
    let mut row = fields.join(",");
    row.push_str("\r\n");
    row
}

/// One CSV row of `record` (serialized as an object) in `fields` order.
pub fn csv_row<T: Serialize>(fields: &[&str], record: &T) -> String {
    let value = serde_json::to_value(record).unwrap_or(Value::Null);
    let cells: Vec<String> = fields.iter().map(|f| csv_cell(value.get(*f).unwrap_or(&Value::Null))).collect();
    let mut row = cells.join(",");
    row.push_str("\r\n");
    row
}

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(&guard(s)),
        nested => quote(&guard(&nested.to_string())),
    }
}

/// Neutralizes a cell a spreadsheet would run as a formula.
pub fn guard(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn quote(s: &str) -> String {
    let needs = s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::tests::sample;
    use serde_json::json;

    #[test]
    fn ndjson_golden() {
        let line = ndjson_line(&sample());
        assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
        assert_eq!(
            line,
            concat!(
                r#"{"id":"req_0123456789abcdef0123456789abcdef","at":1795514400000,"duration_ms":12,"org":"acme","#,
                r#""project":"shop","channel":"production","version":"1.2.0","method":"tools/call","tool":"show_order","#,
                r#""tool_kind":"interactive","era":"modern","protocol_version":"2026-07-28","status":"ok","error_code":null,"#,
                r#""user_id":"usr_1","user_email":"ada@example.com","client_id":"https://app.example/c.json","#,
                r#""client_name":"=HYPERLINK(\"x\")","grant_id":"grt_1","host_name":"Claude, \"Desktop\"","host_version":"-1","#,
                r#""args_sha256":"ab","args_bytes":20,"result_sha256":"cd","result_bytes":300}"#,
                "\n"
            )
        );
    }

    #[test]
    fn tagged_lines() {
        let line = tagged_line("mcp", &sample());
        assert!(line.starts_with(r#"{"kind":"mcp","id":"req_0123"#), "{line}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["kind"], "mcp");
        assert_eq!(v["host_name"], "Claude, \"Desktop\"");
        assert_eq!(tagged_line("action", &json!({})), "{\"kind\":\"action\"}\n");
    }

    #[test]
    fn csv_golden() {
        assert_eq!(
            csv_header(&MCP_FIELDS),
            "id,at,duration_ms,org,project,channel,version,method,tool,tool_kind,era,protocol_version,status,\
             error_code,user_id,user_email,client_id,client_name,grant_id,host_name,host_version,args_sha256,\
             args_bytes,result_sha256,result_bytes\r\n"
        );
        assert_eq!(
            csv_row(&MCP_FIELDS, &sample()),
            "req_0123456789abcdef0123456789abcdef,1795514400000,12,acme,shop,production,1.2.0,tools/call,\
             show_order,interactive,modern,2026-07-28,ok,,usr_1,ada@example.com,https://app.example/c.json,\
             \"'=HYPERLINK(\"\"x\"\")\",grt_1,\"Claude, \"\"Desktop\"\"\",'-1,ab,20,cd,300\r\n"
        );
    }

    #[test]
    fn cells() {
        for (raw, cell) in [
            ("plain", "plain"),
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a,b", "\"a,b\""),
            ("line\nbreak", "\"line\nbreak\""),
            (" padded ", "\" padded \""),
            ("", ""),
            ("x=1", "x=1"),
        ] {
            assert_eq!(csv_cell(&json!(raw)), cell, "{raw:?}");
        }
        assert_eq!(csv_cell(&Value::Null), "");
        assert_eq!(csv_cell(&json!(42)), "42");
        assert_eq!(csv_cell(&json!(true)), "true");
        assert_eq!(csv_cell(&json!({"role": "admin", "n": 1})), "\"{\"\"n\"\":1,\"\"role\"\":\"\"admin\"\"}\"");
    }

    #[test]
    fn every_row_has_every_column() {
        let row = csv_row(&MCP_FIELDS, &sample());
        // Count separators outside quotes.
        let mut quoted = false;
        let commas = row.chars().filter(|c| {
            if *c == '"' {
                quoted = !quoted;
            }
            *c == ',' && !quoted
        });
        assert_eq!(commas.count(), MCP_FIELDS.len() - 1);
        let missing = csv_row(&ACTION_FIELDS, &json!({"id": "act_1"}));
        assert_eq!(missing, "act_1,,,,,,,,\r\n");
    }
}
