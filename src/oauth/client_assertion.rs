//! RFC 7523 client assertions (`private_key_jwt`) for Client ID Metadata
//! Document clients, as pure checks: the JWT's shape, its claims, the key
//! it names in the client's JWKS, and the single-use `jti` set. The
//! signature itself is verified by the runtime's WebCrypto
//! (`webcrypto::verify`, wasm32 glue), so no RSA code lands in the bundle;
//! this module hands it the exact signing input, signature and public JWK.
//!
//! Why pure: every refusal of issue 10 (wrong audience, expired, too long
//! lived, iss ≠ sub, unknown kid, `alg: none`, HS256, a key of the wrong
//! type, a replayed `jti`) is decided from bytes and a clock, so it is a
//! native unit test.
//!
//! Decisions:
//! - Algorithms: RS256, PS256 (RSA 2048–4096 bits) and ES256 (P-256; the JWS
//!   signature is raw `r || s`, 64 bytes, which is what WebCrypto's ECDSA
//!   verify takes — a DER-encoded signature is refused). `none`, HS*, and
//!   anything else are refused before any key is looked at.
//! - `iss` and `sub` are both required and equal to the client id.
//! - `aud`: our token endpoint URL or our issuer identifier. RFC 7523 §3
//!   says the audience identifies the authorization server and that the
//!   token endpoint URL MAY be used; RFC 7521 §5.2 and the OAuth 2.1 draft
//!   (and draft-ietf-oauth-rfc7523bis, which recommends the issuer to defeat
//!   audience injection) point at the issuer. Both name only us, so both are
//!   accepted; an array is accepted when every element is one of the two
//!   (an assertion also addressed to someone else is refused).
//! - `exp` required, not past (with [`CLOCK_SKEW_SECS`]), and at most
//!   [`MAX_LIFETIME_SECS`] ahead (plus skew): short-lived assertions keep the
//!   `jti` store small. `iat` optional; when present not in the future and
//!   not older than the lifetime. `nbf` optional; when present not in the future.
//! - `jti` required (1–[`MAX_JTI_CHARS`] characters) and single-use per
//!   client: [`claim_jti`] remembers it until `exp` + skew (after that the
//!   assertion is refused as expired anyway). The glue keeps the set in the
//!   RateLimiter Durable Object keyed `assertion:<client_id>` (one object
//!   per client, one request at a time, so claim-and-check is serialized).
//! - Key choice: `kid` in the header selects the key by exact match; without
//!   `kid`, the key is used only if exactly one key in the set fits `alg`.
//!   A key fits when `kty` (and `crv`) match the alg, its own `alg` is absent
//!   or equal, and its `use` is absent or `sig`. Private members (`d`, …) of
//!   a published JWKS are never read: [`Jwk`] keeps the public parts only.
//! - `crit` in the header is refused (we implement no extensions).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crypto::b64url_decode;

/// The only `client_assertion_type` (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Longest assertion we parse (bytes).
pub const MAX_ASSERTION_BYTES: usize = 8 * 1024;
/// An assertion may live at most this long (`exp` − now).
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Tolerated clock difference with the client.
pub const CLOCK_SKEW_SECS: i64 = 30;
/// Longest `jti`.
pub const MAX_JTI_CHARS: usize = 256;
/// Most unexpired `jti`s remembered per client (about 3 per second for 5 minutes).
pub const MAX_LIVE_JTIS: usize = 1000;
/// Largest JWKS document we read (bytes).
pub const MAX_JWKS_BYTES: usize = 16 * 1024;
/// Most keys in a client's JWKS.
pub const MAX_JWKS_KEYS: usize = 10;

/// A signature algorithm we verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Ps256,
    Es256,
}

impl Alg {
    pub fn parse(s: &str) -> Option<Alg> {
        match s {
            "RS256" => Some(Alg::Rs256),
            "PS256" => Some(Alg::Ps256),
            "ES256" => Some(Alg::Es256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
            Alg::Es256 => "ES256",
        }
    }

    /// What the AS metadata advertises.
    pub const ALL: [&'static str; 3] = ["RS256", "PS256", "ES256"];
}

/// Why an assertion was refused (all `invalid_client` on the wire; the
/// precise reason is for the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssertionError {
    /// Not three base64url parts, or a part is not the JSON it should be.
    Malformed(&'static str),
    /// `alg` is missing, `none`, HMAC or one we do not verify.
    UnsupportedAlg(String),
    /// The header has `crit`.
    CriticalHeader,
    /// A required claim is missing or of the wrong type.
    MissingClaim(&'static str),
    /// `iss` or `sub` is not the client id.
    WrongIssuer,
    WrongAudience,
    Expired,
    /// `exp` is further ahead than [`MAX_LIFETIME_SECS`].
    TooLongLived,
    /// `iat` or `nbf` in the future, or `iat` too old.
    BadTime(&'static str),
    /// The `jti` was used before.
    Replayed,
    /// Too many live `jti`s for this client.
    TooManyAssertions,
    /// No key of the client's JWKS has this `kid`, or none fits the alg.
    UnknownKey,
    /// Without `kid`, more than one key fits.
    AmbiguousKey,
    /// The signature has the wrong length for the alg.
    BadSignatureShape,
    /// WebCrypto said no.
    BadSignature,
    /// The client's keys could not be fetched or used (text for the log).
    Keys(String),
}

/// The claims we check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Vec<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub jti: Option<String>,
}

/// A parsed (not yet verified) assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub alg: Alg,
    pub kid: Option<String>,
    pub claims: Claims,
    /// `<header>.<payload>` as sent: the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

fn json_part(part: &str, what: &'static str) -> Result<Map<String, Value>, AssertionError> {
    let bytes = b64url_decode(part).ok_or(AssertionError::Malformed(what))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(AssertionError::Malformed(what)),
    }
}

fn int(o: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, AssertionError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)).map(Some).ok_or(AssertionError::MissingClaim(name))
        }
    }
}

