//! Request dispatch (wasm32 glue): config, route, handler, response. This
//! file only dispatches: the request context and the response helpers live at
//! the HTTP edge (`http::context`, `http::respond`), so handlers never import
//! from here. Every error becomes a JSON response (`http::respond`); nothing
//! propagates to the runtime as an exception.

use crate::authz;
use crate::http::context::{Ctx, Incoming};
use crate::http::cors;
use crate::http::respond::{error_response, json, load_config};
use crate::http::route::{resolve, Route};
use crate::http::ApiError;
use crate::studio::{account, audit, audit_settings, draft, orgs, pages, projects, releases, secrets};
use worker::{Context, Env, Method, Request, Response};

/// The crate version and the build's git sha (set by scripts/build.sh).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const BUILD: &str = match option_env!("DOCKYARD_BUILD") {
    Some(sha) => sha,
    None => "dev",
};

pub async fn handle(req: Request, env: Env, exec: Context) -> worker::Result<Response> {
    // Browser-based hosts call discovery, registration, token and revoke
    // cross-origin; none of them reads a cookie, so a wildcard is safe
    // (`http::cors`). Errors get the headers too, or a browser host could
    // not read why it was refused.
    let public_cors = req.url().is_ok_and(|u| cors::is_public_cors_path(u.path()));
    // A person's browser gets a page, never a JSON error body (unknown Studio
    // paths, a refused sign-in form, a misconfiguration, and a consent form
    // refused by the Origin check, which used to answer JSON: tests/hostile).
    let is_page = req
        .url()
        .is_ok_and(|u| u.path() == "/studio" || u.path().starts_with("/studio/") || u.path() == "/oauth/authorize");
    let resp = match dispatch(req, env, exec, public_cors).await {
        Ok(resp) => resp,
        Err(err) if is_page => crate::studio::ui::render::error_page(&err),
        Err(err) => error_response(&err),
    };
    if public_cors {
        for (k, v) in cors::PUBLIC_HEADERS {
            let _ = resp.headers().set(k, v);
        }
    }
    Ok(resp)
}

async fn dispatch(req: Request, env: Env, exec: Context, public_cors: bool) -> Result<Response, ApiError> {
    let url = req.url().map_err(|e| ApiError::bad_request("bad_url", e.to_string()))?;
    if public_cors && req.method() == Method::Options {
        let resp = Response::empty().map_err(|e| ApiError::Internal(e.to_string()))?.with_status(204);
        for (k, v) in cors::PUBLIC_PREFLIGHT_HEADERS {
            resp.headers().set(k, v).map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        return Ok(resp);
    }
    let route = resolve(req.method().as_ref(), url.path())?;
    let config = load_config(&env)?;
    let db = env.d1("DB").map_err(|e| ApiError::Misconfigured(format!("the D1 binding DB is missing: {e}")))?;
    let now_ms = worker::Date::now().as_millis() as i64;
    let ctx = Ctx { env, config, db, now: now_ms / 1000, now_ms, exec };
    let mut inc = Incoming { method: req.method(), headers: req.headers().clone(), url, req };
    route_request(&ctx, &mut inc, route).await
}

async fn route_request(ctx: &Ctx, inc: &mut Incoming, route: Route) -> Result<Response, ApiError> {
    match route {
        Route::Healthz => json(200, &serde_json::json!({"ok": true, "version": VERSION, "build": BUILD})),
        Route::Signup => account::signup(ctx, inc).await,
        Route::Login => account::login(ctx, inc).await,
        Route::Logout => account::logout(ctx, inc).await,
        Route::Me => account::me(ctx, inc).await,
        Route::ChangePassword => account::change_password(ctx, inc).await,
        Route::ListTokens => account::list_tokens(ctx, inc).await,
        Route::CreateToken => account::create_token(ctx, inc).await,
        Route::DeleteToken { id } => account::delete_token(ctx, inc, &id).await,
        Route::AcceptInvitation => account::accept_invitation(ctx, inc).await,
        Route::ListOrgs => orgs::list(ctx, inc).await,
        Route::CreateOrg => orgs::create(ctx, inc).await,
        Route::GetOrg { org } => orgs::get(ctx, inc, &org).await,
        Route::UpdateOrg { org } => audit_settings::patch_org(ctx, inc, &org).await,
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
        Route::DeleteProject { org, project } => projects::delete(ctx, inc, &org, &project).await,
        Route::GetDraft { org, project } => draft::get(ctx, inc, &org, &project).await,
        Route::PutType { org, project, name } => draft::put_type(ctx, inc, &org, &project, &name).await,
        Route::DeleteType { org, project, name } => draft::delete_type(ctx, inc, &org, &project, &name).await,
        Route::ListSecrets { org, project } => secrets::list(ctx, inc, &org, &project).await,
        Route::PutSecret { org, project, name } => secrets::put(ctx, inc, &org, &project, &name).await,
        Route::DeleteSecret { org, project, name } => secrets::delete(ctx, inc, &org, &project, &name).await,
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
        Route::RevokeOrgGrants { org } => authz::grants_api::revoke_bulk(ctx, inc, &org).await,
        Route::ListMyGrants => authz::grants_api::list_mine(ctx, inc).await,
        Route::RevokeMyGrant { id } => authz::grants_api::revoke_mine(ctx, inc, &id).await,
        Route::OrgAudit { org } => audit::list_org(ctx, inc, &org).await,
        Route::OrgAuditStats { org } => audit::stats(ctx, inc, &org).await,
        Route::OrgAuditActions { org } => audit::list_org_actions(ctx, inc, &org).await,
        Route::OrgAuditRecord { org, id } => audit::get_one(ctx, inc, &org, &id).await,
        Route::MyAudit => audit::list_mine(ctx, inc).await,
        Route::MyAuditActions => audit::list_my_actions(ctx, inc).await,
        Route::Mcp { org, project, draft } => crate::endpoint::serve(ctx, inc, &org, &project, draft).await,
        Route::StudioLoginPage => pages::login_page(ctx, inc).await,
        Route::StudioLoginSubmit => pages::login_submit(ctx, inc).await,
        Route::StudioSignupPage => pages::signup_page(ctx, inc).await,
        Route::StudioSignupSubmit => pages::signup_submit(ctx, inc).await,
        Route::StudioLogoutSubmit => pages::logout_submit(ctx, inc).await,
        Route::StudioPage { page, post } => crate::studio::ui::dispatch(ctx, inc, page, post).await,
    }
}
