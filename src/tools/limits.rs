//! The per-project data-tool rate window (pure arithmetic; the project hub
//! stores the window, `objects::hub_data`).
//!
//! Why the project's Durable Object and not the Workers rate-limit binding:
//! the limit is per project and configurable per project at run time (the
//! binding's limit is fixed in `wrangler.toml`), it must count draft and
//! production together (one hub serves both), and a test must see the exact
//! count (the binding is eventually consistent and approximate by design).
//! The hub runs one request at a time, so check-and-count is one step.
//!
//! Semantics: a fixed window of 60 s that starts at the first call (the
//! arithmetic of `identity::ratelimit`); once it holds the limit, calls are
//! refused until it ends, and a refused call is not counted. A fixed window
//! lets at most twice the limit through across one window edge; that is
//! the usual trade for O(1) state and is written down here on purpose.

pub use crate::identity::ratelimit::Window;
use crate::identity::ratelimit::{check, record_failure, Decision, Limit};

/// Executions per minute when the project sets nothing (issue 12).
pub const DEFAULT_RATE_PER_MINUTE: u32 = 60;
/// The bounds of `data_tool_rate_per_minute`.
pub const MIN_RATE_PER_MINUTE: u32 = 1;
pub const MAX_RATE_PER_MINUTE: u32 = 10_000;
/// The window length.
pub const WINDOW_SECS: u64 = 60;

/// Counts one execution at `now` (unix seconds): `Ok(next window)` to store,
/// or `Err(retry_after_secs)` (at least 1) when the window is full.
pub fn take(window: Window, per_minute: u32, now: u64) -> Result<Window, u64> {
    let limit = Limit { max: per_minute.max(1), window_secs: WINDOW_SECS };
    match check(&window, limit, now) {
        Decision::Allow => Ok(record_failure(window, limit, now)),
        Decision::Deny { retry_after } => Err(retry_after),
    }
}

/// Checks a `data_tool_rate_per_minute` value sent to `PATCH .../projects/<p>`.
pub fn parse_setting(v: &serde_json::Value) -> Result<u32, String> {
    let bad =
        || format!("data_tool_rate_per_minute must be an integer from {MIN_RATE_PER_MINUTE} to {MAX_RATE_PER_MINUTE}");
    let n = v.as_u64().ok_or_else(bad)?;
    if !(MIN_RATE_PER_MINUTE as u64..=MAX_RATE_PER_MINUTE as u64).contains(&n) {
        return Err(bad());
    }
    Ok(n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_window_fills_refuses_and_recovers() {
        let mut w = Window::default();
        for i in 0..3 {
            w = take(w, 3, 1000 + i).expect("under the limit");
        }
        assert_eq!(w.count, 3);
        assert_eq!(take(w, 3, 1010), Err(50), "retry when the window that started at 1000 ends");
        assert_eq!(take(w, 3, 1059), Err(1));
        let fresh = take(w, 3, 1060).expect("a new window");
        assert_eq!((fresh.start, fresh.count), (1060, 1));
    }

    #[test]
    fn a_refused_call_is_not_counted() {
        let w = Window { start: 100, count: 1 };
        assert_eq!(take(w, 1, 101), Err(59));
        assert_eq!(take(w, 1, 101), Err(59));
        assert_eq!(w.count, 1);
    }

    #[test]
    fn the_setting_is_bounded() {
        assert_eq!(parse_setting(&json!(1)), Ok(1));
        assert_eq!(parse_setting(&json!(10000)), Ok(10000));
        for bad in [json!(0), json!(10001), json!(-1), json!(2.5), json!("5"), json!(null)] {
            assert!(parse_setting(&bad).is_err(), "{bad}");
        }
    }
}
