// The OAuth token endpoint and grants, end to end over plain HTTP: the code
// exchange's attacks (PKCE, redirect, resource, replay, forged codes), refresh
// rotation with its grace window and reuse detection, grants (several devices,
// admin and self revocation, RFC 7009, member removal, role downgrade), and
// Cache-Control: no-store on every token and revoke response. The world
// (worker, org, projects, members) is ./setup.mjs.
//
// The two cases that need more than a minute (an expired code; a refresh token
// reused after its 60 s grace) are prepared at start-up (in `useWorld`'s
// callback) and checked last, waiting only for whatever is left of the minute.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../mcp-fixtures.mjs';
import {
  DEFAULT_REDIRECT, authorize, openConsent, registerClient, exchangeCode, refresh, revokeToken, getTokens, mcp, pkcePair,
  decodeJwt, tokenLog,
} from '../oauth-helpers.mjs';
import {
  w, owner, org, shop, other, users, member, orgGrants, useWorld,
  assertNothingIssued, assertErrorPage, assertTokenError, assert401, assertTools, assertCallOk, callOrder,
} from './setup.mjs';

const aging = {}; // prepared at start-up, checked at the end

useWorld(async () => {
  // Prepared now, checked at the very end (after more than a minute).
  const dev = users.developer;
  const reg = await registerClient(w, { client_name: 'Aging client' });
  const a = await authorize(w, dev, { clientId: reg.clientId, resource: shop.draftUrl });
  assert.ok(a.redirect?.code, 'an unused code to let expire');
  aging.code = { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId, issuedAt: Date.now() };
  const t = await getTokens(w, dev, { resource: shop.draftUrl });
  const r1 = await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId });
  assert.equal(r1.status, 200, r1.text);
  aging.refresh = { old: t.refresh_token, current: r1.body.refresh_token, access: r1.body.access_token, clientId: t.clientId, grantId: t.grantId, rotatedAt: Date.now() };
});

// ------------------------------------------------------------- /oauth/token --

