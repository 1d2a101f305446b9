//! Configuration, parsed once per request from the Worker's vars and secrets
//! into one typed [`Config`]. Parsing is pure (it takes a lookup function), so
//! it is tested without `Env`. A missing or malformed setting is a
//! [`ConfigError`] that names every culprit; the edge turns it into a 503,
//! never a panic.
//!
//! Test-only timing knobs: vars that only the end-to-end suites set, so that
//! they need not wait out a production interval; each can only shorten it,
//! and unset (every deployment) or out of range it is the production value.
//! - `DOCKYARD_TEST_RATE_WINDOW_SECS` (1..=60): the data-tool rate window
//!   (`tools::limits::window_secs`).
//! - `DOCKYARD_TEST_QUEUE_RETRY_SECS` (0..=5): the delay before the audit
//!   queue redelivers a failed batch ([`queue_retry_delay_secs`], read by
//!   `audit_io::consumer`); tests/faults/audit-ingest.test.mjs sets 1.

use std::fmt;

/// Default idle lifetime of a Studio session: 7 days without a request ends it.
pub const DEFAULT_SESSION_IDLE_SECS: u64 = 7 * 24 * 3600;
/// Default absolute lifetime of a Studio session: 30 days after sign-in.
pub const DEFAULT_SESSION_MAX_SECS: u64 = 30 * 24 * 3600;

#[derive(Clone, Debug)]
pub struct Config {
    /// Canonical origin (`https://mcp.example.com`, no trailing slash). Issuer,
    /// resource and link URLs are built from it, never from the Host header.
    pub public_url: String,
    /// Ed25519 seed for access tokens (`JWT_SIGNING_KEY`, base64url, 32 bytes).
    pub jwt_signing_key: [u8; 32],
    /// Earlier signing seeds still accepted for verification (`JWT_PREVIOUS_KEYS`,
    /// comma-separated), for key rotation with an overlap.
    pub jwt_previous_keys: Vec<[u8; 32]>,
    /// Key material for HMACs and encryption at rest (`SECRETS_KEY`, >= 32 bytes).
    pub secrets_key: Vec<u8>,
    /// Needed to create the first account of an empty instance; `None` means
    /// bootstrap signup is closed.
    pub bootstrap_secret: Option<String>,
    /// Extra `Origin` values accepted on MCP endpoints.
    pub allowed_origins: Vec<String>,
    /// Local dev and tests only: outbound fetches may reach loopback.
    pub allow_loopback_upstreams: bool,
    pub session_idle_secs: u64,
    pub session_max_secs: u64,
    /// Test-only failure injection (`DOCKYARD_FAULTS`, comma-separated names):
    /// lets the end-to-end suites prove that a failure half-way leaves state
    /// consistent. `publish.d1`, `publish.pointer` (before the hub call),
    /// `publish.pointer-after` (the hub moved the pointer, the answer is lost),
    /// `publish.reread` (the hub cannot be asked afterwards), `hub.draft`
    /// (draft reads fail), `hub.members:N` (the first N membership pushes of
    /// an isolate fail), `token.index` / `token.index.first` (the grants
    /// index write of the token endpoint fails always / once),
    /// `audit.garbage` (malformed queue messages on request), `audit.d1:N`
    /// (the queue consumer's first N D1 batches fail before writing) and
    /// `audit.ack:N` (the next N are written, then retried as if the answer
    /// was lost). Empty in every real deployment.
    pub faults: Vec<String>,
    /// Benchmark-only switch (`DOCKYARD_AUDIT=off`): MCP requests still get a
    /// `Dockyard-Request-Id` but send no audit record, so `bench/audit.mjs`
    /// can compare the hot path with and without auditing. Never set it in a
    /// deployment: the audit log would silently stay empty.
    pub audit_off: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ConfigError {
    pub missing: Vec<&'static str>,
    pub invalid: Vec<(&'static str, String)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing settings: {}", self.missing.join(", ")));
        }
        for (name, why) in &self.invalid {
            parts.push(format!("{name} is invalid: {why}"));
        }
        write!(f, "Dockyard is not configured: {}", parts.join("; "))
    }
}

/// The names in a `DOCKYARD_FAULTS` value (comma-separated, trimmed); for
/// code that reads the var without a `Config` (the queue consumer).
pub fn parse_faults(raw: &str) -> Vec<String> {
    raw.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect()
}

/// How often the counted fault `name` (`name:N`) fires; 0 when not set.
pub fn count_of(faults: &[String], name: &str) -> u32 {
    faults.iter().find_map(|f| f.strip_prefix(name)?.strip_prefix(':')?.parse().ok()).unwrap_or(0)
}

/// Seconds before the audit queue delivers a failed batch again.
pub const QUEUE_RETRY_DELAY_SECS: u32 = 5;
/// The test-only var that shortens [`QUEUE_RETRY_DELAY_SECS`] (module doc).
pub const TEST_QUEUE_RETRY_VAR: &str = "DOCKYARD_TEST_QUEUE_RETRY_SECS";

