//! Organization operations (`POST /api/v1/orgs` and the Studio's Create
//! organization form).

use crate::crypto;
use crate::http::body::Body;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::identity::validate;
use crate::store::{self, orgs};
use crate::studio::auth::Caller;

/// Creates an org with `caller` as its owner. Body: `slug`, `name`.
pub async fn create(ctx: &Ctx, caller: &Caller, mut b: Body) -> Result<orgs::Org, ApiError> {
    let slug = b.string("slug", 100).filter(|s| b.check(validate::validate_slug("slug", s)).is_some());
    let name = b.string("name", 200).and_then(|n| b.check(validate::validate_display_name("name", &n, 100)));
    b.finish()?;
    let (Some(slug), Some(name)) = (slug, name) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let taken = |slug: &str| ApiError::Conflict(format!("the organization slug {slug:?} is taken"));
    if orgs::by_slug(&ctx.db, &slug).await?.is_some() {
        return Err(taken(&slug));
    }
    let org = orgs::Org { id: crypto::new_id("org"), slug, name, created_at: ctx.now };
    let stmts = orgs::insert_with_owner(&ctx.db, &org, &caller.user.id)?;
    match store::batch(&ctx.db, stmts).await {
        Err(e) if store::is_unique_violation(&e) => Err(taken(&org.slug)),
        Err(e) => Err(e),
        Ok(_) => Ok(org),
    }
}
