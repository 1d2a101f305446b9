use super::*;
use crate::crypto::hmac_sha256;

const ISS: &str = "https://mcp.example.com";
const DRAFT: &str = "https://mcp.example.com/acme/demo/draft";
const PROD: &str = "https://mcp.example.com/acme/demo";
const NOW: i64 = 1_700_000_000;

fn seed(n: u8) -> [u8; 32] {
    std::array::from_fn(|i| n.wrapping_mul(31).wrapping_add(i as u8))
}

fn claims(aud: &str) -> AccessClaims {
    AccessClaims {
        iss: ISS.into(),
        sub: "usr_1".into(),
        aud: aud.into(),
        exp: NOW + ACCESS_TOKEN_SECS,
        iat: NOW,
        jti: "jti_1".into(),
        scope: "tools:read tools:call".into(),
        client_id: "cli_1".into(),
        grant_id: "grt_1".into(),
    }
}

fn verify(token: &str, aud: &str, now: i64) -> Result<AccessClaims, TokenError> {
    verify_access_token(token, &[seed(1)], ISS, aud, now)
}

/// Sign an arbitrary payload with seed(1), exactly as issue_access_token does.
fn sign_raw(payload: &Value) -> String {
    let header = serde_json::json!({ "alg": "EdDSA", "kid": key_id(&seed(1)), "typ": "at+jwt" });
    let input = format!("{}.{}", b64json(&header), b64json(payload));
    let kp = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed(1)));
    with_signature(&input, kp.sk.sign(input.as_bytes(), None).as_ref())
}

/// Another implementation agrees: jwt-compact (a dev-dependency here; the
/// Worker parses with it but signs with WebCrypto) verifies what we sign,
/// and we verify what it signs.
#[test]
fn interoperates_with_jwt_compact() {
    use jwt_compact::alg::{Ed25519, SigningKey, VerifyingKey};
    use jwt_compact::{Algorithm, AlgorithmExt, Claims, Empty, Header, UntrustedToken};
    type Sk = <Ed25519 as Algorithm>::SigningKey;
    type Pk = <Ed25519 as Algorithm>::VerifyingKey;
    let ours = issue_access_token(&seed(1), &claims(DRAFT)).unwrap();
    let pk = <Pk as VerifyingKey<Ed25519>>::from_slice(&public_key(&seed(1))).unwrap();
    // Its Claims take `exp`/`iat` out of the custom claims, so check the signature only.
    assert!(Ed25519.validator::<Empty>(&pk).validate(&UntrustedToken::new(&ours).unwrap()).is_ok());
    let last = if ours.ends_with('A') { "B" } else { "A" };
    let tampered = format!("{}{last}", &ours[..ours.len() - 1]);
    assert!(Ed25519.validator::<Empty>(&pk).validate(&UntrustedToken::new(&tampered).unwrap()).is_err());
    let mut keypair = [0u8; 64];
    keypair[..32].copy_from_slice(&seed(1));
    keypair[32..].copy_from_slice(&public_key(&seed(1)));
    let sk = <Sk as SigningKey<Ed25519>>::from_slice(&keypair).unwrap();
    let header = Header::empty().with_key_id(key_id(&seed(1))).with_token_type("at+jwt");
    let theirs = Ed25519.token(&header, &Claims::new(claims(DRAFT)), &sk).unwrap();
    assert_eq!(verify(&theirs, DRAFT, NOW), Ok(claims(DRAFT)));
}

fn b64json(v: &Value) -> String {
    b64url_encode(v.to_string().as_bytes())
}

fn parts(token: &str) -> (Value, Value, String) {
    let p: Vec<&str> = token.split('.').collect();
    let header = serde_json::from_slice(&b64url_decode(p[0]).unwrap()).unwrap();
    let payload = serde_json::from_slice(&b64url_decode(p[1]).unwrap()).unwrap();
    (header, payload, p[2].to_string())
}

