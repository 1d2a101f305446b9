//! Client ID Metadata Documents: a `client_id` that is an https URL naming a
//! JSON document the client hosts (draft-ietf-oauth-client-id-metadata-document,
//! preferred by the MCP authorization spec over DCR).
//!
//! Why so strict: fetching a URL chosen by an anonymous caller is an SSRF
//! vector. What can be decided from the URL text is decided here, with the
//! one outbound guard (`outbound::guard`: https, no credentials, no
//! non-public addresses or local names, loopback only with the dev setting)
//! plus the CIMD rules on top (a path, no fragment, canonical form). The
//! fetch itself is `outbound::fetch` with 5 KiB, 5 s and no redirects (the
//! glue in `authz::clients`, which also caches the answer).
//!
//! Decisions:
//! - The URL must be in canonical form (`Url` serialization equals the text):
//!   no dot segments, default port not spelled out, lower-case host. The
//!   document's `client_id` must then equal it byte for byte.
//! - Loopback (`http://127.0.0.1:…`, `localhost`) only with the dev setting
//!   `allow_loopback` — the e2e tests serve their document from a loopback
//!   fixture.
//! - Public clients only: `token_endpoint_auth_method` defaults to `none`
//!   and must be `none`; `private_key_jwt` (which would need the client's
//!   JWKS) is not supported; a document carrying `client_secret` is refused.

use url::Url;

use crate::outbound::guard::{self, Policy};

use super::clients::{parse_metadata, parse_object, AuthMethod, ClientMetadata, RegistrationError};

/// Largest metadata document we read (bytes).
pub const MAX_CIMD_BYTES: usize = 5 * 1024;
const MAX_URL_LEN: usize = 2000;

/// Does `id` look like a CIMD client id (an https URL with a path and no
/// fragment)? Such ids are never DCR ids; whether we may fetch it is
/// [`cimd_url_allowed`]'s question.
pub fn is_cimd_client_id(id: &str) -> bool {
    id.starts_with("https://")
        && Url::parse(id).is_ok_and(|u| u.fragment().is_none() && u.path() != "/" && !u.path().is_empty())
}

/// May we fetch this metadata document URL?
///
/// MUST 1: short printable ASCII. MUST 2: a path, no fragment, canonical
/// form (the document's `client_id` must equal it byte for byte). MUST 3:
/// the outbound guard (https only — http only to a loopback host with
/// `allow_loopback` —, no userinfo, no non-public address, no local or
/// metadata name).
pub fn cimd_url_allowed(url: &str, allow_loopback: bool) -> Result<(), String> {
    // MUST 1
    if url.len() > MAX_URL_LEN || url.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b'\\') {
        return Err("client id URL must be short printable ASCII".into());
    }
    let parsed = Url::parse(url).map_err(|e| format!("client id is not a valid URL ({e})"))?;
    // MUST 2
    if parsed.fragment().is_some() {
        return Err("client id URL must not contain a fragment".into());
    }
    if parsed.path() == "/" || parsed.path().is_empty() {
        return Err("client id URL must have a path".into());
    }
    if parsed.as_str() != url {
        return Err(format!("client id URL must be in canonical form ({})", parsed.as_str()));
    }
    // MUST 3
    guard::check_url(&parsed, Policy { allow_loopback }).map_err(|why| format!("the client id URL {why}"))
}