describe('/oauth/token: codes', () => {
  let reg;
  before(async () => { reg = await registerClient(w); });
  const fresh = (opts = {}) => authorize(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl, ...opts });

  test('a wrong verifier, the challenge as verifier (plain), or none: refused, and the code still works after', async () => {
    const a = await fresh();
    const base = { code: a.redirect.code, clientId: reg.clientId, resource: shop.draftUrl };
    assertTokenError(await exchangeCode(w, { ...base, verifier: pkcePair().verifier }), 400, 'invalid_grant', 'wrong verifier', /code_verifier/);
    assertTokenError(await exchangeCode(w, { ...base, verifier: a.pkce.challenge }), 400, 'invalid_grant', 'plain-style verifier');
    assertTokenError(await exchangeCode(w, { ...base, verifier: 'short' }), 400, 'invalid_grant', 'malformed verifier');
    assertTokenError(await exchangeCode(w, { ...base, verifier: undefined }), 400, 'invalid_request', 'missing verifier', /code_verifier/);
    const ok = await exchangeCode(w, { ...base, verifier: a.pkce.verifier });
    assert.equal(ok.status, 200, ok.text);
  });

  test('another redirect_uri or another client: refused, and the code still works after', async () => {
    const a = await fresh();
    const base = { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId };
    assertTokenError(await exchangeCode(w, { ...base, redirectUri: `${DEFAULT_REDIRECT}/` }), 400, 'invalid_grant', 'redirect + /');
    assertTokenError(await exchangeCode(w, { ...base, extra: { redirect_uri: '' } }), 400, 'invalid_request', 'no redirect_uri');
    const otherClient = await registerClient(w);
    assertTokenError(await exchangeCode(w, { ...base, clientId: otherClient.clientId }), 400, 'invalid_grant', 'other client');
    assertTokenError(await exchangeCode(w, { ...base, clientId: 'dcr_nobody' }), 401, 'invalid_client', 'unknown client');
    assertTokenError(await exchangeCode(w, { ...base, resource: `${shop.draftUrl}/` }), 400, 'invalid_target', 'not ours');
    await assertNothingIssued(otherClient.clientId);
    const ok = await exchangeCode(w, { ...base, resource: shop.draftUrl });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(decodeJwt(ok.body.access_token).payload.aud, shop.draftUrl);
  });

  test('a resource other than the code\'s at the token endpoint is invalid_target (RFC 8707)', async () => {
    const a = await fresh();
    const base = { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId };
    for (const [resource, label] of [[shop.url, 'production resource for a draft code'], [other.draftUrl, 'another project']]) {
      const r = await exchangeCode(w, { ...base, resource });
      assert.equal(r.status, 400, `${label}: ${r.text}`);
      assert.equal(r.body.access_token, undefined, label);
      assert.equal(r.body.error, 'invalid_target', `${label}: ${r.text}`);
    }
  });

  test('a replayed code fails and revokes the grant: the first token then gets 401, its refresh fails', async () => {
    const a = await fresh();
    const ex = { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId, resource: shop.draftUrl };
    const first = await exchangeCode(w, ex);
    assert.equal(first.status, 200, first.text);
    const token = first.body.access_token;
    assertTools(await mcp(shop.draftUrl, token, 'tools/list'), ['show_order', 'orders_report'], 'before the replay');
    assertTokenError(await exchangeCode(w, ex), 400, 'invalid_grant', 'replay', /already used/);
    assert401(await mcp(shop.draftUrl, token, 'tools/list'), shop.draftUrl, { reason: /revoked/ }, 'after the replay');
    assertTokenError(await refresh(w, { refreshToken: first.body.refresh_token, clientId: reg.clientId }), 400, 'invalid_grant', 'refresh after replay');
    const grant = (await orgGrants({ client: reg.clientId, status: 'revoked' })).find((g) => g.id === decodeJwt(token).payload.grant_id);
    assert.equal(grant?.status, 'revoked');
  });

  test('unknown, garbage and forged codes are invalid_grant', async () => {
    const forged = `dyc_${Buffer.from(`${org}/${shop.slug}`).toString('base64url')}.${'A'.repeat(43)}`;
    for (const code of ['garbage', 'dyc_', forged, `dyc_${Buffer.from('../x').toString('base64url')}.abc`]) {
      assertTokenError(await exchangeCode(w, { code, verifier: pkcePair().verifier, clientId: reg.clientId }), 400, 'invalid_grant', code);
    }
    assertTokenError(await exchangeCode(w, { code: 'x', verifier: pkcePair().verifier, clientId: reg.clientId, extra: { grant_type: 'password' } }),
      400, 'unsupported_grant_type', 'password grant');
  });
});

// ------------------------------------------------------------------- grants --

