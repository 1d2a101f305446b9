// Membership sync: D1 and the project hubs converge.
//
// D1 is the truth; every project hub keeps a snapshot of the org's members
// that the MCP hot path checks. A change (role edit, role change, removal,
// invitation accepted) is written to D1 together with a row in the
// membership outbox, then pushed to every hub at once, one call per hub
// carrying every member. A push that fails stays in the outbox and the
// scheduled handler (cron, here triggered through wrangler's
// `/__scheduled` route) retries it until it holds.
//
// DOCKYARD_FAULTS=hub.members:4 makes the first four membership pushes to a
// hub fail as if the hub call had errored: the role edit's and the removal's
// inline pushes, the first scheduled retry, and the invitation acceptance's
// inline push. The second scheduled run then succeeds.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';
import * as F from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';

describe('membership sync with DOCKYARD_FAULTS=hub.members:4', () => {
  let w; let owner; let org; let base; let prodUrl;
  let support; let leaver; let joiner; let joinerInvite;
  let supportToken; let leaverToken; let leaverGrant;

  const tools = async (token, label) => {
    const r = await mcp(prodUrl, token, 'tools/list');
    assert.equal(r.status, 200, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json.result.tools.map((t) => t.name).sort();
  };
  const refused = async (token, label) => {
    const r = await mcp(prodUrl, token, 'tools/list');
    assert.equal(r.status, 401, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  };
  const members = async () => {
    const r = await owner.get(`${base}/members`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const scheduled = async () => {
    const r = await fetch(`${w.url}/__scheduled?cron=*+*+*+*+*`);
    assert.equal(r.status, 200, `the scheduled handler ran: ${r.status} ${await r.text()}`);
  };

  before(async () => {
    w = await startWorkerWithRetry({ vars: { DOCKYARD_FAULTS: 'hub.members:4' } });
    owner = await F.ownerOf(w);
    // Members join while the org has no project, so no hub push happens yet.
    org = await F.createOrg(owner, F.uniq('sync'));
    base = `/api/v1/orgs/${org}`;
    const role = { name: 'support', scopes: ['tools:read', 'tools:call', 'tickets.close'], permissions: ['endpoint.production'] };
    assert.equal((await owner.post(`${base}/roles`, role)).status, 201);
    support = await w.addMember(owner, org, 'support@sync.test', 'support');
    leaver = await w.addMember(owner, org, 'leaver@sync.test', 'mcp_user');
    // The joiner has an account (from another org) and is invited here later.
    const other = await F.createOrg(owner, F.uniq('other'));
    joiner = await w.addMember(owner, other, 'joiner@sync.test', 'viewer');
    // The project's hub starts from the member snapshot (no push, no fault).
    await F.createProject(owner, org, 'desk');
    await F.putType(owner, org, 'desk', F.orderCard('lookup'));
    await F.putType(owner, org, 'desk', F.orderCard('close_ticket', { scopes: ['tickets.close'] }));
    await F.publish(owner, org, 'desk');
    prodUrl = `${w.url}/${org}/desk`;
    supportToken = (await getTokens(w, support, { resource: prodUrl, scope: 'tools:read tools:call tickets.close' })).access_token;
    const t = await getTokens(w, leaver, { resource: prodUrl });
    leaverToken = t.access_token;
    leaverGrant = t.grantId;
  });
  after(() => w?.stop());

  test('before any change, the hub knows every member', async () => {
    assert.deepEqual(await tools(supportToken, 'support'), ['close_ticket', 'lookup']);
    assert.deepEqual(await tools(leaverToken, 'leaver'), ['lookup']);
    assert.equal((await members()).sync?.pending, false);
  });

  test('a role edit and a removal whose pushes fail are saved in D1 and reported as pending (202)', async () => {
    const edit = await owner.patch(`${base}/roles/support`, { scopes: ['tools:read', 'tools:call'] });
    assert.equal(edit.status, 202, edit.text);
    assert.equal(edit.body.sync, 'pending', edit.text);
    assert.deepEqual(edit.body.role.scopes, ['tools:call', 'tools:read']);
    const removal = await owner.delete(`${base}/members/${leaver.user.id}`);
    assert.equal(removal.status, 202, removal.text);
    assert.equal(removal.body.sync, 'pending', removal.text);
    const m = await members();
    assert.deepEqual(m.members.map((x) => x.email).sort(), ['owner@example.test', 'support@sync.test']);
    assert.equal(m.sync.pending, true, JSON.stringify(m.sync));
    // The hub has not heard of either change yet: this is what the outbox repairs.
    assert.deepEqual(await tools(supportToken, 'support, before the retry'), ['close_ticket', 'lookup']);
  });

  test('a scheduled retry that fails again leaves the change pending', async () => {
    await scheduled();
    const m = await members();
    assert.equal(m.sync.pending, true);
    assert.ok(m.sync.attempts >= 1, JSON.stringify(m.sync));
  });

  test('an invitation accepted while the hub push fails is pending (202), not a success', async () => {
    const inv = await owner.post(`${base}/invitations`, { email: 'joiner@sync.test', role: 'mcp_user' });
    assert.equal(inv.status, 201, inv.text);
    joinerInvite = inv.body.token;
    const r = await joiner.post('/api/v1/invitations/accept', { invitation: joinerInvite });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.sync, 'pending');
    assert.equal(r.body.role, 'mcp_user');
  });

  test('the next scheduled run holds: scopes narrowed, the removed member\'s grant revoked, the joiner known', async () => {
    await scheduled();
    assert.deepEqual(await tools(supportToken, 'support, after the retry'), ['lookup']);
    const call = await mcp(prodUrl, supportToken, 'tools/call', { name: 'close_ticket', arguments: { order_id: '1' } });
    assert.notEqual(call.status, 500);
    assert.ok(call.json?.error || call.status === 403, `close_ticket is no longer callable: ${call.status} ${call.text.slice(0, 200)}`);
    await refused(leaverToken, 'the removed member');
    const joinerToken = (await getTokens(w, joiner, { resource: prodUrl })).access_token;
    assert.deepEqual(await tools(joinerToken, 'the joiner'), ['lookup']);
  });

  test('D1 and the hub agree afterwards: the outbox is empty and D1 lists the grant as revoked', async () => {
    const m = await members();
    assert.equal(m.sync.pending, false, JSON.stringify(m.sync));
    assert.deepEqual(await w.d1('SELECT org_id FROM membership_outbox'), [], 'the outbox in D1 is empty');
    assert.deepEqual(m.members.map((x) => x.email).sort(), ['joiner@sync.test', 'owner@example.test', 'support@sync.test']);
    const grants = await owner.get(`${base}/grants`);
    assert.equal(grants.status, 200, grants.text);
    const g = grants.body.grants.find((x) => x.id === leaverGrant);
    assert.equal(g?.status, 'revoked', JSON.stringify(g));
    // Another run finds nothing to do and changes nothing.
    await scheduled();
    assert.deepEqual(await tools(supportToken, 'support, after an idle run'), ['lookup']);
    assert.equal((await members()).sync.pending, false);
  });

  test('without faults left, a change reaches the hub before it is reported (200)', async () => {
    const r = await owner.patch(`${base}/members/${support.user.id}`, { role: 'viewer' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.sync, 'done');
    const call = await mcp(prodUrl, supportToken, 'tools/list');
    // Still a member with endpoint.production, now only tools:read.
    assert.equal(call.status, 200, call.text.slice(0, 200));
  });
});
