// Management actions in the audit log: publish and promote, member role
// changes and removals, custom role edits and grant revocations (by an admin
// and by the grant's own member). Each change is made through the real API
// and read back only through `GET .../audit/actions`; a refused change records
// nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject, putType, publish, orderCard, interactiveType } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { drained, pages } from './setup.mjs';

let w;
let owner;
let org;
const project = 'shop';

before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
  org = uniq('mgmt');
  await createOrg(owner, org);
  await createProject(owner, org, project);
  await putType(owner, org, project, orderCard('show_order'));
});
after(async () => { await w?.stop(); });

const actionsPath = (q = '') => `/api/v1/orgs/${org}/audit/actions${q}`;

/** The org's actions of `action`, once at least `n` are readable. */
async function actionsOf(action, n = 1) {
  return drained(owner, actionsPath(`?action=${action}`), n);
}

function assertActor(rec, who, label) {
  assert.equal(rec.org, org, `${label}: org`);
  assert.equal(rec.actor_id, who.user.id, `${label}: actor_id`);
  assert.equal(rec.actor_email, who.user.email, `${label}: actor_email`);
  assert.equal(rec.via, 'session', `${label}: via`);
  assert.match(rec.id, /^act_/, `${label}: id`);
}

test('publish and promote are recorded with the versions; a refused promote records nothing', async () => {
  const first = (await publish(owner, org, project)).version;
  await putType(owner, org, project, interactiveType('quote'));
  const second = (await publish(owner, org, project, { notes: 'adds quote' })).version;
  const published = await actionsOf('project.publish', 2);
  assert.equal(published.length, 2);
  const [newer, older] = published;
  assertActor(newer, owner, 'publish');
  assert.equal(newer.target, project);
  assert.deepEqual(newer.details, { version: second.version, previous: first.version, content_hash: second.content_hash, notes: 'adds quote' });
  assert.deepEqual(older.details, { version: first.version, previous: null, content_hash: first.content_hash, notes: '' });

  const base = `/api/v1/orgs/${org}/projects/${project}/versions`;
  const promoted = await owner.post(`${base}/${first.version}/promote`, {});
  assert.equal(promoted.status, 200, promoted.text);
  const [promote] = await actionsOf('project.promote');
  assertActor(promote, owner, 'promote');
  assert.deepEqual([promote.target, promote.details], [project, { version: first.version, previous: second.version }]);

  // Promoting what production already serves is a 409 and changes nothing.
  const again = await owner.post(`${base}/${first.version}/promote`, {});
  assert.equal(again.status, 409, again.text);
  // An unchanged draft cannot be published (409) either.
  await owner.post(`${base}/${second.version}/promote`, {});
  const refused = await owner.post(`/api/v1/orgs/${org}/projects/${project}/publish`, {});
  assert.equal(refused.status, 409, refused.text);
  const promotes = await actionsOf('project.promote', 2);
  assert.deepEqual(promotes.map((a) => a.details.version), [second.version, first.version], 'two promotes, the refused one not');
  assert.equal((await pages(owner, actionsPath('?action=project.publish'))).length, 2, 'the refused publish is not recorded');
});

test('member role change and removal are recorded with the roles', async () => {
  const email = `${uniq('m')}@example.test`;
  const member = await w.addMember(owner, org, email, 'viewer');
  const changed = await owner.patch(`/api/v1/orgs/${org}/members/${member.user.id}`, { role: 'developer' });
  assert.equal(changed.status, 200, changed.text);
  const [change] = await actionsOf('member.role_change');
  assertActor(change, owner, 'role change');
  assert.deepEqual([change.target, change.details], [member.user.id, { from: 'viewer', to: 'developer', sync: 'done' }]);

  // The last owner cannot be demoted (409): nothing is recorded.
  const last = await owner.patch(`/api/v1/orgs/${org}/members/${owner.user.id}`, { role: 'viewer' });
  assert.equal(last.status, 409, last.text);

  const removed = await owner.delete(`/api/v1/orgs/${org}/members/${member.user.id}`);
  assert.equal(removed.status, 200, removed.text);
  const [removal] = await actionsOf('member.remove');
  assertActor(removal, owner, 'removal');
  assert.deepEqual([removal.target, removal.details], [member.user.id, { role: 'developer', sync: 'done' }]);
  assert.equal((await pages(owner, actionsPath('?action=member.role_change'))).length, 1, 'the refused demotion is not recorded');
});