describe('grants: revocation and membership take effect on the next request', () => {
  test('re-authorizing the same client creates another grant; revoking one leaves the other', async () => {
    const reg = await registerClient(w);
    const laptop = await getTokens(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl });
    const phone = await getTokens(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl });
    assert.notEqual(laptop.grantId, phone.grantId);
    const grants = await orgGrants({ client: reg.clientId });
    assert.deepEqual(grants.map((g) => g.id).sort(), [laptop.grantId, phone.grantId].sort());
    for (const g of grants) {
      assert.equal(g.status, 'active');
      assert.equal(g.project, shop.slug);
      assert.equal(g.channel, 'draft');
      assert.equal(g.user_id, users.developer.user.id);
      assert.deepEqual(g.scopes.sort(), ['tools:call', 'tools:read']);
    }
    const del = await owner.delete(`/api/v1/orgs/${org}/grants/${laptop.grantId}`);
    assert.equal(del.status, 200, del.text);
    assert401(await mcp(shop.draftUrl, laptop.access_token, 'tools/list'), shop.draftUrl, { reason: /revoked/ }, 'revoked device');
    assertTools(await mcp(shop.draftUrl, phone.access_token, 'tools/list'), ['show_order', 'orders_report'], 'other device');
  });

  test('an admin revokes a grant: the next MCP request is 401 and the refresh token is invalid_grant', async () => {
    const t = await getTokens(w, users.mcp_developer, { resource: shop.draftUrl });
    assertCallOk(await callOrder(shop.draftUrl, t.access_token), 'before');
    const del = await owner.delete(`/api/v1/orgs/${org}/grants/${t.grantId}`);
    assert.deepEqual(del.body, { revoked: t.grantId });
    assert401(await callOrder(shop.draftUrl, t.access_token), shop.draftUrl, { reason: /revoked/ }, 'after');
    assertTokenError(await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId }), 400, 'invalid_grant', 'refresh');
    assert.deepEqual(await orgGrants({ client: t.clientId }), [], 'no longer among the active grants');
    const [g] = await orgGrants({ client: t.clientId, status: 'revoked' });
    assert.equal(g.status, 'revoked');
    assert.equal(typeof g.revoked_at, 'number');
    assert.equal((await owner.delete(`/api/v1/orgs/${org}/grants/grt_nope`)).status, 404);
    assert.equal((await users.developer.get(`/api/v1/orgs/${org}/grants`)).status, 403, 'org.manage needed to list');
    assert.equal((await users.developer.delete(`/api/v1/orgs/${org}/grants/${t.grantId}`)).status, 403, 'and to revoke');
  });

  test('a member revokes their own grant; nobody else\'s', async () => {
    const me = users.mcp_developer;
    const t = await getTokens(w, me, { resource: shop.draftUrl });
    const mine = await me.get('/api/v1/me/grants');
    assert.equal(mine.status, 200);
    const row = mine.body.grants.find((g) => g.id === t.grantId);
    assert.equal(row?.status, 'active');
    const theirs = await getTokens(w, users.developer, { resource: shop.draftUrl });
    assert.equal((await me.delete(`/api/v1/me/grants/${theirs.grantId}`)).status, 404, 'not my grant');
    assertTools(await mcp(shop.draftUrl, theirs.access_token, 'tools/list'), ['show_order', 'orders_report'], 'untouched');
    const del = await me.delete(`/api/v1/me/grants/${t.grantId}`);
    assert.equal(del.status, 200, del.text);
    assert401(await mcp(shop.draftUrl, t.access_token, 'tools/list'), shop.draftUrl, { reason: /revoked/ }, 'own revoked');
    assertTokenError(await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId }), 400, 'invalid_grant', 'own refresh');
  });

  test('RFC 7009: revoking the refresh token or the access token ends the grant', async () => {
    for (const which of ['refresh_token', 'access_token']) {
      const t = await getTokens(w, users.developer, { resource: shop.draftUrl });
      const r = await revokeToken(w, { token: t[which], clientId: t.clientId });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert401(await mcp(shop.draftUrl, t.access_token, 'tools/list'), shop.draftUrl, {}, which);
      assertTokenError(await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId }), 400, 'invalid_grant', `${which}: refresh`);
    }
    const t = await getTokens(w, users.developer, { resource: shop.draftUrl });
    const stranger = await registerClient(w);
    const r = await revokeToken(w, { token: t.refresh_token, clientId: stranger.clientId });
    assert.equal(r.status, 200, 'unknown to that client: still 200 (RFC 7009)');
    assertTools(await mcp(shop.draftUrl, t.access_token, 'tools/list'), ['show_order', 'orders_report'], 'another client cannot revoke it');
    assert.equal((await revokeToken(w, { token: 'garbage', clientId: t.clientId })).status, 200);
  });

  test('a member removed mid-session: the next request is 401 and the refresh fails', async () => {
    const gone = await member('developer', 'leaver');
    const t = await getTokens(w, gone, { resource: shop.draftUrl });
    const p = await getTokens(w, gone, { resource: other.url });
    assertCallOk(await callOrder(shop.draftUrl, t.access_token), 'before');
    const del = await owner.delete(`/api/v1/orgs/${org}/members/${gone.user.id}`);
    assert.equal(del.status, 200, del.text);
    assert401(await callOrder(shop.draftUrl, t.access_token), shop.draftUrl, {}, 'draft after removal');
    assert401(await mcp(other.url, p.access_token, 'tools/list'), other.url, {}, 'other project after removal');
    assertTokenError(await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId }), 400, 'invalid_grant', 'refresh after removal');
    assert.deepEqual(await orgGrants({ user: gone.user.id }), [], 'no active grant left');
    const revoked = await orgGrants({ user: gone.user.id, status: 'revoked' });
    assert.deepEqual(revoked.map((g) => g.id).sort(), [t.grantId, p.grantId].sort(), 'the index shows them revoked');
    const again = await openConsent(w, gone, { clientId: t.clientId, resource: shop.draftUrl });
    assertErrorPage(again.page, 403, /not a member/, 'cannot re-authorize');
  });

  test('a downgraded role narrows effective scopes on the next request', async () => {
    const m = await member('developer', 'downgraded');
    const prod = await getTokens(w, m, { resource: shop.url });
    const draft = await getTokens(w, m, { resource: shop.draftUrl });
    assertCallOk(await callOrder(shop.url, prod.access_token), 'developer calls');
    const patch = await owner.patch(`/api/v1/orgs/${org}/members/${m.user.id}`, { role: 'viewer' });
    assert.equal(patch.status, 200, patch.text);
    // viewer: production, tools:read only.
    const call = await callOrder(shop.url, prod.access_token);
    assert.equal(call.status, 200, call.text);
    assert.equal(call.json.error?.code, -32602, call.text);
    assert.match(call.json.error.message, /tools:call/);
    const list = await mcp(shop.url, prod.access_token, 'tools/list');
    assert.equal(list.status, 200, list.text);
    // show_order names no scope beyond the base ones: a viewer (tools:read) still lists it, and
    // calling it needs tools:call (asserted above).
    assert.ok(list.json.result.tools.some((t) => t.name === 'show_order'), 'a viewer lists what it cannot call');
    assert401(await mcp(shop.draftUrl, draft.access_token, 'tools/list'), shop.draftUrl, { reason: /endpoint\.draft/ }, 'draft lost with the role');
    const r = await refresh(w, { refreshToken: prod.refresh_token, clientId: prod.clientId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.scope, 'tools:read', 'a refresh narrows the token to the role');
    assert.equal(decodeJwt(r.body.access_token).payload.scope, 'tools:read');
    // And back up: the old token's scopes count again (token ∩ role).
    await owner.patch(`/api/v1/orgs/${org}/members/${m.user.id}`, { role: 'developer' });
    assertCallOk(await callOrder(shop.url, prod.access_token), 'upgraded again');
  });
});

