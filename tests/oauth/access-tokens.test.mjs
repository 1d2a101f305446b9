// Access tokens on the protected MCP endpoints, end to end over plain HTTP:
// audience (draft vs production, one project vs another), tampering,
// `alg: none`, foreign keys, expiry, signing-key rotation, query-string tokens,
// the separation of personal API tokens and MCP tokens, and scopes on calls
// (step-up and hidden tools). The world (worker with chosen signing keys, org,
// projects, members) is ./setup.mjs.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { getTokens, mcp, signJwt, seedKeys } from '../oauth-helpers.mjs';
import {
  K_CURRENT, K_PREVIOUS, K_RETIRED, w, shop, other, users, prmUrl, useWorld, assert401, assertTools, assertCallOk, callOrder,
} from './setup.mjs';

useWorld();

// ---------------------------------------------------- access tokens on MCP --

describe('access tokens on the endpoints', () => {
  let draft; // tokens of the developer
  let prod;
  before(async () => {
    draft = await getTokens(w, users.developer, { resource: shop.draftUrl });
    prod = await getTokens(w, users.developer, { resource: shop.url });
  });

  test('each token works on its own endpoint only (production vs draft, one project vs another)', async () => {
    assertTools(await mcp(shop.draftUrl, draft.access_token, 'tools/list'), ['show_order', 'orders_report']);
    assertTools(await mcp(shop.url, prod.access_token, 'tools/list'), ['show_order', 'orders_report']);
    assertCallOk(await callOrder(shop.url, prod.access_token));
    for (const [url, token, label] of [
      [shop.draftUrl, prod.access_token, 'production token on draft'],
      [shop.url, draft.access_token, 'draft token on production'],
      [other.url, prod.access_token, 'token of one project on another (production)'],
      [other.draftUrl, draft.access_token, 'token of one project on another (draft)'],
    ]) assert401(await mcp(url, token, 'tools/list'), url, { reason: /audience/ }, label);
  });

  test('tampered tokens, alg none, HS256 and a token signed by another key with our kid: 401', async () => {
    const [h, p, s] = draft.access_token.split('.');
    const claims = draft.claims;
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const i = 10;
    const flipped = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
    const stranger = (await import('node:crypto')).generateKeyPairSync('ed25519');
    const hmac = (await import('node:crypto')).createHmac('sha256', seedKeys(K_CURRENT).x);
    const hsHead = enc({ alg: 'HS256', typ: 'at+jwt', kid: draft.header.kid });
    const hsBody = enc(claims);
    const cases = [
      ['payload char flipped', `${h}.${flipped}.${s}`],
      ['scope widened, old signature', `${h}.${enc({ ...claims, scope: 'tools:read tools:call orders:read' })}.${s}`],
      ['aud moved, old signature', `${h}.${enc({ ...claims, aud: other.draftUrl })}.${s}`],
      ['signature cut', `${h}.${p}.`],
      ['alg none', `${enc({ alg: 'none', typ: 'at+jwt', kid: draft.header.kid })}.${p}.`],
      ['alg none, no kid', `${enc({ alg: 'none' })}.${p}.`],
      ['HS256 keyed with the public key', `${hsHead}.${hsBody}.${hmac.update(`${hsHead}.${hsBody}`).digest('base64url')}`],
      ['another Ed25519 key, our kid', signJwt(stranger.privateKey, claims, { kid: draft.header.kid })],
      ['a retired key (never configured)', signJwt(seedKeys(K_RETIRED).privateKey, claims, { kid: seedKeys(K_RETIRED).kid })],
      ['no typ', signJwt(seedKeys(K_CURRENT).privateKey, claims, { kid: draft.header.kid, typ: undefined })],
      ['not a JWT', 'dy_notajwt'],
    ];
    for (const [label, token] of cases) assert401(await mcp(shop.draftUrl, token, 'tools/list'), shop.draftUrl, {}, label);
    assertTools(await mcp(shop.draftUrl, draft.access_token, 'tools/list'), ['show_order', 'orders_report'], 'the genuine token still works');
  });

  test('expired, not-yet-valid and wrong-issuer tokens (signed with our own key) are 401', async () => {
    const key = seedKeys(K_CURRENT);
    const now = Math.floor(Date.now() / 1000);
    const c = draft.claims;
    for (const [label, claims, reason] of [
      ['expired a second ago', { ...c, iat: now - 3601, exp: now - 1 }, /expired/],
      ['expires now', { ...c, iat: now - 3600, exp: now }, /expired/],
      ['issued an hour in the future', { ...c, iat: now + 3600, exp: now + 7200 }, /future/],
      ['other issuer', { ...c, iss: 'https://evil.example' }, /issuer/],
      ['issuer with a trailing slash', { ...c, iss: `${w.url}/` }, /issuer/],
    ]) {
      assert401(await mcp(shop.draftUrl, signJwt(key.privateKey, claims, { kid: key.kid }), 'tools/list'), shop.draftUrl, { reason }, label);
    }
    const fresh = signJwt(key.privateKey, { ...c, iat: now, exp: now + 600, jti: 'jti_resigned' }, { kid: key.kid });
    assertTools(await mcp(shop.draftUrl, fresh, 'tools/list'), ['show_order', 'orders_report'], 're-signed, valid claims: accepted');
  });

  test('key rotation: a token signed with the previous key still works; the JWKS serves it', async () => {
    const prev = seedKeys(K_PREVIOUS);
    const old = signJwt(prev.privateKey, draft.claims, { kid: prev.kid });
    assertTools(await mcp(shop.draftUrl, old, 'tools/list'), ['show_order', 'orders_report'], 'previous key');
    assertCallOk(await mcp(shop.draftUrl, old, 'tools/call', { name: 'show_order', arguments: { order_id: 'rot' } }), 'previous key call');
    const mislabeled = signJwt(prev.privateKey, draft.claims, { kid: seedKeys(K_CURRENT).kid });
    assert401(await mcp(shop.draftUrl, mislabeled, 'tools/list'), shop.draftUrl, {}, 'previous key under the current kid');
  });

  test('a token in the query string is refused (even with a valid header token)', async () => {
    for (const [label, headerToken] of [['query only', null], ['query and header', draft.access_token]]) {
      const r = await mcp(`${shop.draftUrl}?access_token=${encodeURIComponent(draft.access_token)}`, headerToken, 'tools/list');
      assert.equal(r.status, 400, `${label}: ${r.status} ${r.text}`);
      assert.equal(r.json?.error, 'invalid_request', label);
      assert.match(r.json.message, /Authorization header/, label);
      assert.equal(r.json.result, undefined, label);
    }
  });

  test('personal API tokens never work on MCP endpoints, MCP access tokens never work on the API', async () => {
    const pat = await users.developer.post('/api/v1/tokens', { name: 'cli' });
    assert.equal(pat.status, 201, pat.text);
    assert401(await mcp(shop.draftUrl, pat.body.token, 'tools/list'), shop.draftUrl, {}, 'PAT on MCP');
    const api = await w.client({ token: draft.access_token }).get('/api/v1/me');
    assert.equal(api.status, 401, api.text);
  });
});