test('custom role create, update and delete are recorded with the scopes and permissions', async () => {
  const name = 'auditor';
  const made = await owner.post(`/api/v1/orgs/${org}/roles`, { name, scopes: ['tools:read'], permissions: ['audit.read'] });
  assert.equal(made.status, 201, made.text);
  const dup = await owner.post(`/api/v1/orgs/${org}/roles`, { name, scopes: ['tools:read'], permissions: [] });
  assert.equal(dup.status, 409, 'a second role of that name is refused');
  const edited = await owner.patch(`/api/v1/orgs/${org}/roles/${name}`, { scopes: ['tools:read', 'tools:call'] });
  assert.equal(edited.status, 200, edited.text);
  const deleted = await owner.delete(`/api/v1/orgs/${org}/roles/${name}`);
  assert.equal(deleted.status, 200, deleted.text);

  const [create] = await actionsOf('role.create');
  assertActor(create, owner, 'role.create');
  assert.deepEqual([create.target, create.details], [name, { scopes: ['tools:read'], permissions: ['audit.read'] }]);
  assert.equal((await pages(owner, actionsPath('?action=role.create'))).length, 1, 'the refused duplicate is not recorded');
  const [update] = await actionsOf('role.update');
  assert.equal(update.target, name);
  assert.deepEqual(update.details.scopes.toSorted(), ['tools:call', 'tools:read']);
  assert.deepEqual(update.details.permissions, ['audit.read']);
  assert.equal(update.details.sync, 'done');
  const [del] = await actionsOf('role.delete');
  assert.deepEqual([del.target, del.details], [name, {}]);
});

test('grant revocations are recorded, by an admin and by the member', async () => {
  const dev = await w.addMember(owner, org, `${uniq('dev')}@example.test`, 'developer');
  const resource = `${w.url}/${org}/${project}`;
  const t1 = await getTokens(w, dev, { resource });
  const t2 = await getTokens(w, dev, { resource });
  assert.equal((await mcp(resource, t1.access_token, 'tools/list')).status, 200);
  const grants = (await owner.get(`/api/v1/orgs/${org}/grants?user=${dev.user.id}`)).body.grants;
  assert.equal(grants.length, 2, JSON.stringify(grants));
  const [g1, g2] = grants;

  const byAdmin = await owner.delete(`/api/v1/orgs/${org}/grants/${g1.id}`);
  assert.equal(byAdmin.status, 200, byAdmin.text);
  const byMember = await dev.delete(`/api/v1/me/grants/${g2.id}`);
  assert.equal(byMember.status, 200, byMember.text);
  const unknown = await owner.delete(`/api/v1/orgs/${org}/grants/grt_doesnotexist`);
  assert.equal(unknown.status, 404);

  const revokes = await actionsOf('grant.revoke', 2);
  assert.equal(revokes.length, 2, 'two revocations; the 404 records nothing');
  const admin = revokes.find((r) => r.target === g1.id);
  const self = revokes.find((r) => r.target === g2.id);
  assertActor(admin, owner, 'admin revoke');
  assertActor(self, dev, 'own revoke');
  for (const [rec, g] of [[admin, g1], [self, g2]]) {
    assert.deepEqual(rec.details, { project, channel: g.channel, user_id: dev.user.id, client_id: g.client_id });
  }
  // The member sees their own revocation among their actions.
  const own = await drained(dev, '/api/v1/me/audit/actions?action=grant.revoke', 1);
  assert.deepEqual(own.map((r) => r.target), [g2.id]);
  // And the revoked grants are really dead.
  assert.equal((await mcp(resource, t1.access_token, 'tools/list')).status, 401);
  assert.equal((await mcp(resource, t2.access_token, 'tools/list')).status, 401);
});
