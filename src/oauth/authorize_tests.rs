use super::*;
use crate::identity::roles::builtin;
use crate::oauth::pkce::challenge_for;

const BASE: &str = "https://mcp.example.com";
const REDIRECT: &str = "https://claude.ai/api/mcp/auth_callback";

fn client() -> ClientMetadata {
    ClientMetadata {
        client_name: Some("Claude".into()),
        redirect_uris: vec![REDIRECT.into(), "http://127.0.0.1/cb".into()],
        token_endpoint_auth_method: "none".into(),
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        response_types: vec!["code".into()],
        client_uri: None,
        logo_uri: None,
        scope: None,
        software_id: None,
        software_version: None,
        signing_keys: None,
    }
}

fn challenge() -> String {
    challenge_for(&"v".repeat(43))
}

fn params(overrides: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let challenge = challenge();
    let mut base: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", "cli_1"),
        ("redirect_uri", REDIRECT),
        ("state", "st-1"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("resource", "https://mcp.example.com/acme/demo/draft"),
        ("scope", "tools:read tools:call"),
    ];
    for (k, v) in overrides {
        base.retain(|(name, _)| name != k);
        if let Some(v) = v {
            base.push((k, v));
        }
    }
    base.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn parse(p: &[(String, String)]) -> Result<AuthorizeRequest, AuthorizeError> {
    parse_authorize(BASE, p, Some(&client()))
}

/// The error code of a redirecting refusal (panics otherwise), after checking
/// that it goes to the requested redirect URI with the state echoed.
fn redirected(result: Result<AuthorizeRequest, AuthorizeError>) -> &'static str {
    match result {
        Err(AuthorizeError::Redirect { redirect, state, error, .. }) => {
            assert_eq!(redirect.as_str(), REDIRECT);
            assert_eq!(state.as_deref(), Some("st-1"));
            error
        }
        other => panic!("expected a redirecting error, got {other:?}"),
    }
}

fn not_redirected(result: Result<AuthorizeRequest, AuthorizeError>) -> String {
    match result {
        Err(AuthorizeError::NoRedirect(why)) => why,
        other => panic!("expected an error page, got {other:?}"),
    }
}

#[test]
fn a_valid_request() {
    let req = parse(&params(&[])).unwrap();
    assert_eq!(req.client_id, "cli_1");
    assert_eq!(req.redirect.as_str(), REDIRECT);
    assert_eq!(req.state.as_deref(), Some("st-1"));
    assert_eq!(req.code_challenge, challenge());
    assert_eq!(req.resource, Resource::new("acme", "demo", true));
    assert_eq!(req.scopes, ["tools:read", "tools:call"]);
    assert_eq!(requested_client_id(&params(&[])), Some("cli_1"));
    // No state: fine, nothing to echo.
    assert_eq!(parse(&params(&[("state", None)])).unwrap().state, None);
}

#[test]
fn unknown_client_never_redirects() {
    let why = not_redirected(parse_authorize(BASE, &params(&[]), None));
    assert!(why.contains("unknown client"), "{why}");
    not_redirected(parse(&params(&[("client_id", None)])));
    not_redirected(parse(&params(&[("client_id", Some(""))])));
    assert_eq!(requested_client_id(&params(&[("client_id", None)])), None);
}

#[test]
fn redirect_uri_mismatch_never_redirects() {
    for bad in [
        None,
        Some("https://claude.ai/api/mcp/auth_callback/"),
        Some("https://claude.ai/api/mcp/auth_callback?x=1"),
        Some("https://claude.ai/api/mcp/auth_callback#f"),
        Some("https://evil.com/cb"),
        Some("HTTPS://claude.ai/api/mcp/auth_callback"),
        Some(""),
    ] {
        not_redirected(parse(&params(&[("redirect_uri", bad)])));
    }
    // Loopback registration: any port is fine.
    let ok = parse(&params(&[("redirect_uri", Some("http://127.0.0.1:5555/cb"))])).unwrap();
    assert_eq!(ok.redirect.as_str(), "http://127.0.0.1:5555/cb");
}

#[test]
fn duplicated_parameters_are_refused() {
    let mut p = params(&[]);
    p.push(("client_id".into(), "cli_2".into()));
    not_redirected(parse(&p));
    assert_eq!(requested_client_id(&p), None);
    let mut p = params(&[]);
    p.push(("redirect_uri".into(), REDIRECT.into()));
    not_redirected(parse(&p));
    let mut p = params(&[]);
    p.push(("scope".into(), "tools:read".into()));
    assert_eq!(redirected(parse(&p)), "invalid_request");
    let mut p = params(&[]);
    p.push(("code_challenge".into(), challenge()));
    assert_eq!(redirected(parse(&p)), "invalid_request");
    let mut p = params(&[]);
    p.push(("resource".into(), "https://mcp.example.com/acme/demo".into()));
    assert_eq!(redirected(parse(&p)), "invalid_target");
}

#[test]
fn response_type_must_be_code() {
    assert_eq!(redirected(parse(&params(&[("response_type", None)]))), "invalid_request");
    for other in ["token", "code id_token", "CODE", ""] {
        assert_eq!(redirected(parse(&params(&[("response_type", Some(other))]))), "unsupported_response_type");
    }
    let mut c = client();
    c.grant_types = vec!["refresh_token".into()];
    assert!(matches!(
        parse_authorize(BASE, &params(&[]), Some(&c)),
        Err(AuthorizeError::Redirect { error: "unauthorized_client", .. })
    ));
}

