//! What the endpoint keeps in the isolate between requests, so that a warm
//! request decodes nothing it decoded before:
//! - published snapshots, keyed by content hash: a published version never
//!   changes, so an entry is never stale; the pointer that says *which*
//!   version production serves is read fresh from the hub on every request;
//! - the draft of each project, keyed by (project id, revision): the hub
//!   bumps the revision on every draft change (one object serializes them),
//!   and every request sends the revision it holds, so the hub answers
//!   "unchanged" or the new draft. A project deleted and created again has a
//!   new id, so its old draft never matches.
//!
//! Entries are shared (`Rc`), never cloned per request: a project of 1,000
//! Types costs a warm request a pointer copy.

use crate::projects::diff::Snapshot;
use crate::projects::types::TypeDoc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Enough for the hot projects of an isolate; a map is cleared when full.
const MAX_ENTRIES: usize = 64;

/// The Types and Instructions one request is served from.
pub struct Served {
    pub types: Rc<Vec<TypeDoc>>,
    pub instructions: Rc<str>,
}

impl Served {
    pub fn new(types: Vec<TypeDoc>, instructions: String) -> Self {
        Served { types: Rc::new(types), instructions: instructions.into() }
    }
}

impl Clone for Served {
    fn clone(&self) -> Self {
        Served { types: self.types.clone(), instructions: self.instructions.clone() }
    }
}

/// A cached draft: what it was decoded from.
#[derive(Clone)]
pub struct CachedDraft {
    pub project_id: String,
    pub revision: i64,
    pub served: Served,
}

thread_local! {
    static SNAPSHOTS: RefCell<HashMap<String, Served>> = RefCell::new(HashMap::new());
    /// `<org>/<project>` -> its draft as last decoded here.
    static DRAFTS: RefCell<HashMap<String, CachedDraft>> = RefCell::new(HashMap::new());
}

fn put_bounded<V>(m: &mut HashMap<String, V>, key: &str, value: V) {
    if m.len() >= MAX_ENTRIES && !m.contains_key(key) {
        m.clear();
    }
    m.insert(key.to_string(), value);
}

pub fn snapshot(hash: &str) -> Option<Served> {
    SNAPSHOTS.with(|m| m.borrow().get(hash).cloned())
}

pub fn put_snapshot(hash: &str, snapshot: Snapshot) -> Served {
    let served = Served::new(snapshot.types, snapshot.instructions);
    SNAPSHOTS.with(|m| put_bounded(&mut m.borrow_mut(), hash, served.clone()));
    served
}

pub fn draft(key: &str) -> Option<CachedDraft> {
    DRAFTS.with(|m| m.borrow().get(key).cloned())
}

pub fn put_draft(key: &str, draft: CachedDraft) {
    DRAFTS.with(|m| put_bounded(&mut m.borrow_mut(), key, draft));
}
