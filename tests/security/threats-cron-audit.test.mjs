// Threat model (docs/SECURITY.md, "Repudiation"): every revocation is in the
// audit log, including the ones nobody made by hand.
//
// A member removal whose hub push fails is saved in D1 and answered 202
// "pending"; the cron trigger (here wrangler's `/__scheduled` route) pushes
// again later, and the hub then revokes the removed member's grants. Those
// revocations are made by the system, not by the admin who removed the
// member (who may be long gone by then): the audit record names the system as
// the actor, says why, and lists the grants.
//
// DOCKYARD_FAULTS=hub.members:1 makes the first membership push of the
// isolate fail: the removal's own. Members join before the org has a project,
// so no push happens before it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';
import * as F from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { pages } from '../audit/setup.mjs';

describe('revocations made by the cron trigger are audited', () => {
  let w; let owner; let org; let base; let prodUrl; let leaver; let grants;

  before(async () => {
    w = await startWorkerWithRetry({ vars: { DOCKYARD_FAULTS: 'hub.members:1' } });
    owner = await F.ownerOf(w);
    org = await F.createOrg(owner, F.uniq('cron'));
    base = `/api/v1/orgs/${org}`;
    leaver = await w.addMember(owner, org, 'leaver@cron.test', 'mcp_user');
    await F.createProject(owner, org, 'desk');
    await F.putType(owner, org, 'desk', F.orderCard('lookup'));
    await F.publish(owner, org, 'desk');
    prodUrl = `${w.url}/${org}/desk`;
    grants = [await getTokens(w, leaver, { resource: prodUrl }), await getTokens(w, leaver, { resource: prodUrl })];
  });
  after(() => w?.stop());

  test('a removal whose push fails is pending, and the hub still honours the grant until the cron runs', async () => {
    const removal = await owner.delete(`${base}/members/${leaver.user.id}`);
    assert.equal(removal.status, 202, removal.text);
    assert.equal(removal.body.sync, 'pending', removal.text);
    const r = await mcp(prodUrl, grants[0].access_token, 'tools/list');
    assert.equal(r.status, 200, 'the hub has not heard of the removal yet');
  });

  test('the scheduled run revokes the grants and records grant.revoke_sync by the system, with the reason', async () => {
    const run = await fetch(`${w.url}/__scheduled?cron=*+*+*+*+*`);
    assert.equal(run.status, 200, await run.text());
    for (const g of grants) {
      const r = await mcp(prodUrl, g.access_token, 'tools/list');
      assert.equal(r.status, 401, `the removed member's grant ${g.grantId} is revoked`);
    }
    const record = await F.eventually(async () => {
      const all = await pages(owner, `${base}/audit/actions`);
      return all.find((a) => a.action === 'grant.revoke_sync');
    }, { timeoutMs: 30_000, label: 'a grant.revoke_sync record' });
    assert.equal(record.org, org);
    assert.equal(record.actor_id, 'system', JSON.stringify(record));
    assert.equal(record.actor_email, 'system');
    assert.equal(record.via, 'system');
    assert.equal(record.target, leaver.user.id);
    assert.equal(record.details.cause, 'member.remove');
    assert.match(record.details.reason, /no longer a member/);
    assert.equal(record.details.user_id, leaver.user.id);
    assert.equal(record.details.revoked_count, 2);
    assert.deepEqual([...record.details.grant_ids].sort(), grants.map((g) => g.grantId).sort());
    // The filter by action knows the new kind too.
    const only = await pages(owner, `${base}/audit/actions?action=grant.revoke_sync`);
    assert.deepEqual(only.map((a) => a.id), [record.id]);
  });

  test('a second scheduled run revokes nothing more and records nothing more', async () => {
    const run = await fetch(`${w.url}/__scheduled?cron=*+*+*+*+*`);
    assert.equal(run.status, 200);
    // The admin's own member.remove is there, once, and still names the admin.
    const all = await F.eventually(async () => {
      const a = await pages(owner, `${base}/audit/actions`);
      return a.some((x) => x.action === 'member.remove') ? a : null;
    }, { label: 'the member.remove record' });
    assert.equal(all.filter((a) => a.action === 'grant.revoke_sync').length, 1);
    const removed = all.find((a) => a.action === 'member.remove');
    assert.equal(removed.actor_id, owner.user.id);
  });
});
