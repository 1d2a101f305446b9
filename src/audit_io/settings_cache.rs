//! Whether an org stores payloads, remembered per isolate for a few seconds.
//!
//! Why a cache: the answer is needed for every MCP request (off the
//! critical path, but still a D1 read each), and it changes rarely. The
//! PATCH that changes it forgets the entry in its own isolate; another
//! isolate sees the change within [`TTL_MS`]. A request in that window is
//! recorded under the previous setting — its payload is stored (encrypted)
//! or not, never leaked.

use crate::store::audit as store;
use std::cell::RefCell;
use std::collections::HashMap;
use worker::D1Database;

pub const TTL_MS: i64 = 10_000;
const MAX_ENTRIES: usize = 1024;

thread_local! {
    static PAYLOADS: RefCell<HashMap<String, (i64, bool)>> = RefCell::new(HashMap::new());
}

/// Does `org_slug` store payloads? A failed lookup answers `false` (the
/// record itself is still sent).
pub async fn payloads_on(db: &D1Database, org_slug: &str, now_ms: i64) -> bool {
    if let Some((at, on)) = PAYLOADS.with(|c| c.borrow().get(org_slug).copied()) {
        if now_ms - at < TTL_MS {
            return on;
        }
    }
    let on = match store::payloads_on(db, org_slug).await {
        Ok(on) => on,
        Err(e) => {
            worker::console_error!("audit: payload setting of {org_slug}: {e:?}");
            return false;
        }
    };
    PAYLOADS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_ENTRIES {
            c.clear();
        }
        c.insert(org_slug.to_string(), (now_ms, on));
    });
    on
}

/// Forgets an org's entry (its settings just changed).
pub fn forget(org_slug: &str) {
    PAYLOADS.with(|c| c.borrow_mut().remove(org_slug));
}
