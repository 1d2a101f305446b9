//! Membership sync: D1 says who is a member with which role; every project
//! hub keeps a copy (the org's whole member snapshot) that the MCP hot path
//! checks on every request. The two converge like this:
//! 1. a change is written to D1 in one batch with
//!    `store::membership::record_change`: the org's membership version goes
//!    up and the membership outbox holds a row for the org ([`commit`]);
//! 2. right away, before the change is reported, [`sync_org`] reads the
//!    members and their version (one statement) and sends them to every
//!    project hub of the org: one `/members/replace` call per hub, carrying
//!    every member. The hub keeps whichever version is newer and revokes the
//!    grants of members who are gone;
//! 3. when every hub took it, the outbox row goes and the caller answers as
//!    usual (`"sync": "done"`);
//! 4. when a hub call failed, the row stays and the caller answers 202 with
//!    `"sync": "pending"`; the cron trigger (`crate::scheduled`, every
//!    minute) runs [`retry_pending`], which pushes again until it holds.
//!    What a hub revokes then (the grants of a member removed while the push
//!    was pending) is audited as `grant.revoke_sync` by the system actor,
//!    with the reason: nobody made those revocations by hand.
//!
//! Why whole snapshots with a version instead of one delta per member: a
//! push is idempotent and order-free (a retry may cross a newer change; the
//! hub keeps the newer version), so "retry until it holds" needs no record of
//! which hub saw which change, and a role edit is one call per hub.
//!
//! Why an outbox row in D1, written in the change's own batch, plus a cron
//! (rather than a hub alarm): what must be repaired is a hub that could not
//! be reached, so the record of the debt cannot live in that hub; in D1 it
//! commits atomically with the change, so no change is ever lost between the
//! write and the push, and one cron sweeps every org.
//!
//! Why D1 first (hubs used to be pushed first): a push that failed half-way
//! left some hubs changed, D1 unchanged and nothing to repair it, and a
//! widening (a promotion) could leave a hub looser than D1. Now a hub lags D1
//! for at most the moment before the push, or one retry interval after a
//! failure that the caller is told about.

use crate::audit::record::Action;
use crate::config::Config;
use crate::http::context::Ctx;
use crate::http::ApiError;
use crate::oauth::grants::MemberAccess;
use crate::objects::hub_api::HubProject;
use crate::objects::{call, hub, hub_in};
use crate::store::{self, grants, membership, orgs, projects};
use serde_json::json;
use std::collections::BTreeMap;
use worker::{D1Database, D1PreparedStatement, Env};

/// How many pending orgs one cron run retries (the longest-waiting first).
const RETRY_BATCH: i64 = 50;

/// What a sync needs: a request's [`Ctx`] or the cron trigger's bindings.
pub struct SyncEnv<'a> {
    pub env: &'a Env,
    pub db: &'a D1Database,
    pub config: &'a Config,
    pub now: i64,
}

impl<'a> SyncEnv<'a> {
    pub fn of(ctx: &'a Ctx) -> Self {
        SyncEnv { env: &ctx.env, db: &ctx.db, config: &ctx.config, now: ctx.now }
    }
}

/// Whether every hub holds a change yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    Done,
    /// In the outbox; the cron trigger retries it.
    Pending,
}

impl Synced {
    /// `ok` when every hub holds the change, 202 Accepted while it is pending.
    pub fn status(self, ok: u16) -> u16 {
        match self {
            Synced::Done => ok,
            Synced::Pending => 202,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Synced::Done => "done",
            Synced::Pending => "pending",
        }
    }
}

/// Runs a membership change (`stmts`, one D1 batch) together with its
/// outbox record, then pushes it to the hubs. Returns the change counts of
/// `stmts` and whether the hubs hold it. `accepted` guards the record like
/// the change itself (see `membership::record_change`).
pub async fn commit(
    ctx: &Ctx,
    org_id: &str,
    stmts: Vec<D1PreparedStatement>,
    accepted: Option<(&str, &str)>,
) -> Result<(Vec<usize>, Synced), ApiError> {
    commit_revoking(ctx, org_id, stmts, accepted).await.map(|(changed, synced, _)| (changed, synced))
}

