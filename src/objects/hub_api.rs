//! The commands a worker sends to a project's hub, and their answers: the one
//! place both sides agree on shapes (serde types).

use serde::{Deserialize, Serialize};

/// The project as the hub knows it (set at creation, updated on settings changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubProject {
    pub id: String,
    pub org_id: String,
    pub org_slug: String,
    pub slug: String,
    pub visibility: String,
}

/// Which published version production serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionPointer {
    pub version: String,
    pub seq: i64,
    pub content_hash: String,
}

/// The working copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Draft {
    pub revision: i64,
    pub instructions: String,
    /// Validated Type documents, sorted by name.
    pub types: Vec<serde_json::Value>,
}

/// What one MCP request needs, in one hop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointView {
    pub project: Option<HubProject>,
    pub production: Option<ProductionPointer>,
    /// Only for the draft channel, and only when the worker does not hold
    /// this revision already (`draft_unchanged`).
    pub draft: Option<Draft>,
    /// The worker's cached draft (`draft_have` in the command: this project
    /// id at this revision) is current, so `draft` was not sent. A revision
    /// is bumped by every draft change, in the one object that serializes
    /// them, so an equal (project id, revision) means equal content.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft_unchanged: bool,
}

/// The draft a worker already holds (`draft_have` of `/endpoint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftHave {
    pub project_id: String,
    pub revision: i64,
}
