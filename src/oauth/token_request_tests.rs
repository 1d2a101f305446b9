use super::*;
use crate::oauth::errors::wire;

const BASE: &str = "https://mcp.example.com";

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn code_form() -> Vec<(String, String)> {
    form(&[
        ("grant_type", "authorization_code"),
        ("code", "dyc_abc"),
        ("redirect_uri", "https://claude.ai/cb"),
        ("code_verifier", "v"),
        ("client_id", "cli_1"),
        ("resource", "https://mcp.example.com/acme/demo"),
    ])
}

fn metadata(method: &str, grants: &[&str]) -> ClientMetadata {
    ClientMetadata {
        client_name: None,
        redirect_uris: vec!["https://claude.ai/cb".into()],
        token_endpoint_auth_method: method.into(),
        grant_types: grants.iter().map(|g| g.to_string()).collect(),
        response_types: vec!["code".into()],
        client_uri: None,
        logo_uri: None,
        scope: None,
        software_id: None,
        software_version: None,
        signing_keys: None,
    }
}

#[test]
fn authorization_code_request_from_a_public_client() {
    let (req, auth) = parse_token_request(&code_form(), None).unwrap();
    assert_eq!(
        req,
        TokenRequest::AuthorizationCode {
            code: "dyc_abc".into(),
            redirect_uri: "https://claude.ai/cb".into(),
            code_verifier: "v".into(),
            client_id: Some("cli_1".into()),
            resource: Some("https://mcp.example.com/acme/demo".into()),
        }
    );
    assert_eq!(auth, ClientAuth::public("cli_1".into()));
    assert_eq!(req.grant_type(), "authorization_code");
}

#[test]
fn refresh_request() {
    let f = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", "dyr_x"),
        ("client_id", "c"),
        ("scope", "tools:read"),
    ]);
    let (req, _) = parse_token_request(&f, None).unwrap();
    assert_eq!(
        req,
        TokenRequest::RefreshToken {
            refresh_token: "dyr_x".into(),
            client_id: Some("c".into()),
            resource: None,
            scope: Some("tools:read".into()),
        }
    );
    let missing = form(&[("grant_type", "refresh_token"), ("client_id", "c")]);
    assert_eq!(parse_token_request(&missing, None), Err(OAuthError::MissingParameter { name: "refresh_token" }));
}

#[test]
fn missing_and_duplicate_parameters() {
    for name in ["grant_type", "code", "redirect_uri", "code_verifier"] {
        let f: Vec<(String, String)> = code_form().into_iter().filter(|(k, _)| k != name).collect();
        assert_eq!(parse_token_request(&f, None).unwrap_err(), OAuthError::MissingParameter { name }, "{name}");
        // Empty counts as absent.
        let f: Vec<(String, String)> =
            code_form().into_iter().map(|(k, v)| if k == name { (k, String::new()) } else { (k, v) }).collect();
        assert_eq!(parse_token_request(&f, None).unwrap_err(), OAuthError::MissingParameter { name });
    }
    let mut f = code_form();
    f.push(("code".into(), "dyc_other".into()));
    assert_eq!(parse_token_request(&f, None), Err(OAuthError::DuplicateParameter { name: "code".into() }));
    let mut f = code_form();
    f.push(("resource".into(), "https://mcp.example.com/acme/demo/draft".into()));
    assert!(matches!(parse_token_request(&f, None), Err(OAuthError::DuplicateParameter { .. })));
}

#[test]
fn unsupported_grant_types() {
    for gt in ["password", "client_credentials", "implicit", "urn:ietf:params:oauth:grant-type:device_code"] {
        let f = form(&[("grant_type", gt), ("client_id", "c")]);
        let err = parse_token_request(&f, None).unwrap_err();
        assert_eq!(wire(&err).1, "unsupported_grant_type", "{gt}");
    }
}

