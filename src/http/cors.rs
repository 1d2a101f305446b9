//! CORS for browser-based MCP hosts (the MCP Inspector, web IDEs): which
//! routes get it, and with which headers.
//!
//! Why a wildcard on exactly these routes: discovery (protected-resource
//! metadata, AS metadata, OpenID configuration, JWKS), registration, token
//! and revocation are public documents or take their credentials in the
//! request itself (a client secret, a code with its PKCE verifier, a refresh
//! token). They never read a cookie, so a page on another origin gains
//! nothing by calling them that it could not get by calling them from a
//! server: `Access-Control-Allow-Origin: *`, no `Allow-Credentials` (with
//! `*` a browser never sends cookies anyway).
//!
//! Never CORS: every cookie-authenticated route — Studio pages, `/api/v1`
//! (a session cookie works there), `/oauth/authorize` (sign-in and consent).
//! A cross-origin page must not read what they answer for a signed-in user.
//!
//! MCP endpoints are neither: their CORS is per origin (`ALLOWED_ORIGINS`,
//! the MCP transport's DNS-rebinding rule) and decided in `mcp::transport`,
//! which exposes the same [`EXPOSE_HEADERS`].

/// Response headers a browser-based host may read: the 401 challenge, the
/// session id, the protocol version and our request id.
pub const EXPOSE_HEADERS: &str = crate::mcp::transport::EXPOSE_HEADERS;

/// Does `path` get the public (wildcard) CORS headers?
pub fn is_public_cors_path(path: &str) -> bool {
    matches!(path, "/oauth/register" | "/oauth/token" | "/oauth/revoke")
        || path == "/.well-known/oauth-authorization-server"
        || path == "/.well-known/openid-configuration"
        || path == "/.well-known/jwks.json"
        || path.starts_with("/.well-known/oauth-protected-resource/")
}

/// Headers of every answer on a public CORS route (preflight or not).
pub const PUBLIC_HEADERS: [(&str, &str); 2] =
    [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSE_HEADERS)];

/// Extra headers of the 204 answer to a preflight on a public CORS route.
pub const PUBLIC_PREFLIGHT_HEADERS: [(&str, &str); 3] = [
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, MCP-Protocol-Version"),
    ("Access-Control-Max-Age", "86400"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_registration_token_and_revoke_get_cors() {
        for path in [
            "/.well-known/oauth-protected-resource/acme/shop",
            "/.well-known/oauth-protected-resource/acme/shop/draft",
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
            "/.well-known/jwks.json",
            "/oauth/register",
            "/oauth/token",
            "/oauth/revoke",
        ] {
            assert!(is_public_cors_path(path), "{path}");
        }
    }

    #[test]
    fn cookie_routes_and_mcp_endpoints_do_not() {
        for path in [
            "/oauth/authorize",
            "/oauth/authorize/",
            "/oauth/",
            "/oauth/other",
            "/studio",
            "/studio/login",
            "/api/v1/me",
            "/api/v1/orgs/acme/grants",
            "/acme/shop",
            "/acme/shop/draft",
            "/healthz",
            "/",
        ] {
            assert!(!is_public_cors_path(path), "{path}");
        }
    }

    #[test]
    fn exposes_what_browser_hosts_read() {
        for name in ["WWW-Authenticate", "Mcp-Session-Id", "MCP-Protocol-Version", "Dockyard-Request-Id"] {
            assert!(EXPOSE_HEADERS.split(", ").any(|h| h == name), "{name}");
        }
    }
}
