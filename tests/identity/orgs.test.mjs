// Organizations and roles, end to end: creating orgs, the built-in role matrix
// (what a member added by invitation may do), custom roles, the last-owner
// guard and owners racing each other. Every refused write is followed by a read
// showing nothing changed.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, fieldNames } from '../harness.mjs';
import { OWNER, w, useWorker, uniq, newEmail, fieldMessage, ownerClient, newOrg, list } from './setup.mjs';

useWorker();

// ---------------------------------------------------------------- orgs --

describe('organizations', () => {
  let owner;
  before(async () => { owner = await ownerClient(); });

  test('creating an org makes the creator its owner', async () => {
    const slug = uniq('acme');
    const r = await owner.post('/api/v1/orgs', { slug, name: 'Acme Corp' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.org.slug, slug);
    assert.equal(r.body.org.name, 'Acme Corp');
    assert.equal(r.body.role, 'owner');
    const got = await owner.get(`/api/v1/orgs/${slug}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.role.name, 'owner');
    const members = await list(owner, `/api/v1/orgs/${slug}/members`, 'members');
    assert.deepEqual(members.map((m) => [m.email, m.role]), [[OWNER.email, 'owner']]);
    assert.ok((await list(owner, '/api/v1/orgs', 'orgs')).some((o) => o.slug === slug && o.role === 'owner'));
  });

  test('a taken slug is 409, also for another user', async () => {
    const slug = await newOrg(owner, 'dup');
    assertError(await owner.post('/api/v1/orgs', { slug, name: 'Again' }), 409, 'conflict', { message: /taken/ });
    const other = await w.addMember(owner, slug, newEmail('dup-other'), 'viewer');
    assertError(await other.post('/api/v1/orgs', { slug, name: 'Mine' }), 409, 'conflict', {}, 'other user');
    const got = await owner.get(`/api/v1/orgs/${slug}`);
    assert.equal(got.body.org.name, `Org ${slug}`, 'the first org is untouched');
  });

  test('reserved slugs are 422 naming the slug field', async () => {
    for (const slug of ['api', 'draft', 'oauth', 'studio', 'well-known', 'healthz', 'login', 'admin']) {
      const r = await owner.post('/api/v1/orgs', { slug, name: 'Reserved' });
      assertError(r, 422, 'invalid_request', { fields: ['slug'], message: /reserved/ }, slug);
    }
    const slugs = (await list(owner, '/api/v1/orgs', 'orgs')).map((o) => o.slug);
    assert.ok(!slugs.includes('api') && !slugs.includes('studio'));
  });

  test('invalid slugs and a missing name are 422 listing each field', async () => {
    for (const slug of ['Acme', 'acme_corp', '-acme', 'ac me', 'ácme', 'a'.repeat(64), '.well-known']) {
      const r = await owner.post('/api/v1/orgs', { slug, name: 'Bad' });
      assertError(r, 422, 'invalid_request', { fields: ['slug'], message: /a-z, 0-9/ }, JSON.stringify(slug));
    }
    const r = await owner.post('/api/v1/orgs', { slug: 'Bad Slug' });
    assertError(r, 422, 'invalid_request', { fields: ['slug', 'name'] });
  });

  test('creating an org needs a signed-in caller (401)', async () => {
    assertError(await w.client().post('/api/v1/orgs', { slug: uniq('anon'), name: 'Anon' }), 401, 'unauthorized');
  });
});

// ------------------------------------------------------ built-in roles --

// What each built-in role may do. Columns: GET members, POST invitations,
// GET roles, POST roles, POST projects, GET projects, PATCH visibility, GET org.
const MATRIX = {
  owner: [1, 1, 1, 1, 1, 1, 1, 1],
  admin: [1, 1, 1, 1, 1, 1, 1, 1],
  developer: [0, 0, 0, 0, 1, 1, 0, 1],
  editor: [0, 0, 0, 0, 1, 1, 0, 1],
  viewer: [0, 0, 0, 0, 0, 0, 0, 1],
  mcp_user: [0, 0, 0, 0, 0, 0, 0, 1],
  mcp_developer: [0, 0, 0, 0, 0, 0, 0, 1],
};

describe('built-in roles: what a member added by invitation may do', () => {
  let owner;
  let org;
  let base;
  const members = {};
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'matrix');
    base = `/api/v1/orgs/${org}`;
    const p = await owner.post(`${base}/projects`, { slug: 'shared', name: 'Shared' });
    assert.equal(p.status, 201, p.text);
    for (const role of Object.keys(MATRIX)) {
      members[role] = await w.addMember(owner, org, newEmail(`m-${role.replace('_', '-')}`), role);
    }
  });

  for (const [role, can] of Object.entries(MATRIX)) {
    const [members_, invite, rolesGet, rolesPost, projPost, projGet, visibility, orgGet] = can.map(Boolean);
    test(`${role}: ${can.map((x) => (x ? '✓' : '✗')).join(' ')} (members, invite, roles, new role, new project, projects, visibility, org)`, async () => {
      const c = members[role];
      const tag = uniq(role.replace('_', '-'));
      /** 2xx when allowed, else 403 naming a permission. */
      const check = (r, allowed, okStatus, what) => {
        if (allowed) assert.equal(r.status, okStatus, `${role} ${what}: ${r.status} ${r.text}`);
        else assertError(r, 403, 'forbidden', { message: /permission/ }, `${role} ${what}`);
      };

      const m = await c.get(`${base}/members`);
      check(m, members_, 200, 'GET members');
      if (members_) assert.ok(m.body.members.some((x) => x.role === role), 'lists the caller');

      const invEmail = `${tag}@invited.test`;
      check(await c.post(`${base}/invitations`, { email: invEmail, role: 'viewer' }), invite, 201, 'POST invitation');
      const invs = await list(owner, `${base}/invitations`, 'invitations');
      assert.equal(invs.some((i) => i.email === invEmail), invite, `${role}: invitation written?`);

      check(await c.get(`${base}/roles`), rolesGet, 200, 'GET roles');

      const roleName = `r_${tag.replace(/-/g, '_')}`;
      check(await c.post(`${base}/roles`, { name: roleName, scopes: ['tools:read'], permissions: [] }), rolesPost, 201, 'POST role');
      const roles = await list(owner, `${base}/roles`, 'roles');
      assert.equal(roles.some((r) => r.name === roleName), rolesPost, `${role}: role written?`);

      const projSlug = `p-${tag}`;
      check(await c.post(`${base}/projects`, { slug: projSlug, name: 'P' }), projPost, 201, 'POST project');
      const projects = await list(owner, `${base}/projects`, 'projects');
      assert.equal(projects.some((p) => p.slug === projSlug), projPost, `${role}: project written?`);

      const pl = await c.get(`${base}/projects`);
      check(pl, projGet, 200, 'GET projects');
      if (projGet) assert.ok(pl.body.projects.some((p) => p.slug === 'shared'));

      const v = await c.patch(`${base}/projects/shared`, { visibility: 'public' });
      check(v, visibility, 200, 'PATCH visibility');
      if (visibility) {
        assert.equal(v.body.project.visibility, 'public');
        assert.equal((await owner.patch(`${base}/projects/shared`, { visibility: 'private' })).status, 200);
      } else if (projPost) {
        assert.match(v.body.message, /org\.manage/, `${role}: the refusal names org.manage`);
      }
      const shared = await owner.get(`${base}/projects/shared`);
      assert.equal(shared.body.project.visibility, 'private', `${role}: visibility back to/still private`);

      const o = await c.get(base);
      check(o, orgGet, 200, 'GET org');
      assert.equal(o.body.role.name, role);
      assert.equal(o.body.role.builtin, true);
    });
  }

  test('an editor may rename a project but not change its visibility', async () => {
    const c = members.editor;
    const r = await c.patch(`${base}/projects/shared`, { name: 'Renamed by editor' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await owner.get(`${base}/projects/shared`)).body.project.name, 'Renamed by editor');
    const same = await c.patch(`${base}/projects/shared`, { visibility: 'private' });
    assert.equal(same.status, 200, 'setting the current visibility changes nothing and is allowed');
    const bad = await owner.patch(`${base}/projects/shared`, { visibility: 'everyone' });
    assertError(bad, 422, 'invalid_request', { fields: ['visibility'] });
  });

  test('project slugs follow the slug rules (422) and a taken one is 409', async () => {
    for (const slug of ['draft', 'api', 'Bad_Slug']) {
      assertError(await owner.post(`${base}/projects`, { slug, name: 'X' }), 422, 'invalid_request', { fields: ['slug'] }, slug);
    }
    assertError(await owner.post(`${base}/projects`, { slug: 'shared', name: 'Again' }), 409, 'conflict');
  });

  test('non-members get 404 on every route of the org, signed-out callers 401', async () => {
    const outsider = await w.addMember(owner, await newOrg(owner, 'elsewhere'), newEmail('outsider'), 'admin');
    const routes = [
      ['GET', base], ['GET', `${base}/members`], ['PATCH', `${base}/members/${members.viewer.user.id}`, { role: 'admin' }],
      ['DELETE', `${base}/members/${members.viewer.user.id}`], ['GET', `${base}/invitations`],
      ['POST', `${base}/invitations`, { email: 'x@y.test', role: 'viewer' }], ['DELETE', `${base}/invitations/inv_0`],
      ['GET', `${base}/roles`], ['POST', `${base}/roles`, { name: 'sneaky', scopes: [], permissions: [] }],
      ['PATCH', `${base}/roles/sneaky`, { scopes: [] }], ['DELETE', `${base}/roles/sneaky`],
      ['GET', `${base}/projects`], ['POST', `${base}/projects`, { slug: 'sneaky', name: 'S' }],
      ['GET', `${base}/projects/shared`], ['PATCH', `${base}/projects/shared`, { visibility: 'public' }],
    ];
    const missing = await outsider.get('/api/v1/orgs/no-such-org-anywhere');
    for (const [method, path, body] of routes) {
      const r = await outsider.request(method, path, { body });
      assertError(r, 404, 'not_found', {}, `outsider ${method} ${path}`);
      assert.equal(r.body.message, missing.body.message.replace('no-such-org-anywhere', org), 'same answer as a missing org');
      assertError(await w.client().request(method, path, { body }), 401, 'unauthorized', {}, `anonymous ${method} ${path}`);
    }
    const p = await owner.get(`${base}/projects/shared`);
    assert.equal(p.body.project.visibility, 'private');
    assert.ok((await list(owner, `${base}/members`, 'members')).some((m) => m.user_id === members.viewer.user.id));
  });
});

// --------------------------------------------------------- custom roles --

describe('custom roles', () => {
  let owner;
  let base;
  const roleNames = async () => (await list(owner, `${base}/roles`, 'roles')).map((r) => r.name);
  before(async () => {
    owner = await ownerClient();
    base = `/api/v1/orgs/${await newOrg(owner, 'roles')}`;
  });

  test('the roles list has the 7 built-in roles with their permissions', async () => {
    const roles = await list(owner, `${base}/roles`, 'roles');
    assert.deepEqual(roles.map((r) => r.name), ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'mcp_developer']);
    const viewer = roles.find((r) => r.name === 'viewer');
    assert.deepEqual(viewer, { name: 'viewer', builtin: true, scopes: ['tools:read'], permissions: ['endpoint.production'] });
    assert.deepEqual(roles.find((r) => r.name === 'owner').scopes, ['*']);
  });

  test('a custom role is created (201), listed, and a duplicate is 409', async () => {
    const r = await owner.post(`${base}/roles`, { name: 'support', scopes: ['tools:read', 'tickets.close', 'tools:read'], permissions: ['audit.read'] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.role, { name: 'support', builtin: false, scopes: ['tickets.close', 'tools:read'], permissions: ['audit.read'] });
    const listed = (await list(owner, `${base}/roles`, 'roles')).find((x) => x.name === 'support');
    assert.deepEqual(listed, r.body.role);
    assertError(await owner.post(`${base}/roles`, { name: 'support', scopes: [], permissions: [] }), 409, 'conflict', { message: /already exists/ });
  });

  test('a bad scope and an unknown permission are 422 naming scopes[i] and permissions[i]; nothing is written', async () => {
    const r = await owner.post(`${base}/roles`, { name: 'auditor', scopes: ['Bad Scope', 'tools:read'], permissions: ['audit.read', 'root'] });
    assertError(r, 422, 'invalid_request', { fields: ['scopes[0]', 'permissions[1]'] });
    assert.match(fieldMessage(r, 'scopes[0]'), /a-z, 0-9/);
    assert.match(fieldMessage(r, 'permissions[1]'), /unknown permission 'root'/);
    assert.match(fieldMessage(r, 'permissions[1]'), /org\.manage/, 'the message lists the known permissions');
    const star = await owner.post(`${base}/roles`, { name: 'auditor', scopes: ['*'], permissions: [] });
    assertError(star, 422, 'invalid_request', { fields: ['scopes[0]'] }, '"*" is not a custom scope');
    assert.ok(!(await roleNames()).includes('auditor'));
  });

  test('a built-in or malformed role name is 422 naming the name field', async () => {
    for (const name of ['admin', 'owner', 'Support!', '2fast', 'a'.repeat(33)]) {
      const r = await owner.post(`${base}/roles`, { name, scopes: [], permissions: [] });
      assertError(r, 422, 'invalid_request', { fields: ['name'] }, name);
    }
    const builtins = (await list(owner, `${base}/roles`, 'roles')).filter((r) => r.builtin);
    assert.equal(builtins.length, 7, 'no second admin/owner appeared');
  });

  test('a role body with several problems lists every one of them', async () => {
    // No name, a bad scope, an unknown permission and an unknown field: four problems.
    const r = await owner.post(`${base}/roles`, { scopes: ['Bad Scope'], permissions: ['root'], colour: 'red' });
    assert.equal(r.status, 422, r.text);
    const fields = fieldNames(r);
    for (const f of ['name', 'scopes[0]', 'permissions[0]', 'colour']) {
      assert.ok(fields.includes(f), `${f} is listed: ${r.text}`);
    }
  });

  test('built-in roles cannot be patched or deleted (403)', async () => {
    for (const name of ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'mcp_developer']) {
      assertError(await owner.patch(`${base}/roles/${name}`, { scopes: ['tools:read'], permissions: [] }), 403, 'forbidden',
        { message: /built-in/ }, `PATCH ${name}`);
      assertError(await owner.delete(`${base}/roles/${name}`), 403, 'forbidden', { message: /built-in/ }, `DELETE ${name}`);
    }
    const roles = await list(owner, `${base}/roles`, 'roles');
    assert.deepEqual(roles.find((r) => r.name === 'viewer').permissions, ['endpoint.production']);
  });

  test('patching a custom role replaces what is sent; invalid entries are 422 and change nothing', async () => {
    await owner.post(`${base}/roles`, { name: 'ops', scopes: ['tools:read'], permissions: ['endpoint.draft'] });
    const bad = await owner.patch(`${base}/roles/ops`, { scopes: ['tools:call', 'Nope!'], permissions: ['project.edit', 'superpower'] });
    assertError(bad, 422, 'invalid_request', { fields: ['scopes[1]', 'permissions[1]'] });
    let ops = (await list(owner, `${base}/roles`, 'roles')).find((r) => r.name === 'ops');
    assert.deepEqual([ops.scopes, ops.permissions], [['tools:read'], ['endpoint.draft']], 'unchanged after 422');
    const ok = await owner.patch(`${base}/roles/ops`, { scopes: ['tools:call', 'tools:read'], permissions: ['project.edit'] });
    assert.equal(ok.status, 200, ok.text);
    ops = (await list(owner, `${base}/roles`, 'roles')).find((r) => r.name === 'ops');
    assert.deepEqual([ops.scopes, ops.permissions], [['tools:call', 'tools:read'], ['project.edit']]);
    assertError(await owner.patch(`${base}/roles/ghost`, { scopes: [], permissions: [] }), 404, 'not_found', {}, 'unknown role');
  });

  test('a PATCH that sends only permissions keeps the role\'s scopes', async () => {
    await owner.post(`${base}/roles`, { name: 'billing', scopes: ['tools:read', 'billing.refund'], permissions: ['audit.read'] });
    const r = await owner.patch(`${base}/roles/billing`, { permissions: ['audit.read', 'project.edit'] });
    assert.equal(r.status, 200, r.text);
    const billing = (await list(owner, `${base}/roles`, 'roles')).find((x) => x.name === 'billing');
    assert.deepEqual(billing.permissions, ['project.edit', 'audit.read']);
    assert.deepEqual(billing.scopes, ['billing.refund', 'tools:read'], 'scopes that were not sent must not be wiped');
  });

  test('a member holding a custom role gets exactly its permissions', async () => {
    await owner.post(`${base}/roles`, { name: 'builder', scopes: ['tools:read'], permissions: ['project.edit'] });
    const c = await w.addMember(owner, base.split('/').pop(), newEmail('builder'), 'builder');
    assert.equal((await c.get(`${base}/projects`)).status, 200, 'project.edit: may list projects');
    assertError(await c.get(`${base}/members`), 403, 'forbidden', { message: /org\.manage/ }, 'no org.manage');
    const o = await c.get(base);
    assert.deepEqual(o.body.role, { name: 'builder', builtin: false, scopes: ['tools:read'], permissions: ['project.edit'] });
  });

  test('deleting a role in use (by a member or a pending invitation) is 409; an unused one is deleted', async () => {
    const slug = base.split('/').pop();
    await owner.post(`${base}/roles`, { name: 'held', scopes: [], permissions: [] });
    await w.addMember(owner, slug, newEmail('held'), 'held');
    assertError(await owner.delete(`${base}/roles/held`), 409, 'conflict', { message: /held by members/ });
    await owner.post(`${base}/roles`, { name: 'pending', scopes: [], permissions: [] });
    const inv = await owner.post(`${base}/invitations`, { email: newEmail('pending'), role: 'pending' });
    assert.equal(inv.status, 201, inv.text);
    assertError(await owner.delete(`${base}/roles/pending`), 409, 'conflict', {}, 'pending invitation');
    let names = await roleNames();
    assert.ok(names.includes('held') && names.includes('pending'), 'both still exist');
    await owner.post(`${base}/roles`, { name: 'unused', scopes: [], permissions: [] });
    const del = await owner.delete(`${base}/roles/unused`);
    assert.equal(del.status, 200, del.text);
    names = await roleNames();
    assert.ok(!names.includes('unused'));
    assertError(await owner.delete(`${base}/roles/unused`), 404, 'not_found', {}, 'deleting twice');
  });
});

// ---------------------------------------------------- owners & members --

describe('owners and the last-owner guard', () => {
  let owner;
  let org;
  let base;
  let ownerId;
  let second; // invited as owner, later demoted to admin
  let viewer;
  const roleOf = async (userId) => (await list(owner, `${base}/members`, 'members')).find((m) => m.user_id === userId)?.role;
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'owners');
    base = `/api/v1/orgs/${org}`;
    ownerId = (await owner.get('/api/v1/me')).body.user.id;
    viewer = await w.addMember(owner, org, newEmail('own-viewer'), 'viewer');
  });

  test('the only owner cannot demote or remove themselves (409)', async () => {
    assertError(await owner.patch(`${base}/members/${ownerId}`, { role: 'admin' }), 409, 'conflict', { message: /at least one owner/ });
    assertError(await owner.delete(`${base}/members/${ownerId}`), 409, 'conflict', { message: /at least one owner/ });
    assert.equal(await roleOf(ownerId), 'owner');
  });

  test('with two owners, one of them can be demoted', async () => {
    second = await w.addMember(owner, org, newEmail('own-second'), 'owner');
    assert.equal(await roleOf(second.user.id), 'owner');
    const r = await owner.patch(`${base}/members/${second.user.id}`, { role: 'admin' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.role, 'admin');
    assert.equal(await roleOf(second.user.id), 'admin');
  });

  test('an admin cannot demote or remove an owner, nor grant the owner role (403)', async () => {
    assertError(await second.patch(`${base}/members/${ownerId}`, { role: 'viewer' }), 403, 'forbidden', { message: /owner/ }, 'demote owner');
    assertError(await second.delete(`${base}/members/${ownerId}`), 403, 'forbidden', { message: /owner/ }, 'remove owner');
    assertError(await second.patch(`${base}/members/${viewer.user.id}`, { role: 'owner' }), 403, 'forbidden', { message: /owner/ }, 'grant owner');
    assertError(await second.patch(`${base}/members/${second.user.id}`, { role: 'owner' }), 403, 'forbidden', {}, 'self-promotion');
    const wouldBe = newEmail('would-be-owner');
    const inv = await second.post(`${base}/invitations`, { email: wouldBe, role: 'owner' });
    assertError(inv, 403, 'forbidden', { message: /owner/ }, 'invite as owner');
    assert.equal(await roleOf(ownerId), 'owner');
    assert.equal(await roleOf(viewer.user.id), 'viewer');
    assert.equal(await roleOf(second.user.id), 'admin');
    assert.ok(!(await list(owner, `${base}/invitations`, 'invitations')).some((i) => i.email === wouldBe), 'no invitation written');
  });

  test('an admin can change the role of a non-owner', async () => {
    const r = await second.patch(`${base}/members/${viewer.user.id}`, { role: 'editor' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await roleOf(viewer.user.id), 'editor');
    assert.equal((await viewer.get(`${base}/projects`)).status, 200, 'the new role applies on the next request');
  });

  test('an unknown role is 422 naming the role field; an unknown member is 404', async () => {
    assertError(await owner.patch(`${base}/members/${viewer.user.id}`, { role: 'superuser' }), 422, 'invalid_request', { fields: ['role'] });
    assertError(await owner.patch(`${base}/members/usr_00000000000000000000000000000000`, { role: 'viewer' }), 404, 'not_found');
    assert.equal(await roleOf(viewer.user.id), 'editor');
  });

  test('a demotion takes effect on the next request', async () => {
    assert.equal((await second.get(`${base}/members`)).status, 200);
    assert.equal((await owner.patch(`${base}/members/${second.user.id}`, { role: 'viewer' })).status, 200);
    assertError(await second.get(`${base}/members`), 403, 'forbidden', { message: /org\.manage/ });
  });

  test('removing a member ends their access to the org at once', async () => {
    const r = await owner.delete(`${base}/members/${viewer.user.id}`);
    assert.equal(r.status, 200, r.text);
    assertError(await viewer.get(base), 404, 'not_found');
    assert.equal(await roleOf(viewer.user.id), undefined);
    assert.ok(!(await list(viewer, '/api/v1/orgs', 'orgs')).some((o) => o.slug === org));
  });
});

describe('owners racing each other', () => {
  test('two owners demoting each other at the same moment leave exactly one owner', async () => {
    const owner = await ownerClient();
    const org = await newOrg(owner, 'duel');
    const base = `/api/v1/orgs/${org}`;
    const ownerId = (await owner.get('/api/v1/me')).body.user.id;
    const rival = await w.addMember(owner, org, newEmail('rival'), 'owner');
    const [a, b] = await Promise.all([
      owner.patch(`${base}/members/${rival.user.id}`, { role: 'admin' }),
      rival.patch(`${base}/members/${ownerId}`, { role: 'admin' }),
    ]);
    // Whichever lands second is refused: 403 if it sees the first one's result
    // (no longer an owner), 409 if both passed the checks (the guarded UPDATE).
    const detail = `${a.status} ${a.text} | ${b.status} ${b.text}`;
    assert.equal([a, b].filter((r) => r.status === 200).length, 1, detail);
    assert.ok([a, b].every((r) => [200, 403, 409].includes(r.status)), detail);
    const members = await list(a.status === 200 ? owner : rival, `${base}/members`, 'members');
    assert.equal(members.filter((m) => m.role === 'owner').length, 1, JSON.stringify(members));
  });
});
