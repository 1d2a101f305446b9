// OAuth discovery and client registration, end to end over plain HTTP:
// protected-resource and authorization-server metadata, OpenID discovery, the
// JWKS, the 401 discovery challenge, Client ID Metadata Documents (served by the
// HTTPS loopback fixture `fx`) and Dynamic Client Registration. The world
// (worker, org, projects, members) is ./setup.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_REDIRECT, authorize, openConsent, registerClient, exchangeCode, refresh, getTokens, mcp, seedKeys,
} from '../oauth-helpers.mjs';
import {
  K_CURRENT, K_PREVIOUS, w, fx, shop, other, users, endpoint, prmUrl, useWorld,
  assertNothingIssued, assertErrorPage, assertTokenError, assert401, assertCallOk, callOrder,
} from './setup.mjs';

useWorld();

// ---------------------------------------------------------------- discovery --

describe('discovery', () => {
  test('PRM of the draft and the production endpoint: resource is the exact endpoint URL', async () => {
    for (const draft of [true, false]) {
      const r = await fetch(prmUrl(shop.slug, draft));
      assert.equal(r.status, 200);
      const doc = await r.json();
      assert.equal(doc.resource, endpoint(shop.slug, draft), 'no trailing slash, draft is its own resource');
      assert.deepEqual(doc.authorization_servers, [w.url]);
      assert.deepEqual(doc.scopes_supported, ['tools:read', 'tools:call']);
      assert.deepEqual(doc.bearer_methods_supported, ['header']);
    }
  });

  test('AS metadata: issuer byte-identical to authorization_servers[0], S256 only, iss and CIMD support', async () => {
    const prm = await (await fetch(prmUrl(shop.slug, true))).json();
    const r = await fetch(`${w.url}/.well-known/oauth-authorization-server`);
    assert.equal(r.status, 200);
    const text = await r.text();
    const doc = JSON.parse(text);
    assert.equal(doc.issuer, prm.authorization_servers[0]);
    assert.equal(doc.issuer, w.url);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
    assert.equal(doc.client_id_metadata_document_supported, true);
    assert.deepEqual(doc.response_types_supported, ['code']);
    assert.deepEqual(doc.grant_types_supported, ['authorization_code', 'refresh_token']);
    for (const [k, path] of [['authorization_endpoint', '/oauth/authorize'], ['token_endpoint', '/oauth/token'],
      ['registration_endpoint', '/oauth/register'], ['revocation_endpoint', '/oauth/revoke'], ['jwks_uri', '/.well-known/jwks.json']]) {
      assert.equal(doc[k], `${w.url}${path}`, k);
    }
    assert.ok(doc.token_endpoint_auth_methods_supported.includes('none'));
    assert.doesNotMatch(text, /offline_access|"plain"/);
  });

  test('OpenID discovery carries the same issuer and endpoints', async () => {
    const asm = await (await fetch(`${w.url}/.well-known/oauth-authorization-server`)).json();
    const r = await fetch(`${w.url}/.well-known/openid-configuration`);
    assert.equal(r.status, 200);
    const doc = await r.json();
    for (const k of Object.keys(asm)) assert.deepEqual(doc[k], asm[k], k);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['EdDSA']);
  });

  test('JWKS lists the current and the previous key; issued tokens name the current kid', async () => {
    const jwks = await (await fetch(`${w.url}/.well-known/jwks.json`)).json();
    const cur = seedKeys(K_CURRENT);
    const prev = seedKeys(K_PREVIOUS);
    assert.deepEqual(jwks.keys.map((k) => k.kid), [cur.kid, prev.kid]);
    for (const [k, expected] of [[jwks.keys[0], cur], [jwks.keys[1], prev]]) {
      assert.deepEqual(k, { kty: 'OKP', crv: 'Ed25519', x: expected.x, kid: expected.kid, alg: 'EdDSA', use: 'sig' });
    }
    assert.ok(!jwks.keys.some((k) => 'd' in k), 'no private key material');
    const t = await getTokens(w, users.developer, { resource: shop.draftUrl });
    assert.deepEqual(t.header, { alg: 'EdDSA', kid: cur.kid, typ: 'at+jwt' });
    const c = t.claims;
    assert.deepEqual(Object.keys(c).sort(), ['aud', 'client_id', 'exp', 'grant_id', 'iat', 'iss', 'jti', 'scope', 'sub']);
    assert.equal(c.iss, w.url);
    assert.equal(c.aud, shop.draftUrl);
    assert.equal(c.sub, users.developer.user.id);
    assert.equal(c.client_id, t.clientId);
    assert.equal(c.exp - c.iat, 3600, 'access tokens live one hour');
    assert.equal(t.expires_in, 3600);
    assert.equal(t.token_type, 'Bearer');
    assert.match(c.grant_id, /^grt_/);
  });

  test('private endpoints without a token: 401 with the discovery challenge (draft and production)', async () => {
    for (const url of [shop.draftUrl, shop.url, other.url]) {
      assert401(await mcp(url, null, 'tools/list'), url, { presented: false }, url);
    }
  });
});