/// [`commit`], also returning the grants the hubs revoked while taking the
/// change (a member removal's; for its audit record).
pub async fn commit_revoking(
    ctx: &Ctx,
    org_id: &str,
    mut stmts: Vec<D1PreparedStatement>,
    accepted: Option<(&str, &str)>,
) -> Result<(Vec<usize>, Synced, Vec<String>), ApiError> {
    let own = stmts.len();
    stmts.extend(membership::record_change(&ctx.db, org_id, ctx.now, accepted)?);
    let mut changed = store::batch(&ctx.db, stmts).await?;
    changed.truncate(own);
    let (synced, revoked) = sync_now_revoking(&SyncEnv::of(ctx), org_id).await;
    Ok((changed, synced, revoked))
}

/// [`sync_org`], with a failure logged and left in the outbox for the cron
/// trigger (never an error for the caller: D1 already holds the change).
pub async fn sync_now(s: &SyncEnv<'_>, org_id: &str) -> Synced {
    sync_now_revoking(s, org_id).await.0
}

/// [`sync_now`] with the grants the hubs revoked (those of the hubs that
/// took the change before one failed, too).
async fn sync_now_revoking(s: &SyncEnv<'_>, org_id: &str) -> (Synced, Vec<String>) {
    let mut revoked = Vec::new();
    let outcome = sync_org(s, org_id, &mut revoked).await;
    (sync_outcome(s, org_id, outcome).await, revoked)
}

async fn sync_outcome(s: &SyncEnv<'_>, org_id: &str, outcome: Result<(), ApiError>) -> Synced {
    match outcome {
        Ok(()) => Synced::Done,
        Err(e) => {
            worker::console_error!("membership sync of {org_id} failed, left for the cron trigger: {e:?}");
            let detail = format!("{e:?}");
            let recorded = async {
                membership::enqueue(s.db, org_id, s.now).await?;
                membership::failed(s.db, org_id, s.now, &detail).await
            };
            if let Err(e) = recorded.await {
                worker::console_error!("membership outbox of {org_id} could not be updated: {e:?}");
            }
            Synced::Pending
        }
    }
}

/// Pushes the org's member snapshot to every project hub, then clears the
/// org's outbox row up to that version. The grants each hub revoked (of
/// members who are gone) are added to `revoked_all`, for the audit log.
async fn sync_org(s: &SyncEnv<'_>, org_id: &str, revoked_all: &mut Vec<String>) -> Result<(), ApiError> {
    let (Some(org), Some(snapshot)) = (orgs::by_id(s.db, org_id).await?, membership::snapshot(s.db, org_id).await?)
    else {
        // The org is gone (its outbox row went with it).
        return Ok(());
    };
    let members: BTreeMap<String, MemberAccess> =
        snapshot.members.iter().map(|(user, role)| (user.clone(), MemberAccess::from(role))).collect();
    let body = json!({ "members": members, "version": snapshot.version, "now": s.now });
    for p in projects::for_org(s.db, org_id).await? {
        injected_push_failure(s.config)?;
        let answer = call(&hub_in(s.env, &org.slug, &p.slug)?, "/members/replace", &body).await?;
        let revoked: Vec<String> = serde_json::from_value(answer["revoked"].clone()).unwrap_or_default();
        grants::mark_revoked(s.db, &revoked, s.now).await?;
        revoked_all.extend(revoked);
    }
    membership::synced(s.db, org_id, snapshot.version).await
}

/// The cron job: every org in the outbox is pushed again. Returns how many
/// orgs now hold and how many are still pending.
pub async fn retry_pending(s: &SyncEnv<'_>) -> Result<(usize, usize), ApiError> {
    let (mut held, mut still) = (0, 0);
    for row in membership::pending(s.db, RETRY_BATCH).await? {
        let mut revoked = Vec::new();
        let outcome = sync_org(s, &row.org_id, &mut revoked).await;
        audit_system_revocations(s, &row.org_id, &revoked).await;
        match outcome {
            Ok(()) => held += 1,
            Err(e) => {
                still += 1;
                worker::console_error!("membership sync of {} failed again: {e:?}", row.org_id);
                membership::failed(s.db, &row.org_id, s.now, &format!("{e:?}")).await?;
            }
        }
    }
    Ok((held, still))
}

