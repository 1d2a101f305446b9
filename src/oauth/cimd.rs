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
//! - The auth method ([`document_auth_method`]): the singular
//!   `token_endpoint_auth_method` when present (`none` or `private_key_jwt`);
//!   otherwise the strongest one listed in `token_endpoint_auth_methods_supported`
//!   that we support (`private_key_jwt` when the document has a `jwks_uri`,
//!   then `none`); neither field: `none`. `client_secret_*` is refused: a
//!   document is public, so no shared secret can exist (and one carrying
//!   `client_secret` is refused too). ChatGPT's document has both fields
//!   (`private_key_jwt`, and `["none", "private_key_jwt"]`): the singular wins.
//! - `private_key_jwt` needs `jwks_uri`: https (the outbound guard's rules)
//!   on the origin of the client id, so whoever controls the document
//!   controls the keys, and the key fetch goes nowhere the document fetch
//!   could not. Inline `jwks` is refused: one key source, refreshed by
//!   fetching (`authz::clients`), and RFC 7591 forbids sending both.
//! - Redirect URIs follow the same rules as DCR (`redirect::check_registrable`:
//!   private-use schemes only for `none` documents), and `/authorize` uses
//!   the same matcher, loopback any-port included.

use url::Url;

use crate::outbound::guard::{self, Policy};

use super::clients::{parse_metadata, parse_object, AuthMethod, ClientKeys, ClientMetadata, RegistrationError};
use serde_json::{Map, Value};

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
/// `client_id` equals `url` byte for byte. MUST 3: no shared secret
/// (`client_secret` refused). MUST 4: the auth method is `none` or
/// `private_key_jwt` ([`document_auth_method`]), the latter with a
/// same-origin `jwks_uri`. MUST 5: the same field rules as DCR (redirect
/// URIs validated, …).
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
    // MUST 4
    let method = document_auth_method(&obj)?;
    let signing_keys = match method {
        AuthMethod::PrivateKeyJwt => Some(ClientKeys { jwks_uri: jwks_uri(url, &obj)?, keys: None, fetched_at: 0 }),
        _ => None,
    };
    // MUST 5
    // The chosen method as the default, so the redirect rules see it too (a
    // `private_key_jwt` client is not public: no private-use schemes).
    let mut metadata = parse_metadata(&obj, method)?;
    metadata.token_endpoint_auth_method = method.as_str().to_string();
    metadata.signing_keys = signing_keys;
    Ok(metadata)
}

/// The auth method a document asks for (see the module docs).
pub fn document_auth_method(obj: &Map<String, Value>) -> Result<AuthMethod, RegistrationError> {
    let refuse = |m: &str| {
        let why = if m.starts_with("client_secret") {
            "a metadata document client has no shared secret"
        } else {
            "it is not supported"
        };
        RegistrationError::metadata(format!(
            "unsupported token_endpoint_auth_method '{m}' for a metadata document client ({why}); use none or private_key_jwt"
        ))
    };
    match obj.get("token_endpoint_auth_method") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) => {
            return match m.as_str() {
                "none" => Ok(AuthMethod::None),
                "private_key_jwt" => Ok(AuthMethod::PrivateKeyJwt),
                other => Err(refuse(other)),
            }
        }
        Some(v) => return Err(refuse(&v.to_string())),
    }
    let listed = match obj.get("token_endpoint_auth_methods_supported") {
        None | Some(Value::Null) => return Ok(AuthMethod::None),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(RegistrationError::metadata(
                "token_endpoint_auth_methods_supported must be an array of strings",
            ))
        }
    };
    let has = |m: &str| listed.iter().any(|v| v.as_str() == Some(m));
    if has("private_key_jwt") && obj.get("jwks_uri").is_some_and(|v| !v.is_null()) {
        Ok(AuthMethod::PrivateKeyJwt)
    } else if has("none") {
        Ok(AuthMethod::None)
    } else {
        Err(RegistrationError::metadata(
            "token_endpoint_auth_methods_supported lists no method we support for a metadata document client (none, or \
             private_key_jwt with a jwks_uri)",
        ))
    }
}

