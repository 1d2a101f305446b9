//! Request dispatch (wasm32 glue): config, route, handler, response. Every
//! error, including a store failure, becomes a JSON response here; nothing
//! propagates to the runtime as an exception.

use crate::authz;
use crate::config::Config;
use crate::http::body::{self, Body};
use crate::http::route::{resolve, Route};
use crate::http::ApiError;
use crate::studio::{account, draft, orgs, pages, projects, releases};
use worker::{Context, D1Database, Env, Headers, Method, Request, Response};

/// The crate version and the build's git sha (set by scripts/build.sh).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const BUILD: &str = match option_env!("DOCKYARD_BUILD") {
    Some(sha) => sha,
    None => "dev",
};

/// CORS for the cookie-less OAuth and discovery endpoints.
const CORS_PUBLIC: [(&str, &str); 4] = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "authorization, content-type, mcp-protocol-version"),
    ("Access-Control-Max-Age", "86400"),
];

/// What every handler gets: parsed configuration, bindings and the clock.
pub struct Ctx {
    pub env: Env,
    pub config: Config,
    pub db: D1Database,
    /// Unix seconds, read once per request.
    pub now: i64,
}

/// The incoming request, with bounded body readers.
pub struct Incoming {
    pub method: Method,
    pub headers: Headers,
    pub url: worker::Url,
    req: Request,
}

