// How popular MCP hosts register and authorize (issue 10), replayed against
// the running worker with the real flow: Cursor's three-redirect DCR with a
// `cursor://` callback, VS Code's loopback redirects on a random port, a
// portless loopback registration, client_secret_post and client_secret_basic
// clients, root discovery, path-suffixed PRM, the missing-resource answer,
// the scopes hosts send by habit, and CORS for browser-based hosts.
//
// The full host matrix (each host's whole sequence through an SDK client)
// lives in tests/hosts/; this suite pins the server rules those hosts need.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  useWorld, w, owner, users, shop, org, prmUrl, assertErrorRedirect, assertTokenError, assertTools,
} from './setup.mjs';
import {
  registerClient, authorize, exchangeCode, refresh, revokeToken, getTokens, mcp, decodeJwt, unescapeHtml,
} from '../oauth-helpers.mjs';

const INSPECTOR = 'http://localhost:6274';
useWorld(async () => {}, { vars: { ALLOWED_ORIGINS: INSPECTOR } });

const CURSOR_REDIRECTS = [
  'cursor://anysphere.cursor-mcp/oauth/callback',
  'https://www.cursor.com/agents/mcp/oauth/callback',
  'http://localhost:8787/callback',
];
// Cursor's DCR request, as it sends it.
const cursorPayload = () => ({
  client_name: 'Cursor',
  redirect_uris: CURSOR_REDIRECTS,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Authorize as the owner and return `{ a, code, verifier }`, asserting a code came back to `redirectUri`. */
async function codeFor(clientId, redirectUri, opts = {}) {
  const a = await authorize(w, opts.user ?? owner, { clientId, redirectUri, resource: shop.url, ...opts });
  const loc = a.response?.headers.get('location') ?? a.page.headers.get('location');
  assert.ok(a.redirect?.code, `no code: ${a.page.status} ${loc ?? a.page.text.slice(0, 400)}`);
  assert.ok(loc.startsWith(`${redirectUri}?`), loc);
  assert.equal(a.redirect.iss, w.url);
  return { a, code: a.redirect.code, verifier: a.pkce.verifier };
}

describe('Cursor: DCR with cursor://, https and loopback redirects', () => {
  it('registers the real payload and echoes what it stored', async () => {
    const r = await registerClient(w, cursorPayload(), { raw: true });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.redirect_uris, CURSOR_REDIRECTS);
    assert.equal(r.body.token_endpoint_auth_method, 'none');
    assert.deepEqual(r.body.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(typeof r.body.client_id_issued_at, 'number');
    assert.ok(Math.abs(r.body.client_id_issued_at - Date.now() / 1000) < 600, r.text);
    assert.equal(r.body.client_secret, undefined);
    assert.equal(r.body.registration_client_uri, undefined, 'RFC 7592 is not implemented, so no registration_client_uri');
    assert.equal(r.body.registration_access_token, undefined);
  });

  it('completes a flow on cursor://: consent names the app, the Location carries code, state and iss', async () => {
    const reg = await registerClient(w, cursorPayload(), { raw: true });
    assert.equal(reg.status, 201, reg.text);
    const cursor = CURSOR_REDIRECTS[0];
    const { a, code, verifier } = await codeFor(reg.clientId, cursor, { state: 'cursor-state' });
    const page = unescapeHtml(a.page.text);
    const sentTo = page.match(/<p>After you authorize, you are sent back to <strong>([^<]*)<\/strong>\.<\/p>/)?.[1];
    assert.equal(sentTo, 'the app that handles cursor:// links', 'the scheme\'s app, not the URI\'s made-up host');
    const csp = a.page.headers.get('content-security-policy');
    assert.match(csp, /form-action 'self' cursor:;/, csp);
    assert.equal(a.response.status, 302);
    const loc = new URL(a.response.headers.get('location'));
    assert.equal(loc.protocol, 'cursor:');
    assert.equal(`${loc.protocol}//${loc.host}${loc.pathname}`, cursor);
    assert.equal(a.redirect.state, 'cursor-state');
    const t = await exchangeCode(w, { code, verifier, clientId: reg.clientId, redirectUri: cursor, resource: shop.url });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.body.refresh_token);
    assertTools(await mcp(shop.url, t.body.access_token, 'tools/list'), ['show_order', 'orders_report'], 'cursor token');
  });

  it('its https callback and its loopback callback on another port work too', async () => {
    const reg = await registerClient(w, cursorPayload(), { raw: true });
    assert.equal(reg.status, 201, reg.text);
    await codeFor(reg.clientId, CURSOR_REDIRECTS[1]);
    const { code, verifier } = await codeFor(reg.clientId, 'http://localhost:51234/callback');
    const t = await exchangeCode(w, { code, verifier, clientId: reg.clientId, redirectUri: 'http://localhost:51234/callback' });
    assert.equal(t.status, 200, t.text);
  });

  it('an unregistered cursor:// path or scheme is refused on our own page, never redirected', async () => {
    const reg = await registerClient(w, cursorPayload(), { raw: true });
    assert.equal(reg.status, 201, reg.text);
    for (const uri of ['cursor://anysphere.cursor-mcp/oauth/other', 'cursorx://anysphere.cursor-mcp/oauth/callback']) {
      const a = await authorize(w, owner, { clientId: reg.clientId, redirectUri: uri, resource: shop.url });
      assert.equal(a.page.status, 400, uri);
      assert.equal(a.page.headers.get('location'), null, uri);
      assert.match(a.page.text, /redirect_uri is not registered/, uri);
    }
  });

  it('private-use schemes are for public clients; dangerous schemes for nobody', async () => {
    const secret = await registerClient(w, { ...cursorPayload(), token_endpoint_auth_method: 'client_secret_post' }, { raw: true });
    assert.equal(secret.status, 400, secret.text);
    assert.equal(secret.body.error, 'invalid_redirect_uri');
    assert.match(secret.body.error_description, /redirect_uris\[0\].*only for public clients/);
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x', 'blob:https://a.test/b', 'about:blank']) {
      const r = await registerClient(w, { redirect_uris: [bad] });
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.body.error, 'invalid_redirect_uri', bad);
    }
  });
});

