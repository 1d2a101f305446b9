//! The OAuth protected resources Dockyard serves: every project has two,
//! `PUBLIC_URL/<org>/<project>` (production) and `PUBLIC_URL/<org>/<project>/draft`.
//!
//! Why a type: the audience of an access token (RFC 8707 `resource`, JWT
//! `aud`) must be compared *exactly*, so a production token never works on the
//! draft endpoint and a token of one project never works on another. Parsing
//! the `resource` parameter into a [`Resource`] (and rendering it back with
//! [`Resource::canonical_url`]) keeps one spelling of every endpoint: the
//! canonical URL, no trailing slash, no query, no fragment.
//!
//! The origin is compared byte for byte against `PUBLIC_URL` (which
//! `config` stores as an ASCII origin serialization, no trailing slash), so a
//! client-supplied host, a different scheme or port, upper case, userinfo or
//! percent-encoding can never name one of our resources.

use serde::{Deserialize, Serialize};

use super::grants::Channel;
use crate::identity::roles::Permission;
use crate::identity::validate::validate_slug;

/// One protected resource: a project's production or draft endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub org: String,
    pub project: String,
    pub draft: bool,
}

impl Resource {
    pub fn new(org: impl Into<String>, project: impl Into<String>, draft: bool) -> Self {
        Resource { org: org.into(), project: project.into(), draft }
    }

    /// `{public_url}/{org}/{project}` or `{public_url}/{org}/{project}/draft`:
    /// the RFC 9728 `resource`, the RFC 8707 `resource` parameter and the JWT
    /// `aud`, all byte-identical.
    pub fn canonical_url(&self, public_url: &str) -> String {
        let suffix = if self.draft { "/draft" } else { "" };
        format!("{public_url}/{}/{}{suffix}", self.org, self.project)
    }

    pub fn channel(&self) -> Channel {
        if self.draft {
            Channel::Draft
        } else {
            Channel::Production
        }
    }

    /// The permission a member's role needs to authorize (and keep using) a
    /// client on this resource.
    pub fn required_permission(&self) -> Permission {
        if self.draft {
            Permission::EndpointDraft
        } else {
            Permission::EndpointProduction
        }
    }

    /// `"acme/demo"` or `"acme/demo (draft)"`, for metadata and consent.
    pub fn display_name(&self) -> String {
        let suffix = if self.draft { " (draft)" } else { "" };
        format!("{}/{}{suffix}", self.org, self.project)
    }
}

/// The resource named by `raw`, or `None` when `raw` is not exactly one of
/// our endpoint URLs.
///
/// MUST 1 (RFC 8707 §2, exact audience): `raw` must start with `public_url`
/// byte for byte, followed by `/<org>/<project>` and optionally `/draft`.
/// Slugs follow `[a-z0-9][a-z0-9-]{0,62}` and are not reserved names, so no
/// query (`?`), fragment (`#`), percent-encoding, upper case or extra segment
/// can slip through, and a trailing slash is an empty segment (refused).
pub fn parse_resource(public_url: &str, raw: &str) -> Option<Resource> {
    // MUST 1: the origin is compared exactly (scheme, host, port, case).
    let rest = raw.strip_prefix(public_url)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let org = parts.next()?;
    let project = parts.next()?;
    let draft = match parts.next() {
        None => false,
        Some("draft") => true,
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    validate_slug("org", org).ok()?;
    validate_slug("project", project).ok()?;
    Some(Resource::new(org, project, draft))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://mcp.example.com";

    #[test]
    fn canonical_urls_of_both_channels() {
        let prod = Resource::new("acme", "demo", false);
        let draft = Resource::new("acme", "demo", true);
        assert_eq!(prod.canonical_url(BASE), "https://mcp.example.com/acme/demo");
        assert_eq!(draft.canonical_url(BASE), "https://mcp.example.com/acme/demo/draft");
        assert_eq!(prod.channel(), Channel::Production);
        assert_eq!(draft.channel(), Channel::Draft);
        assert_eq!(prod.required_permission(), Permission::EndpointProduction);
        assert_eq!(draft.required_permission(), Permission::EndpointDraft);
        assert_eq!(draft.display_name(), "acme/demo (draft)");
        assert_eq!(prod.display_name(), "acme/demo");
    }

    #[test]
    fn parse_round_trips_canonical_urls() {
        for r in [Resource::new("acme", "demo", false), Resource::new("a-1", "0x", true)] {
            assert_eq!(parse_resource(BASE, &r.canonical_url(BASE)), Some(r));
        }
        let local = "http://127.0.0.1:8787";
        assert_eq!(
            parse_resource(local, "http://127.0.0.1:8787/acme/demo"),
            Some(Resource::new("acme", "demo", false))
        );
    }

    #[test]
    fn parse_refuses_everything_that_is_not_exactly_ours() {
        let refused = [
            "https://mcp.example.com/acme/demo/",
            "https://mcp.example.com/acme/demo/draft/",
            "https://mcp.example.com/acme/demo?x=1",
            "https://mcp.example.com/acme/demo#frag",
            "https://mcp.example.com/acme/demo/draft?x",
            "https://mcp.example.com/acme/demo/other",
            "https://mcp.example.com/acme/demo/draft/x",
            "https://mcp.example.com/acme",
            "https://mcp.example.com/acme/",
            "https://mcp.example.com/",
            "https://mcp.example.com",
            "https://mcp.example.com//demo",
            "https://mcp.example.com/Acme/demo",
            "https://mcp.example.com/acme/de%6Do",
            "https://mcp.example.com/acme/-demo",
            "https://mcp.example.com/acme/draft",
            "https://mcp.example.com/api/demo",
            "https://MCP.example.com/acme/demo",
            "http://mcp.example.com/acme/demo",
            "https://mcp.example.com:443/acme/demo",
            "https://mcp.example.com.evil.com/acme/demo",
            "https://user@mcp.example.com/acme/demo",
            "https://evil.com/acme/demo",
            " https://mcp.example.com/acme/demo",
            "https://mcp.example.com/acme/demo ",
            "/acme/demo",
            "",
        ];
        for raw in refused {
            assert_eq!(parse_resource(BASE, raw), None, "{raw}");
        }
        let long = format!("{BASE}/{}/demo", "a".repeat(64));
        assert_eq!(parse_resource(BASE, &long), None);
        let longest = format!("{BASE}/{}/demo", "a".repeat(63));
        assert!(parse_resource(BASE, &longest).is_some());
    }

    #[test]
    fn serializes_as_a_plain_record() {
        let r = Resource::new("acme", "demo", true);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v, serde_json::json!({"org": "acme", "project": "demo", "draft": true}));
        assert_eq!(serde_json::from_value::<Resource>(v).unwrap(), r);
    }
}
