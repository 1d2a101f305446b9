//! `/studio/account`: API tokens (create, shown once; revoke), change
//! password, and the apps the caller authorized (Revoke). Every action goes
//! through `studio::ops::{account, grants}`, like the API.

use super::forms::{self, FieldErrors};
use super::grants::GrantLine;
use super::{redirect_with_flash, render_page, Chrome, Session};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::oauth::grant_list::{self, Scope};
use crate::store::credentials;
use crate::store::grants::Owner;
use crate::studio::auth;
use crate::studio::ops::{account as ops, grants};
use askama::Template;
use worker::Response;

pub struct TokenLine {
    id: String,
    name: String,
    created: String,
    last_used: String,
}

pub struct Created {
    name: String,
    token: String,
}

#[derive(Template)]
#[template(path = "studio/account.html")]
pub struct AccountView {
    chrome: Chrome,
    user_name: String,
    user_email: String,
    tokens: Vec<TokenLine>,
    created: Option<Created>,
    token_name: String,
    errors: FieldErrors,
    grants: Vec<GrantLine>,
}
crate::studio_page!(AccountView);

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, post: bool) -> Result<Response, ApiError> {
    let (mut created, mut errors, mut token_name, mut status) = (None, FieldErrors::none(), String::new(), 200);
    if post {
        let form = forms::read(ctx, inc, &s).await?;
        let intent = forms::expect_intent(&form, &["create_token", "revoke_token", "change_password", "revoke_grant"])?;
        let outcome = match intent.as_str() {
            "create_token" => ops::create_token(ctx, &s.caller, form.body(&["name"])).await.map(|t| {
                created = Some(Created { name: t.name, token: t.token });
                None
            }),
            "revoke_token" => ops::delete_token(ctx, &s.caller, &form.get("token"))
                .await
                .map(|()| Some("Revoked the API token; it no longer works.".to_string())),
            "change_password" => {
                let mut map = serde_json::Map::new();
                for k in ["current_password", "new_password"] {
                    map.insert(k.into(), serde_json::Value::String(form.get(k)));
                }
                let b = crate::http::body::Body::from_object(map);
                ops::change_password(ctx, &s.caller, &auth::client_ip(&inc.headers), b)
                    .await
                    .map(|()| Some("Changed your password. Your other sessions were signed out.".to_string()))
            }
            _ => grants::revoke_mine(ctx, &s.caller, &form.get("grant")).await.map(|g| {
                let line = GrantLine::of(&g, ctx.now);
                Some(format!("Revoked {} on {}. It takes effect on the next request.", line.app, line.project))
            }),
        };
        match outcome {
            Ok(Some(message)) => return redirect_with_flash("/studio/account", &message),
            Ok(None) => {}
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => {
                status = e.status();
                errors = FieldErrors::from_error(&e, &["name", "current_password", "new_password"]);
                if intent == "create_token" {
                    token_name = form.get("name");
                }
            }
        }
    }
    let tokens = credentials::list_tokens(&ctx.db, &s.caller.user.id)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            name: t.name,
            created: format_time(t.created_at),
            last_used: t.last_used_at.map(format_time).unwrap_or_else(|| "never".into()),
        })
        .collect();
    let q = grant_list::parse_list(&[], Scope::Me)?;
    let mut rows = grants::list(ctx, Owner::User(&s.caller.user.id), &q).await?;
    rows.truncate(q.limit as usize);
    let view = AccountView {
        chrome: Chrome::signed_in(&s, "Account").with_problem(errors.page.clone()),
        user_name: s.caller.user.name.clone(),
        user_email: s.caller.user.email.clone(),
        tokens,
        created,
        token_name,
        errors,
        grants: rows.iter().map(|g| GrantLine::of(g, ctx.now)).collect(),
    };
    render_page(status, &view)
}