// ------------------------------------------------------------------ refresh --

describe('refresh tokens', () => {
  test('rotate on every use; the previous one works within the grace window; garbage is invalid_grant', async () => {
    const t = await getTokens(w, users.developer, { resource: shop.draftUrl });
    const r1 = await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId });
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.headers.get('cache-control'), 'no-store');
    assert.notEqual(r1.body.refresh_token, t.refresh_token, 'rotated');
    assert.match(r1.body.refresh_token, /^dyr_/);
    const c1 = decodeJwt(r1.body.access_token).payload;
    assert.notEqual(c1.jti, t.claims.jti);
    assert.equal(c1.grant_id, t.grantId);
    assert.equal(c1.aud, shop.draftUrl);
    assertTools(await mcp(shop.draftUrl, r1.body.access_token, 'tools/list'), ['show_order', 'orders_report'], 'new access token');
    const r2 = await refresh(w, { refreshToken: r1.body.refresh_token, clientId: t.clientId });
    assert.equal(r2.status, 200, r2.text);
    assert.notEqual(r2.body.refresh_token, r1.body.refresh_token);
    // A host that refreshed twice in parallel: the previous token, within the grace.
    const parallel = await refresh(w, { refreshToken: r1.body.refresh_token, clientId: t.clientId });
    assert.equal(parallel.status, 200, `previous token within the grace: ${parallel.text}`);
    assertTools(await mcp(shop.draftUrl, parallel.body.access_token, 'tools/list'), ['show_order', 'orders_report']);
    const cur = parallel.body.refresh_token;
    for (const garbage of ['garbage', 'dyr_', `dyr_${Buffer.from(`${org}/${shop.slug}`).toString('base64url')}.${'Z'.repeat(43)}`, `${cur}x`]) {
      assertTokenError(await refresh(w, { refreshToken: garbage, clientId: t.clientId }), 400, 'invalid_grant', garbage.slice(0, 20));
    }
    const stranger = await registerClient(w);
    assertTokenError(await refresh(w, { refreshToken: cur, clientId: stranger.clientId }), 400, 'invalid_grant', 'another client');
    const still = await refresh(w, { refreshToken: cur, clientId: t.clientId });
    assert.equal(still.status, 200, `garbage attempts revoke nothing: ${still.text}`);
  });

  test('a refresh cannot widen the scopes or move the audience', async () => {
    const t = await getTokens(w, users.mcp_developer, { resource: shop.draftUrl });
    const r = await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId, scope: 'tools:read tools:call orders:read', resource: other.draftUrl });
    if (r.status === 200) {
      const c = decodeJwt(r.body.access_token).payload;
      assert.equal(c.aud, shop.draftUrl);
      assert.equal(c.scope, 'tools:call tools:read');
      assert401(await mcp(other.draftUrl, r.body.access_token, 'tools/list'), other.draftUrl, {}, 'still not the other project');
    } else {
      assert.equal(r.status, 400, r.text);
      assert.ok(['invalid_scope', 'invalid_target'].includes(r.body.error), r.text);
    }
  });

  test('a client that registered only authorization_code gets no refresh token', async () => {
    const reg = await registerClient(w, { grant_types: ['authorization_code'] });
    assert.deepEqual(reg.body.grant_types, ['authorization_code']);
    const a = await authorize(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl });
    const t = await exchangeCode(w, { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.refresh_token, undefined, 'no refresh_token for a client without the refresh_token grant');
  });
});

