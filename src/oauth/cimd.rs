//! Client ID Metadata Documents: a `client_id` that is an https URL naming a
//! JSON document the client hosts (draft-ietf-oauth-client-id-metadata-document,
//! preferred by the MCP authorization spec over DCR).
//!
//! Why so strict: fetching a URL chosen by an anonymous caller is an SSRF
//! vector. The glue must call [`cimd_url_allowed`] on the client id *and on
//! every redirect hop* (fetch with `redirect: manual`), cap the body at
//! [`MAX_CIMD_BYTES`] and the time at 5 s, and cache the result. What can be
//! decided from the URL text is decided here: scheme, userinfo, IP literals
//! in private/loopback/link-local/CGNAT/unique-local/unspecified ranges, and
//! local names. (Names resolving to private addresses cannot be checked in
//! pure code; Workers' `fetch` cannot reach private networks anyway.)
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

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

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

/// May we fetch this metadata document URL (or follow a redirect to it)?
///
/// MUST 1: https only (http only to a loopback host with `allow_loopback`).
/// MUST 2: no userinfo, no fragment, a path, canonical form.
/// MUST 3: no IP literal in a non-public range, no local hostname, unless it
/// is loopback and `allow_loopback` is set.
pub fn cimd_url_allowed(url: &str, allow_loopback: bool) -> Result<(), String> {
    if url.len() > MAX_URL_LEN || url.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b'\\') {
        return Err("client id URL must be short printable ASCII".into());
    }
    let parsed = Url::parse(url).map_err(|e| format!("client id is not a valid URL ({e})"))?;
    // MUST 2
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("client id URL must not contain userinfo".into());
    }
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
    let loopback = match parsed.host() {
        None => return Err("client id URL must have a host".into()),
        Some(Host::Ipv4(ip)) => {
            if ip.is_loopback() {
                true
            } else if !public_v4(ip) {
                return Err(format!("client id URL points at a non-public address ({ip})"));
            } else {
                false
            }
        }
        Some(Host::Ipv6(ip)) => {
            if ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()) {
                true
            } else if !public_v6(ip) {
                return Err(format!("client id URL points at a non-public address ({ip})"));
            } else {
                false
            }
        }
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            if name == "localhost" || name.ends_with(".localhost") {
                true
            } else if !name.contains('.')
                || [".local", ".internal", ".home.arpa", ".lan"].iter().any(|s| name.ends_with(s))
            {
                return Err(format!("client id URL names a local host ({name})"));
            } else {
                false
            }
        }
    };
    if loopback && !allow_loopback {
        return Err("client id URL points at a loopback host".into());
    }
    // MUST 1
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err("client id URL must use https".into()),
    }
}

/// Is this IPv4 address publicly routable (not private, loopback,
/// link-local, CGNAT, unspecified, documentation, benchmarking, multicast,
/// reserved or broadcast)?
fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

/// Is this IPv6 address publicly routable? Addresses embedding an IPv4 one
/// (mapped, compatible, NAT64) are judged by the embedded address.
fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    if s[..6] == [0; 6] {
        // :: , ::1 and the deprecated IPv4-compatible ::a.b.c.d
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return !ip.is_unspecified() && !ip.is_loopback() && public_v4(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return public_v4(v4);
    }
    let unique_local = (s[0] & 0xfe00) == 0xfc00;
    let link_local = (s[0] & 0xffc0) == 0xfe80;
    let site_local = (s[0] & 0xffc0) == 0xfec0;
    let multicast = (s[0] & 0xff00) == 0xff00;
    let documentation = s[0] == 0x2001 && s[1] == 0x0db8;
    !(unique_local || link_local || site_local || multicast || documentation)
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
        assert!(public_v4(Ipv4Addr::new(172, 32, 0, 1)));
        // The address rules themselves (the URL parser may also normalize
        // some of these spellings, which the canonical-form rule refuses).
        let v6 = |s: &str| public_v6(s.parse().unwrap());
        for private in
            ["::", "::1", "::ffff:127.0.0.1", "::ffff:192.168.0.1", "::10.0.0.1", "64:ff9b::10.0.0.1", "fc00::1"]
        {
            assert!(!v6(private), "{private}");
        }
        for private in ["fe80::1", "fec0::1", "ff02::1", "2001:db8::1"] {
            assert!(!v6(private), "{private}");
        }
        for public in ["2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2a00:1450::1"] {
            assert!(v6(public), "{public}");
        }
        assert!(public_v4(Ipv4Addr::new(100, 128, 0, 1)));
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