fn text(o: &Map<String, Value>, name: &'static str) -> Result<Option<String>, AssertionError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AssertionError::MissingClaim(name)),
    }
}

/// Splits and decodes a compact JWS. Checks the header (`alg`, `crit`) but
/// no claim: [`check_claims`] does that, after the caller found the client.
pub fn parse(jwt: &str) -> Result<Assertion, AssertionError> {
    if jwt.len() > MAX_ASSERTION_BYTES {
        return Err(AssertionError::Malformed("too long"));
    }
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(AssertionError::Malformed("not a compact JWS"));
    };
    let header = json_part(h, "header")?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let alg = Alg::parse(alg).ok_or_else(|| AssertionError::UnsupportedAlg(alg.to_string()))?;
    if header.contains_key("crit") {
        return Err(AssertionError::CriticalHeader);
    }
    let kid = text(&header, "kid").map_err(|_| AssertionError::Malformed("kid"))?;
    let payload = json_part(p, "payload")?;
    let aud = match payload.get("aud") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or(AssertionError::MissingClaim("aud"))?,
        Some(_) => return Err(AssertionError::MissingClaim("aud")),
    };
    let claims = Claims {
        iss: text(&payload, "iss")?,
        sub: text(&payload, "sub")?,
        aud,
        exp: int(&payload, "exp")?,
        iat: int(&payload, "iat")?,
        nbf: int(&payload, "nbf")?,
        jti: text(&payload, "jti")?,
    };
    let signature = b64url_decode(s).ok_or(AssertionError::Malformed("signature"))?;
    Ok(Assertion { alg, kid, claims, signing_input: format!("{h}.{p}"), signature })
}

/// The client id an assertion names (`sub`, else `iss`), for finding the
/// client when the form has no `client_id` (RFC 7523 §3: it is optional).
pub fn named_client(a: &Assertion) -> Option<&str> {
    a.claims.sub.as_deref().or(a.claims.iss.as_deref()).filter(|s| !s.is_empty())
}

/// The claim checks (see the module docs). `token_endpoint` and `issuer`
/// are our own URLs; `now` is Unix seconds.
pub fn check_claims(
    c: &Claims,
    client_id: &str,
    token_endpoint: &str,
    issuer: &str,
    now: i64,
) -> Result<(), AssertionError> {
    let iss = c.iss.as_deref().ok_or(AssertionError::MissingClaim("iss"))?;
    let sub = c.sub.as_deref().ok_or(AssertionError::MissingClaim("sub"))?;
    if iss != client_id || sub != client_id {
        return Err(AssertionError::WrongIssuer);
    }
    if c.aud.is_empty() {
        return Err(AssertionError::MissingClaim("aud"));
    }
    if !c.aud.iter().all(|a| a == token_endpoint || a == issuer) {
        return Err(AssertionError::WrongAudience);
    }
    let exp = c.exp.ok_or(AssertionError::MissingClaim("exp"))?;
    if exp + CLOCK_SKEW_SECS <= now {
        return Err(AssertionError::Expired);
    }
    if exp > now + MAX_LIFETIME_SECS + CLOCK_SKEW_SECS {
        return Err(AssertionError::TooLongLived);
    }
    if let Some(iat) = c.iat {
        if iat > now + CLOCK_SKEW_SECS {
            return Err(AssertionError::BadTime("iat is in the future"));
        }
        if iat < now - MAX_LIFETIME_SECS - CLOCK_SKEW_SECS {
            return Err(AssertionError::BadTime("iat is too old"));
        }
    }
    if c.nbf.is_some_and(|nbf| nbf > now + CLOCK_SKEW_SECS) {
        return Err(AssertionError::BadTime("nbf is in the future"));
    }
    match c.jti.as_deref() {
        Some(j) if !j.is_empty() && j.chars().count() <= MAX_JTI_CHARS => Ok(()),
        _ => Err(AssertionError::MissingClaim("jti")),
    }
}

/// A public signing key: only the members WebCrypto's JWK import needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