/// Validate a fetched metadata document for the client id `url`.
///
/// MUST 1: at most [`MAX_CIMD_BYTES`]. MUST 2: a JSON object whose
/// `client_id` equals `url` byte for byte. MUST 3: public client
/// (`token_endpoint_auth_method` absent or `none`, no `client_secret`).
/// MUST 4: the same field rules as DCR (redirect URIs validated, …).
pub fn validate_cimd_document(url: &str, raw: &[u8]) -> Result<ClientMetadata, RegistrationError> {
    // MUST 1
    if raw.len() > MAX_CIMD_BYTES {
        return Err(RegistrationError::metadata(format!(
            "client metadata document is larger than {MAX_CIMD_BYTES} bytes"
        )));
    }
    let obj = parse_object(raw)?;
    // MUST 2
    if obj.get("client_id").and_then(|v| v.as_str()) != Some(url) {
        return Err(RegistrationError::metadata("the document's client_id must equal its URL exactly"));
    }
    // MUST 3
    if obj.contains_key("client_secret") || obj.contains_key("client_secret_expires_at") {
        return Err(RegistrationError::metadata("a client metadata document must not contain a client_secret"));
    }
    match obj.get("token_endpoint_auth_method") {
        None | Some(serde_json::Value::Null) => {}
        Some(v) if v.as_str() == Some("none") => {}
        Some(v) => {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            return Err(RegistrationError::metadata(format!(
                "unsupported token_endpoint_auth_method '{shown}' for a metadata document client; only none is supported"
            )));
        }
    }
    // MUST 4
    parse_metadata(&obj, AuthMethod::None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "https://app.example.com/oauth/client.json";

    #[test]
    fn recognizes_cimd_client_ids() {
        assert!(is_cimd_client_id(ID));
        assert!(is_cimd_client_id("https://claude.ai/oauth/mcp-oauth-client-metadata"));
        for not in [
            "cli_0123",
            "https://example.com",
            "https://example.com/",
            "http://example.com/c.json",
            "https://example.com/c#x",
            "",
        ] {
            assert!(!is_cimd_client_id(not), "{not}");
        }
    }

    #[test]
    fn fetchable_urls() {
        assert_eq!(cimd_url_allowed(ID, false), Ok(()));
        assert_eq!(cimd_url_allowed("https://8.8.8.8/c.json", false), Ok(()));
        assert_eq!(cimd_url_allowed("https://example.com:8443/c.json", false), Ok(()));
        assert_eq!(cimd_url_allowed("https://[2606:4700::1111]/c.json", false), Ok(()));
    }

    #[test]
    fn private_and_local_targets_are_refused() {
        for bad in [
            "http://app.example.com/c.json",
            "https://user@app.example.com/c.json",
            "https://app.example.com/c.json#x",
            "https://app.example.com/",
            "https://app.example.com/a/../c.json",
            "https://APP.example.com/c.json",
            "https://app.example.com:443/c.json",
            "https://127.0.0.1/c.json",
            "https://127.1.2.3/c.json",
            "https://2130706433/c.json",
            "https://0x7f000001/c.json",
            "https://10.0.0.1/c.json",
            "https://172.16.5.4/c.json",
            "https://172.31.255.255/c.json",
            "https://192.168.1.1/c.json",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/c.json",
            "https://100.127.255.255/c.json",
            "https://0.0.0.0/c.json",
            "https://224.0.0.1/c.json",
            "https://255.255.255.255/c.json",
            "https://[::1]/c.json",
            "https://[::]/c.json",
            "https://[fc00::1]/c.json",
            "https://[fd12:3456::1]/c.json",
            "https://[fe80::1]/c.json",
            "https://[::ffff:127.0.0.1]/c.json",
            "https://[::ffff:10.0.0.1]/c.json",
            "https://[64:ff9b::a00:1]/c.json",
            "https://localhost/c.json",
            "https://api.localhost/c.json",
            "https://intranet/c.json",
            "https://printer.local/c.json",
            "https://db.internal/c.json",
            "ftp://app.example.com/c.json",
            "https://app.example.com/c json",
        ] {
            assert!(cimd_url_allowed(bad, false).is_err(), "{bad}");
        }
        // The address rules themselves are the outbound guard's table
        // (src/outbound/guard_tests.rs).
    }

    #[test]
    fn loopback_only_with_the_dev_setting() {
        for url in
            ["http://127.0.0.1:9000/client.json", "http://localhost:9000/client.json", "http://[::1]:9000/c.json"]
        {
            assert!(cimd_url_allowed(url, false).is_err(), "{url}");
            assert_eq!(cimd_url_allowed(url, true), Ok(()), "{url}");
        }
        // The dev setting opens loopback, not the private ranges.
        assert!(cimd_url_allowed("http://10.0.0.1/c.json", true).is_err());
        assert!(cimd_url_allowed("https://192.168.0.1/c.json", true).is_err());
        assert!(cimd_url_allowed("http://example.com/c.json", true).is_err());
    }

    fn doc(extra: serde_json::Value) -> Vec<u8> {
        let mut base = json!({
            "client_id": ID,
            "client_name": "Example <b>App</b>",
            "redirect_uris": ["https://app.example.com/cb"],
            "grant_types": ["authorization_code", "refresh_token"],
        });
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::to_vec(&base).unwrap()
    }

    #[test]
    fn valid_document_is_a_public_client() {
        let m = validate_cimd_document(ID, &doc(json!({}))).unwrap();
        assert_eq!(m.token_endpoint_auth_method, "none");
        assert!(!m.is_confidential());
        assert_eq!(m.client_name.as_deref(), Some("Example <b>App</b>"));
        assert_eq!(m.redirect_uris, ["https://app.example.com/cb"]);
        let explicit = validate_cimd_document(ID, &doc(json!({"token_endpoint_auth_method": "none"}))).unwrap();
        assert_eq!(explicit, m);
    }

    #[test]
    fn document_must_name_itself_exactly() {
        for other in ["https://app.example.com/oauth/client.json/", "https://evil.com/oauth/client.json", ""] {
            let err = validate_cimd_document(ID, &doc(json!({"client_id": other}))).unwrap_err();
            assert_eq!(err.error, "invalid_client_metadata", "{other}");
        }
        assert!(validate_cimd_document(ID, &doc(json!({"client_id": null}))).is_err());
    }

    #[test]
    fn confidential_or_key_based_documents_are_refused() {
        for method in ["private_key_jwt", "client_secret_basic", "client_secret_post"] {
            let err = validate_cimd_document(ID, &doc(json!({"token_endpoint_auth_method": method}))).unwrap_err();
            assert!(err.description.contains(method), "{err:?}");
        }
        assert!(validate_cimd_document(ID, &doc(json!({"client_secret": "s"}))).is_err());
    }

    #[test]
    fn document_size_and_shape() {
        let big = doc(json!({"software_id": "x".repeat(MAX_CIMD_BYTES)}));
        let err = validate_cimd_document(ID, &big).unwrap_err();
        assert!(err.description.contains("larger than"), "{err:?}");
        assert!(validate_cimd_document(ID, b"[]").is_err());
        assert!(validate_cimd_document(ID, b"{").is_err());
        let err = validate_cimd_document(ID, &doc(json!({"redirect_uris": ["http://evil.com/cb"]}))).unwrap_err();
        assert_eq!(err.error, "invalid_redirect_uri");
        let err = validate_cimd_document(ID, &doc(json!({"redirect_uris": []}))).unwrap_err();
        assert_eq!(err.error, "invalid_redirect_uri");
    }
}
