// The small world the OAuth security suites (tests/security/oauth-*.test.mjs)
// run in: one worker (optionally with test faults and the HTTPS CIMD fixture),
// its owner, an org and one private, published project serving `show_order`.
// tests/oauth-helpers.mjs drives the real sign-in, consent and token calls;
// this file only sets the scene and names what the suites share.
//
//   const world = await securityWorld({ vars: { DOCKYARD_FAULTS: 'token.index' }, cimd: true });
//   const dev = await world.member('developer');
//   const t = await getTokens(world.w, dev, { resource: world.project.draftUrl });
//   await world.stop();
import assert from 'node:assert/strict';
import { orderCard, uniq, createOrg, createProject, putType, publish, ownerOf, startMcpWorker } from '../mcp-fixtures.mjs';
import { startCimdFixture } from '../oauth-helpers.mjs';

export const PASSWORD = 'member password 1'; // what harness addMember uses

/**
 * Starts the worker (after the CIMD fixture when `cimd`: the worker must trust
 * its CA) and builds the world. Returns `{ w, fx, owner, org, project, member, grants, stop }`.
 */
export async function securityWorld({ vars = {}, cimd = false } = {}) {
  const fx = cimd ? await startCimdFixture() : null;
  const w = await startMcpWorker({ vars });
  const owner = await ownerOf(w);
  const org = await createOrg(owner, uniq('sec'));
  const slug = await createProject(owner, org, uniq('vault'));
  await putType(owner, org, slug, orderCard());
  await publish(owner, org, slug);
  const project = { slug, url: `${w.url}/${org}/${slug}`, draftUrl: `${w.url}/${org}/${slug}/draft` };
  return {
    w, fx, owner, org, project,
    /** A new signed-in member with `role` (a Client with `.user` and `.email`). */
    async member(role, tag = role) {
      const email = `${uniq(tag)}@example.test`;
      const c = await w.addMember(owner, org, email, role);
      c.email = email;
      return c;
    },
    /** The org's grants as the owner sees them (`GET /api/v1/orgs/<org>/grants`), filtered. */
    async grants(query = {}) {
      const q = new URLSearchParams({ limit: '500', ...query }).toString();
      const r = await owner.get(`/api/v1/orgs/${org}/grants?${q}`);
      assert.equal(r.status, 200, r.text);
      return r.body.grants;
    },
    async stop() {
      await w.stop();
      await fx?.stop();
    },
  };
}
