//! Published snapshots cached in the isolate, keyed by content hash. A
//! published version never changes, so an entry is never stale; the pointer
//! that says *which* version production serves is read fresh from the hub on
//! every request.

use crate::projects::diff::Snapshot;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Enough for the hot projects of an isolate; the map is cleared when full.
const MAX_ENTRIES: usize = 64;

thread_local! {
    static SNAPSHOTS: RefCell<HashMap<String, Rc<Snapshot>>> = RefCell::new(HashMap::new());
}

pub fn get(hash: &str) -> Option<Rc<Snapshot>> {
    SNAPSHOTS.with(|m| m.borrow().get(hash).cloned())
}

pub fn put(hash: &str, snapshot: Snapshot) -> Rc<Snapshot> {
    let rc = Rc::new(snapshot);
    SNAPSHOTS.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(hash.to_string(), rc.clone());
    });
    rc
}