// --------------------------------------------- last: the one-minute cases --

describe('after a minute (prepared at start-up)', () => {
  test('an expired code is invalid_grant', async () => {
    const left = aging.code.issuedAt + 61_500 - Date.now();
    if (left > 0) await sleep(left);
    const { code, verifier, clientId } = aging.code;
    assertTokenError(await exchangeCode(w, { code, verifier, clientId, resource: shop.draftUrl }), 400, 'invalid_grant', 'expired code', /expired/);
  });

  test('the previous refresh token after the grace window: refused, and the grant is revoked (reuse)', async () => {
    const left = aging.refresh.rotatedAt + 61_500 - Date.now();
    if (left > 0) await sleep(left);
    const { old, current, access, clientId, grantId } = aging.refresh;
    assertTokenError(await refresh(w, { refreshToken: old, clientId }), 400, 'invalid_grant', 'reused after the grace');
    assertTokenError(await refresh(w, { refreshToken: current, clientId }), 400, 'invalid_grant', 'the current one dies with the grant');
    assert401(await mcp(shop.draftUrl, access, 'tools/list'), shop.draftUrl, { reason: /revoked/ }, 'its access token too');
    const g = (await orgGrants({ client: clientId, status: 'revoked' })).find((x) => x.id === grantId);
    assert.equal(g?.status, 'revoked');
  });

  test('every /oauth/token and /oauth/revoke response carried Cache-Control: no-store', () => {
    assert.ok(tokenLog.length > 40, `${tokenLog.length} responses seen`);
    const bad = tokenLog.filter((e) => e.cacheControl !== 'no-store');
    assert.deepEqual(bad, []);
    assert.ok(tokenLog.some((e) => e.status === 200) && tokenLog.some((e) => e.status === 400) && tokenLog.some((e) => e.status === 401));
  });
});
