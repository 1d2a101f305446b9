use super::*;
use serde_json::json;

fn register(v: Value) -> Result<ClientMetadata, RegistrationError> {
    validate_registration(&serde_json::to_vec(&v).unwrap())
}

fn mcp_client() -> Value {
    json!({
        "client_name": "MCP Inspector",
        "redirect_uris": ["http://localhost:6274/oauth/callback"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "tools:read tools:call",
    })
}

fn with(mut v: Value, field: &str, value: Value) -> Value {
    v[field] = value;
    v
}

#[test]
fn typical_mcp_registration_is_accepted() {
    let m = register(mcp_client()).unwrap();
    assert_eq!(m.client_name.as_deref(), Some("MCP Inspector"));
    assert_eq!(m.redirect_uris, ["http://localhost:6274/oauth/callback"]);
    assert_eq!(m.auth_method(), AuthMethod::None);
    assert!(!m.is_confidential());
    assert!(m.allows_grant("refresh_token"));
    assert_eq!(m.scope.as_deref(), Some("tools:read tools:call"));
}

#[test]
fn rfc_defaults_apply() {
    let m = register(json!({"redirect_uris": ["https://app.example.com/cb"]})).unwrap();
    assert_eq!(m.token_endpoint_auth_method, "client_secret_basic");
    assert!(m.is_confidential());
    assert_eq!(m.grant_types, ["authorization_code"]);
    assert!(!m.allows_grant("refresh_token"));
    assert_eq!(m.response_types, ["code"]);
    assert_eq!(m.client_name, None);
    assert_eq!(m.display_name("cli_1"), "cli_1");
    // null is absent; unknown fields are ignored.
    let m2 = register(json!({"redirect_uris": ["https://app.example.com/cb"], "client_name": null,
                             "contacts": ["a@b.c"], "tos_uri": "whatever"}))
    .unwrap();
    assert_eq!(m2, m);
}

#[test]
fn oversized_registration_is_refused_before_parsing() {
    let mut body = serde_json::to_vec(&mcp_client()).unwrap();
    body.pop();
    body.extend(format!(",\"padding\":\"{}\"}}", "x".repeat(MAX_REGISTRATION_BYTES)).bytes());
    let err = validate_registration(&body).unwrap_err();
    assert_eq!(err.error, "invalid_client_metadata");
    assert!(err.description.contains("8192"), "{err:?}");
    // Not even JSON, but too big: the size is what is reported.
    let junk = vec![b'{'; MAX_REGISTRATION_BYTES + 1];
    assert!(validate_registration(&junk).unwrap_err().description.contains("larger"));
    // Exactly at the cap is fine.
    let mut v = mcp_client();
    let filler = MAX_REGISTRATION_BYTES - serde_json::to_vec(&v).unwrap().len() - ",\"p\":\"\"".len();
    v["p"] = json!("x".repeat(filler));
    assert_eq!(serde_json::to_vec(&v).unwrap().len(), MAX_REGISTRATION_BYTES);
    assert!(register(v).is_ok());
}

#[test]
fn not_an_object_is_refused() {
    for body in [&b"[]"[..], b"\"x\"", b"null", b"", b"{", b"\xff"] {
        let err = validate_registration(body).unwrap_err();
        assert_eq!(err.error, "invalid_client_metadata", "{body:?}");
    }
}

#[test]
fn redirect_uris_are_required_and_validated() {
    let base = mcp_client();
    let cases = [
        json!(null),
        json!([]),
        json!("https://app.example.com/cb"),
        json!([1]),
        json!(["http://evil.com/cb"]),
        json!(["https://app.example.com/cb#frag"]),
        json!(["https://u:p@app.example.com/cb"]),
        json!(["javascript:alert(1)"]),
        json!(["/relative"]),
        json!((0..11).map(|i| format!("https://app.example.com/{i}")).collect::<Vec<_>>()),
    ];
    for value in cases {
        let err = register(with(base.clone(), "redirect_uris", value.clone())).unwrap_err();
        assert_eq!(err.error, "invalid_redirect_uri", "{value}");
    }
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("redirect_uris");
    assert_eq!(register(missing).unwrap_err().error, "invalid_redirect_uri");
    let ten: Vec<String> = (0..10).map(|i| format!("https://app.example.com/{i}")).collect();
    assert_eq!(register(with(base.clone(), "redirect_uris", json!(ten))).unwrap().redirect_uris.len(), 10);
    let dup = json!(["https://a.example.com/cb", "https://a.example.com/cb"]);
    assert_eq!(register(with(base, "redirect_uris", dup)).unwrap().redirect_uris.len(), 1);
}

#[test]
fn auth_methods_grant_and_response_types() {
    let base = mcp_client();
    for method in ["none", "client_secret_post", "client_secret_basic"] {
        let m = register(with(base.clone(), "token_endpoint_auth_method", json!(method))).unwrap();
        assert_eq!(m.auth_method().as_str(), method);
    }
    let refused = [
        ("token_endpoint_auth_method", json!("private_key_jwt")),
        ("token_endpoint_auth_method", json!("client_secret_jwt")),
        ("token_endpoint_auth_method", json!(1)),
        ("grant_types", json!(["implicit"])),
        ("grant_types", json!(["client_credentials", "authorization_code"])),
        ("grant_types", json!(["refresh_token"])),
        ("grant_types", json!([])),
        ("grant_types", json!("authorization_code")),
        ("response_types", json!(["token"])),
        ("response_types", json!(["code", "id_token"])),
        ("response_types", json!([])),
    ];
    for (field, value) in refused {
        let err = register(with(base.clone(), field, value.clone())).unwrap_err();
        assert_eq!(err.error, "invalid_client_metadata", "{field} {value}");
    }
}

#[test]
fn client_name_with_script_is_stored_verbatim() {
    let name = "<script>alert('x')</script> & \"Co\"";
    let m = register(with(mcp_client(), "client_name", json!(name))).unwrap();
    assert_eq!(m.client_name.as_deref(), Some(name));
    assert_eq!(m.display_name("cli_1"), name);
    let echoed = registration_response("cli_1", None, 1, None, &m);
    assert_eq!(echoed["client_name"], name);
}

#[test]
fn client_name_limits() {
    let base = mcp_client();
    assert!(register(with(base.clone(), "client_name", json!("é".repeat(200)))).is_ok());
    for bad in [json!("x".repeat(201)), json!("a\nb"), json!("evil\u{202E}gpj.exe"), json!(5)] {
        assert!(register(with(base.clone(), "client_name", bad.clone())).is_err(), "{bad}");
    }
    assert_eq!(register(with(base, "client_name", json!(""))).unwrap().client_name, None);
}

#[test]
fn uris_scope_and_software_fields() {
    let base = mcp_client();
    let ok = register(with(
        with(base.clone(), "client_uri", json!("https://app.example.com")),
        "logo_uri",
        json!("https://app.example.com/logo.png"),
    ))
    .unwrap();
    assert_eq!(ok.logo_uri.as_deref(), Some("https://app.example.com/logo.png"));
    for (field, value) in [
        ("client_uri", json!("http://app.example.com")),
        ("logo_uri", json!("javascript:alert(1)")),
        ("logo_uri", json!("data:image/png;base64,AAAA")),
        ("logo_uri", json!("https://u@app.example.com/l.png")),
        ("scope", json!("Tools:Read")),
        ("scope", json!("tools:read <script>")),
        ("scope", json!(["tools:read"])),
        ("software_id", json!("x".repeat(201))),
        ("software_version", json!({})),
    ] {
        assert_eq!(
            register(with(base.clone(), field, value.clone())).unwrap_err().error,
            "invalid_client_metadata",
            "{field} {value}"
        );
    }
    let spaced = register(with(base, "scope", json!("  tools:read   tools:call "))).unwrap();
    assert_eq!(spaced.scope.as_deref(), Some("tools:read tools:call"));
}

#[test]
fn response_echoes_metadata_and_secret_only_for_confidential_clients() {
    let public = register(mcp_client()).unwrap();
    let r = registration_response("cli_1", Some("dys_secret"), 1700, Some(99), &public);
    assert_eq!(r["client_id"], "cli_1");
    assert_eq!(r["client_id_issued_at"], 1700);
    assert_eq!(r["redirect_uris"], json!(["http://localhost:6274/oauth/callback"]));
    assert_eq!(r["token_endpoint_auth_method"], "none");
    assert!(r.get("client_secret").is_none() && r.get("client_secret_expires_at").is_none());

    let confidential = register(
        json!({"redirect_uris": ["https://a.example.com/cb"], "token_endpoint_auth_method": "client_secret_post"}),
    )
    .unwrap();
    let r = registration_response("cli_2", Some("dys_secret"), 1700, None, &confidential);
    assert_eq!(r["client_secret"], "dys_secret");
    assert_eq!(r["client_secret_expires_at"], 0);
    assert_eq!(r["grant_types"], json!(["authorization_code"]));
    assert!(r.get("client_name").is_none());
    let r = registration_response("cli_2", Some("dys_secret"), 1700, Some(2000), &confidential);
    assert_eq!(r["client_secret_expires_at"], 2000);
}

#[test]
fn stored_metadata_round_trips() {
    let m = register(mcp_client()).unwrap();
    let text = serde_json::to_string(&m).unwrap();
    assert!(!text.contains("logo_uri"), "absent options are omitted: {text}");
    assert_eq!(serde_json::from_str::<ClientMetadata>(&text).unwrap(), m);
    assert_eq!(AuthMethod::parse("client_secret_basic"), Some(AuthMethod::ClientSecretBasic));
    assert_eq!(AuthMethod::parse("NONE"), None);
    let err = RegistrationError::metadata("x").to_json();
    assert_eq!(err, json!({"error": "invalid_client_metadata", "error_description": "x"}));
}

/// Cursor's real DCR payload: three redirect URIs, one of them `cursor://`.
fn cursor_payload() -> Value {
    json!({
        "client_name": "Cursor",
        "redirect_uris": [
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "https://www.cursor.com/agents/mcp/oauth/callback",
            "http://localhost:8787/callback"
        ],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none"
    })
}

#[test]
fn cursor_registers_with_its_three_redirect_uris() {
    let m = register(cursor_payload()).unwrap();
    assert_eq!(m.redirect_uris.len(), 3);
    assert_eq!(m.redirect_uris[0], "cursor://anysphere.cursor-mcp/oauth/callback");
    let r = registration_response("dcr_1", None, 1700, None, &m);
    assert_eq!(r["token_endpoint_auth_method"], "none");
    assert_eq!(r["grant_types"], json!(["authorization_code", "refresh_token"]));
    assert_eq!(r["client_id_issued_at"], 1700);
    assert!(r.get("registration_client_uri").is_none() && r.get("registration_access_token").is_none());
}

#[test]
fn private_use_schemes_are_for_public_clients_only() {
    for method in ["client_secret_post", "client_secret_basic"] {
        let err = register(with(cursor_payload(), "token_endpoint_auth_method", json!(method))).unwrap_err();
        assert_eq!(err.error, "invalid_redirect_uri", "{method}");
        assert!(err.description.starts_with("redirect_uris[0]: "), "{}", err.description);
        assert!(err.description.contains("only for public clients"), "{}", err.description);
    }
    // Omitting the method means client_secret_basic (RFC 7591): confidential.
    let mut omitted = cursor_payload();
    omitted.as_object_mut().unwrap().remove("token_endpoint_auth_method");
    assert_eq!(register(omitted).unwrap_err().error, "invalid_redirect_uri");
    // The same client without the cursor:// entry is a fine confidential client.
    let https_only = json!(["https://www.cursor.com/agents/mcp/oauth/callback", "http://localhost:8787/callback"]);
    let m = register(with(
        with(cursor_payload(), "token_endpoint_auth_method", json!("client_secret_post")),
        "redirect_uris",
        https_only,
    ))
    .unwrap();
    assert_eq!(m.auth_method(), AuthMethod::ClientSecretPost);
    // Dangerous schemes are refused for everyone.
    for bad in ["data:text/html,x", "file:///etc/passwd", "vbscript:x", "blob:https://a/b", "about:blank"] {
        let err = register(with(cursor_payload(), "redirect_uris", json!([bad]))).unwrap_err();
        assert_eq!(err.error, "invalid_redirect_uri", "{bad}");
    }
}

#[test]
fn every_auth_method_is_honoured_and_echoed() {
    for method in ["none", "client_secret_post", "client_secret_basic"] {
        let m = register(with(mcp_client(), "token_endpoint_auth_method", json!(method))).unwrap();
        assert_eq!(m.token_endpoint_auth_method, method);
        let secret = (method != "none").then_some("dys_s");
        let r = registration_response("dcr_1", secret, 1, None, &m);
        assert_eq!(r["token_endpoint_auth_method"], method);
        assert_eq!(r.get("client_secret").is_some(), method != "none", "{method}");
    }
}