/// The `jwks_uri` of a `private_key_jwt` document: the outbound guard's URL
/// rules, and the origin of the client id `url` (which passed the guard with
/// the deployment's policy, so loopback is only possible where it is allowed).
fn jwks_uri(url: &str, obj: &Map<String, Value>) -> Result<String, RegistrationError> {
    if obj.get("jwks").is_some_and(|v| !v.is_null()) {
        return Err(RegistrationError::metadata(
            "inline jwks is not supported; publish the keys at a jwks_uri on the client id's origin",
        ));
    }
    let Some(raw) = obj.get("jwks_uri").filter(|v| !v.is_null()) else {
        return Err(RegistrationError::metadata("private_key_jwt needs a jwks_uri"));
    };
    let raw = raw.as_str().ok_or_else(|| RegistrationError::metadata("jwks_uri must be a string"))?;
    let bad = |why: String| RegistrationError::metadata(format!("jwks_uri {why}"));
    if raw.len() > MAX_URL_LEN {
        return Err(bad("is too long".into()));
    }
    let parsed = Url::parse(raw).map_err(|_| bad("is not a valid URL".into()))?;
    guard::check_url(&parsed, Policy { allow_loopback: true }).map_err(|why| bad(why.to_string()))?;
    let id = Url::parse(url).map_err(|_| bad("cannot be compared with the client id".into()))?;
    if parsed.origin() != id.origin() {
        return Err(bad("must be on the same origin as the client id".into()));
    }
    if parsed.fragment().is_some() {
        return Err(bad("must not contain a fragment".into()));
    }
    Ok(parsed.to_string())
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
    fn shared_secret_methods_are_refused() {
        for method in ["client_secret_basic", "client_secret_post"] {
            let err = validate_cimd_document(ID, &doc(json!({"token_endpoint_auth_method": method}))).unwrap_err();
            assert!(err.description.contains(method), "{err:?}");
            assert!(err.description.contains("no shared secret"), "{err:?}");
        }
        for odd in [json!("tls_client_auth"), json!(5)] {
            assert!(validate_cimd_document(ID, &doc(json!({"token_endpoint_auth_method": odd}))).is_err());
        }
        assert!(validate_cimd_document(ID, &doc(json!({"client_secret": "s"}))).is_err());
    }

    const JWKS: &str = "https://app.example.com/oauth/jwks.json";

    #[test]
    fn chatgpt_shaped_document_is_a_private_key_jwt_client() {
        let chatgpt = doc(json!({
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
            "jwks_uri": JWKS,
            "redirect_uris": ["https://chatgpt.com/connector/oauth/abc123"],
        }));
        let m = validate_cimd_document(ID, &chatgpt).unwrap();
        assert_eq!(m.token_endpoint_auth_method, "private_key_jwt");
        assert_eq!(m.auth_method(), AuthMethod::PrivateKeyJwt);
        assert!(!m.is_confidential(), "no secret is ever minted or expected");
        assert_eq!(m.signing_keys, Some(ClientKeys { jwks_uri: JWKS.into(), keys: None, fetched_at: 0 }));
        assert_eq!(m.redirect_uris, ["https://chatgpt.com/connector/oauth/abc123"]);
    }

    #[test]
    fn listed_methods_give_the_strongest_we_support() {
        let method = |extra: serde_json::Value| validate_cimd_document(ID, &doc(extra)).map(|m| m.auth_method());
        let list = |l: serde_json::Value| json!({"token_endpoint_auth_methods_supported": l, "jwks_uri": JWKS});
        assert_eq!(method(list(json!(["none", "private_key_jwt"]))), Ok(AuthMethod::PrivateKeyJwt));
        assert_eq!(method(list(json!(["private_key_jwt", "none"]))), Ok(AuthMethod::PrivateKeyJwt));
        assert_eq!(method(list(json!(["client_secret_basic", "none"]))), Ok(AuthMethod::None));
        assert!(method(list(json!(["client_secret_basic", "client_secret_post"]))).is_err());
        assert!(method(list(json!("none"))).is_err());
        // private_key_jwt listed without keys: the next one we support.
        let no_keys = json!({"token_endpoint_auth_methods_supported": ["private_key_jwt", "none"]});
        assert_eq!(method(no_keys), Ok(AuthMethod::None));
        let only = json!({"token_endpoint_auth_methods_supported": ["private_key_jwt"]});
        assert!(method(only).is_err());
        // The singular field wins over the list.
        let both = json!({"token_endpoint_auth_method": "none", "token_endpoint_auth_methods_supported": ["private_key_jwt"], "jwks_uri": JWKS});
        assert_eq!(method(both), Ok(AuthMethod::None));
        // A `none` client ignores a jwks_uri.
        let m = validate_cimd_document(ID, &doc(json!({"jwks_uri": JWKS}))).unwrap();
        assert_eq!(m.signing_keys, None);
    }

    #[test]
    fn private_key_jwt_needs_a_same_origin_jwks_uri() {
        let pkjwt = |extra: serde_json::Value| {
            let mut d = json!({"token_endpoint_auth_method": "private_key_jwt"});
            for (k, v) in extra.as_object().unwrap() {
                d[k] = v.clone();
            }
            validate_cimd_document(ID, &doc(d)).map_err(|e| e.description)
        };
        assert!(pkjwt(json!({})).unwrap_err().contains("needs a jwks_uri"));
        let inline = json!({"jwks": {"keys": []}});
        assert!(pkjwt(inline).unwrap_err().contains("inline jwks"));
        assert!(pkjwt(json!({"jwks_uri": JWKS, "jwks": {"keys": []}})).unwrap_err().contains("inline jwks"));
        for (uri, why) in [
            ("https://other.example.com/jwks.json", "same origin"),
            ("https://app.example.com:8443/jwks.json", "same origin"),
            ("http://app.example.com/jwks.json", "https"),
            ("https://10.0.0.1/jwks.json", "address"),
            ("https://169.254.169.254/latest/meta-data", "address"),
            ("https://user@app.example.com/jwks.json", "credentials"),
            ("https://app.example.com/jwks.json#k", "fragment"),
            ("jwks.json", "not a valid URL"),
        ] {
            let err = pkjwt(json!({ "jwks_uri": uri })).unwrap_err();
            assert!(err.starts_with("jwks_uri "), "{uri}: {err}");
            assert!(err.contains(why), "{uri}: {err}");
        }
        assert!(pkjwt(json!({"jwks_uri": 7})).unwrap_err().contains("must be a string"));
        assert!(pkjwt(json!({ "jwks_uri": JWKS })).is_ok());
    }

    #[test]
    fn loopback_documents_keep_loopback_keys() {
        let id = "https://127.0.0.1:9443/c.json";
        let d = json!({
            "client_id": id, "redirect_uris": ["http://127.0.0.1/callback"],
            "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://127.0.0.1:9443/jwks.json",
        });
        let m = validate_cimd_document(id, d.to_string().as_bytes()).unwrap();
        assert_eq!(m.signing_keys.unwrap().jwks_uri, "https://127.0.0.1:9443/jwks.json");
        let elsewhere = json!({
            "client_id": id, "redirect_uris": ["http://127.0.0.1/callback"],
            "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://127.0.0.1:9444/jwks.json",
        });
        assert!(validate_cimd_document(id, elsewhere.to_string().as_bytes()).is_err());
    }

    #[test]
    fn document_loopback_redirects_use_the_registered_client_matcher() {
        // Claude Code's shape: portless loopback redirects, then any port at /authorize.
        let d = doc(json!({"redirect_uris": ["http://127.0.0.1/callback", "http://localhost/callback"]}));
        let m = validate_cimd_document(ID, &d).unwrap();
        use crate::oauth::redirect::ValidatedRedirect;
        for asked in ["http://127.0.0.1:53123/callback", "http://localhost:8080/callback", "http://127.0.0.1/callback"]
        {
            assert!(ValidatedRedirect::exact(asked, &m.redirect_uris).is_some(), "{asked}");
        }
        for refused in ["http://127.0.0.1:53123/other", "http://evil.example:53123/callback"] {
            assert!(ValidatedRedirect::exact(refused, &m.redirect_uris).is_none(), "{refused}");
        }
    }

    #[test]
    fn private_use_schemes_only_for_public_documents() {
        let cursor = json!(["cursor://anysphere.cursor-mcp/oauth/callback"]);
        assert!(validate_cimd_document(ID, &doc(json!({ "redirect_uris": cursor }))).is_ok());
        for keyed in [
            json!({"redirect_uris": cursor, "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": JWKS}),
            json!({"redirect_uris": cursor, "token_endpoint_auth_methods_supported": ["private_key_jwt"], "jwks_uri": JWKS}),
        ] {
            let err = validate_cimd_document(ID, &doc(keyed)).unwrap_err();
            assert_eq!(err.error, "invalid_redirect_uri", "{err:?}");
        }
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
