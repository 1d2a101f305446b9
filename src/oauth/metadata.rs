//! Discovery documents: RFC 9728 Protected Resource Metadata (one per
//! endpoint), the `WWW-Authenticate` challenge that points at it, RFC 8414
//! Authorization Server Metadata and its OpenID Connect Discovery twin.
//!
//! Why these shapes: MCP clients discover everything from a 401. They read
//! `resource_metadata` from `WWW-Authenticate`, fetch the PRM, take
//! `authorization_servers[0]` as the issuer, fetch the AS metadata and
//! compare its `issuer` with it *byte for byte* (the v2 TypeScript client is
//! strict). So every URL here is built from `PUBLIC_URL` (configuration,
//! never the request's Host header) with one spelling: no trailing slash on
//! the issuer, the resource equal to [`Resource::canonical_url`].
//!
//! `openid_configuration` exists because some clients only try
//! `/.well-known/openid-configuration`. We issue no ID tokens (this is an
//! OAuth server for MCP access, not an identity provider); the OIDC-required
//! fields are present so strict parsers accept the document, and `openid`
//! is not in `scopes_supported`.

use serde_json::{json, Value};

use super::resource::Resource;
use crate::identity::roles::BASE_SCOPES;

/// `{public_url}/.well-known/oauth-protected-resource/{org}/{project}[/draft]`
/// (RFC 9728 §3.1: the well-known segment is inserted before the path).
pub fn prm_url(public_url: &str, resource: &Resource) -> String {
    let suffix = if resource.draft { "/draft" } else { "" };
    format!("{public_url}/.well-known/oauth-protected-resource/{}/{}{suffix}", resource.org, resource.project)
}

/// RFC 9728 Protected Resource Metadata of one endpoint.
///
/// MUST 1: `resource` is the canonical URL (draft and production are two
/// resources). MUST 2: `authorization_servers[0]` is byte-identical to the
/// AS `issuer`. MUST 3: bearer tokens only in the `Authorization` header.
pub fn protected_resource_metadata(public_url: &str, resource: &Resource) -> Value {
    json!({
        // MUST 1
        "resource": resource.canonical_url(public_url),
        // MUST 2
        "authorization_servers": [public_url],
        "scopes_supported": BASE_SCOPES,
        // MUST 3
        "bearer_methods_supported": ["header"],
        "resource_name": format!("Dockyard {}", resource.display_name()),
    })
}

/// The `WWW-Authenticate` value of a 401/403 from an endpoint:
/// `Bearer resource_metadata="…", scope="…"` plus `, error="…"` when given
/// (`invalid_token` for 401, `insufficient_scope` for 403, RFC 6750 §3.1).
/// Values are quoted-strings (`"` and `\` escaped).
pub fn www_authenticate(public_url: &str, resource: &Resource, error: Option<&str>, scope: &str) -> String {
    let mut header =
        format!("Bearer resource_metadata=\"{}\", scope=\"{}\"", quote(&prm_url(public_url, resource)), quote(scope));
    if let Some(error) = error {
        header.push_str(&format!(", error=\"{}\"", quote(error)));
    }
    header
}