#[test]
fn client_identification() {
    // Client secret in the form.
    let mut f = code_form();
    f.push(("client_secret".into(), "dys_s".into()));
    let (_, auth) = parse_token_request(&f, None).unwrap();
    assert_eq!(auth.method, AuthMethod::ClientSecretPost);
    assert_eq!(auth.secret.as_deref(), Some("dys_s"));
    // HTTP Basic, no client_id in the form.
    let f: Vec<(String, String)> = code_form().into_iter().filter(|(k, _)| k != "client_id").collect();
    let (req, auth) = parse_token_request(&f, Some(("cli_1".into(), "dys_s".into()))).unwrap();
    assert_eq!(auth, ClientAuth::with_secret("cli_1".into(), "dys_s".into(), AuthMethod::ClientSecretBasic));
    assert!(matches!(req, TokenRequest::AuthorizationCode { client_id: None, .. }));
    // Basic plus a matching form client_id is fine; a different one is not.
    assert!(parse_token_request(&code_form(), Some(("cli_1".into(), "s".into()))).is_ok());
    assert_eq!(
        parse_token_request(&code_form(), Some(("cli_2".into(), "s".into()))).unwrap_err(),
        OAuthError::ClientIdMismatch { form: "cli_1".into(), basic: "cli_2".into() }
    );
    // Two secrets.
    let mut f = code_form();
    f.push(("client_secret".into(), "x".into()));
    assert_eq!(parse_token_request(&f, Some(("cli_1".into(), "s".into()))), Err(OAuthError::MultipleClientAuth));
    // Nobody.
    let f: Vec<(String, String)> = code_form().into_iter().filter(|(k, _)| k != "client_id").collect();
    assert_eq!(parse_token_request(&f, None).unwrap_err(), OAuthError::NoClientId);
    assert_eq!(wire(&OAuthError::NoClientId).0, 401);
}

