// Deleting a project (issue 11: `DELETE /api/v1/orgs/<org>/projects/<p>`,
// org.manage), end to end with real OAuth flows:
//  - its grants are revoked: access tokens are 401 and refresh tokens fail;
//  - its endpoints answer exactly like an unknown project (401, same body and
//    challenge), also for anonymous callers of a project that was public;
//  - its versions and grants index rows are gone, and the slug is free;
//  - a project re-created with the same slug inherits nothing: the old
//    tokens (whose `aud` names the slug) are still refused, the old Types and
//    versions are not there, and new grants work;
//  - the delete is a `project.delete` management record, and the audit trail
//    of the deleted project stays.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getTokens, mcp, refresh } from '../oauth-helpers.mjs';
import * as F from '../mcp-fixtures.mjs';
import { securityWorld } from '../security/setup.mjs';
import { drained } from '../audit/setup.mjs';

let world; let dev;
before(async () => {
  world = await securityWorld();
  dev = await world.member('developer', 'deleter');
});
after(() => world?.stop());

const projectApi = (slug) => `/api/v1/orgs/${world.org}/projects/${slug}`;

/** A published project with `show_order` (and `extra`), its URLs. */
async function project(slug, types = [F.orderCard()]) {
  await F.createProject(world.owner, world.org, slug);
  for (const t of types) await F.putType(world.owner, world.org, slug, t);
  await F.publish(world.owner, world.org, slug);
  return { slug, url: `${world.w.url}/${world.org}/${slug}`, draftUrl: `${world.w.url}/${world.org}/${slug}/draft` };
}

async function toolNames(url, token) {
  const r = await mcp(url, token, 'tools/list');
  assert.equal(r.status, 200, r.text);
  return r.json.result.tools.map((t) => t.name).sort();
}

async function assertRefused(t, url, label) {
  const r = await mcp(url, t.access_token, 'tools/list');
  assert.equal(r.status, 401, `${label}: ${r.text}`);
  const again = await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId });
  assert.equal(again.status, 400, `${label} refresh: ${again.text}`);
  assert.equal(again.body.error, 'invalid_grant', label);
}

describe('project delete', () => {
  let p; let draft; let prod; let survivor;

  before(async () => {
    p = await project(F.uniq('doomed'), [F.orderCard(), F.interactiveType('old_only')]);
    draft = await getTokens(world.w, dev, { resource: p.draftUrl });
    prod = await getTokens(world.w, dev, { resource: p.url });
    survivor = await getTokens(world.w, dev, { resource: world.project.draftUrl });
    await F.setVisibility(world.owner, world.org, p.slug, 'public');
    const anon = await F.modern(p.url, 'tools/list');
    assert.equal(anon.status, 200, `public before: ${anon.text}`);
  });

  test('needs org.manage; an unknown project is a 404', async () => {
    const r = await dev.delete(projectApi(p.slug));
    assert.equal(r.status, 403, r.text);
    assert.equal((await world.owner.delete(projectApi('no-such-project'))).status, 404);
    assert.deepEqual(await toolNames(p.draftUrl, draft.access_token), ['old_only', 'show_order'], 'still there');
  });

  test('revokes its grants, answers like an unknown project, and frees the slug', async () => {
    const r = await world.owner.delete(projectApi(p.slug));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { deleted: p.slug, revoked_count: 2 });
    await assertRefused(draft, p.draftUrl, 'draft token');
    await assertRefused(prod, p.url, 'production token');
    assert.deepEqual(await toolNames(world.project.draftUrl, survivor.access_token), ['show_order'], 'another project is untouched');
    for (const draftEndpoint of [false, true]) {
      const suffix = draftEndpoint ? '/draft' : '';
      const gone = await F.modern(`${p.url}${suffix}`, 'tools/list');
      const ghost = await F.modern(`${world.w.url}/${world.org}/never-existed${suffix}`, 'tools/list');
      assert.equal(gone.status, 401, gone.text);
      assert.equal(gone.text, ghost.text, 'the same body as an unknown project');
      assert.equal(gone.headers.get('www-authenticate'), F.expectedChallenge(world.w, world.org, p.slug, draftEndpoint));
    }
    assert.equal((await world.owner.get(projectApi(p.slug))).status, 404);
    assert.equal((await world.owner.get(`${projectApi(p.slug)}/versions`)).status, 404);
    const listed = (await world.owner.get(`/api/v1/orgs/${world.org}/projects`)).body.projects.map((x) => x.slug);
    assert.ok(!listed.includes(p.slug), listed.join(', '));
    for (const status of ['active', 'revoked', 'pending', 'expired']) {
      assert.deepEqual(await world.grants({ project: p.slug, status }), [], `no ${status} grant of the deleted project`);
    }
    assert.deepEqual(await world.w.d1(`SELECT grant_id FROM grants_index WHERE grant_id IN ('${draft.grantId}', '${prod.grantId}')`), []);
    assert.equal((await world.owner.delete(projectApi(p.slug))).status, 404, 'deleted once');
  });

  test('the delete is recorded, and the deleted project\'s audit trail stays', async () => {
    const [rec] = await drained(world.owner, `/api/v1/orgs/${world.org}/audit/actions?action=project.delete`, 1);
    assert.equal(rec.target, p.slug);
    assert.equal(rec.actor_id, world.owner.user.id);
    assert.equal(rec.details.revoked_count, 2);
    assert.equal(rec.details.name, `Project ${p.slug}`);
    const created = await drained(world.owner, `/api/v1/orgs/${world.org}/audit/actions?action=project.create`, 2);
    assert.ok(created.some((r) => r.target === p.slug), 'its creation is still in the log');
    const calls = await drained(world.owner, `/api/v1/orgs/${world.org}/audit?project=${p.slug}`, 1);
    assert.ok(calls.some((r) => r.grant_id === draft.grantId), 'its MCP records are still in the log');
  });

  test('re-created with the same slug, it inherits nothing', async () => {
    const again = await project(p.slug);
    assert.equal(again.slug, p.slug);
    // Tokens minted for the old project carry its slug in `aud`: still refused.
    await assertRefused(draft, again.draftUrl, 'old draft token on the new project');
    await assertRefused(prod, again.url, 'old production token on the new project');
    const anon = await F.modern(again.url, 'tools/list');
    assert.equal(anon.status, 401, 'the new project is private, as every new project');
    const fresh = await getTokens(world.w, dev, { resource: again.draftUrl });
    assert.deepEqual(await toolNames(again.draftUrl, fresh.access_token), ['show_order'], 'the old draft Types are gone');
    const versions = await world.owner.get(`${projectApi(p.slug)}/versions`);
    assert.equal(versions.status, 200, versions.text);
    assert.deepEqual(versions.body.versions.map((v) => v.version), ['1.0.0'], 'only the new release');
    assert.deepEqual((await world.grants({ project: p.slug })).map((g) => g.id), [fresh.grantId]);
  });
});