describe('loopback redirects: VS Code and portless registrations', () => {
  it('VS Code registers several redirects, then authorizes on a random loopback port', async () => {
    const reg = await registerClient(w, {
      client_name: 'Visual Studio Code',
      redirect_uris: ['http://127.0.0.1:33418/', 'https://vscode.dev/redirect', 'http://localhost:33418/'],
    });
    assert.equal(reg.status, 201, reg.text);
    const port = 40000 + Math.floor(Math.random() * 20000);
    const uri = `http://127.0.0.1:${port}/`;
    const { code, verifier } = await codeFor(reg.clientId, uri);
    const t = await exchangeCode(w, { code, verifier, clientId: reg.clientId, redirectUri: uri, resource: shop.url });
    assert.equal(t.status, 200, t.text);
    // The code is bound to the port it was issued for.
    const again = await codeFor(reg.clientId, uri);
    const wrongPort = await exchangeCode(w, { code: again.code, verifier: again.verifier, clientId: reg.clientId, redirectUri: `http://127.0.0.1:${port + 1}/` });
    assertTokenError(wrongPort, 400, 'invalid_grant', 'another port at the token endpoint');
  });

  it('a loopback URI registered without a port is authorized on any port', async () => {
    const reg = await registerClient(w, { redirect_uris: ['http://localhost/callback'] });
    assert.equal(reg.status, 201, reg.text);
    for (const uri of ['http://localhost:49152/callback', 'http://localhost:3/callback', 'http://localhost/callback']) {
      const { code, verifier } = await codeFor(reg.clientId, uri);
      const t = await exchangeCode(w, { code, verifier, clientId: reg.clientId, redirectUri: uri });
      assert.equal(t.status, 200, `${uri}: ${t.text}`);
    }
    const other = await authorize(w, owner, { clientId: reg.clientId, redirectUri: 'http://127.0.0.1:49152/callback', resource: shop.url });
    assert.equal(other.page.status, 400, 'another loopback host spelling is another URI');
  });
});

