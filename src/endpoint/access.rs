//! Who is calling an MCP endpoint, and what they may do now: the local JWT
//! check (step 3) and the decision from the hub's answer (step 4).

use super::{reply, Hop};
use crate::audit::observe::{grant_refusal, token_refusal};
use crate::audit::ErrorCode;
use crate::authz;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::roles::BASE_SCOPES;
use crate::mcp::HttpRequest;
use crate::oauth::resource::Resource;
use crate::oauth::tokens::AccessClaims;
use worker::Response;

/// The caller's access for this one request.
pub struct Access {
    /// Token scopes ∩ the member's current role scopes (or the base scopes
    /// of a public project's anonymous caller).
    pub effective_scopes: Vec<String>,
    /// The role's scopes; `None` means every scope (owner, admin, developer).
    pub member_scopes: Option<Vec<String>>,
    /// The grant the token belongs to (`None` for an anonymous caller).
    pub grant_id: Option<String>,
}

impl Access {
    pub fn role_allows(&self, scope: &str) -> bool {
        self.member_scopes.as_ref().is_none_or(|m| m.iter().any(|x| x == scope))
    }

    pub fn may_call(&self) -> bool {
        self.effective_scopes.iter().any(|s| s == "tools:call")
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let raw = req.headers.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str())?;
    let (scheme, token) = raw.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// A refusal: the audit code and the answer to send.
pub type Refusal = (ErrorCode, Result<Response, ApiError>);

/// Step 3: `Ok(None)` without a token; a presented token that fails
/// (signature, expiry, issuer, audience) is the 401 to send.
pub async fn verify_token(
    ctx: &Ctx,
    req: &HttpRequest<'_>,
    resource: &Resource,
) -> Result<Option<AccessClaims>, Refusal> {
    let Some(token) = bearer(req) else { return Ok(None) };
    let endpoint_url = resource.canonical_url(&ctx.config.public_url);
    let keys = authz::signing_keys(ctx);
    crate::webcrypto::jwt::verify_access_token(&token, &keys, &ctx.config.public_url, &endpoint_url, ctx.now)
        .await
        .map(Some)
        .map_err(|e| (token_refusal(&e), reply::unauthorized(ctx, req, resource, Some(&e.to_string()))))
}

/// Step 4: the caller's access from the hub's answer, or the 401 to send.
/// An unknown project answers like a private one.
pub fn decide(
    ctx: &Ctx,
    req: &HttpRequest,
    resource: &Resource,
    hop: &Hop,
    claims: Option<&AccessClaims>,
) -> Result<Access, Refusal> {
    let Some(project) = &hop.view.project else {
        let problem = claims.map(|_| "the grant is not valid");
        return Err((ErrorCode::ProjectUnknown, reply::unauthorized(ctx, req, resource, problem)));
    };
    if let Some(claims) = claims {
        let a = &hop.access;
        if a["ok"].as_bool() != Some(true) {
            let reason = a["reason"].as_str().unwrap_or("the grant is not valid");
            return Err((grant_refusal(reason), reply::unauthorized(ctx, req, resource, Some(reason))));
        }
        return Ok(Access {
            effective_scopes: serde_json::from_value(a["effective_scopes"].clone()).unwrap_or_default(),
            member_scopes: serde_json::from_value(a["member_scopes"].clone()).unwrap_or(None),
            grant_id: Some(claims.grant_id.clone()),
        });
    }
    if !resource.draft && project.visibility == "public" {
        let base: Vec<String> = BASE_SCOPES.iter().map(|s| s.to_string()).collect();
        return Ok(Access { effective_scopes: base.clone(), member_scopes: Some(base), grant_id: None });
    }
    Err((ErrorCode::TokenMissing, reply::unauthorized(ctx, req, resource, None)))
}