fn quote(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// RFC 8414 Authorization Server Metadata.
///
/// MUST 1: `issuer` is `public_url` byte for byte (RFC 8414 §3.3, and the
/// PRM's `authorization_servers[0]`). MUST 2: S256 is the only PKCE method.
/// MUST 3: `iss` is returned on every authorization response (RFC 9207).
/// `offline_access` is deliberately not a scope: refresh tokens are always
/// issued with the code grant.
pub fn authorization_server_metadata(public_url: &str) -> Value {
    // private_key_jwt: Client ID Metadata Document clients only (RFC 7523, `client_assertion`).
    let auth_methods = ["none", "client_secret_post", "client_secret_basic", "private_key_jwt"];
    json!({
        // MUST 1
        "issuer": public_url,
        "authorization_endpoint": format!("{public_url}/oauth/authorize"),
        "token_endpoint": format!("{public_url}/oauth/token"),
        "registration_endpoint": format!("{public_url}/oauth/register"),
        "revocation_endpoint": format!("{public_url}/oauth/revoke"),
        "jwks_uri": format!("{public_url}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        // MUST 2
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": crate::oauth::client_assertion::Alg::ALL,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": crate::oauth::client_assertion::Alg::ALL,
        "scopes_supported": BASE_SCOPES,
        // MUST 3
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
    })
}

/// OpenID Connect Discovery: the RFC 8414 document plus the fields OIDC
/// marks required. No ID tokens are ever issued (see the module docs).
pub fn openid_configuration(public_url: &str) -> Value {
    let mut doc = authorization_server_metadata(public_url);
    if let Value::Object(map) = &mut doc {
        map.insert("subject_types_supported".into(), json!(["public"]));
        map.insert("id_token_signing_alg_values_supported".into(), json!(["EdDSA"]));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://mcp.example.com";

    #[test]
    fn prm_per_endpoint() {
        let draft = Resource::new("acme", "demo", true);
        let prod = Resource::new("acme", "demo", false);
        assert_eq!(
            prm_url(BASE, &draft),
            "https://mcp.example.com/.well-known/oauth-protected-resource/acme/demo/draft"
        );
        assert_eq!(prm_url(BASE, &prod), "https://mcp.example.com/.well-known/oauth-protected-resource/acme/demo");
        let doc = protected_resource_metadata(BASE, &draft);
        assert_eq!(
            doc,
            json!({
                "resource": "https://mcp.example.com/acme/demo/draft",
                "authorization_servers": ["https://mcp.example.com"],
                "scopes_supported": ["tools:read", "tools:call"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Dockyard acme/demo (draft)",
            })
        );
        assert_eq!(protected_resource_metadata(BASE, &prod)["resource"], "https://mcp.example.com/acme/demo");
    }

    #[test]
    fn issuer_is_byte_identical_to_authorization_servers() {
        let prm = protected_resource_metadata(BASE, &Resource::new("a", "b", false));
        let asm = authorization_server_metadata(BASE);
        assert_eq!(prm["authorization_servers"][0], asm["issuer"]);
        assert_eq!(asm["issuer"], BASE);
        assert_eq!(openid_configuration(BASE)["issuer"], BASE);
    }

    #[test]
    fn as_metadata_golden() {
        let doc = authorization_server_metadata(BASE);
        let methods = json!(["none", "client_secret_post", "client_secret_basic", "private_key_jwt"]);
        let algs = json!(["RS256", "PS256", "ES256"]);
        assert_eq!(
            doc,
            json!({
                "issuer": "https://mcp.example.com",
                "authorization_endpoint": "https://mcp.example.com/oauth/authorize",
                "token_endpoint": "https://mcp.example.com/oauth/token",
                "registration_endpoint": "https://mcp.example.com/oauth/register",
                "revocation_endpoint": "https://mcp.example.com/oauth/revoke",
                "jwks_uri": "https://mcp.example.com/.well-known/jwks.json",
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": methods,
                "token_endpoint_auth_signing_alg_values_supported": algs,
                "revocation_endpoint_auth_methods_supported": methods,
                "revocation_endpoint_auth_signing_alg_values_supported": algs,
                "scopes_supported": ["tools:read", "tools:call"],
                "authorization_response_iss_parameter_supported": true,
                "client_id_metadata_document_supported": true,
            })
        );
        assert!(!doc.to_string().contains("offline_access"));
        assert!(!doc.to_string().contains("plain"));
    }

    #[test]
    fn openid_configuration_adds_oidc_fields_only() {
        let mut oidc = openid_configuration(BASE);
        assert_eq!(oidc["subject_types_supported"], json!(["public"]));
        assert_eq!(oidc["id_token_signing_alg_values_supported"], json!(["EdDSA"]));
        let map = oidc.as_object_mut().unwrap();
        map.remove("subject_types_supported");
        map.remove("id_token_signing_alg_values_supported");
        assert_eq!(oidc, authorization_server_metadata(BASE));
    }

    #[test]
    fn www_authenticate_challenges() {
        let r = Resource::new("acme", "demo", true);
        let prm = "https://mcp.example.com/.well-known/oauth-protected-resource/acme/demo/draft";
        assert_eq!(
            www_authenticate(BASE, &r, None, "tools:read tools:call"),
            format!("Bearer resource_metadata=\"{prm}\", scope=\"tools:read tools:call\"")
        );
        assert_eq!(
            www_authenticate(BASE, &r, Some("invalid_token"), "tools:read tools:call"),
            format!("Bearer resource_metadata=\"{prm}\", scope=\"tools:read tools:call\", error=\"invalid_token\"")
        );
        let step_up = www_authenticate(BASE, &r, Some("insufficient_scope"), "tools:call orders:write");
        assert!(step_up.ends_with("scope=\"tools:call orders:write\", error=\"insufficient_scope\""), "{step_up}");
        // Nothing can break out of a quoted-string.
        let odd = www_authenticate(BASE, &r, Some("x\"y"), "a\\b\"\r\nc");
        assert!(odd.ends_with("scope=\"a\\\\b\\\"c\", error=\"x\\\"y\""), "{odd}");
    }
}
