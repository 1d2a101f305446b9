use super::*;
use crate::crypto::b64url_encode;
use serde_json::json;

const CLIENT: &str = "https://chatgpt.example.com/oauth/client.json";
const TOKEN: &str = "https://mcp.example.com/oauth/token";
const ISSUER: &str = "https://mcp.example.com";
const NOW: i64 = 1_800_000_000;

fn jwt(header: Value, payload: Value, sig: &[u8]) -> String {
    let h = b64url_encode(header.to_string().as_bytes());
    let p = b64url_encode(payload.to_string().as_bytes());
    format!("{h}.{p}.{}", b64url_encode(sig))
}

fn good_payload() -> Value {
    json!({"iss": CLIENT, "sub": CLIENT, "aud": TOKEN, "exp": NOW + 60, "iat": NOW, "jti": "j-1"})
}

fn claims_with(change: impl FnOnce(&mut Value)) -> Claims {
    let mut p = good_payload();
    change(&mut p);
    parse(&jwt(json!({"alg": "RS256"}), p, b"s")).unwrap().claims
}

fn check(c: &Claims) -> Result<(), AssertionError> {
    check_claims(c, CLIENT, TOKEN, ISSUER, NOW)
}

#[test]
fn parses_a_compact_jws() {
    let a = parse(&jwt(json!({"alg": "ES256", "kid": "k1", "typ": "JWT"}), good_payload(), &[7; 64])).unwrap();
    assert_eq!(a.alg, Alg::Es256);
    assert_eq!(a.kid.as_deref(), Some("k1"));
    assert_eq!(a.claims.aud, [TOKEN]);
    assert_eq!(a.claims.jti.as_deref(), Some("j-1"));
    assert_eq!(a.signature, vec![7; 64]);
    assert_eq!(a.signing_input.matches('.').count(), 1);
    assert_eq!(named_client(&a), Some(CLIENT));
}

#[test]
fn unsupported_algorithms_are_refused_before_any_key() {
    for alg in ["none", "HS256", "HS512", "RS384", "ES384", "EdDSA", "rs256", ""] {
        let e = parse(&jwt(json!({"alg": alg}), good_payload(), b"s")).unwrap_err();
        assert_eq!(e, AssertionError::UnsupportedAlg(alg.into()), "{alg}");
    }
    assert!(matches!(parse(&jwt(json!({}), good_payload(), b"s")), Err(AssertionError::UnsupportedAlg(_))));
    let e = parse(&jwt(json!({"alg": "RS256", "crit": ["exp"]}), good_payload(), b"s")).unwrap_err();
    assert_eq!(e, AssertionError::CriticalHeader);
}

#[test]
fn malformed_assertions() {
    let good = jwt(json!({"alg": "RS256"}), good_payload(), b"s");
    let parts: Vec<&str> = good.split('.').collect();
    for bad in [
        String::new(),
        "a.b".into(),
        format!("{good}.x"),
        format!("!!.{}.{}", parts[1], parts[2]),
        format!("{}.{}.{}", b64url_encode(b"[1]"), parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], b64url_encode(b"not json"), parts[2]),
        format!("{}.{}.a+b", parts[0], parts[1]),
        "x".repeat(MAX_ASSERTION_BYTES + 1),
    ] {
        assert!(matches!(parse(&bad), Err(AssertionError::Malformed(_))), "{bad:.60}");
    }
    let e = parse(&jwt(json!({"alg": "RS256"}), json!({"exp": "soon"}), b"s")).unwrap_err();
    assert_eq!(e, AssertionError::MissingClaim("exp"));
    let e = parse(&jwt(json!({"alg": "RS256"}), json!({"aud": [1]}), b"s")).unwrap_err();
    assert_eq!(e, AssertionError::MissingClaim("aud"));
}

#[test]
fn good_claims_pass() {
    assert_eq!(check(&claims_with(|_| {})), Ok(()));
    // iat and nbf are optional.
    assert_eq!(check(&claims_with(|p| p.as_object_mut().unwrap().retain(|k, _| k != "iat"))), Ok(()));
    assert_eq!(check(&claims_with(|p| p["nbf"] = json!(NOW))), Ok(()));
}

#[test]
fn issuer_and_subject_are_the_client() {
    assert_eq!(
        check(&claims_with(|p| p["iss"] = json!("https://evil.example/c.json"))),
        Err(AssertionError::WrongIssuer)
    );
    assert_eq!(check(&claims_with(|p| p["sub"] = json!("someone-else"))), Err(AssertionError::WrongIssuer));
    assert_eq!(check(&claims_with(|p| p["iss"] = json!(null))), Err(AssertionError::MissingClaim("iss")));
    assert_eq!(check(&claims_with(|p| p["sub"] = json!(null))), Err(AssertionError::MissingClaim("sub")));
}

