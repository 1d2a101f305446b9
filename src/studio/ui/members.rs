//! `/studio/<org>/settings/members`: invite (Email, Role, Invite; the link
//! is shown once to copy), change a member's role (the Role select in their
//! row), remove a member, revoke a pending invitation — each through
//! `studio::ops::members`, like the API, each confirmed in the dialog.

use super::forms::{self, FieldErrors};
use super::{redirect_with_flash, render_page, Chrome, OrgTab, Session};
use crate::http::context::{Ctx, Incoming};
use crate::http::html::format_time;
use crate::http::ApiError;
use crate::identity::roles;
use crate::store::{invitations, orgs};
use crate::studio::access_sync::Synced;
use crate::studio::ops::members as ops;
use askama::Template;
use worker::Response;

pub struct MemberLine {
    user_id: String,
    name: String,
    email: String,
    role: String,
    joined: String,
    is_me: bool,
}

pub struct InvitationLine {
    id: String,
    email: String,
    role: String,
    expires: String,
}

pub struct Created {
    email: String,
    role: String,
    link: String,
}

#[derive(Template)]
#[template(path = "studio/members.html")]
pub struct MembersView {
    chrome: Chrome,
    path: String,
    roles: Vec<String>,
    members: Vec<MemberLine>,
    invitations: Vec<InvitationLine>,
    created: Option<Created>,
    errors: FieldErrors,
    email: String,
    role: String,
}
crate::studio_page!(MembersView);

fn synced_note(s: Synced) -> &'static str {
    match s {
        Synced::Done => "",
        Synced::Pending => " Some project endpoints pick the change up within a minute.",
    }
}

pub async fn page(ctx: &Ctx, inc: &mut Incoming, s: Session, slug: &str, post: bool) -> Result<Response, ApiError> {
    let (org, role) = ops::admin(ctx, &s.caller, slug).await?;
    let path = format!("/studio/{}/settings/members", org.slug);
    let (mut created, mut errors, mut email, mut invite_role, mut status) =
        (None, FieldErrors::none(), String::new(), "developer".to_string(), 200);
    if post {
        let form = forms::read(ctx, inc, &s).await?;
        let intent = forms::expect_intent(&form, &["invite", "role", "remove", "revoke_invitation"])?;
        let user = form.get("user");
        let outcome = match intent.as_str() {
            "invite" => match ops::invite(ctx, &s.caller, &org.slug, form.body(&["email", "role"])).await {
                Ok(made) => {
                    let i = made.invitation;
                    created = Some(Created { email: i.email, role: i.role, link: made.link });
                    Ok(None)
                }
                Err(e) => {
                    if !matches!(e, ApiError::Internal(_)) {
                        errors = FieldErrors::from_error(&e, &["email", "role"]);
                        (email, invite_role) = (form.get("email"), form.get("role"));
                    }
                    Err(e)
                }
            },
            "role" => ops::set_role(ctx, &s.caller, &org.slug, &user, form.body(&["role"]))
                .await
                .map(|(new, synced)| Some(format!("The member's role is now {new}.{}", synced_note(synced)))),
            "remove" => ops::remove(ctx, &s.caller, &org.slug, &user).await.map(|synced| {
                Some(format!("Removed the member; their apps' grants are revoked.{}", synced_note(synced)))
            }),
            _ => ops::revoke_invitation(ctx, &s.caller, &org.slug, &form.get("invitation"))
                .await
                .map(|()| Some("Revoked the invitation; its link no longer works.".to_string())),
        };
        match outcome {
            Ok(Some(message)) => return redirect_with_flash(&path, &message),
            Ok(None) => {}
            Err(ApiError::Internal(d)) => return Err(ApiError::Internal(d)),
            Err(e) => {
                status = e.status();
                if errors.fields.is_empty() && errors.page.is_none() {
                    errors.page = Some(e.message());
                }
            }
        }
    }
    let mut names: Vec<String> = roles::BUILTIN_ROLE_NAMES.iter().map(|n| n.to_string()).collect();
    names.extend(orgs::custom_roles(&ctx.db, &org.id).await?.into_iter().map(|r| r.name));
    let members = orgs::members(&ctx.db, &org.id)
        .await?
        .into_iter()
        .map(|m| MemberLine {
            is_me: m.user_id == s.caller.user.id,
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: m.role,
            joined: format_time(m.joined_at),
        })
        .collect();
    let invitations = invitations::for_org(&ctx.db, &org.id)
        .await?
        .into_iter()
        .filter(|i| i.status(ctx.now) == "pending")
        .map(|i| InvitationLine { id: i.id, email: i.email, role: i.role, expires: format_time(i.expires_at) })
        .collect();
    let view = MembersView {
        chrome: Chrome::signed_in(&s, "Members")
            .for_org(&org, &role, OrgTab::Members)
            .with_problem(errors.page.clone()),
        path,
        roles: names,
        members,
        invitations,
        created,
        errors,
        email,
        role: invite_role,
    };
    render_page(status, &view)
}