#[test]
fn missing_pkce_is_refused() {
    assert_eq!(redirected(parse(&params(&[("code_challenge", None)]))), "invalid_request");
    assert_eq!(
        redirected(parse(&params(&[("code_challenge", None), ("code_challenge_method", None)]))),
        "invalid_request"
    );
}

#[test]
fn plain_pkce_is_refused() {
    let verifier = "v".repeat(43);
    let plain = [("code_challenge", Some(verifier.as_str())), ("code_challenge_method", Some("plain"))];
    assert_eq!(redirected(parse(&params(&plain))), "invalid_request");
    // A challenge without a method means plain (RFC 7636 §4.3).
    assert_eq!(redirected(parse(&params(&[("code_challenge_method", None)]))), "invalid_request");
    assert_eq!(redirected(parse(&params(&[("code_challenge_method", Some("s256"))]))), "invalid_request");
    // S256 with a malformed challenge.
    for bad in ["short", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", ""] {
        assert_eq!(redirected(parse(&params(&[("code_challenge", Some(bad))]))), "invalid_request", "{bad}");
    }
}

#[test]
fn resource_must_be_one_of_ours() {
    assert_eq!(redirected(parse(&params(&[("resource", None)]))), "invalid_request");
    for bad in [
        "https://mcp.example.com/acme/demo/",
        "https://mcp.example.com/acme/demo/draft?x=1",
        "https://evil.com/acme/demo",
        "https://mcp.example.com",
        "",
    ] {
        assert_eq!(redirected(parse(&params(&[("resource", Some(bad))]))), "invalid_target", "{bad}");
    }
    let prod = parse(&params(&[("resource", Some("https://mcp.example.com/acme/demo"))])).unwrap();
    assert_eq!(prod.resource, Resource::new("acme", "demo", false));
}

#[test]
fn scope_parsing() {
    let scopes = |raw: Option<&str>| parse(&params(&[("scope", raw)])).map(|r| r.scopes);
    assert_eq!(scopes(None).unwrap(), ["tools:read", "tools:call"]);
    assert_eq!(scopes(Some("")).unwrap(), ["tools:read", "tools:call"]);
    assert_eq!(scopes(Some("offline_access")).unwrap(), ["tools:read", "tools:call"]);
    // Hosts send OpenID and OAuth scopes by habit: ignored, never refused.
    assert_eq!(scopes(Some("openid profile email offline_access")).unwrap(), ["tools:read", "tools:call"]);
    assert_eq!(scopes(Some("openid tools:call offline_access")).unwrap(), ["tools:call"]);
    assert_eq!(scopes(Some("address phone")).unwrap(), ["tools:read", "tools:call"]);
    // Our syntax, nothing defines it: kept here, capped by the role later.
    assert_eq!(scopes(Some("tools:foo")).unwrap(), ["tools:foo"]);
    assert_eq!(scopes(Some(" tools:call  orders.write tools:call ")).unwrap(), ["tools:call", "orders.write"]);
    for bad in ["Tools:Read", "tools:read *", "a/b", "<script>"] {
        assert_eq!(redirected(parse(&params(&[("scope", Some(bad))]))), "invalid_scope", "{bad}");
    }
    let many: Vec<String> = (0..65).map(|i| format!("s{i}")).collect();
    assert_eq!(redirected(parse(&params(&[("scope", Some(&many.join(" ")))]))), "invalid_scope");
}

#[test]
fn errors_redirect_with_iss_and_state() {
    let Err(AuthorizeError::Redirect { redirect, state, error, description }) =
        parse(&params(&[("code_challenge_method", Some("plain"))]))
    else {
        panic!("expected a redirect");
    };
    let url = redirect.error(error, Some(&description), state.as_deref(), BASE);
    assert!(url.starts_with("https://claude.ai/api/mcp/auth_callback?error=invalid_request&"), "{url}");
    assert!(url.contains("&state=st-1&iss=https%3A%2F%2Fmcp.example.com"), "{url}");
}

#[test]
fn granted_scopes_follow_the_role() {
    let asked: Vec<String> = ["tools:read", "tools:call", "orders.write"].iter().map(|s| s.to_string()).collect();
    assert_eq!(granted_scopes(&asked, &builtin("viewer").unwrap()), ["tools:read"]);
    assert_eq!(granted_scopes(&asked, &builtin("mcp_user").unwrap()), ["tools:call", "tools:read"]);
    assert_eq!(granted_scopes(&asked, &builtin("owner").unwrap()), ["orders.write", "tools:call", "tools:read"]);
    let unknown = vec!["tools:read".to_string(), "tools:foo".to_string()];
    assert_eq!(granted_scopes(&unknown, &builtin("viewer").unwrap()), ["tools:read"]);
    assert!(granted_scopes(&["tools:foo".to_string()], &builtin("viewer").unwrap()).is_empty());
    let custom = crate::identity::roles::custom_role("billing", &["billing.x".into()], &[]).unwrap();
    assert!(granted_scopes(&asked, &custom).is_empty());
}