// --------------------------------------------------------------------- CIMD --

describe('Client ID Metadata Documents', () => {
  // Declares the refresh_token grant, as MCP hosts' documents do (without it, RFC 7591's default
  // is authorization_code only, and no refresh token is issued).
  const doc = (extra = {}) => (url) => ({
    client_id: url, client_name: 'CIMD Fixture App', redirect_uris: [DEFAULT_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'], ...extra,
  });

  test('a document whose client_id equals its URL: consent, code, token, MCP', async () => {
    const id = fx.serve('/apps/good.json', doc());
    const o = await openConsent(w, users.developer, { clientId: id, resource: shop.draftUrl });
    assert.ok(o.consent, `${o.page.status} ${o.page.text.slice(0, 400)}`);
    assert.match(o.page.text, /<strong>CIMD Fixture App<\/strong>/);
    assert.ok(o.page.text.includes(`(${id})`), 'the client id (its URL) is shown');
    const t = await getTokens(w, users.developer, { clientId: id, resource: shop.draftUrl });
    assert.equal(t.claims.client_id, id);
    assertCallOk(await callOrder(shop.draftUrl, t.access_token), 'CIMD client calls');
    const r = await refresh(w, { refreshToken: t.refresh_token, clientId: id });
    assert.equal(r.status, 200, r.text);
    assert.equal(fx.hits('/apps/good.json'), 1, 'fetched once, then served from the cache');
  });

  test('a document that takes longer than 5 seconds is refused', async () => {
    const id = fx.route('/apps/slow.json', { status: 200, body: doc()(fx.url('/apps/slow.json')), delayMs: 7000 });
    const t0 = Date.now();
    const o = await openConsent(w, users.developer, { clientId: id, resource: shop.draftUrl });
    assertErrorPage(o.page, 400, /5 seconds/, 'slow');
    assert.ok(Date.now() - t0 < 6900, 'the worker gave up on its own');
  });

  test('a document whose client_id differs from its URL is refused with an error page', async () => {
    for (const [path, other] of [['/apps/liar.json', 'https://claude.ai/oauth/client.json'], ['/apps/slash.json', null]]) {
      const id = fx.serve(path, (url) => ({ ...doc()(url), client_id: other ?? `${url}/` }));
      const o = await openConsent(w, users.developer, { clientId: id, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /client_id must equal its URL/, path);
      await assertNothingIssued(id, path);
    }
  });

  test('a document URL that redirects (to the fixture or to a private address) is refused', async () => {
    fx.serve('/apps/target.json', doc());
    for (const [path, location] of [['/apps/moved.json', fx.url('/apps/target.json')], ['/apps/ssrf.json', 'https://10.0.0.1/client.json'],
      ['/apps/meta.json', 'http://169.254.169.254/latest/meta-data/']]) {
      const id = fx.route(path, { status: 302, headers: { location } });
      const o = await openConsent(w, users.developer, { clientId: id, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /redirect/, path);
      assert.equal(fx.hits('/apps/target.json'), 0, 'the redirect was not followed');
      await assertNothingIssued(id, path);
    }
  });

  test('client ids at private or local addresses are refused without a fetch', async () => {
    for (const id of ['https://10.0.0.1/client.json', 'https://192.168.1.10/c.json', 'https://169.254.169.254/latest/meta-data',
      'https://[fd00::1]/client.json', 'https://intranet/client.json', 'https://printer.local/client.json']) {
      const o = await openConsent(w, users.developer, { clientId: id, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /non-public|local host/, id);
    }
  });

  test('an oversized document, a non-JSON one and a 404 are refused', async () => {
    const big = fx.serve('/apps/big.json', doc({ padding: 'x'.repeat(6 * 1024) }));
    assertErrorPage((await openConsent(w, users.developer, { clientId: big, resource: shop.draftUrl })).page, 400, /larger than/, 'big');
    const html = fx.route('/apps/html.json', { status: 200, body: '<html>not json</html>' });
    assertErrorPage((await openConsent(w, users.developer, { clientId: html, resource: shop.draftUrl })).page, 400, /JSON/, 'html');
    const missing = fx.url('/apps/none.json');
    assertErrorPage((await openConsent(w, users.developer, { clientId: missing, resource: shop.draftUrl })).page, 400, /404/, '404');
    const secret = fx.serve('/apps/secret.json', doc({ token_endpoint_auth_method: 'client_secret_basic' }));
    assertErrorPage((await openConsent(w, users.developer, { clientId: secret, resource: shop.draftUrl })).page, 400, /none/, 'confidential');
  });
});

// ---------------------------------------------------------------------- DCR --

describe('Dynamic Client Registration', () => {
  test('a public client: 201 echoing the metadata, no secret', async () => {
    const r = await registerClient(w, { client_name: 'Echo', client_uri: 'https://app.example.test', scope: 'tools:read tools:call', software_id: 'x-1' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.clientId, /^dcr_/);
    assert.equal(r.body.client_name, 'Echo');
    assert.deepEqual(r.body.redirect_uris, [DEFAULT_REDIRECT]);
    assert.equal(r.body.token_endpoint_auth_method, 'none');
    assert.deepEqual(r.body.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(r.body.response_types, ['code']);
    assert.equal(r.body.client_uri, 'https://app.example.test');
    assert.equal(typeof r.body.client_id_issued_at, 'number');
    assert.equal(r.body.client_secret, undefined);
  });

  test('a confidential client gets a secret and must present it', async () => {
    const r = await registerClient(w, { token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.clientSecret, /^dys_/);
    const a = await authorize(w, users.developer, { clientId: r.clientId, resource: shop.draftUrl });
    const base = { code: a.redirect.code, verifier: a.pkce.verifier, clientId: r.clientId };
    assertTokenError(await exchangeCode(w, base), 401, 'invalid_client', 'no secret');
    assertTokenError(await exchangeCode(w, { ...base, clientSecret: `${r.clientSecret}x` }), 401, 'invalid_client', 'wrong secret');
    const ok = await exchangeCode(w, { ...base, clientSecret: r.clientSecret });
    assert.equal(ok.status, 200, ok.text);
    assertTokenError(await refresh(w, { refreshToken: ok.body.refresh_token, clientId: r.clientId }), 401, 'invalid_client', 'refresh without secret');
  });

  test('oversized metadata (> 8 KiB) is 400 invalid_client_metadata and registers nothing', async () => {
    const r = await registerClient(w, { client_name: 'Big', padding: 'x'.repeat(9 * 1024) });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_client_metadata');
    assert.match(r.body.error_description, /8192|larger/);
    assert.equal(r.clientId, undefined);
  });

  test('registration is rate-limited per IP (30 an hour)', async () => {
    const ip = '203.0.113.77';
    const statuses = [];
    for (let i = 0; i < 31; i++) statuses.push((await registerClient(w, {}, { ip })).status);
    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(201));
    assert.equal(statuses[30], 429);
    assert.equal((await registerClient(w, {}, { ip: '203.0.113.78' })).status, 201, 'another address is not affected');
  });

  test('bad redirect URIs and bad metadata are refused with the RFC 7591 errors', async () => {
    for (const [uris, error] of [[['http://app.example.test/cb'], 'invalid_redirect_uri'], [['https://app.example.test/cb#f'], 'invalid_redirect_uri'],
      [[], 'invalid_redirect_uri'], [['javascript://cb/%0aalert(1)'], 'invalid_redirect_uri']]) {
      const r = await registerClient(w, { redirect_uris: uris });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, error, JSON.stringify(uris));
    }
    // Private-use schemes (cursor://) are for public clients only (tests/oauth/hosts.test.mjs has the rest).
    for (const [uris, error] of [[['cursor://cb'], 'invalid_redirect_uri']]) {
      const r = await registerClient(w, { redirect_uris: uris, token_endpoint_auth_method: 'client_secret_basic' });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, error, JSON.stringify(uris));
    }
    for (const [meta, label] of [[{ grant_types: ['client_credentials'] }, 'grant'], [{ token_endpoint_auth_method: 'private_key_jwt' }, 'auth method'],
      [{ client_name: 'a\u202Eb' }, 'bidi'], [{ client_name: 'x'.repeat(201) }, 'long name']]) {
      const r = await registerClient(w, meta);
      assert.equal(r.status, 400, `${label}: ${r.text}`);
      assert.equal(r.body.error, 'invalid_client_metadata', label);
    }
    const notJson = await registerClient(w, '{"redirect_uris": [', { raw: true });
    assert.equal(notJson.status, 400, notJson.text);
  });
});
