// Role escalation: a member may assign, create or edit only roles whose
// permissions and scopes are a subset of their own role's, and may manage
// only members whose current role is within their own. Owners and admins hold
// every permission and scope, so they may do anything (except that only an
// owner touches the owner role).
//
// The attacker is a member holding a custom role `manager` with only
// `org.manage` and the scope `tools:read`. On every path (invitation, role
// change, role creation, role edit) a broader role is refused with 403, and
// nothing changes: the members, the roles and the invitations stay as they were.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry, assertError } from '../harness.mjs';

describe('role escalation by a member with only org.manage', () => {
  let w; let owner; let manager; let viewer; let admin;
  const org = 'escalate';
  const base = `/api/v1/orgs/${org}`;
  let n = 0;
  const email = (tag) => `${tag}-${++n}@escalate.test`;

  const members = async () => {
    const r = await owner.get(`${base}/members`);
    assert.equal(r.status, 200, r.text);
    return Object.fromEntries(r.body.members.map((m) => [m.email, m.role]));
  };
  const roles = async () => {
    const r = await owner.get(`${base}/roles`);
    assert.equal(r.status, 200, r.text);
    return Object.fromEntries(r.body.roles.filter((x) => !x.builtin).map((x) => [x.name, x]));
  };
  const invitations = async () => {
    const r = await owner.get(`${base}/invitations`);
    assert.equal(r.status, 200, r.text);
    return r.body.invitations.map((i) => `${i.email}:${i.role}:${i.status}`).sort();
  };
  /** Everything an escalation could change, to compare before and after. */
  const state = async () => ({ members: await members(), roles: await roles(), invitations: await invitations() });

  before(async () => {
    w = await startWorkerWithRetry();
    owner = await w.bootstrapOwner();
    assert.equal((await owner.post('/api/v1/orgs', { slug: org, name: 'Escalate' })).status, 201);
    const roleBody = { name: 'manager', scopes: ['tools:read'], permissions: ['org.manage'] };
    assert.equal((await owner.post(`${base}/roles`, roleBody)).status, 201);
    const helper = { name: 'helper', scopes: [], permissions: [] };
    assert.equal((await owner.post(`${base}/roles`, helper)).status, 201);
    const reader = { name: 'reader', scopes: ['tools:read'], permissions: ['endpoint.production'] };
    assert.equal((await owner.post(`${base}/roles`, reader)).status, 201);
    manager = await w.addMember(owner, org, email('manager'), 'manager');
    viewer = await w.addMember(owner, org, email('viewer'), 'viewer');
    admin = await w.addMember(owner, org, email('admin'), 'admin');
  });
  after(() => w?.stop());

  test('invitations: a role broader than the inviter\'s is 403; one within it is created', async () => {
    const before = await state();
    for (const role of ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'reader']) {
      const r = await manager.post(`${base}/invitations`, { email: email('invitee'), role });
      assertError(r, 403, 'forbidden', {}, `invite as ${role}`);
    }
    const broader = await manager.post(`${base}/invitations`, { email: email('invitee'), role: 'developer' });
    assert.match(broader.body.message, /project\.edit|scope/, 'the refusal says what the role adds');
    assert.deepEqual(await state(), before, 'no invitation was created');
    for (const role of ['manager', 'helper']) {
      const ok = await manager.post(`${base}/invitations`, { email: email('ok'), role });
      assert.equal(ok.status, 201, `invite as ${role} (within the manager's own role): ${ok.text}`);
    }
  });

  test('role changes: nobody (the manager included) can be made admin, developer or anything broader', async () => {
    const before = await state();
    const targets = { self: manager.user.id, viewer: viewer.user.id };
    for (const [who, id] of Object.entries(targets)) {
      for (const role of ['owner', 'admin', 'developer', 'editor', 'mcp_developer', 'reader']) {
        const r = await manager.patch(`${base}/members/${id}`, { role });
        assertError(r, 403, 'forbidden', {}, `${who} -> ${role}`);
      }
    }
    assert.deepEqual(await state(), before, 'no role changed');
    // The manager's own role is still within itself.
    assert.equal((await manager.get(base)).body.role.name, 'manager');
  });

  test('a member above the manager can be neither demoted nor removed by it', async () => {
    const before = await state();
    assertError(await manager.patch(`${base}/members/${admin.user.id}`, { role: 'helper' }), 403, 'forbidden', {}, 'demote admin');
    assertError(await manager.patch(`${base}/members/${viewer.user.id}`, { role: 'helper' }), 403, 'forbidden', {}, 'demote viewer (endpoint.production)');
    assertError(await manager.delete(`${base}/members/${admin.user.id}`), 403, 'forbidden', {}, 'remove admin');
    assertError(await manager.delete(`${base}/members/${owner.user.id}`), 403, 'forbidden', {}, 'remove owner');
    assert.deepEqual(await state(), before);
  });

  test('role creation: a role with a permission or a scope the manager lacks is 403', async () => {
    const before = await state();
    const bodies = [
      { name: 'sneaky1', scopes: [], permissions: ['org.manage', 'project.publish'] },
      { name: 'sneaky2', scopes: ['tools:read', 'tools:call'], permissions: [] },
      { name: 'sneaky3', scopes: ['billing.refund'], permissions: ['org.manage'] },
      { name: 'sneaky4', scopes: [], permissions: ['endpoint.draft'] },
    ];
    for (const body of bodies) {
      assertError(await manager.post(`${base}/roles`, body), 403, 'forbidden', {}, body.name);
    }
    assert.deepEqual(await state(), before, 'no role was created');
    const ok = await manager.post(`${base}/roles`, { name: 'subset', scopes: ['tools:read'], permissions: [] });
    assert.equal(ok.status, 201, `a role within the manager's own: ${ok.text}`);
  });

  test('role edits: widening a role (the manager\'s own or another) is 403; the role is unchanged', async () => {
    const before = await state();
    const edits = [
      ['manager', { permissions: ['org.manage', 'project.edit'] }],
      ['manager', { scopes: ['tools:read', 'tools:call'] }],
      ['helper', { permissions: ['endpoint.draft'] }],
      ['helper', { scopes: ['billing.refund'] }],
      // A role broader than the manager's cannot be edited at all, even narrowed.
      ['reader', { permissions: [] }],
    ];
    for (const [name, body] of edits) {
      assertError(await manager.patch(`${base}/roles/${name}`, body), 403, 'forbidden', {}, `${name} ${JSON.stringify(body)}`);
    }
    assert.deepEqual(await state(), before, 'no role changed');
    const ok = await manager.patch(`${base}/roles/helper`, { scopes: ['tools:read'] });
    assert.equal(ok.status, 200, `narrower than the manager's own: ${ok.text}`);
  });

  test('admins and owners may still do everything below the owner role', async () => {
    const r = await admin.post(`${base}/roles`, { name: 'wide', scopes: ['billing.refund'], permissions: ['project.publish'] });
    assert.equal(r.status, 201, r.text);
    assert.equal((await admin.patch(`${base}/members/${viewer.user.id}`, { role: 'developer' })).status, 200);
    assert.equal((await admin.patch(`${base}/members/${manager.user.id}`, { role: 'wide' })).status, 200);
    assertError(await admin.patch(`${base}/members/${viewer.user.id}`, { role: 'owner' }), 403, 'forbidden', {}, 'admin -> owner');
    assert.equal((await owner.patch(`${base}/members/${viewer.user.id}`, { role: 'owner' })).status, 200);
  });
});
