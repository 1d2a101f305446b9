//! The request context (wasm32 glue at the HTTP edge): what every handler
//! gets ([`Ctx`]: parsed configuration, bindings, the clock) and the incoming
//! request with bounded body readers ([`Incoming`]). Handlers import it from
//! here; `app.rs` only dispatches.

use crate::config::Config;
use crate::http::body::{self, Body};
use crate::http::capped::{self, Capped};
use crate::http::ApiError;
use worker::{Context, D1Database, Env, Headers, Method, Request};

/// What every handler gets: parsed configuration, bindings, the clock and the
/// execution context (for work that runs after the response, `wait_until`).
pub struct Ctx {
    pub env: Env,
    pub config: Config,
    pub db: D1Database,
    /// Unix seconds, read once per request.
    pub now: i64,
    /// Unix milliseconds at the start of the request.
    pub now_ms: i64,
    pub exec: Context,
}

impl Ctx {
    /// Runs `work` after the response is sent (`ctx.waitUntil`).
    pub fn defer(&self, work: impl std::future::Future<Output = ()> + 'static) {
        self.exec.wait_until(work);
    }
}

/// The incoming request, with bounded body readers.
pub struct Incoming {
    pub method: Method,
    pub headers: Headers,
    pub url: worker::Url,
    pub(crate) req: Request,
}

impl Incoming {
    /// The body, at most `limit` bytes. A declared `Content-Length` over the
    /// limit is refused before reading; a body without one (chunked) is
    /// bounded while it streams, so an endless body ends in a 413 too.
    pub async fn bytes(&mut self, limit: usize) -> Result<Vec<u8>, ApiError> {
        let unreadable = |e: worker::Error| ApiError::bad_request("unreadable_body", e.to_string());
        let declared = capped::declared_length(&self.headers);
        let req = &mut self.req;
        let open = || if req.inner().body().is_none() { Ok(None) } else { req.stream().map(Some) };
        capped::read(declared, open, limit).await.map_err(|e| match e {
            Capped::TooLarge => ApiError::PayloadTooLarge { limit },
            Capped::Read(e) => unreadable(e),
        })
    }

    /// A JSON object body (content type, size cap, UTF-8, object).
    pub async fn json(&mut self) -> Result<Body, ApiError> {
        self.json_limited(body::DEFAULT_LIMIT).await
    }

    /// Like [`Incoming::json`] with another size cap.
    pub async fn json_limited(&mut self, limit: usize) -> Result<Body, ApiError> {
        let bytes = self.json_bytes(limit).await?;
        Body::parse(&bytes, limit)
    }

    /// The raw bytes of a JSON body (content type and size checked), for
    /// documents validated elsewhere.
    pub async fn json_bytes(&mut self, limit: usize) -> Result<Vec<u8>, ApiError> {
        body::check_json_content_type(self.headers.get("Content-Type").ok().flatten().as_deref())?;
        self.bytes(limit).await
    }

    /// An `application/x-www-form-urlencoded` body (the Studio forms).
    pub async fn form(&mut self) -> Result<Vec<(String, String)>, ApiError> {
        let ct = self.headers.get("Content-Type").ok().flatten().unwrap_or_default();
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(ApiError::UnsupportedMediaType("send the form as application/x-www-form-urlencoded".into()));
        }
        let bytes = self.bytes(body::DEFAULT_LIMIT).await?;
        crate::http::form::parse(&bytes)
    }

    pub fn query(&self, name: &str) -> Option<String> {
        self.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }
}