#[test]
fn audience_is_our_token_endpoint_or_issuer() {
    assert_eq!(check(&claims_with(|p| p["aud"] = json!(ISSUER))), Ok(()));
    assert_eq!(check(&claims_with(|p| p["aud"] = json!([TOKEN, ISSUER]))), Ok(()));
    for bad in [
        json!("https://other.example.com/oauth/token"),
        json!("https://mcp.example.com/oauth/token/"),
        json!("https://mcp.example.com/"),
        json!([TOKEN, "https://other.example.com"]),
    ] {
        assert_eq!(check(&claims_with(|p| p["aud"] = bad.clone())), Err(AssertionError::WrongAudience), "{bad}");
    }
    assert_eq!(check(&claims_with(|p| p["aud"] = json!([]))), Err(AssertionError::MissingClaim("aud")));
    assert_eq!(check(&claims_with(|p| p["aud"] = json!(null))), Err(AssertionError::MissingClaim("aud")));
}

#[test]
fn expiry_is_required_and_short() {
    assert_eq!(check(&claims_with(|p| p["exp"] = json!(null))), Err(AssertionError::MissingClaim("exp")));
    assert_eq!(check(&claims_with(|p| p["exp"] = json!(NOW - CLOCK_SKEW_SECS))), Err(AssertionError::Expired));
    assert_eq!(check(&claims_with(|p| p["exp"] = json!(NOW - CLOCK_SKEW_SECS + 1))), Ok(()), "within the skew");
    let longest = NOW + MAX_LIFETIME_SECS + CLOCK_SKEW_SECS;
    assert_eq!(check(&claims_with(|p| p["exp"] = json!(longest))), Ok(()));
    assert_eq!(check(&claims_with(|p| p["exp"] = json!(longest + 1))), Err(AssertionError::TooLongLived));
    assert_eq!(check(&claims_with(|p| p["exp"] = json!(NOW + 86_400))), Err(AssertionError::TooLongLived));
}

#[test]
fn issued_at_and_not_before_are_sane() {
    let future = NOW + CLOCK_SKEW_SECS + 1;
    assert_eq!(check(&claims_with(|p| p["iat"] = json!(future))), Err(AssertionError::BadTime("iat is in the future")));
    let old = NOW - MAX_LIFETIME_SECS - CLOCK_SKEW_SECS - 1;
    assert_eq!(check(&claims_with(|p| p["iat"] = json!(old))), Err(AssertionError::BadTime("iat is too old")));
    assert_eq!(check(&claims_with(|p| p["nbf"] = json!(future))), Err(AssertionError::BadTime("nbf is in the future")));
    assert_eq!(check(&claims_with(|p| p["iat"] = json!(NOW + CLOCK_SKEW_SECS))), Ok(()));
}

#[test]
fn jti_is_required() {
    for bad in [json!(null), json!(""), json!("x".repeat(MAX_JTI_CHARS + 1))] {
        assert_eq!(check(&claims_with(|p| p["jti"] = bad.clone())), Err(AssertionError::MissingClaim("jti")));
    }
    assert!(parse(&jwt(json!({"alg": "RS256"}), json!({"jti": 5}), b"s")).is_err());
}

#[test]
fn jtis_are_single_use_until_they_expire() {
    let mut used = UsedJtis::new();
    assert_eq!(claim_jti(&mut used, "a", NOW + 60, NOW), Ok(()));
    assert_eq!(claim_jti(&mut used, "a", NOW + 60, NOW + 1), Err(AssertionError::Replayed));
    assert_eq!(claim_jti(&mut used, "b", NOW + 60, NOW + 1), Ok(()));
    // Remembered past exp by the skew (the assertion is still accepted until then) ...
    assert_eq!(claim_jti(&mut used, "a", NOW + 90, NOW + 60 + CLOCK_SKEW_SECS - 1), Err(AssertionError::Replayed));
    // ... then forgotten (an assertion that old is refused as expired anyway).
    assert_eq!(claim_jti(&mut used, "c", NOW + 400, NOW + 60 + CLOCK_SKEW_SECS), Ok(()));
    assert!(!used.contains_key("a") && !used.contains_key("b"));
    assert_eq!(used.len(), 1);
}

#[test]
fn the_jti_set_is_bounded() {
    let mut used = UsedJtis::new();
    for i in 0..MAX_LIVE_JTIS {
        claim_jti(&mut used, &format!("j{i}"), NOW + 60, NOW).unwrap();
    }
    assert_eq!(claim_jti(&mut used, "one-more", NOW + 60, NOW), Err(AssertionError::TooManyAssertions));
    assert_eq!(claim_jti(&mut used, "later", NOW + 500, NOW + 100), Ok(()), "room again once they expired");
}

fn rsa_key(kid: &str) -> Value {
    json!({"kty": "RSA", "kid": kid, "use": "sig", "n": b64url_encode(&[0xc5; 256]), "e": "AQAB"})
}

fn ec_key(kid: &str) -> Value {
    json!({"kty": "EC", "kid": kid, "crv": "P-256", "x": b64url_encode(&[1; 32]), "y": b64url_encode(&[2; 32])})
}

fn keys(list: Value) -> Vec<Jwk> {
    parse_jwks(json!({ "keys": list }).to_string().as_bytes()).unwrap()
}

fn assertion(alg: &str, kid: Option<&str>, sig_len: usize) -> Assertion {
    let header = match kid {
        Some(k) => json!({"alg": alg, "kid": k}),
        None => json!({"alg": alg}),
    };
    parse(&jwt(header, good_payload(), &vec![9; sig_len])).unwrap()
}