describe('confidential clients authenticate the way they registered', () => {
  for (const method of ['client_secret_post', 'client_secret_basic']) {
    it(`${method}: the flow works only with that method`, async () => {
      const reg = await registerClient(w, { token_endpoint_auth_method: method, client_name: `Claude-like ${method}` });
      assert.equal(reg.status, 201, reg.text);
      assert.equal(reg.body.token_endpoint_auth_method, method);
      assert.match(reg.clientSecret, /^dys_/);
      const redirectUri = reg.body.redirect_uris[0];
      const viaPost = { clientSecret: reg.clientSecret };
      const viaBasic = { clientId: undefined, headers: { authorization: basic(reg.clientId, reg.clientSecret) } };
      const [right, wrong] = method === 'client_secret_post' ? [viaPost, viaBasic] : [viaBasic, viaPost];

      const first = await codeFor(reg.clientId, redirectUri);
      const refused = await exchangeCode(w, { code: first.code, verifier: first.verifier, clientId: reg.clientId, redirectUri, ...wrong });
      assertTokenError(refused, 401, 'invalid_client', 'the other method', new RegExp(`registered ${method}`));

      const second = await codeFor(reg.clientId, redirectUri);
      const t = await exchangeCode(w, { code: second.code, verifier: second.verifier, clientId: reg.clientId, redirectUri, ...right });
      assert.equal(t.status, 200, t.text);
      const noSecret = await refresh(w, { refreshToken: t.body.refresh_token, clientId: reg.clientId });
      assertTokenError(noSecret, 401, 'invalid_client', 'refresh without a secret');
      const r = await refresh(w, { refreshToken: t.body.refresh_token, clientId: reg.clientId, ...right });
      assert.equal(r.status, 200, r.text);
      const wrongSecret = method === 'client_secret_post'
        ? { clientSecret: `${reg.clientSecret}x` }
        : { clientId: undefined, headers: { authorization: basic(reg.clientId, `${reg.clientSecret}x`) } };
      assertTokenError(await refresh(w, { refreshToken: r.body.refresh_token, clientId: reg.clientId, ...wrongSecret }), 401, 'invalid_client', 'wrong secret');
      const revoke = method === 'client_secret_post'
        ? await revokeToken(w, { token: r.body.refresh_token, clientId: reg.clientId, clientSecret: reg.clientSecret })
        : await fetch(`${w.url}/oauth/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(reg.clientId, reg.clientSecret) },
          body: new URLSearchParams({ token: r.body.refresh_token }).toString(),
        });
      assert.equal(revoke.status, 200);
      assertTokenError(await refresh(w, { refreshToken: r.body.refresh_token, clientId: reg.clientId, ...right }), 400, 'invalid_grant', 'revoked');
    });
  }
});

describe('discovery: root metadata and path-suffixed PRM', () => {
  it('AS metadata and OpenID configuration at the root name the same issuer and endpoints', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const r = await fetch(`${w.url}${path}`);
      assert.equal(r.status, 200, path);
      const doc = await r.json();
      assert.equal(doc.issuer, w.url, path);
      assert.equal(doc.token_endpoint, `${w.url}/oauth/token`, path);
      assert.equal(doc.registration_endpoint, `${w.url}/oauth/register`, path);
      assert.deepEqual(doc.code_challenge_methods_supported, ['S256'], path);
      for (const m of ['none', 'client_secret_post', 'client_secret_basic']) assert.ok(doc.token_endpoint_auth_methods_supported.includes(m), `${path}: ${m}`);
    }
  });

  it('each endpoint has its own path-suffixed PRM that points at the root issuer', async () => {
    for (const [url, draft] of [[shop.url, false], [shop.draftUrl, true]]) {
      const r = await fetch(prmUrl(shop.slug, draft));
      assert.equal(r.status, 200);
      const doc = await r.json();
      assert.equal(doc.resource, url);
      assert.deepEqual(doc.authorization_servers, [w.url]);
    }
    const bare = await fetch(`${w.url}/.well-known/oauth-protected-resource`);
    assert.equal(bare.status, 404, 'no PRM without an endpoint path: it would name no resource');
  });

  it('a missing resource is a clear invalid_request at authorize; the token endpoint uses the code\'s', async () => {
    const reg = await registerClient(w);
    const a = await authorize(w, owner, { clientId: reg.clientId, omit: ['resource'], state: 's1' });
    assertErrorRedirect(a.page, {
      error: 'invalid_request', state: 's1',
      description: /^resource is required: send the MCP endpoint URL as the resource parameter \(RFC 8707\)/,
    }, 'no resource');
    const b = await authorize(w, owner, { clientId: reg.clientId, resource: `${w.url}/${org}`, state: 's2' });
    assertErrorRedirect(b.page, { error: 'invalid_target', state: 's2' }, 'not an endpoint');
    const ok = await codeFor(reg.clientId, reg.body.redirect_uris[0]);
    const t = await exchangeCode(w, { code: ok.code, verifier: ok.verifier, clientId: reg.clientId, redirectUri: reg.body.redirect_uris[0] });
    assert.equal(t.status, 200, t.text);
    assert.equal(decodeJwt(t.body.access_token).payload.aud, shop.url, 'issued for the exact endpoint of the code');
  });
});

describe('scopes hosts send', () => {
  const scopesOf = (t) => t.scope.split(' ').sort().join(' ');

  it('openid, profile and offline_access are ignored, not refused', async () => {
    const t = await getTokens(w, users.developer, { resource: shop.url, scope: 'openid profile offline_access' });
    assert.equal(scopesOf(t), 'tools:call tools:read');
    assert.ok(t.refresh_token);
    const mixed = await getTokens(w, users.developer, { resource: shop.url, scope: 'openid tools:read offline_access' });
    assert.equal(mixed.scope, 'tools:read');
    const asOwner = await getTokens(w, owner, { resource: shop.url, scope: 'openid email' });
    assert.equal(scopesOf(asOwner), 'tools:call tools:read', 'even a role with every scope is not granted openid');
    const r = await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId, scope: 'offline_access tools:read' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.scope, 'tools:read');
  });

  it('an unknown scope in our syntax is granted only if the role holds it', async () => {
    const t = await getTokens(w, users.viewer, { resource: shop.url, scope: 'tools:read tools:foo' });
    assert.equal(t.scope, 'tools:read');
    const reg = await registerClient(w);
    const a = await authorize(w, users.viewer, { clientId: reg.clientId, resource: shop.url, scope: 'tools:foo', state: 'f' });
    assertErrorRedirect(a.page, { error: 'invalid_scope', state: 'f', description: /role grants none/ }, 'only tools:foo');
  });

  it('a request without scope gets the base scopes, and a refresh token without offline_access', async () => {
    const t = await getTokens(w, users.developer, { resource: shop.url, omit: ['scope'] });
    assert.equal(scopesOf(t), 'tools:call tools:read');
    assert.ok(t.refresh_token, 'refresh token issued without offline_access');
  });
});

describe('CORS for browser-based hosts (the MCP Inspector)', () => {
  const EXPOSED = ['www-authenticate', 'mcp-session-id', 'mcp-protocol-version', 'dockyard-request-id'];
  const assertPublicCors = (r, label) => {
    assert.equal(r.headers.get('access-control-allow-origin'), '*', label);
    const exposed = (r.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    for (const h of EXPOSED) assert.ok(exposed.includes(h), `${label}: exposes ${h} (${exposed})`);
    assert.equal(r.headers.get('access-control-allow-credentials'), null, label);
  };
  const preflight = (path, origin = INSPECTOR, headers = 'content-type, authorization, mcp-protocol-version') => fetch(`${w.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
  });
  const publicPaths = () => [
    `/.well-known/oauth-protected-resource/${org}/${shop.slug}`,
    `/.well-known/oauth-protected-resource/${org}/${shop.slug}/draft`,
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
    '/.well-known/jwks.json',
    '/oauth/register',
    '/oauth/token',
    '/oauth/revoke',
  ];

  it('discovery documents carry CORS and answer preflights', async () => {
    for (const path of publicPaths().slice(0, 5)) {
      const r = await fetch(`${w.url}${path}`, { headers: { origin: INSPECTOR } });
      assert.equal(r.status, 200, path);
      assertPublicCors(r, path);
    }
    for (const path of publicPaths()) {
      const p = await preflight(path);
      assert.equal(p.status, 204, path);
      assertPublicCors(p, `preflight ${path}`);
      assert.match(p.headers.get('access-control-allow-methods'), /POST/, path);
      const allowed = p.headers.get('access-control-allow-headers').toLowerCase();
      for (const h of ['content-type', 'authorization', 'mcp-protocol-version']) assert.ok(allowed.includes(h), `${path}: ${h}`);
    }
  });

  it('registration, token and revoke carry CORS on success and on errors', async () => {
    const reg = await fetch(`${w.url}/oauth/register`, {
      method: 'POST', headers: { origin: INSPECTOR, 'content-type': 'application/json', 'cf-connecting-ip': '198.18.9.1' },
      body: JSON.stringify({ client_name: 'MCP Inspector', redirect_uris: [`${INSPECTOR}/oauth/callback`], token_endpoint_auth_method: 'none' }),
    });
    assert.equal(reg.status, 201);
    assertPublicCors(reg, 'register 201');
    const badReg = await fetch(`${w.url}/oauth/register`, { method: 'POST', headers: { origin: INSPECTOR, 'content-type': 'application/json' }, body: '[]' });
    assert.equal(badReg.status, 400);
    assertPublicCors(badReg, 'register 400');
    const token = await exchangeCode(w, { code: 'dyc_nope', verifier: 'v'.repeat(43), clientId: 'dcr_nope', headers: { origin: INSPECTOR } });
    assert.equal(token.status, 401);
    assertPublicCors(token, 'token 401');
    const wrongMethod = await fetch(`${w.url}/oauth/token`, { headers: { origin: INSPECTOR } });
    assert.equal(wrongMethod.status, 405);
    assertPublicCors(wrongMethod, 'token 405');
    const revoke = await fetch(`${w.url}/oauth/revoke`, { method: 'POST', headers: { origin: INSPECTOR, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
    assert.ok(revoke.status >= 400 && revoke.status < 500, `${revoke.status}`);
    assertPublicCors(revoke, 'revoke error');
  });

  it('cookie-authenticated routes never get CORS', async () => {
    const reg = await registerClient(w);
    const probes = [
      ['GET', `/oauth/authorize?client_id=${reg.clientId}`],
      ['OPTIONS', '/oauth/authorize'],
      ['GET', '/api/v1/me'],
      ['OPTIONS', '/api/v1/me'],
      ['GET', `/api/v1/orgs/${org}/grants`],
      ['GET', '/studio/login'],
      ['OPTIONS', '/studio/login'],
    ];
    for (const [method, path] of probes) {
      const r = await owner.request(method, path, { raw: true, headers: { origin: INSPECTOR } });
      assert.equal(r.headers.get('access-control-allow-origin'), null, `${method} ${path}: ${r.status}`);
      assert.equal(r.headers.get('access-control-allow-credentials'), null, `${method} ${path}`);
    }
  });

  it('MCP endpoints: allowed origins get CORS with the exposed headers, others are refused', async () => {
    const p = await fetch(shop.url, {
      method: 'OPTIONS',
      headers: { origin: INSPECTOR, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' },
    });
    assert.equal(p.status, 204);
    assert.equal(p.headers.get('access-control-allow-origin'), INSPECTOR);
    const unauth = await mcp(shop.url, null, 'tools/list', {}, { headers: { origin: INSPECTOR } });
    assert.equal(unauth.status, 401);
    assert.equal(unauth.headers.get('access-control-allow-origin'), INSPECTOR);
    const exposed = unauth.headers.get('access-control-expose-headers').toLowerCase().split(/\s*,\s*/);
    for (const h of EXPOSED) assert.ok(exposed.includes(h), `exposes ${h}`);
    const t = await getTokens(w, users.developer, { resource: shop.url });
    const ok = await mcp(shop.url, t.access_token, 'tools/list', {}, { headers: { origin: INSPECTOR } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.get('access-control-allow-origin'), INSPECTOR);
    const evil = await mcp(shop.url, t.access_token, 'tools/list', {}, { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });
});
