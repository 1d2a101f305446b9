// Projects and org roles, end to end: the visibility switch and the per-role
// permission matrix (edit, publish, manage), and what signed-out callers and
// members of another org get. Every refused write is followed by a read
// showing nothing changed. The worker, owner and org are ./setup.mjs.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from '../harness.mjs';
import {
  w, owner, org, uniq, useWorker, newProject, typeDoc, putType, readDraft, typeNames, readVersions, publish, assertDraftUnchanged,
} from './setup.mjs';

useWorker();

// ---------------------------------------------------- roles, visibility, permissions --

const ROLES = ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'mcp_developer'];
const CAN_EDIT = new Set(['owner', 'admin', 'developer', 'editor']);
const CAN_PUBLISH = new Set(['owner', 'admin', 'developer']);
const CAN_MANAGE = new Set(['owner', 'admin']);
const members = {}; // role -> signed-in client

describe('members', () => {
  before(async () => {
    for (const role of ROLES) members[role] = await w.addMember(owner, org, `${uniq(role)}@example.test`, role);
  });

  describe('visibility switch', () => {
    let P;
    const readProject = async () => {
      const r = await owner.get(P);
      assert.equal(r.status, 200, r.text);
      return r.body.project;
    };
    before(async () => { P = await newProject('vis'); });

    test('an owner switches a project to public', async () => {
      const r = await members.owner.patch(P, { visibility: 'public' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.project.visibility, 'public');
      assert.equal((await readProject()).visibility, 'public');
    });

    test('a developer (project.edit, no org.manage) may not switch it: 403, nothing changes', async () => {
      const before = await readProject();
      const r = await members.developer.patch(P, { visibility: 'private' });
      assertError(r, 403, 'forbidden', { message: /org\.manage/ });
      const both = await members.developer.patch(P, { visibility: 'private', name: 'Renamed by developer' });
      assertError(both, 403, 'forbidden', {}, 'with a rename in the same request');
      assert.deepEqual(await readProject(), before);
    });

    test('an editor may not switch it either; roles without project.edit get 403', async () => {
      const before = await readProject();
      for (const role of ['editor', 'viewer', 'mcp_user', 'mcp_developer']) {
        assertError(await members[role].patch(P, { visibility: 'private' }), 403, 'forbidden', {}, role);
      }
      assert.deepEqual(await readProject(), before);
    });

    test('a value other than private/public is 422 naming the field, nothing changes', async () => {
      const before = await readProject();
      for (const visibility of ['internal', 'PUBLIC', '', 1, true]) {
        const r = await owner.patch(P, { visibility });
        assertError(r, 422, 'invalid_request', { fields: ['visibility'] }, JSON.stringify(visibility));
      }
      assertError(await owner.patch(P, { visbility: 'private' }), 422, 'invalid_request', { fields: ['visbility'] }, 'typo');
      assert.deepEqual(await readProject(), before);
    });

    test('switching back to private works, by an admin too', async () => {
      const r = await members.admin.patch(P, { visibility: 'private' });
      assert.equal(r.status, 200, r.text);
      assert.equal((await readProject()).visibility, 'private');
      const list = await owner.get(`/api/v1/orgs/${org}/projects`);
      assert.equal(list.body.projects.find((p) => P.endsWith(`/${p.slug}`)).visibility, 'private');
    });
  });

  describe('permissions per role', () => {
    for (const role of ROLES) {
      test(`${role}: edit=${CAN_EDIT.has(role)} publish=${CAN_PUBLISH.has(role)}`, async () => {
        const c = members[role];
        const edit = CAN_EDIT.has(role);
        const pub = CAN_PUBLISH.has(role);
        // Setup by the owner: 1.0.0 and 1.1.0 published, production at 1.1.0.
        const P = await newProject(`perm-${role.replace('_', '-')}`);
        await putType(owner, P, 'base', typeDoc('base'));
        await publish(P);
        await putType(owner, P, 'more', typeDoc('more'));
        await publish(P);
        const expectDenied = (r, perm, label) =>
          assertError(r, 403, 'forbidden', { message: new RegExp(`${perm.replace('.', '\\.')}.*"${role}"`) }, `${role} ${label}`);
        const expect = (allowed, okStatus, perm, label) => (r) => {
          if (allowed) assert.equal(r.status, okStatus, `${role} ${label}: ${r.status} ${r.text.slice(0, 300)}`);
          else expectDenied(r, perm, label);
        };

        // Reads and writes of the draft: project.edit.
        expect(edit, 200, 'project.edit', 'GET draft')(await c.get(`${P}/draft`));
        expect(edit, 200, 'project.edit', 'GET diff')(await c.get(`${P}/draft/diff`));
        expect(edit, 200, 'project.edit', 'GET project')(await c.get(P));
        const draftBefore = await readDraft(P);
        expect(edit, 201, 'project.edit', 'PUT Type')(await putType(c, P, 'by_member', typeDoc('by_member')));
        expect(edit, 200, 'project.edit', 'PUT instructions')(await c.put(`${P}/draft/instructions`, { instructions: `by ${role}` }));
        expect(edit, 200, 'project.edit', 'DELETE Type')(await c.delete(`${P}/draft/types/base`));
        const draftAfter = await readDraft(P);
        if (edit) {
          assert.equal(draftAfter.revision, draftBefore.revision + 3);
          assert.deepEqual(typeNames(draftAfter), ['by_member', 'more']);
          assert.equal(draftAfter.instructions, `by ${role}`);
        } else {
          assert.deepEqual(draftAfter, draftBefore, `${role}: refused edits change nothing`);
        }

        // Publishing and history: project.publish.
        const versionsBefore = await readVersions(P);
        const published = await c.post(`${P}/publish`, { notes: `by ${role}` });
        expect(pub, 201, 'project.publish', 'publish')(published);
        expect(pub, 200, 'project.publish', 'GET versions')(await c.get(`${P}/versions`));
        expect(pub, 200, 'project.publish', 'GET version')(await c.get(`${P}/versions/1.0.0`));
        expect(pub, 200, 'project.publish', 'promote')(await c.post(`${P}/versions/1.0.0/promote`, {}));
        const versionsAfter = await readVersions(P);
        if (pub) {
          assert.equal(published.body.version.version, '2.0.0', 'base was removed: major');
          assert.equal(published.body.version.author_id, c.user.id);
          assert.equal(versionsAfter.production.version, '1.0.0');
          assert.deepEqual(versionsAfter.history.map((h) => [h.action, h.actor_id === c.user.id]),
            [['promote', true], ['publish', true], ['publish', false], ['publish', false]]);
        } else {
          assert.deepEqual(versionsAfter, versionsBefore, `${role}: refused releases change nothing`);
        }
      });
    }

    test('without a session every project route is 401; a member of another org gets 404', async () => {
      const P = await newProject('perm-outsider');
      await putType(owner, P, 'base', typeDoc('base'));
      await publish(P);
      const anon = w.client();
      const routes = [
        ['GET', `${P}/draft`], ['PUT', `${P}/draft/types/x`], ['GET', `${P}/draft/diff`],
        ['POST', `${P}/publish`], ['GET', `${P}/versions`], ['POST', `${P}/versions/1.0.0/promote`],
      ];
      const otherOrg = uniq('other');
      assert.equal((await owner.post('/api/v1/orgs', { slug: otherOrg, name: 'Other' })).status, 201);
      const outsider = await w.addMember(owner, otherOrg, `${uniq('outsider')}@example.test`, 'owner');
      const before = await readDraft(P);
      for (const [method, path] of routes) {
        const body = method === 'GET' ? {} : { body: method === 'PUT' ? typeDoc('x') : {} };
        assertError(await anon.request(method, path, body), 401, 'unauthorized', {}, `anonymous ${method} ${path}`);
        assertError(await outsider.request(method, path, body), 404, 'not_found', {}, `outsider ${method} ${path}`);
      }
      await assertDraftUnchanged(P, before, 'outsiders');
      assert.equal((await readVersions(P)).versions.length, 1);
    });
  });
});
