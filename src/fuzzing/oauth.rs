//! OAuth targets: PKCE, redirect-URI matching, access-token verification.

use url::Url;

use crate::oauth::pkce::{challenge_for, valid_challenge, valid_verifier, verify_s256};
use crate::oauth::redirect::{check_registrable, validate_registered_redirect, RedirectKind, ValidatedRedirect};
use crate::oauth::tokens::{issue_access_token, verify_access_token, AccessClaims, ACCESS_TOKEN_SECS, MAX_TOKEN_LEN};

/// Input: `verifier` or `verifier\nchallenge`.
pub fn pkce(data: &[u8]) {
    let text = super::text(data);
    let (verifier, challenge) = text.split_once('\n').unwrap_or((&text, ""));
    let own = challenge_for(verifier);
    assert!(valid_challenge(&own), "the challenge of {verifier:?} is not a valid challenge");
    assert_eq!(verify_s256(verifier, &own), valid_verifier(verifier), "verifier {verifier:?}");
    if verify_s256(verifier, challenge) {
        assert_eq!(challenge, own, "a verifier matched a challenge that is not its own");
    }
}

/// Input: the requested URI on the first line, the registered ones on the
/// following lines.
pub fn redirect(data: &[u8]) {
    let text = super::text(data);
    let mut lines = text.split('\n');
    let requested = lines.next().unwrap_or_default();
    let registered: Vec<String> = lines.map(str::to_string).collect();
    for uri in std::iter::once(requested).chain(registered.iter().map(String::as_str)) {
        if let Ok(kind) = check_registrable(uri, false) {
            assert_ne!(kind, RedirectKind::PrivateUse, "a confidential client registered {uri:?}");
        }
    }
    let Some(v) = ValidatedRedirect::exact(requested, &registered) else { return };
    assert_eq!(v.as_str(), requested);
    assert!(validate_registered_redirect(requested).is_ok(), "accepted an invalid redirect {requested:?}");
    if !registered.iter().any(|r| r == requested) {
        // Only the loopback port may differ from a registration.
        assert_eq!(v.kind(), RedirectKind::Loopback, "{requested:?} accepted without a byte-equal registration");
        assert!(
            registered.iter().any(|r| validate_registered_redirect(r) == Ok(())
                && Url::parse(r).ok().zip(Url::parse(requested).ok()).is_some_and(|(r, q)| {
                    r.host_str() == q.host_str() && r.path() == q.path() && r.query() == q.query()
                })),
            "{requested:?} accepted against {registered:?}"
        );
    }
    // The authorization response stays on the registered URI and names us.
    let back = Url::parse(&v.success("dyc_code", Some("st&ate"), "https://mcp.example.com")).expect("a URL");
    let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("iss".into(), "https://mcp.example.com".into())), "no iss in {back}");
    assert!(pairs.contains(&("state".into(), "st&ate".into())), "state lost in {back}");
    assert_eq!(back.fragment(), None);
}

const SEED: [u8; 32] = [7; 32];
const ISS: &str = "https://mcp.example.com";
const AUD: &str = "https://mcp.example.com/acme/shop";
const NOW: i64 = 1_800_000_000;

fn claims(fields: &[&str]) -> AccessClaims {
    let f = |i: usize, default: &str| fields.get(i).map_or(default.to_string(), |s| s.to_string());
    AccessClaims {
        iss: ISS.into(),
        sub: f(0, "usr_1"),
        aud: AUD.into(),
        exp: NOW + ACCESS_TOKEN_SECS,
        iat: NOW,
        jti: f(1, "jti_1"),
        scope: f(2, "tools:read tools:call"),
        client_id: f(3, "cli_1"),
        grant_id: f(4, "grt_1"),
    }
}

/// Input: a mode byte, then
/// - `0`: a token string, verified as is;
/// - `1`: `(position, byte)` pairs applied to a genuine token;
/// - `2`: newline-separated claim values, signed and verified.
///
/// Only a token we signed verifies, and only with the claims we signed.
pub fn jwt(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let genuine = claims(&[]);
    let token = issue_access_token(&SEED, &genuine).expect("signing works");
    match mode % 3 {
        0 => {
            let t = super::text(rest);
            if let Ok(c) = verify_access_token(&t, &[SEED], ISS, AUD, NOW) {
                assert_eq!(c, genuine, "a token we never signed verified: {t:?}");
            }
        }
        1 => {
            let mut bytes = token.clone().into_bytes();
            for pair in rest.chunks_exact(2) {
                let at = pair[0] as usize % bytes.len();
                bytes[at] = pair[1];
            }
            let edited = String::from_utf8_lossy(&bytes);
            if let Ok(c) = verify_access_token(&edited, &[SEED], ISS, AUD, NOW) {
                assert_eq!(c, genuine, "an edited token verified with other claims: {edited:?}");
            }
        }
        _ => {
            let text = super::text(rest);
            let fields: Vec<&str> = text.split('\n').collect();
            let mine = claims(&fields);
            let t = issue_access_token(&SEED, &mine).expect("signing works");
            if t.len() > MAX_TOKEN_LEN {
                assert!(verify_access_token(&t, &[SEED], ISS, AUD, NOW).is_err(), "an overlong token verified");
                return;
            }
            assert_eq!(verify_access_token(&t, &[SEED], ISS, AUD, NOW), Ok(mine.clone()));
            assert!(verify_access_token(&t, &[SEED], ISS, "https://mcp.example.com/acme/shop/draft", NOW).is_err());
            assert!(verify_access_token(&t, &[[8; 32]], ISS, AUD, NOW).is_err(), "verified under another key");
        }
    }
}