#[test]
fn jwks_parsing_keeps_usable_public_keys() {
    let mut private = rsa_key("priv");
    private["d"] = json!("SECRET-PRIVATE-EXPONENT");
    let set = keys(json!([
        private,
        ec_key("ec"),
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
        {"kty": "RSA", "kid": "small", "n": b64url_encode(&[1; 128]), "e": "AQAB"},
        {"kty": "EC", "kid": "p384", "crv": "P-384", "x": b64url_encode(&[1; 48]), "y": b64url_encode(&[2; 48])},
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": b64url_encode(&[1; 256]), "e": "AQAB"},
        "not an object",
    ]));
    assert_eq!(set.iter().map(|k| k.kid.as_deref().unwrap()).collect::<Vec<_>>(), ["priv", "ec"]);
    let imported = set[0].import_form(Alg::Rs256);
    assert!(imported.get("d").is_none(), "private members are never kept: {imported}");
    assert_eq!(imported["alg"], "RS256");
    assert!(imported.get("use").is_none());
    assert_eq!(set[1].import_form(Alg::Es256)["crv"], "P-256");
}

#[test]
fn jwks_bounds_and_shape() {
    let many: Vec<Value> = (0..=MAX_JWKS_KEYS).map(|i| ec_key(&format!("k{i}"))).collect();
    assert!(parse_jwks(json!({ "keys": many }).to_string().as_bytes()).unwrap_err().contains("more than"));
    let big = json!({"keys": [ec_key("a")], "pad": "x".repeat(MAX_JWKS_BYTES)}).to_string();
    assert!(parse_jwks(big.as_bytes()).unwrap_err().contains("larger than"));
    assert!(parse_jwks(b"[]").is_err());
    assert!(parse_jwks(b"{").is_err());
    assert!(parse_jwks(br#"{"keys": [{"kty": "oct", "k": "AA"}]}"#).unwrap_err().contains("no RS256"));
}

#[test]
fn kid_selects_the_key_and_must_fit_the_alg() {
    let set = keys(json!([rsa_key("r1"), rsa_key("r2"), ec_key("e1")]));
    assert_eq!(select_key(&set, &assertion("RS256", Some("r2"), 256)).unwrap().kid.as_deref(), Some("r2"));
    assert_eq!(select_key(&set, &assertion("PS256", Some("r1"), 256)).unwrap().kid.as_deref(), Some("r1"));
    assert_eq!(select_key(&set, &assertion("ES256", Some("e1"), 64)).unwrap().kid.as_deref(), Some("e1"));
    assert_eq!(select_key(&set, &assertion("RS256", Some("nope"), 256)), Err(AssertionError::UnknownKey));
    // alg/kty confusion: an ES256 header naming an RSA key, and the reverse.
    assert_eq!(select_key(&set, &assertion("ES256", Some("r1"), 64)), Err(AssertionError::UnknownKey));
    assert_eq!(select_key(&set, &assertion("RS256", Some("e1"), 256)), Err(AssertionError::UnknownKey));
    // A key that declares its alg is used for that alg only.
    let mut pinned = rsa_key("pinned");
    pinned["alg"] = json!("PS256");
    let set = keys(json!([pinned]));
    assert_eq!(select_key(&set, &assertion("RS256", Some("pinned"), 256)), Err(AssertionError::UnknownKey));
    assert!(select_key(&set, &assertion("PS256", Some("pinned"), 256)).is_ok());
}

#[test]
fn without_kid_only_a_single_fitting_key_is_used() {
    let set = keys(json!([rsa_key("r1"), ec_key("e1")]));
    assert_eq!(select_key(&set, &assertion("ES256", None, 64)).unwrap().kid.as_deref(), Some("e1"));
    assert_eq!(select_key(&set, &assertion("RS256", None, 256)).unwrap().kid.as_deref(), Some("r1"));
    let two = keys(json!([rsa_key("r1"), rsa_key("r2")]));
    assert_eq!(select_key(&two, &assertion("RS256", None, 256)), Err(AssertionError::AmbiguousKey));
    assert_eq!(select_key(&two, &assertion("ES256", None, 64)), Err(AssertionError::UnknownKey));
}

#[test]
fn signature_lengths() {
    let set = keys(json!([rsa_key("r1"), ec_key("e1")]));
    let es = assertion("ES256", Some("e1"), 64);
    assert_eq!(check_signature_shape(&es, &set[1]), Ok(()));
    // A DER-encoded ECDSA signature (about 70–72 bytes) is not what JWS sends.
    let der = assertion("ES256", Some("e1"), 71);
    assert_eq!(check_signature_shape(&der, &set[1]), Err(AssertionError::BadSignatureShape));
    assert_eq!(check_signature_shape(&assertion("RS256", Some("r1"), 256), &set[0]), Ok(()));
    assert_eq!(
        check_signature_shape(&assertion("RS256", Some("r1"), 255), &set[0]),
        Err(AssertionError::BadSignatureShape)
    );
}