#[test]
fn issue_and_verify_round_trip() {
    let token = issue_access_token(&seed(1), &claims(DRAFT)).unwrap();
    let got = verify(&token, DRAFT, NOW + 10).unwrap();
    assert_eq!(got, claims(DRAFT));
    assert_eq!(got.scopes(), ["tools:read", "tools:call"]);
    let (header, payload, _) = parts(&token);
    assert_eq!(header, json!({"alg": "EdDSA", "kid": key_id(&seed(1)), "typ": "at+jwt"}));
    assert_eq!(payload, serde_json::to_value(claims(DRAFT)).unwrap());
    let names: Vec<&String> = payload.as_object().unwrap().keys().collect();
    let mut expected = ["aud", "client_id", "exp", "grant_id", "iat", "iss", "jti", "scope", "sub"];
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn production_token_on_draft_and_cross_project_fail() {
    let prod = issue_access_token(&seed(1), &claims(PROD)).unwrap();
    assert_eq!(verify(&prod, DRAFT, NOW), Err(TokenError::WrongAudience(PROD.into())));
    let draft = issue_access_token(&seed(1), &claims(DRAFT)).unwrap();
    assert_eq!(verify(&draft, PROD, NOW), Err(TokenError::WrongAudience(DRAFT.into())));
    let other = "https://mcp.example.com/acme/other";
    assert!(matches!(verify(&prod, other, NOW), Err(TokenError::WrongAudience(_))));
    assert!(matches!(verify(&prod, &format!("{PROD}/"), NOW), Err(TokenError::WrongAudience(_))));
}

#[test]
fn expired_tokens_fail_at_exp() {
    let token = issue_access_token(&seed(1), &claims(DRAFT)).unwrap();
    let exp = NOW + ACCESS_TOKEN_SECS;
    assert!(verify(&token, DRAFT, exp - 1).is_ok());
    assert_eq!(verify(&token, DRAFT, exp), Err(TokenError::Expired { exp, now: exp }));
    assert!(matches!(verify(&token, DRAFT, exp + 86_400), Err(TokenError::Expired { .. })));
    // iat in the future beyond the skew allowance.
    assert!(verify(&token, DRAFT, NOW - IAT_SKEW_SECS).is_ok());
    assert!(matches!(verify(&token, DRAFT, NOW - IAT_SKEW_SECS - 1), Err(TokenError::NotYetValid { .. })));
}

#[test]
fn wrong_issuer_fails() {
    let mut c = claims(DRAFT);
    c.iss = "https://evil.example.com".into();
    let token = issue_access_token(&seed(1), &c).unwrap();
    assert_eq!(verify(&token, DRAFT, NOW), Err(TokenError::WrongIssuer("https://evil.example.com".into())));
}

#[test]
fn tampered_tokens_fail() {
    let token = issue_access_token(&seed(1), &claims(PROD)).unwrap();
    let (header, mut payload, sig) = parts(&token);
    // Re-point the audience, keep the signature.
    payload["aud"] = json!(DRAFT);
    let forged = format!("{}.{}.{sig}", b64json(&header), b64json(&payload));
    assert_eq!(verify(&forged, DRAFT, NOW), Err(TokenError::BadSignature));
    // Widen the scopes.
    let (_, mut payload, _) = parts(&token);
    payload["scope"] = json!("tools:read tools:call admin");
    let forged = format!("{}.{}.{sig}", b64json(&header), b64json(&payload));
    assert_eq!(verify(&forged, PROD, NOW), Err(TokenError::BadSignature));
    // Flip one signature bit.
    let mut raw_sig = b64url_decode(&sig).unwrap();
    raw_sig[10] ^= 1;
    let p: Vec<&str> = token.split('.').collect();
    let flipped = format!("{}.{}.{}", p[0], p[1], b64url_encode(&raw_sig));
    assert_eq!(verify(&flipped, PROD, NOW), Err(TokenError::BadSignature));
    // Truncated signature.
    let short = format!("{}.{}.{}", p[0], p[1], b64url_encode(&raw_sig[..63]));
    assert_eq!(verify(&short, PROD, NOW), Err(TokenError::BadSignature));
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let kid = key_id(&seed(1));
    let payload = serde_json::to_value(claims(DRAFT)).unwrap();
    for alg in ["none", "None", "HS256", "RS256", "ES256", "Ed25519"] {
        let header = json!({"alg": alg, "kid": kid, "typ": "at+jwt"});
        for sig in ["", "c2ln"] {
            let token = format!("{}.{}.{sig}", b64json(&header), b64json(&payload));
            assert_eq!(verify(&token, DRAFT, NOW), Err(TokenError::Algorithm(alg.into())), "{alg}");
        }
    }
    // HS256 "signed" with the public key as the HMAC secret (key confusion).
    let header = json!({"alg": "HS256", "kid": kid, "typ": "at+jwt"});
    let signing_input = format!("{}.{}", b64json(&header), b64json(&payload));
    let pk = b64url_decode(jwks(&[seed(1)])["keys"][0]["x"].as_str().unwrap()).unwrap();
    let mac = hmac_sha256(&pk, signing_input.as_bytes());
    let token = format!("{signing_input}.{}", b64url_encode(&mac));
    assert_eq!(verify(&token, DRAFT, NOW), Err(TokenError::Algorithm("HS256".into())));
}

#[test]
fn tokens_signed_by_other_keys_fail() {
    let foreign = issue_access_token(&seed(9), &claims(DRAFT)).unwrap();
    assert_eq!(verify(&foreign, DRAFT, NOW), Err(TokenError::UnknownKey(Some(key_id(&seed(9))))));
    // Signed by another key but claiming our kid.
    let (mut header, payload, _) = parts(&foreign);
    header["kid"] = json!(key_id(&seed(1)));
    let p: Vec<&str> = foreign.split('.').collect();
    let relabelled = format!("{}.{}.{}", b64json(&header), b64url_encode(payload.to_string().as_bytes()), p[2]);
    assert_eq!(verify(&relabelled, DRAFT, NOW), Err(TokenError::BadSignature));
    // No kid at all.
    header.as_object_mut().unwrap().remove("kid");
    let no_kid = format!("{}.{}.{}", b64json(&header), p[1], p[2]);
    assert_eq!(verify(&no_kid, DRAFT, NOW), Err(TokenError::UnknownKey(None)));
}

#[test]
fn typ_must_be_at_jwt() {
    let token = issue_access_token(&seed(1), &claims(DRAFT)).unwrap();
    let (mut header, _, _) = parts(&token);
    let p: Vec<&str> = token.split('.').collect();
    for typ in [Some("JWT"), None] {
        match typ {
            Some(t) => header["typ"] = json!(t),
            None => {
                header.as_object_mut().unwrap().remove("typ");
            }
        }
        let t = format!("{}.{}.{}", b64json(&header), p[1], p[2]);
        assert_eq!(verify(&t, DRAFT, NOW), Err(TokenError::WrongType(typ.map(str::to_string))));
    }
}

#[test]
fn malformed_tokens_fail_cleanly() {
    let good = issue_access_token(&seed(1), &claims(DRAFT)).unwrap();
    let p: Vec<&str> = good.split('.').collect();
    let huge = "a".repeat(MAX_TOKEN_LEN + 1);
    let missing_claim = {
        let mut v = serde_json::to_value(claims(DRAFT)).unwrap();
        v.as_object_mut().unwrap().remove("grant_id");
        b64json(&v)
    };
    let cases = [
        "".to_string(),
        "abc".to_string(),
        "a.b".to_string(),
        format!("{good}.extra"),
        format!("{}.{}", p[0], p[1]),
        format!("!!.{}.{}", p[1], p[2]),
        format!("{}.%%%.{}", p[0], p[2]),
        format!("{}.{}.{}", b64url_encode(b"not json"), p[1], p[2]),
        huge,
    ];
    for t in &cases {
        assert!(matches!(verify(t, DRAFT, NOW), Err(TokenError::Malformed(_))), "{t:.40}");
    }
    // A payload swapped under someone else's signature: the signature fails.
    let swapped = format!("{}.{missing_claim}.{}", p[0], p[2]);
    assert_eq!(verify(&swapped, DRAFT, NOW), Err(TokenError::BadSignature));
    // Properly signed by our key, but a claim is missing or mistyped.
    let mut v = serde_json::to_value(claims(DRAFT)).unwrap();
    v.as_object_mut().unwrap().remove("grant_id");
    assert!(matches!(verify(&sign_raw(&v), DRAFT, NOW), Err(TokenError::Malformed(_))));
    let mut v = serde_json::to_value(claims(DRAFT)).unwrap();
    v["aud"] = json!([DRAFT]);
    assert!(matches!(verify(&sign_raw(&v), DRAFT, NOW), Err(TokenError::Malformed(_))));
    v["aud"] = json!(DRAFT);
    assert!(verify(&sign_raw(&v), DRAFT, NOW).is_ok());
    assert_eq!(verify_access_token(&good, &[], ISS, DRAFT, NOW), Err(TokenError::NoKeys));
}

#[test]
fn key_rotation_with_overlap() {
    let (current, previous) = (seed(2), seed(1));
    let old = issue_access_token(&previous, &claims(DRAFT)).unwrap();
    let new = issue_access_token(&current, &claims(DRAFT)).unwrap();
    let both = [current, previous];
    assert!(verify_access_token(&old, &both, ISS, DRAFT, NOW).is_ok());
    assert!(verify_access_token(&new, &both, ISS, DRAFT, NOW).is_ok());
    // Once the previous key is retired, its tokens stop working.
    assert!(matches!(verify_access_token(&old, &[current], ISS, DRAFT, NOW), Err(TokenError::UnknownKey(_))));
}

#[test]
fn key_ids_and_jwks() {
    let kid = key_id(&seed(1));
    assert_eq!(kid.len(), 16);
    assert_eq!(kid, key_id(&seed(1)));
    assert_ne!(kid, key_id(&seed(2)));
    let set = jwks(&[seed(1), seed(2), seed(1)]);
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], kid);
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[0]["crv"], "Ed25519");
    assert_eq!(keys[0]["alg"], "EdDSA");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(b64url_decode(keys[0]["x"].as_str().unwrap()).map(|x| x.len()), Some(32));
    assert_eq!(keys[0].as_object().unwrap().len(), 6, "no private material");
    // RFC 8032 test 1: the JWKS publishes the right public key for a seed.
    let rfc: [u8; 32] = std::array::from_fn(|i| {
        u8::from_str_radix(&"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"[2 * i..2 * i + 2], 16)
            .unwrap()
    });
    assert_eq!(jwks(&[rfc])["keys"][0]["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
}

#[test]
fn opaque_secrets() {
    let code = new_secret(CODE_PREFIX, [7u8; 32]);
    assert!(code.starts_with("dyc_") && code.len() == 4 + 43);
    assert!(is_secret(CODE_PREFIX, &code));
    assert!(!is_secret(REFRESH_PREFIX, &code));
    assert!(!is_secret(CODE_PREFIX, "dyc_short"));
    assert_ne!(new_secret(REFRESH_PREFIX, [1u8; 32]), new_secret(REFRESH_PREFIX, [2u8; 32]));
    assert_eq!(secret_hash(&code), sha256_hex(code.as_bytes()));
    assert_eq!(secret_hash(&code).len(), 64);
    assert_eq!(CLIENT_SECRET_PREFIX, "dys_");
}

#[test]
fn errors_display_a_reason() {
    let e = TokenError::WrongAudience(PROD.into());
    assert!(e.to_string().contains(PROD));
    assert!(TokenError::Algorithm("none".into()).to_string().contains("none"));
    assert!(TokenError::Expired { exp: 1, now: 2 }.to_string().contains("expired"));
}

#[test]
fn peek_claims_for_revocation_ignores_audience_and_expiry_only() {
    let token = issue_access_token(&seed(1), &claims(PROD)).unwrap();
    let later = NOW + 10 * ACCESS_TOKEN_SECS;
    assert!(verify(&token, PROD, later).is_err());
    assert_eq!(peek_claims(&token, &[seed(1)], ISS), Some(claims(PROD)));
    // Still signature-, key- and issuer-checked.
    assert_eq!(peek_claims(&token, &[seed(2)], ISS), None);
    assert_eq!(peek_claims(&token, &[seed(1)], "https://other.example.com"), None);
    let (header, mut payload, sig) = parts(&token);
    payload["grant_id"] = json!("grt_someone_else");
    assert_eq!(peek_claims(&format!("{}.{}.{sig}", b64json(&header), b64json(&payload)), &[seed(1)], ISS), None);
    let none = format!("{}.{}.", b64json(&json!({"alg": "none", "typ": "at+jwt"})), b64json(&payload));
    assert_eq!(peek_claims(&none, &[seed(1)], ISS), None);
}