impl Incoming {
    pub async fn bytes(&mut self, limit: usize) -> Result<Vec<u8>, ApiError> {
        let declared = self.headers.get("Content-Length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let bytes = self.req.bytes().await.map_err(|e| ApiError::bad_request("unreadable_body", e.to_string()))?;
        if bytes.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        Ok(bytes)
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
        Ok(url::form_urlencoded::parse(&bytes).into_owned().collect())
    }

    pub fn query(&self, name: &str) -> Option<String> {
        self.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }
}

pub async fn handle(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(match dispatch(req, env).await {
        Ok(resp) => resp,
        Err(err) => error_response(&err),
    })
}

async fn dispatch(req: Request, env: Env) -> Result<Response, ApiError> {
    let url = req.url().map_err(|e| ApiError::bad_request("bad_url", e.to_string()))?;
    // Browser-based hosts call discovery, registration and the token endpoint
    // cross-origin. None of them uses cookies, so a wildcard is safe.
    let public_cors = (url.path().starts_with("/oauth/") && url.path() != "/oauth/authorize")
        || url.path().starts_with("/.well-known/");
    if public_cors && req.method() == Method::Options {
        let resp = Response::empty().map_err(|e| ApiError::Internal(e.to_string()))?.with_status(204);
        for (k, v) in CORS_PUBLIC {
            resp.headers().set(k, v).map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        return Ok(resp);
    }
    let route = resolve(req.method().as_ref(), url.path())?;
    let config = load_config(&env)?;
    let db = env.d1("DB").map_err(|e| ApiError::Misconfigured(format!("the D1 binding DB is missing: {e}")))?;
    let ctx = Ctx { env, config, db, now: (worker::Date::now().as_millis() / 1000) as i64 };
    let mut inc = Incoming { method: req.method(), headers: req.headers().clone(), url, req };
    let resp = route_request(&ctx, &mut inc, route).await;
    if public_cors {
        if let Ok(r) = &resp {
            let _ = r.headers().set("Access-Control-Allow-Origin", "*");
        }
    }
    resp
}

async fn route_request(ctx: &Ctx, inc: &mut Incoming, route: Route) -> Result<Response, ApiError> {
    match route {
        Route::Healthz => json(200, &serde_json::json!({"ok": true, "version": VERSION, "build": BUILD})),
        Route::Signup => account::signup(ctx, inc).await,
        Route::Login => account::login(ctx, inc).await,
        Route::Logout => account::logout(ctx, inc).await,
        Route::Me => account::me(ctx, inc).await,
        Route::ListTokens => account::list_tokens(ctx, inc).await,
        Route::CreateToken => account::create_token(ctx, inc).await,
        Route::DeleteToken { id } => account::delete_token(ctx, inc, &id).await,
        Route::AcceptInvitation => account::accept_invitation(ctx, inc).await,
        Route::ListOrgs => orgs::list(ctx, inc).await,
        Route::CreateOrg => orgs::create(ctx, inc).await,
        Route::GetOrg { org } => orgs::get(ctx, inc, &org).await,
        Route::ListMembers { org } => orgs::list_members(ctx, inc, &org).await,
        Route::UpdateMember { org, user } => orgs::update_member(ctx, inc, &org, &user).await,
        Route::RemoveMember { org, user } => orgs::remove_member(ctx, inc, &org, &user).await,
        Route::ListInvitations { org } => orgs::list_invitations(ctx, inc, &org).await,
        Route::CreateInvitation { org } => orgs::create_invitation(ctx, inc, &org).await,
        Route::RevokeInvitation { org, id } => orgs::revoke_invitation(ctx, inc, &org, &id).await,
        Route::ListRoles { org } => orgs::list_roles(ctx, inc, &org).await,
        Route::CreateRole { org } => orgs::create_role(ctx, inc, &org).await,
        Route::UpdateRole { org, name } => orgs::update_role(ctx, inc, &org, &name).await,
        Route::DeleteRole { org, name } => orgs::delete_role(ctx, inc, &org, &name).await,
        Route::ListProjects { org } => projects::list(ctx, inc, &org).await,
        Route::CreateProject { org } => projects::create(ctx, inc, &org).await,
        Route::GetProject { org, project } => projects::get(ctx, inc, &org, &project).await,
        Route::UpdateProject { org, project } => projects::update(ctx, inc, &org, &project).await,
        Route::GetDraft { org, project } => draft::get(ctx, inc, &org, &project).await,
        Route::PutType { org, project, name } => draft::put_type(ctx, inc, &org, &project, &name).await,
        Route::DeleteType { org, project, name } => draft::delete_type(ctx, inc, &org, &project, &name).await,
        Route::PutInstructions { org, project } => draft::put_instructions(ctx, inc, &org, &project).await,
        Route::DraftDiff { org, project } => draft::diff(ctx, inc, &org, &project).await,
        Route::Publish { org, project } => releases::publish(ctx, inc, &org, &project).await,
        Route::ListVersions { org, project } => releases::list(ctx, inc, &org, &project).await,
        Route::GetVersion { org, project, version } => releases::get(ctx, inc, &org, &project, &version).await,
        Route::PromoteVersion { org, project, version } => releases::promote(ctx, inc, &org, &project, &version).await,
        Route::ProtectedResourceMetadata { org, project, draft } => {
            authz::protected_resource(ctx, inc, &org, &project, draft).await
        }
        Route::AuthServerMetadata => authz::server_metadata(ctx, inc).await,
        Route::OpenIdConfiguration => authz::openid_configuration(ctx, inc).await,
        Route::Jwks => authz::jwks(ctx, inc).await,
        Route::OAuthRegister => authz::clients::register(ctx, inc).await,
        Route::OAuthAuthorize => authz::authorize::show(ctx, inc).await,
        Route::OAuthAuthorizeSubmit => authz::authorize::submit(ctx, inc).await,
        Route::OAuthToken => authz::token::token(ctx, inc).await,
        Route::OAuthRevoke => authz::token::revoke(ctx, inc).await,
        Route::ListOrgGrants { org } => authz::grants_api::list_org(ctx, inc, &org).await,
        Route::RevokeOrgGrant { org, id } => authz::grants_api::revoke_org(ctx, inc, &org, &id).await,
        Route::ListMyGrants => authz::grants_api::list_mine(ctx, inc).await,
        Route::RevokeMyGrant { id } => authz::grants_api::revoke_mine(ctx, inc, &id).await,
        Route::Mcp { org, project, draft } => crate::endpoint::serve(ctx, inc, &org, &project, draft).await,
        Route::StudioHome => pages::home(ctx, inc).await,
        Route::StudioLoginPage => pages::login_page(ctx, inc).await,
        Route::StudioLoginSubmit => pages::login_submit(ctx, inc).await,
        Route::StudioSignupPage => pages::signup_page(ctx, inc).await,
        Route::StudioSignupSubmit => pages::signup_submit(ctx, inc).await,
        Route::StudioLogoutSubmit => pages::logout_submit(ctx, inc).await,
    }
}

pub fn load_config(env: &Env) -> Result<Config, ApiError> {
    Config::from_lookup(|name| {
        env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
    })
    .map_err(|e| ApiError::Misconfigured(e.to_string()))
}

pub fn json(status: u16, body: &serde_json::Value) -> Result<Response, ApiError> {
    let resp = Response::from_json(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let resp = resp.with_status(status);
    let _ = resp.headers().set("Cache-Control", "no-store");
    Ok(resp)
}

/// Adds a header to a response we built (cannot fail for valid names).
pub fn with_header(resp: Response, name: &str, value: &str) -> Result<Response, ApiError> {
    resp.headers().set(name, value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}

pub fn error_response(err: &ApiError) -> Response {
    if let ApiError::Internal(detail) = err {
        worker::console_error!("internal error: {detail}");
    }
    let resp = Response::from_json(&err.body()).unwrap_or_else(|_| Response::empty().expect("an empty response"));
    let resp = resp.with_status(err.status());
    for (name, value) in err.headers() {
        let _ = resp.headers().set(name, &value);
    }
    let _ = resp.headers().set("Cache-Control", "no-store");
    resp
}