impl Jwk {
    /// Can this key verify `alg`? (Type, curve, size, declared alg and use.)
    pub fn fits(&self, alg: Alg) -> bool {
        if self.alg.as_deref().is_some_and(|a| a != alg.as_str()) || self.use_.as_deref().is_some_and(|u| u != "sig") {
            return false;
        }
        let decoded_len = |v: &Option<String>| v.as_deref().and_then(b64url_decode).map(|b| b.len());
        match alg {
            Alg::Rs256 | Alg::Ps256 => {
                self.kty == "RSA"
                    && decoded_len(&self.n).is_some_and(|n| (256..=512).contains(&n))
                    && decoded_len(&self.e).is_some_and(|e| (1..=8).contains(&e))
            }
            Alg::Es256 => {
                self.kty == "EC"
                    && self.crv.as_deref() == Some("P-256")
                    && decoded_len(&self.x) == Some(32)
                    && decoded_len(&self.y) == Some(32)
            }
        }
    }

    /// The JWK to import: public members only, `alg` set, no `use`/`key_ops`
    /// (WebCrypto checks those against the usage).
    pub fn import_form(&self, alg: Alg) -> Value {
        let mut out = Map::new();
        out.insert("kty".into(), self.kty.clone().into());
        out.insert("alg".into(), alg.as_str().into());
        for (name, v) in [("n", &self.n), ("e", &self.e), ("crv", &self.crv), ("x", &self.x), ("y", &self.y)] {
            if let Some(v) = v {
                out.insert(name.into(), v.clone().into());
            }
        }
        Value::Object(out)
    }
}

/// Reads a fetched JWKS (`{"keys": [...]}`): at most [`MAX_JWKS_BYTES`] and
/// [`MAX_JWKS_KEYS`]; keys we cannot read are skipped (a set may hold
/// encryption keys or other types), and a set with no usable key is refused.
pub fn parse_jwks(raw: &[u8]) -> Result<Vec<Jwk>, String> {
    if raw.len() > MAX_JWKS_BYTES {
        return Err(format!("the JWKS is larger than {MAX_JWKS_BYTES} bytes"));
    }
    let doc: Value = serde_json::from_slice(raw).map_err(|_| "the JWKS is not valid JSON".to_string())?;
    let keys = doc.get("keys").and_then(Value::as_array).ok_or("the JWKS has no keys array")?;
    if keys.len() > MAX_JWKS_KEYS {
        return Err(format!("the JWKS has more than {MAX_JWKS_KEYS} keys"));
    }
    let usable: Vec<Jwk> = keys
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .filter(|k| [Alg::Rs256, Alg::Ps256, Alg::Es256].iter().any(|a| k.fits(*a)))
        .collect();
    if usable.is_empty() {
        return Err("the JWKS has no RS256, PS256 or ES256 signing key".into());
    }
    Ok(usable)
}

/// The key that verifies `a` (see the module docs for the rule).
pub fn select_key<'k>(keys: &'k [Jwk], a: &Assertion) -> Result<&'k Jwk, AssertionError> {
    match &a.kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid.as_str()))
            .filter(|k| k.fits(a.alg))
            .ok_or(AssertionError::UnknownKey),
        None => {
            let mut fitting = keys.iter().filter(|k| k.fits(a.alg));
            match (fitting.next(), fitting.next()) {
                (Some(k), None) => Ok(k),
                (None, _) => Err(AssertionError::UnknownKey),
                (Some(_), Some(_)) => Err(AssertionError::AmbiguousKey),
            }
        }
    }
}

/// The signature has the length the alg gives it (ES256: raw r‖s, 64 bytes;
/// RSA: the modulus length).
pub fn check_signature_shape(a: &Assertion, key: &Jwk) -> Result<(), AssertionError> {
    let expected = match a.alg {
        Alg::Es256 => 64,
        Alg::Rs256 | Alg::Ps256 => {
            key.n.as_deref().and_then(b64url_decode).map(|n| n.len()).ok_or(AssertionError::BadSignatureShape)?
        }
    };
    if a.signature.len() == expected {
        Ok(())
    } else {
        Err(AssertionError::BadSignatureShape)
    }
}

/// Used `jti`s of one client: jti -> until when it is remembered.
pub type UsedJtis = BTreeMap<String, i64>;

/// Claims `jti` (valid until `exp`) at `now`: forgets the expired ones,
/// refuses a `jti` seen before, and refuses when [`MAX_LIVE_JTIS`] are live.
pub fn claim_jti(used: &mut UsedJtis, jti: &str, exp: i64, now: i64) -> Result<(), AssertionError> {
    used.retain(|_, until| *until > now);
    if used.contains_key(jti) {
        return Err(AssertionError::Replayed);
    }
    if used.len() >= MAX_LIVE_JTIS {
        return Err(AssertionError::TooManyAssertions);
    }
    used.insert(jti.to_string(), exp + CLOCK_SKEW_SECS);
    Ok(())
}

#[cfg(test)]
#[path = "client_assertion_tests.rs"]
mod tests;