/// The retry delay for the value of [`TEST_QUEUE_RETRY_VAR`]: that many
/// seconds when it is an integer from 0 to [`QUEUE_RETRY_DELAY_SECS`], else
/// [`QUEUE_RETRY_DELAY_SECS`] (a test can shorten the delay, never lengthen it).
pub fn queue_retry_delay_secs(test_var: Option<&str>) -> u32 {
    test_var
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n <= QUEUE_RETRY_DELAY_SECS)
        .unwrap_or(QUEUE_RETRY_DELAY_SECS)
}

impl Config {
    /// Parses every setting; `lookup` returns a var's or secret's value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut err = ConfigError::default();
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let public_url = match get("PUBLIC_URL") {
            None => {
                err.missing.push("PUBLIC_URL");
                String::new()
            }
            Some(raw) => parse_public_url(&raw).unwrap_or_else(|why| {
                err.invalid.push(("PUBLIC_URL", why));
                String::new()
            }),
        };
        let jwt_signing_key = match get("JWT_SIGNING_KEY") {
            None => {
                err.missing.push("JWT_SIGNING_KEY");
                [0; 32]
            }
            Some(raw) => parse_seed(&raw).unwrap_or_else(|why| {
                err.invalid.push(("JWT_SIGNING_KEY", why));
                [0; 32]
            }),
        };
        let mut jwt_previous_keys = Vec::new();
        for part in get("JWT_PREVIOUS_KEYS").unwrap_or_default().split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            match parse_seed(part) {
                Ok(seed) => jwt_previous_keys.push(seed),
                Err(why) => err.invalid.push(("JWT_PREVIOUS_KEYS", why)),
            }
        }
        let secrets_key = match get("SECRETS_KEY") {
            None => {
                err.missing.push("SECRETS_KEY");
                Vec::new()
            }
            Some(raw) if raw.len() < 32 => {
                err.invalid.push(("SECRETS_KEY", "must be at least 32 characters".into()));
                Vec::new()
            }
            Some(raw) => raw.into_bytes(),
        };
        let allowed_origins = get("ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        let allow_loopback_upstreams = match get("ALLOW_LOOPBACK_UPSTREAMS").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                err.invalid.push(("ALLOW_LOOPBACK_UPSTREAMS", format!("expected true or false, got {other:?}")));
                false
            }
        };
        let audit_off = match get("DOCKYARD_AUDIT").as_deref() {
            None | Some("on") => false,
            Some("off") => true,
            Some(other) => {
                err.invalid.push(("DOCKYARD_AUDIT", format!("expected on or off, got {other:?}")));
                false
            }
        };
        let mut seconds = |name: &'static str, default: u64| match get(name) {
            None => default,
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => {
                    err.invalid.push((name, "expected a positive number of seconds".into()));
                    default
                }
            },
        };
        let session_idle_secs = seconds("SESSION_IDLE_SECONDS", DEFAULT_SESSION_IDLE_SECS);
        let session_max_secs = seconds("SESSION_MAX_SECONDS", DEFAULT_SESSION_MAX_SECS);

        if !err.missing.is_empty() || !err.invalid.is_empty() {
            return Err(err);
        }
        Ok(Config {
            public_url,
            jwt_signing_key,
            jwt_previous_keys,
            secrets_key,
            bootstrap_secret: get("BOOTSTRAP_SECRET"),
            allowed_origins,
            allow_loopback_upstreams,
            session_idle_secs,
            session_max_secs,
            faults: parse_faults(&get("DOCKYARD_FAULTS").unwrap_or_default()),
            audit_off,
        })
    }

    /// True when the named test fault is switched on.
    pub fn fault(&self, name: &str) -> bool {
        self.faults.iter().any(|f| f == name)
    }

    /// How often the counted test fault `name` fires (`name:N` in
    /// `DOCKYARD_FAULTS`, e.g. `hub.members:3`); 0 when it is not set.
    pub fn fault_count(&self, name: &str) -> u32 {
        count_of(&self.faults, name)
    }

    /// True when the instance runs on plain HTTP on a loopback host (local dev):
    /// only then may cookies drop `Secure`.
    pub fn is_local_http(&self) -> bool {
        let Ok(url) = url::Url::parse(&self.public_url) else {
            return false;
        };
        url.scheme() == "http" && matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    }
}

/// An origin: http(s), a host, an optional port, nothing else.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("must be an http(s) URL".into());
    }
    if url.host_str().is_none() || url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("must be an origin such as https://mcp.example.com (no path, query or fragment)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    Ok(url.origin().ascii_serialization())
}

