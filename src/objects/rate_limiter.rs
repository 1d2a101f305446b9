//! RateLimiter: one object per key (`login:acct:<email>`, `login:ip:<ip>`).
//! The object runs one request at a time, so check-and-count is serialized
//! without a transaction. Logic: `identity::ratelimit` (pure, clock passed in).
//!
//! A window is forgotten when it is over: each counted failure sets an alarm
//! for the end of its window, and the alarm deletes the `window` key, so no
//! stale window of an address or account stays behind (the retention purge
//! of `audit_io::retention` covers D1; this is the same for objects).
//!
//! The same serialization makes it the store of used client-assertion `jti`s
//! (`claim_jti`, keyed `assertion:<client_id>`): claim-and-check is one step,
//! so two token requests with the same assertion cannot both pass. The set
//! forgets expired entries on every claim and is bounded
//! (`oauth::client_assertion::claim_jti`).

use crate::identity::ratelimit::{self, Decision, Limit, Window};
use crate::oauth::client_assertion::{claim_jti, UsedJtis};
use worker::*;

#[durable_object]
pub struct RateLimiter {
    state: State,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let cmd = super::read_command(&mut req).await?;
        if cmd["action"].as_str() == Some("claim_jti") {
            return self.claim_jti(&cmd).await;
        }
        let limit = Limit {
            max: cmd["max"].as_u64().unwrap_or(10) as u32,
            window_secs: cmd["window_secs"].as_u64().unwrap_or(900),
        };
        let now = cmd["now"].as_u64().unwrap_or(0);
        let storage = self.state.storage();
        let window: Window = storage.get("window").await?.unwrap_or_default();
        match cmd["action"].as_str() {
            Some("check") => match ratelimit::check(&window, limit, now) {
                Decision::Allow => Response::from_json(&serde_json::json!({"allowed": true})),
                Decision::Deny { retry_after } => {
                    Response::from_json(&serde_json::json!({"allowed": false, "retry_after": retry_after}))
                }
            },
            Some("fail") => {
                let next = ratelimit::record_failure(window, limit, now);
                storage.put("window", next).await?;
                let ends_in_ms = next.start.saturating_add(limit.window_secs).saturating_sub(now) * 1000;
                storage.set_alarm(ends_in_ms as i64 + 1000).await?;
                Response::from_json(&serde_json::json!({"recorded": true}))
            }
            Some("reset") => {
                storage.delete("window").await?;
                Response::from_json(&serde_json::json!({"reset": true}))
            }
            _ => Response::error("unknown command", 400),
        }
    }

    /// The window is over: forget it (only the window: an `assertion:` key's
    /// used `jti`s are not the alarm's to drop).
    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete("window").await?;
        Response::ok("forgotten")
    }
}

impl RateLimiter {
    /// `{jti, exp, now}` -> `{claimed: true}`, or `{claimed: false, reason}`.
    async fn claim_jti(&self, cmd: &serde_json::Value) -> Result<Response> {
        let (Some(jti), Some(exp), Some(now)) = (cmd["jti"].as_str(), cmd["exp"].as_i64(), cmd["now"].as_i64()) else {
            return Response::error("claim_jti needs jti, exp and now", 400);
        };
        let storage = self.state.storage();
        let mut used: UsedJtis = storage.get("jtis").await?.unwrap_or_default();
        match claim_jti(&mut used, jti, exp, now) {
            Ok(()) => {
                storage.put("jtis", &used).await?;
                Response::from_json(&serde_json::json!({"claimed": true}))
            }
            Err(why) => Response::from_json(&serde_json::json!({"claimed": false, "reason": format!("{why:?}")})),
        }
    }
}