/// Why the cron's revocations happened, in their audit record.
const SYNC_REVOKE_REASON: &str =
    "no longer a member of the organization: the scheduled membership sync revoked the grants a project hub still held";

/// Audits what a hub revoked during the cron's retry: one
/// `grant.revoke_sync` per member, by the system (the admin who removed them
/// has their own `member.remove`; these revocations happen later, and
/// nobody made them by hand). A grant the index does not know is still
/// counted, under an unknown user.
async fn audit_system_revocations(s: &SyncEnv<'_>, org_id: &str, revoked: &[String]) {
    if revoked.is_empty() {
        return;
    }
    let Ok(Some(org)) = orgs::by_id(s.db, org_id).await else {
        return worker::console_error!("audit: the org {org_id} of {} revoked grants is gone", revoked.len());
    };
    let mut by_user: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for id in revoked {
        let user = grants::get(s.db, id).await.ok().flatten().map(|g| g.user_id).unwrap_or_default();
        by_user.entry(user).or_default().push(id.clone());
    }
    for (user, ids) in by_user {
        let details = json!({
            "cause": "member.remove", "reason": SYNC_REVOKE_REASON, "user_id": user,
            "revoked_count": ids.len(), "grant_ids": crate::authz::grants_api::named_ids(&ids),
        });
        let now_ms = s.now * 1000;
        crate::audit_io::actions::system(s.env, s.db, &org.slug, Action::GrantRevokeSync, &user, details, now_ms).await;
    }
}

thread_local! {
    /// Membership pushes made by this isolate (for `hub.members:N`).
    static PUSHES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Test-only: `DOCKYARD_FAULTS=hub.members:N` fails the first N membership
/// pushes to a hub made by this isolate, as if the hub call had errored.
fn injected_push_failure(config: &Config) -> Result<(), ApiError> {
    let fired = PUSHES.with(|n| n.replace(n.get() + 1));
    if fired < config.fault_count("hub.members") {
        return Err(ApiError::Internal("injected fault hub.members".into()));
    }
    Ok(())
}

/// Initializes a new project's hub with its settings and the org's member
/// snapshot, before the project row exists in D1 (so it is never served
/// without one). Returns the membership version the hub got; pass it to
/// [`after_project_created`].
pub async fn init_hub(ctx: &Ctx, org_slug: &str, project: &HubProject) -> Result<i64, ApiError> {
    let snapshot = membership::snapshot(&ctx.db, &project.org_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("org {} vanished", project.org_id)))?;
    let members: BTreeMap<String, MemberAccess> =
        snapshot.members.iter().map(|(user, role)| (user.clone(), MemberAccess::from(role))).collect();
    let body = json!({ "project": project, "members": members, "version": snapshot.version, "now": ctx.now });
    call(&hub(ctx, org_slug, &project.slug)?, "/init", &body).await?;
    Ok(snapshot.version)
}

/// A change that raced the project's creation (written after the hub got its
/// snapshot, pushed before the project row existed) did not reach the new
/// hub: push once more when the version moved meanwhile.
pub async fn after_project_created(ctx: &Ctx, org_id: &str, init_version: i64) -> Result<(), ApiError> {
    if membership::version(&ctx.db, org_id).await? != init_version {
        sync_now(&SyncEnv::of(ctx), org_id).await;
    }
    Ok(())
}

/// Pushes a visibility change (the kill switch) to the hub, which the MCP hot
/// path reads on every request.
pub async fn push_visibility(ctx: &Ctx, org_slug: &str, project_slug: &str, visibility: &str) -> Result<(), ApiError> {
    let body = json!({ "visibility": visibility, "now": ctx.now });
    call(&hub(ctx, org_slug, project_slug)?, "/settings", &body).await?;
    Ok(())
}
