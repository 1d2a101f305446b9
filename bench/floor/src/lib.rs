//! The floor of `npm run bench`: what any Rust worker on this workerd pays.
//!
//! - `POST /mcp`: reads the body and answers a fixed MCP `tools/call` result
//!   (the shape Dockyard answers for an interactive Type).
//! - `POST /hop/mcp`: the same, after one Durable Object round trip that
//!   reads one SQLite row; the row is the result's `structuredContent`. This
//!   is the price of a per-request grant check (revocation on the next
//!   request), the one hop Dockyard's hot path keeps.
//!
//! No routing library, no JSON parsing, no validation: this is the line the
//! bench measures Dockyard against, so it must stay bare.

use serde::Deserialize;
use std::cell::Cell;
use worker::*;

const TEXT: &str =
    r#"Displayed \"Card\" (show_card) to the user with the given arguments; the data is in structuredContent."#;
const FIXED_DATA: &str = r#"{"id":"card-1"}"#;

fn answer(data: &str) -> Result<Response> {
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"result":{{"content":[{{"type":"text","text":"{TEXT}"}}],"structuredContent":{data},"isError":false}}}}"#
    );
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(body)?.with_headers(headers))
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // Read the request like any MCP server must (the bytes are not parsed).
    let _ = req.bytes().await?;
    match req.path().as_str() {
        "/mcp" => answer(FIXED_DATA),
        "/hop/mcp" => {
            let stub = env.durable_object("CARDS")?.get_by_name("bench")?;
            let mut reply = stub.fetch_with_str("https://do.internal/card").await?;
            answer(&reply.text().await?)
        }
        _ => Response::error("not found", 404),
    }
}

#[derive(Deserialize)]
struct Row {
    data: String,
}

/// One SQLite-backed object holding one row.
#[durable_object]
pub struct Cards {
    state: State,
    /// The table is created once per object instance, as Dockyard's hub does.
    ready: Cell<bool>,
}

impl DurableObject for Cards {
    fn new(state: State, _env: Env) -> Self {
        Self { state, ready: Cell::new(false) }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            sql.exec("CREATE TABLE IF NOT EXISTS card (id TEXT PRIMARY KEY, data TEXT NOT NULL)", None)?;
            sql.exec("INSERT OR IGNORE INTO card (id, data) VALUES ('card-1', ?)", vec![FIXED_DATA.into()])?;
            self.ready.set(true);
        }
        let row: Row = sql.exec("SELECT data FROM card WHERE id = ?", vec!["card-1".into()])?.one()?;
        Response::ok(row.data)
    }
}
