//! The caller's own account: API tokens and the password
//! (`/api/v1/tokens`, `/api/v1/me/password`, and the Studio's Account page).
//!
//! A password change needs the current password (checked like a sign-in,
//! rate limits included), stores a fresh Argon2id hash, and ends every other
//! session of the account; the session that made the change stays signed in.
//! API tokens are separate credentials and stay valid (revoke them one by
//! one on the same page). Both are for a signed-in session only: an API
//! token cannot mint another token or change the password.

use crate::audit::record::Action;
use crate::audit_io::actions::management;
use crate::crypto;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::{password, validate};
use crate::store::credentials;
use crate::studio::auth::{self, Caller, Via};
use serde_json::json;

/// A new API token: shown once (only its hash is stored).
pub struct NewToken {
    pub id: String,
    pub name: String,
    pub token: String,
    pub created_at: i64,
}

fn session_hash(caller: &Caller, what: &str) -> Result<String, ApiError> {
    match &caller.via {
        Via::Session { id_hash } => Ok(id_hash.clone()),
        Via::Token => Err(ApiError::Forbidden(format!("{what} from a signed-in session, not with an API token"))),
    }
}

/// Creates an API token. Body: `name`.
pub async fn create_token(ctx: &Ctx, caller: &Caller, mut b: Body) -> Result<NewToken, ApiError> {
    session_hash(caller, "API tokens are created")?;
    let name = b.string("name", 200).and_then(|n| b.check(validate::validate_token_name("name", &n)));
    b.finish()?;
    let name = name.ok_or_else(|| ApiError::Internal("validated name missing".into()))?;
    let token = crypto::random_token("dy_");
    let id = crypto::new_id("tok");
    credentials::create_token(&ctx.db, &id, &caller.user.id, &name, &crypto::sha256_hex(token.as_bytes()), ctx.now)
        .await?;
    management(ctx, caller, None, Action::ApiTokenCreate, &id, json!({ "name": name }));
    Ok(NewToken { id, name, token, created_at: ctx.now })
}

/// Revokes one of the caller's API tokens; 404 when it is not theirs.
pub async fn delete_token(ctx: &Ctx, caller: &Caller, id: &str) -> Result<(), ApiError> {
    if !credentials::delete_token(&ctx.db, &caller.user.id, id).await? {
        return Err(ApiError::NotFound("no such API token".into()));
    }
    management(ctx, caller, None, Action::ApiTokenDelete, id, json!({}));
    Ok(())
}

/// Changes the password. Body: `current_password`, `new_password`. `ip`
/// keys the sign-in rate limit the check of the current password counts against.
pub async fn change_password(ctx: &Ctx, caller: &Caller, ip: &str, mut b: Body) -> Result<(), ApiError> {
    let keep = session_hash(caller, "the password is changed")?;
    let current = b.string("current_password", validate::MAX_PASSWORD_BYTES);
    let new = b
        .string("new_password", validate::MAX_PASSWORD_BYTES)
        .and_then(|p| b.check(validate::validate_password("new_password", &p).map(|_| p)));
    b.finish()?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    match auth::verify_login(ctx, &caller.user.email, &current, ip).await {
        Ok(_) => {}
        Err(ApiError::Unauthorized(_)) => {
            return Err(ApiError::invalid_field("current_password", "is not your current password"))
        }
        Err(e) => return Err(e),
    }
    let salt = crypto::random_bytes::<16>();
    let hash = password::hash_password(&new, &salt, password::KdfParams::CURRENT);
    crate::store::users::set_password_hash(&ctx.db, &caller.user.id, &hash).await?;
    credentials::delete_other_sessions(&ctx.db, &caller.user.id, &keep).await?;
    management(ctx, caller, None, Action::PasswordChange, &caller.user.id, json!({ "other_sessions": "ended" }));
    Ok(())
}
