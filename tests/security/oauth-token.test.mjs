// The token endpoint after the hub has committed: a failing D1 index write
// (the Authorized apps listing) never turns a committed answer into an error.
// Two workers, one after the other, each with a test-only fault:
//  - `token.index`: every index write of /oauth/token and /oauth/revoke fails.
//    Code redemptions and refresh rotations still answer 200 with working
//    tokens, a replayed code is still invalid_grant and still revokes its
//    grant in the hub; the listing lags (proof that the writes did fail).
//  - `token.index.first`: the first attempt of each index write fails; the
//    retry after the response lands, so the revocation of a replayed code
//    reaches the listing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../mcp-fixtures.mjs';
import { authorize, exchangeCode, refresh, revokeToken, registerClient, mcp } from '../oauth-helpers.mjs';
import { securityWorld } from './setup.mjs';

/** Authorizes a fresh DCR client as `user` on `resource`; returns the code exchange's input. */
async function codeFor(world, user, resource) {
  const reg = await registerClient(world.w, { client_name: 'Index fault client' });
  assert.equal(reg.status, 201, reg.text);
  const a = await authorize(world.w, user, { clientId: reg.clientId, resource });
  assert.ok(a.redirect?.code, `${a.page.status} ${a.page.text.slice(0, 300)}`);
  return { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId, resource };
}

const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));

function assertTools(r, label) {
  assert.equal(r.status, 200, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.deepEqual(r.json.result.tools.map((t) => t.name), ['show_order'], label);
}

describe('fault token.index: every index write fails', () => {
  let world; let dev;
  before(async () => {
    world = await securityWorld({ vars: { DOCKYARD_FAULTS: 'token.index' } });
    dev = await world.member('developer');
  });
  after(() => world?.stop());

  test('a code redemption and two refresh rotations answer 200 with working tokens', async () => {
    const ex = await codeFor(world, dev, world.project.draftUrl);
    const t = await exchangeCode(world.w, ex);
    assert.equal(t.status, 200, t.text);
    assertTools(await mcp(world.project.draftUrl, t.body.access_token, 'tools/list'), 'redeemed token');
    const r1 = await refresh(world.w, { refreshToken: t.body.refresh_token, clientId: ex.clientId });
    assert.equal(r1.status, 200, r1.text);
    assertTools(await mcp(world.project.draftUrl, r1.body.access_token, 'tools/list'), 'refreshed token');
    const r2 = await refresh(world.w, { refreshToken: r1.body.refresh_token, clientId: ex.clientId });
    assert.equal(r2.status, 200, r2.text);
    assertTools(await mcp(world.project.draftUrl, r2.body.access_token, 'tools/list'), 'refreshed again');
    // The listing never heard of the uses: the index writes really failed.
    const [g] = await world.grants({ client: ex.clientId });
    assert.equal(g.id, claims(t.body.access_token).grant_id);
    assert.equal(g.last_used_at, null, 'the index write failed (the fault is live)');
  });

  test('a replayed code is still invalid_grant and still revokes its grant', async () => {
    const ex = await codeFor(world, dev, world.project.draftUrl);
    const first = await exchangeCode(world.w, ex);
    assert.equal(first.status, 200, first.text);
    const replay = await exchangeCode(world.w, ex);
    assert.equal(replay.status, 400, replay.text);
    assert.equal(replay.body.error, 'invalid_grant', replay.text);
    assert.equal(replay.headers.get('cache-control'), 'no-store');
    const after = await mcp(world.project.draftUrl, first.body.access_token, 'tools/list');
    assert.equal(after.status, 401, `revoked in the hub: ${after.text}`);
    const r = await refresh(world.w, { refreshToken: first.body.refresh_token, clientId: ex.clientId });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant');
  });

  test('RFC 7009 revocation answers 200 and the grant is revoked in the hub', async () => {
    const ex = await codeFor(world, dev, world.project.draftUrl);
    const t = await exchangeCode(world.w, ex);
    assert.equal(t.status, 200, t.text);
    const rv = await revokeToken(world.w, { token: t.body.refresh_token, clientId: ex.clientId });
    assert.equal(rv.status, 200, rv.text);
    const after = await mcp(world.project.draftUrl, t.body.access_token, 'tools/list');
    assert.equal(after.status, 401, after.text);
  });
});

describe('fault token.index.first: the first attempt fails, the retry lands', () => {
  let world; let dev;
  before(async () => {
    world = await securityWorld({ vars: { DOCKYARD_FAULTS: 'token.index.first' } });
    dev = await world.member('developer');
  });
  after(() => world?.stop());

  test('the redemption answers 200; its use reaches the listing after the response', async () => {
    const ex = await codeFor(world, dev, world.project.url);
    const t = await exchangeCode(world.w, ex);
    assert.equal(t.status, 200, t.text);
    assertTools(await mcp(world.project.url, t.body.access_token, 'tools/list'), 'redeemed token');
    const g = await eventually(async () => (await world.grants({ client: ex.clientId })).find((x) => x.last_used_at !== null),
      { label: 'last_used_at in the listing' });
    assert.equal(g.status, 'active');
  });

  test('a replayed code: invalid_grant, and the revocation reaches the listing', async () => {
    const ex = await codeFor(world, dev, world.project.url);
    const first = await exchangeCode(world.w, ex);
    assert.equal(first.status, 200, first.text);
    const replay = await exchangeCode(world.w, ex);
    assert.equal(replay.status, 400, replay.text);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await mcp(world.project.url, first.body.access_token, 'tools/list')).status, 401);
    await eventually(async () => (await world.grants({ client: ex.clientId }))[0]?.status === 'revoked',
      { label: 'the revocation in the listing' });
  });

  test('a refresh token revoked through RFC 7009 shows as revoked in the listing', async () => {
    const ex = await codeFor(world, dev, world.project.url);
    const t = await exchangeCode(world.w, ex);
    assert.equal(t.status, 200, t.text);
    const rv = await revokeToken(world.w, { token: t.body.refresh_token, clientId: ex.clientId });
    assert.equal(rv.status, 200, rv.text);
    await eventually(async () => (await world.grants({ client: ex.clientId }))[0]?.status === 'revoked',
      { label: 'the revocation in the listing' });
  });
});