#[test]
fn unknown_client_and_secret_checks() {
    let public = metadata("none", &["authorization_code"]);
    let confidential = metadata("client_secret_post", &["authorization_code"]);
    let none = ClientAuth::public("c".into());
    let post = |s: &str| ClientAuth::with_secret("c".into(), s.into(), AuthMethod::ClientSecretPost);
    let stored = sha256_hex(b"dys_right");
    let failure = |r: Result<(), OAuthError>| match r {
        Err(OAuthError::ClientAuthFailed { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };

    assert_eq!(authenticate_client(&none, None, None), Err(OAuthError::UnknownClient { client_id: "c".into() }));
    assert_eq!(authenticate_client(&none, Some(&public), None), Ok(()));
    assert_eq!(failure(authenticate_client(&post("x"), Some(&public), None)), ClientAuthFailure::UnexpectedSecret);
    assert_eq!(
        failure(authenticate_client(&none, Some(&confidential), Some(&stored))),
        ClientAuthFailure::MissingSecret
    );
    assert_eq!(authenticate_client(&post("dys_right"), Some(&confidential), Some(&stored)), Ok(()));
    assert_eq!(
        failure(authenticate_client(&post("dys_wrong"), Some(&confidential), Some(&stored))),
        ClientAuthFailure::WrongSecret
    );
    assert_eq!(
        failure(authenticate_client(&post("dys_right"), Some(&confidential), None)),
        ClientAuthFailure::WrongSecret
    );
    let basic = ClientAuth { method: AuthMethod::ClientSecretBasic, ..post("dys_right") };
    let by_basic = metadata("client_secret_basic", &["authorization_code"]);
    assert_eq!(authenticate_client(&basic, Some(&by_basic), Some(&stored)), Ok(()));
}

#[test]
fn confidential_clients_authenticate_the_way_they_registered() {
    let stored = sha256_hex(b"dys_right");
    let by_post = metadata("client_secret_post", &["authorization_code"]);
    let by_basic = metadata("client_secret_basic", &["authorization_code"]);
    let with = |method| ClientAuth::with_secret("c".into(), "dys_right".into(), method);
    let failure = |r: Result<(), OAuthError>| match r {
        Err(OAuthError::ClientAuthFailed { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(authenticate_client(&with(AuthMethod::ClientSecretPost), Some(&by_post), Some(&stored)), Ok(()));
    assert_eq!(authenticate_client(&with(AuthMethod::ClientSecretBasic), Some(&by_basic), Some(&stored)), Ok(()));
    assert_eq!(
        failure(authenticate_client(&with(AuthMethod::ClientSecretBasic), Some(&by_post), Some(&stored))),
        ClientAuthFailure::MethodMismatch {
            registered: AuthMethod::ClientSecretPost,
            used: AuthMethod::ClientSecretBasic
        }
    );
    // A wrong secret is just a wrong secret, whatever the method.
    let wrong = ClientAuth { secret: Some("dys_wrong".into()), ..with(AuthMethod::ClientSecretBasic) };
    assert_eq!(failure(authenticate_client(&wrong, Some(&by_post), Some(&stored))), ClientAuthFailure::WrongSecret);
    let err = authenticate_client(&with(AuthMethod::ClientSecretPost), Some(&by_basic), Some(&stored)).unwrap_err();
    let (status, error, description) = wire(&err);
    assert_eq!((status, error), (401, "invalid_client"));
    assert!(description.contains("client_secret_basic"), "{description}");
}

#[test]
fn grant_types_must_be_registered() {
    let code_only = metadata("none", &["authorization_code"]);
    let (code_req, _) = parse_token_request(&code_form(), None).unwrap();
    assert_eq!(check_grant_type(&code_req, "c", &code_only), Ok(()));
    let refresh =
        TokenRequest::RefreshToken { refresh_token: "r".into(), client_id: None, resource: None, scope: None };
    let err = check_grant_type(&refresh, "c", &code_only).unwrap_err();
    assert_eq!(wire(&err).1, "unauthorized_client");
    assert!(check_grant_type(&refresh, "c", &metadata("none", &["authorization_code", "refresh_token"])).is_ok());
}

#[test]
fn resource_parameter() {
    assert_eq!(resource_param(BASE, None), Ok(None));
    assert_eq!(
        resource_param(BASE, Some("https://mcp.example.com/acme/demo/draft")),
        Ok(Some(Resource::new("acme", "demo", true)))
    );
    for bad in ["https://mcp.example.com/acme/demo/", "https://evil.com/acme/demo", "x"] {
        let err = resource_param(BASE, Some(bad)).unwrap_err();
        assert_eq!(wire(&err).1, "invalid_target", "{bad}");
    }
}

#[test]
fn refresh_scope_narrowing() {
    let granted: Vec<String> = vec!["tools:read".into(), "tools:call".into()];
    assert_eq!(refresh_scopes(None, &granted).unwrap(), granted);
    assert_eq!(refresh_scopes(Some(" "), &granted).unwrap(), granted);
    assert_eq!(refresh_scopes(Some("tools:read tools:read"), &granted).unwrap(), ["tools:read"]);
    assert_eq!(refresh_scopes(Some("offline_access openid"), &granted).unwrap(), granted);
    assert_eq!(refresh_scopes(Some("offline_access tools:read"), &granted).unwrap(), ["tools:read"]);
    assert_eq!(
        refresh_scopes(Some("tools:read admin"), &granted),
        Err(OAuthError::ScopeNotGranted { scope: "admin".into() })
    );
    assert_eq!(refresh_scopes(Some("Bad!"), &granted), Err(OAuthError::InvalidScope { scope: "Bad!".into() }));
}

#[test]
fn basic_auth_header_decoding() {
    // "cli_1:dys_s" and a urlencoded secret "a b%:c" -> "a+b%25%3Ac".
    assert_eq!(parse_basic_auth("Basic Y2xpXzE6ZHlzX3M="), Some(("cli_1".into(), "dys_s".into())));
    assert_eq!(parse_basic_auth("basic  Y2xpXzE6ZHlzX3M= "), Some(("cli_1".into(), "dys_s".into())));
    assert_eq!(parse_basic_auth("Basic Y2xpOmErYiUyNSUzQWM="), Some(("cli".into(), "a b%:c".into())));
    for bad in ["Bearer Y2xpXzE6ZHlzX3M=", "Basic", "Basic !!!", "Basic Y2xp", "Basic Y2xpOiV6eg=="] {
        assert_eq!(parse_basic_auth(bad), None, "{bad}");
    }
}

#[test]
fn revoke_request() {
    let f = form(&[("token", "dyr_x"), ("token_type_hint", "refresh_token"), ("client_id", "c")]);
    let (req, auth) = parse_revoke_request(&f, None).unwrap();
    assert_eq!(req, RevokeRequest { token: "dyr_x".into(), token_type_hint: Some("refresh_token".into()) });
    assert_eq!(auth.client_id, "c");
    assert_eq!(
        parse_revoke_request(&form(&[("client_id", "c")]), None),
        Err(OAuthError::MissingParameter { name: "token" })
    );
}

#[test]
fn success_body() {
    let body = token_response("eyJ.a.b", 3600, Some("dyr_x"), "tools:read tools:call");
    assert_eq!(
        body,
        json!({"access_token": "eyJ.a.b", "token_type": "Bearer", "expires_in": 3600,
               "refresh_token": "dyr_x", "scope": "tools:read tools:call"})
    );
    assert!(token_response("a", 1, None, "s").get("refresh_token").is_none());
}

fn assertion_for(sub: &str) -> String {
    use crate::crypto::b64url_encode;
    let h = b64url_encode(br#"{"alg":"RS256"}"#);
    let p = b64url_encode(serde_json::json!({ "iss": sub, "sub": sub }).to_string().as_bytes());
    format!("{h}.{p}.c2ln")
}

fn with_assertion(mut f: Vec<(String, String)>, kind: &str, assertion: &str) -> Vec<(String, String)> {
    f.push(("client_assertion_type".into(), kind.into()));
    f.push(("client_assertion".into(), assertion.into()));
    f
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[test]
fn client_assertions_are_parsed() {
    let jwt = assertion_for("https://app.example.com/c.json");
    let (_, auth) = parse_token_request(&with_assertion(code_form(), JWT_BEARER, &jwt), None).unwrap();
    assert_eq!(auth.method, AuthMethod::PrivateKeyJwt);
    assert_eq!(auth.client_id, "cli_1", "the form's client_id is kept (the claims must then match it)");
    assert_eq!(auth.assertion.as_deref(), Some(jwt.as_str()));
    assert_eq!(auth.secret, None);
    // Without client_id in the form, the assertion's sub names the client.
    let f: Vec<(String, String)> = code_form().into_iter().filter(|(k, _)| k != "client_id").collect();
    let (_, auth) = parse_token_request(&with_assertion(f.clone(), JWT_BEARER, &jwt), None).unwrap();
    assert_eq!(auth.client_id, "https://app.example.com/c.json");
    assert_eq!(parse_token_request(&with_assertion(f, JWT_BEARER, "junk"), None), Err(OAuthError::NoClientId));
}

#[test]
fn client_assertion_refusals() {
    let jwt = assertion_for("cli_1");
    let other_type = with_assertion(code_form(), "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", &jwt);
    assert!(matches!(
        parse_token_request(&other_type, None),
        Err(OAuthError::InvalidParameter { name: "client_assertion_type", .. })
    ));
    let mut no_type = code_form();
    no_type.push(("client_assertion".into(), jwt.clone()));
    assert_eq!(
        parse_token_request(&no_type, None),
        Err(OAuthError::MissingParameter { name: "client_assertion_type" })
    );
    let mut no_assertion = code_form();
    no_assertion.push(("client_assertion_type".into(), JWT_BEARER.into()));
    assert_eq!(
        parse_token_request(&no_assertion, None),
        Err(OAuthError::MissingParameter { name: "client_assertion" })
    );
    let mut with_secret = with_assertion(code_form(), JWT_BEARER, &jwt);
    with_secret.push(("client_secret".into(), "s".into()));
    assert_eq!(parse_token_request(&with_secret, None), Err(OAuthError::MultipleClientAuth));
    let f = with_assertion(code_form(), JWT_BEARER, &jwt);
    assert_eq!(parse_token_request(&f, Some(("cli_1".into(), "s".into()))), Err(OAuthError::MultipleClientAuth));
}

#[test]
fn only_private_key_jwt_clients_use_assertions_and_they_must() {
    let keyed = metadata("private_key_jwt", &["authorization_code"]);
    let public = metadata("none", &["authorization_code"]);
    let secret = metadata("client_secret_post", &["authorization_code"]);
    let with_assertion = ClientAuth {
        client_id: "c".into(),
        secret: None,
        method: AuthMethod::PrivateKeyJwt,
        assertion: Some(assertion_for("c")),
    };
    let failure = |r: Result<(), OAuthError>| match r {
        Err(e @ OAuthError::ClientAuthFailed { .. }) => {
            assert_eq!(wire(&e).0, 401);
            assert_eq!(wire(&e).1, "invalid_client");
            match e {
                OAuthError::ClientAuthFailed { reason, .. } => reason,
                _ => unreachable!(),
            }
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(authenticate_client(&with_assertion, Some(&keyed), None), Ok(()));
    let none = ClientAuth::public("c".into());
    assert_eq!(failure(authenticate_client(&none, Some(&keyed), None)), ClientAuthFailure::MissingAssertion);
    let post = ClientAuth::with_secret("c".into(), "s".into(), AuthMethod::ClientSecretPost);
    assert_eq!(failure(authenticate_client(&post, Some(&keyed), None)), ClientAuthFailure::MissingAssertion);
    assert_eq!(
        failure(authenticate_client(&with_assertion, Some(&public), None)),
        ClientAuthFailure::UnexpectedAssertion
    );
    assert_eq!(
        failure(authenticate_client(&with_assertion, Some(&secret), None)),
        ClientAuthFailure::UnexpectedAssertion
    );
}