fn parse_seed(raw: &str) -> Result<[u8; 32], String> {
    let bytes = crate::crypto::b64url_decode(raw).ok_or("must be base64url without padding")?;
    bytes.try_into().map_err(|_| "must decode to exactly 32 bytes".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SEED: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("PUBLIC_URL", "https://mcp.example.com/"),
            ("JWT_SIGNING_KEY", SEED),
            ("SECRETS_KEY", "0123456789abcdef0123456789abcdef"),
        ]
    }

    #[test]
    fn parses_a_complete_configuration() {
        let mut vars = base();
        vars.push(("ALLOWED_ORIGINS", "https://claude.ai/, https://chatgpt.com"));
        vars.push(("BOOTSTRAP_SECRET", "s3cret"));
        let cfg = parse(&vars).unwrap();
        assert_eq!(cfg.public_url, "https://mcp.example.com");
        assert_eq!(cfg.jwt_signing_key[31], 31);
        assert_eq!(cfg.allowed_origins, vec!["https://claude.ai", "https://chatgpt.com"]);
        assert_eq!(cfg.bootstrap_secret.as_deref(), Some("s3cret"));
        assert_eq!(cfg.session_idle_secs, DEFAULT_SESSION_IDLE_SECS);
        assert!(!cfg.allow_loopback_upstreams);
        assert!(!cfg.is_local_http());
        assert!(!cfg.audit_off, "auditing is on unless a benchmark switches it off");
        let mut off = base();
        off.push(("DOCKYARD_AUDIT", "off"));
        assert!(parse(&off).unwrap().audit_off);
    }

    #[test]
    fn names_every_missing_secret() {
        let err = parse(&[("PUBLIC_URL", "https://x.example")]).unwrap_err();
        assert_eq!(err.missing, vec!["JWT_SIGNING_KEY", "SECRETS_KEY"]);
        let text = err.to_string();
        assert!(text.contains("JWT_SIGNING_KEY") && text.contains("SECRETS_KEY"), "{text}");
    }

    #[test]
    fn empty_values_count_as_missing() {
        let mut vars = base();
        vars[1] = ("JWT_SIGNING_KEY", "  ");
        assert_eq!(parse(&vars).unwrap_err().missing, vec!["JWT_SIGNING_KEY"]);
    }

    #[test]
    fn refuses_malformed_values() {
        for (name, value) in [
            ("PUBLIC_URL", "mcp.example.com"),
            ("PUBLIC_URL", "https://mcp.example.com/base"),
            ("PUBLIC_URL", "ftp://mcp.example.com"),
            ("PUBLIC_URL", "https://user:pw@mcp.example.com"),
            ("JWT_SIGNING_KEY", "short"),
            ("JWT_SIGNING_KEY", "!!!!"),
            ("SECRETS_KEY", "too-short"),
            ("ALLOW_LOOPBACK_UPSTREAMS", "yes"),
            ("DOCKYARD_AUDIT", "disabled"),
            ("SESSION_IDLE_SECONDS", "-5"),
            ("JWT_PREVIOUS_KEYS", "AAAA"),
        ] {
            let mut vars = base();
            vars.retain(|(k, _)| *k != name);
            vars.push((name, value));
            let err = parse(&vars).unwrap_err();
            assert_eq!(err.invalid.len(), 1, "{name}={value}: {err:?}");
            assert_eq!(err.invalid[0].0, name);
        }
    }

    #[test]
    fn local_http_only_on_loopback() {
        for (url, local) in [
            ("http://localhost:8787", true),
            ("http://127.0.0.1:9000", true),
            ("http://example.com", false),
            ("https://localhost", false),
        ] {
            let mut vars = base();
            vars[0] = ("PUBLIC_URL", url);
            assert_eq!(parse(&vars).unwrap().is_local_http(), local, "{url}");
        }
    }

    #[test]
    fn previous_keys_are_a_list() {
        let mut vars = base();
        let two: &'static str = format!("{SEED}, {SEED}").leak();
        vars.push(("JWT_PREVIOUS_KEYS", two));
        assert_eq!(parse(&vars).unwrap().jwt_previous_keys.len(), 2);
    }

    #[test]
    fn the_test_queue_retry_delay_only_shortens() {
        assert_eq!(queue_retry_delay_secs(None), QUEUE_RETRY_DELAY_SECS);
        assert_eq!(queue_retry_delay_secs(Some("1")), 1);
        assert_eq!(queue_retry_delay_secs(Some(" 0 ")), 0);
        assert_eq!(queue_retry_delay_secs(Some("5")), 5);
        for bad in ["6", "3600", "-1", "1.5", "soon", ""] {
            assert_eq!(queue_retry_delay_secs(Some(bad)), QUEUE_RETRY_DELAY_SECS, "{bad:?}");
        }
    }

    #[test]
    fn faults_by_name_and_counted_faults() {
        let mut vars = base();
        vars.push(("DOCKYARD_FAULTS", " publish.pointer-after, hub.members:3 ,hub.membersx:9"));
        let c = parse(&vars).expect("valid");
        assert!(c.fault("publish.pointer-after") && !c.fault("publish.pointer"));
        assert_eq!(c.fault_count("hub.members"), 3);
        assert_eq!(c.fault_count("hub"), 0, "a prefix of a name is not the name");
        assert_eq!(parse(&base()).expect("valid").fault_count("hub.members"), 0);
    }
}