// ----------------------------------------------------------------- step-up --

describe('scopes on calls: step-up and hidden tools', () => {
  const callReport = (url, token) => mcp(url, token, 'tools/call', { name: 'orders_report', arguments: {} });

  test('the role has the Type\'s scope, the token lacks it: listed, and the call is 403 insufficient_scope', async () => {
    for (const role of ['developer', 'order_reader']) {
      const t = await getTokens(w, users[role], { resource: shop.draftUrl, scope: 'tools:read tools:call' });
      assertTools(await mcp(shop.draftUrl, t.access_token, 'tools/list'), ['show_order', 'orders_report'], `${role}: listed`);
      const r = await callReport(shop.draftUrl, t.access_token);
      assert.equal(r.status, 403, `${role}: ${r.status} ${r.text}`);
      assert.equal(r.headers.get('www-authenticate'),
        `Bearer resource_metadata="${prmUrl(shop.slug, true)}", scope="orders:read tools:call", error="insufficient_scope"`, role);
      assert.equal(r.json?.error, 'insufficient_scope', role);
      assert.equal(r.json.result, undefined);
      assertCallOk(await callOrder(shop.draftUrl, t.access_token), `${role}: other tools still work`);
      // Step up: authorize again asking for the scope.
      const up = await getTokens(w, users[role], { clientId: t.clientId, resource: shop.draftUrl, scope: 'tools:read tools:call orders:read' });
      assert.equal(up.scope, 'orders:read tools:call tools:read');
      assertCallOk(await callReport(shop.draftUrl, up.access_token), `${role}: after step-up`);
    }
  });

  test('a role without the scope: the tool is not listed and calling it is -32602 naming the scope', async () => {
    const t = await getTokens(w, users.mcp_developer, { resource: shop.draftUrl, scope: 'tools:read tools:call orders:read' });
    assertTools(await mcp(shop.draftUrl, t.access_token, 'tools/list'), ['show_order'], 'hidden');
    const r = await callReport(shop.draftUrl, t.access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.error?.code, -32602, r.text);
    assert.match(r.json.error.message, /orders:read/);
    assert.equal(r.headers.get('www-authenticate'), null, 'no step-up offered: re-authorizing cannot help');
  });
});
