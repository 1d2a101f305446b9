// The OAuth 2.1 authorization server and the protected MCP endpoints, end to
// end over plain HTTP (tests/oauth-helpers.mjs drives the real sign-in and
// consent forms): discovery, the authorization request's two error tiers,
// sign-in, membership and role refusals, consent (escaping, framing, CSRF,
// Deny), the token endpoint's attacks (PKCE, redirect, resource, replay,
// expiry), access-token attacks on the endpoints (audience, tampering,
// `alg: none`, foreign keys, expiry, query-string tokens), signing-key
// rotation, grants (several devices, admin and self revocation, RFC 7009,
// member removal, role downgrade), refresh rotation with its grace window and
// reuse detection, scope step-up, Client ID Metadata Documents (served by an
// HTTPS loopback fixture) and Dynamic Client Registration. Every refusal is
// followed by a check that nothing was issued.
//
// One worker, started with chosen signing keys (current and one previous) so
// tokens can be forged, expired and re-signed here with node:crypto. The two
// cases that need more than a minute (an expired code; a refresh token reused
// after its 60 s grace) are prepared at start-up and checked last, waiting
// only for whatever is left of the minute.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  orderCard, interactiveType, uniq, createOrg, createProject, putType, publish, ownerOf, startMcpWorker, sleep,
} from './mcp-fixtures.mjs';
import {
  BASE_SCOPES, DEFAULT_REDIRECT, authorize, openConsent, submitConsent, registerClient, exchangeCode, refresh,
  revokeToken, getTokens, mcp, parseChallenge, parseForms, parseRedirect, pkcePair, decodeJwt, signJwt, seedKeys,
  newSeed, startCimdFixture, tokenLog, postForm,
} from './oauth-helpers.mjs';

const PASSWORD = 'member password 1'; // what harness addMember uses
const K_CURRENT = newSeed();
const K_PREVIOUS = newSeed();
const K_RETIRED = newSeed(); // never configured

let w;
let fx; // CIMD fixture
let owner;
let org;
let outsiderOrg;
let shop; // { slug, url, draftUrl } — private, published, with a scoped Type
let other; // a second private project of the same org
const users = {}; // role name -> signed-in Client (with .user and .email)
const aging = {}; // prepared at start-up, checked at the end

const creds = (c) => ({ email: c.email, password: PASSWORD });
const endpoint = (slug, draft) => `${w.url}/${org}/${slug}${draft ? '/draft' : ''}`;
const prmUrl = (slug, draft) => `${w.url}/.well-known/oauth-protected-resource/${org}/${slug}${draft ? '/draft' : ''}`;
const ORDERS_TYPE = interactiveType('orders_report', {
  title: 'Orders report', description: 'Shows the orders of a period.', scopes: ['orders:read'],
});

async function member(role, tag = role) {
  const email = `${uniq(tag)}@example.test`;
  const c = await w.addMember(owner, org, email, role);
  c.email = email;
  return c;
}

/** The org's grants (as the owner sees them), filtered. */
async function orgGrants(query = {}) {
  const q = new URLSearchParams(query).toString();
  const r = await owner.get(`/api/v1/orgs/${org}/grants${q ? `?${q}` : ''}`);
  assert.equal(r.status, 200, r.text);
  return r.body.grants;
}

async function assertNothingIssued(clientId, label = '') {
  assert.deepEqual(await orgGrants({ client: clientId }), [], `${label}: no grant was created for ${clientId}`);
}

/** A refusal shown on our own page: 4xx HTML, never a redirect. */
function assertErrorPage(r, status, message, label = '') {
  const ctx = `${label}: ${r.status} ${r.headers.get('location') ?? ''} ${r.text.slice(0, 400)}`;
  assert.equal(r.status, status, ctx);
  assert.equal(r.headers.get('location'), null, `${ctx}: never redirected`);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/, ctx);
  assert.match(r.text, /Nothing was authorized/, ctx);
  if (message) assert.match(r.text, message, ctx);
  assert.doesNotMatch(r.text, /name="csrf"/, `${ctx}: no consent form`);
}

/** An OAuth error response sent back to the client: 302 with error, state and iss. */
function assertErrorRedirect(r, { error, state, redirectUri = DEFAULT_REDIRECT, description }, label = '') {
  const loc = r.headers.get('location');
  const ctx = `${label}: ${r.status} ${loc ?? r.text.slice(0, 300)}`;
  assert.equal(r.status, 302, ctx);
  assert.ok(loc.startsWith(`${redirectUri}?`), ctx);
  const p = parseRedirect(loc);
  assert.equal(p.error, error, ctx);
  assert.equal(p.code, null, `${ctx}: no code`);
  assert.equal(p.iss, w.url, `${ctx}: iss`);
  if (state !== undefined) assert.equal(p.state, state, `${ctx}: state`);
  if (description) assert.match(p.error_description ?? '', description, ctx);
  return p;
}

/** A token-endpoint error: status, RFC 6749 `error`, no-store, no token. */
function assertTokenError(r, status, error, label = '', description) {
  const ctx = `${label}: ${r.status} ${r.text}`;
  assert.equal(r.status, status, ctx);
  assert.equal(r.body?.error, error, ctx);
  assert.equal(typeof r.body.error_description, 'string', ctx);
  if (description) assert.match(r.body.error_description, description, ctx);
  assert.equal(r.body.access_token, undefined, ctx);
  assert.equal(r.body.refresh_token, undefined, ctx);
  assert.equal(r.headers.get('cache-control'), 'no-store', ctx);
}

/** 401 from an endpoint: the discovery challenge, `error="invalid_token"` when a token was presented. */
function assert401(r, url, { presented = true, reason } = {}, label = '') {
  const ctx = `${label}: ${r.status} ${r.text.slice(0, 300)}`;
  assert.equal(r.status, 401, ctx);
  const ch = parseChallenge(r.headers.get('www-authenticate'));
  const draft = url.endsWith('/draft');
  const slug = url.slice(w.url.length).split('/')[2];
  assert.equal(ch?.scheme, 'Bearer', ctx);
  assert.equal(ch.resource_metadata, prmUrl(slug, draft), ctx);
  assert.equal(ch.scope, BASE_SCOPES, ctx);
  assert.equal(ch.error, presented ? 'invalid_token' : undefined, ctx);
  assert.equal(r.json?.result, undefined, `${ctx}: nothing served`);
  if (reason) assert.match(r.json?.message ?? '', reason, ctx);
}

function assertTools(r, names, label = '') {
  assert.equal(r.status, 200, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.deepEqual(r.json.result.tools.map((t) => t.name).sort(), [...names].sort(), label);
}

function assertCallOk(r, label = '') {
  assert.equal(r.status, 200, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.json.error, undefined, `${label}: ${r.text.slice(0, 300)}`);
  assert.notEqual(r.json.result.isError, true, `${label}: ${r.text.slice(0, 300)}`);
}

const callOrder = (url, token) => mcp(url, token, 'tools/call', { name: 'show_order', arguments: { order_id: 'o-1' } });

before(async () => {
  fx = await startCimdFixture(); // before the worker: it must trust the fixture's CA
  w = await startMcpWorker({ vars: { JWT_SIGNING_KEY: K_CURRENT, JWT_PREVIOUS_KEYS: K_PREVIOUS } });
  owner = await ownerOf(w);
  owner.email = 'owner@example.test';
  org = await createOrg(owner, uniq('acme'));
  for (const [name, types] of [['shop', [orderCard(), ORDERS_TYPE]], ['other', [orderCard()]]]) {
    const slug = await createProject(owner, org, uniq(name));
    for (const t of types) await putType(owner, org, slug, t);
    await publish(owner, org, slug);
    const p = { slug, url: `${w.url}/${org}/${slug}`, draftUrl: `${w.url}/${org}/${slug}/draft` };
    if (name === 'shop') shop = p; else other = p;
  }
  const role = await owner.post(`/api/v1/orgs/${org}/roles`, {
    name: 'order_reader', scopes: ['tools:read', 'tools:call', 'orders:read'], permissions: ['endpoint.draft', 'endpoint.production'],
  });
  assert.equal(role.status, 201, role.text);
  for (const r of ['developer', 'mcp_developer', 'mcp_user', 'viewer', 'order_reader']) users[r] = await member(r);
  outsiderOrg = await createOrg(owner, uniq('elsewhere'));
  users.outsider = await w.addMember(owner, outsiderOrg, `${uniq('outsider')}@example.test`, 'developer');

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

after(async () => {
  await w?.stop();
  await fx?.stop();
});

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

// ----------------------------------------------------- the authorize request --

describe('/oauth/authorize: client and redirect errors are shown, never redirected', () => {
  let client;
  before(async () => { client = (await registerClient(w, { redirect_uris: [DEFAULT_REDIRECT, 'https://app.example.test/cb?tenant=1'] })).clientId; });

  test('an unknown client_id gets an error page', async () => {
    for (const clientId of ['dcr_00000000000000000000000000000000', 'nobody', '']) {
      const o = await openConsent(w, users.developer, { clientId, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, clientId ? /unknown client_id/ : /client_id/, `client ${clientId || '(empty)'}`);
    }
  });

  test('a redirect_uri that differs by a trailing slash, a query, case or host gets an error page', async () => {
    for (const redirectUri of [
      `${DEFAULT_REDIRECT}/`, `${DEFAULT_REDIRECT}?x=1`, `${DEFAULT_REDIRECT}?`, 'https://app.example.test/cb?tenant=2',
      'https://app.example.test/cb', 'https://APP.example.test/oauth/callback', 'https://evil.example/oauth/callback',
      'http://app.example.test/oauth/callback',
    ]) {
      const o = await openConsent(w, users.developer, { clientId: client, redirectUri, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /redirect_uri is not registered/, redirectUri);
    }
    const missing = await openConsent(w, users.developer, { clientId: client, resource: shop.draftUrl, omit: ['redirect_uri'] });
    assertErrorPage(missing.page, 400, /redirect_uri/, 'missing redirect_uri');
    await assertNothingIssued(client, 'redirect mismatch');
  });

  test('missing PKCE, plain PKCE and a malformed challenge go back as invalid_request (with state and iss)', async () => {
    const cases = [
      ['no code_challenge', { omit: ['code_challenge'] }, /PKCE is required/],
      ['plain', { challengeMethod: 'plain', pkce: { verifier: 'x', challenge: 'a'.repeat(43) } }, /plain|S256/],
      ['no method', { omit: ['code_challenge_method'] }, /S256 is required/],
      ['short challenge', { pkce: { verifier: 'x', challenge: 'abc' } }, /43 base64url/],
    ];
    for (const [label, extra, description] of cases) {
      const o = await openConsent(w, users.developer, { clientId: client, resource: shop.draftUrl, state: `s-${label}`, ...extra });
      assertErrorRedirect(o.page, { error: 'invalid_request', state: `s-${label}`, description }, label);
    }
    await assertNothingIssued(client, 'PKCE');
  });

  test('resource: missing is invalid_request, not one of ours is invalid_target; response_type=token is refused', async () => {
    const missing = await openConsent(w, users.developer, { clientId: client, omit: ['resource'], state: 's1' });
    assertErrorRedirect(missing.page, { error: 'invalid_request', state: 's1', description: /resource/ }, 'missing');
    for (const resource of [`${shop.draftUrl}/`, `${shop.url}?x=1`, `https://evil.example/${org}/${shop.slug}`, `${w.url}/${org}`]) {
      const o = await openConsent(w, users.developer, { clientId: client, resource, state: 's2' });
      assertErrorRedirect(o.page, { error: 'invalid_target', state: 's2' }, resource);
    }
    const twice = await openConsent(w, users.developer, { clientId: client, resource: shop.url, extra: [['resource', shop.draftUrl]], state: 's3' });
    assertErrorRedirect(twice.page, { error: 'invalid_target', state: 's3' }, 'two resources');
    const implicit = await openConsent(w, users.developer, { clientId: client, resource: shop.url, responseType: 'token', state: 's4' });
    assertErrorRedirect(implicit.page, { error: 'unsupported_response_type', state: 's4' }, 'response_type=token');
    const ghost = await openConsent(w, users.developer, { clientId: client, resource: `${w.url}/${org}/no-such-project`, state: 's5' });
    assertErrorRedirect(ghost.page, { error: 'invalid_target', state: 's5' }, 'unknown project');
    await assertNothingIssued(client, 'resource');
  });

  test('a loopback http redirect URI matches on any port, nothing else may differ', async () => {
    const reg = await registerClient(w, { redirect_uris: ['http://127.0.0.1/callback'] });
    const ok = await authorize(w, users.developer, { clientId: reg.clientId, redirectUri: 'http://127.0.0.1:49152/callback', resource: shop.draftUrl });
    assert.ok(ok.redirect?.code, `${ok.response?.status} ${ok.response?.text}`);
    assert.equal(ok.redirect.url.origin, 'http://127.0.0.1:49152');
    const t = await exchangeCode(w, { code: ok.redirect.code, verifier: ok.pkce.verifier, clientId: reg.clientId, redirectUri: 'http://127.0.0.1:49152/callback' });
    assert.equal(t.status, 200, t.text);
    for (const bad of ['http://127.0.0.1:49152/callback/', 'http://localhost:49152/callback', 'http://127.0.0.1:49152/other']) {
      const o = await openConsent(w, users.developer, { clientId: reg.clientId, redirectUri: bad, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /redirect_uri is not registered/, bad);
    }
  });
});

// ------------------------------------------------------------------ sign-in --

describe('sign-in on the way to consent', () => {
  let client;
  before(async () => { client = (await registerClient(w, { client_name: 'Sign-in App' })).clientId; });

  test('without a session: the sign-in form (Email, Password, Sign in) returning to this very request', async () => {
    const o = await openConsent(w, null, { clientId: client, resource: shop.draftUrl });
    assert.equal(o.page.status, 200);
    assert.match(o.page.text, /<label for="email">Email<\/label>/);
    assert.match(o.page.text, /<label for="password">Password<\/label>/);
    assert.match(o.page.text, /<button type="submit">Sign in<\/button>/);
    assert.match(o.page.text, /Sign-in App/, 'names the client');
    assert.match(o.page.text, /href="\/studio\/signup"/, 'a way to sign up by invitation');
    const form = parseForms(o.page.text).find((f) => f.action === '/studio/login');
    assert.equal(form.method, 'post');
    assert.equal(new Map(form.fields).get('next'), `/oauth/authorize?${o.query}`);
    assert.equal(o.page.headers.get('x-frame-options'), 'DENY');
  });

  test('signing in through the form continues to consent; a wrong password stays on the form', async () => {
    const dev = users.developer;
    const wrong = await authorize(w, { email: dev.email, password: 'not the password!' }, { clientId: client, resource: shop.draftUrl });
    assert.equal(wrong.page.status, 401, wrong.page.text.slice(0, 300));
    assert.equal(wrong.redirect, null);
    assert.equal(new Map(parseForms(wrong.page.text)[0].fields).get('next'), wrong.signIn.next, 'the form keeps next');
    await assertNothingIssued(client, 'wrong password');
    const ok = await authorize(w, creds(dev), { clientId: client, resource: shop.draftUrl, state: 'after-login' });
    assert.equal(ok.signIn.login.status, 303);
    assert.equal(ok.signIn.login.headers.get('location'), ok.signIn.next);
    assert.ok(ok.consent, 'consent after sign-in');
    assert.equal(ok.redirect.state, 'after-login');
    assert.ok(ok.redirect.code);
  });

  test('a request for a project with the longest legal slugs still returns to consent after sign-in', async () => {
    // Slugs may have 63 characters; real clients send a 43-character state and
    // (CIMD) a URL client_id. After signing in, the browser must come back to
    // this authorization request, not land on /studio.
    const pad = (s) => `${s}-${'x'.repeat(62 - s.length)}`;
    const longOrg = await createOrg(owner, pad(uniq('long')));
    const longProject = await createProject(owner, longOrg, pad(uniq('p')));
    assert.equal(longOrg.length, 63);
    const id = fx.serve('/apps/long-client.json', (url) => ({ client_id: url, client_name: 'Long', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] }));
    const resource = `${w.url}/${longOrg}/${longProject}/draft`;
    const o = await authorize(w, { email: owner.email, password: 'correct horse battery' },
      { clientId: id, redirectUri: 'https://claude.ai/api/mcp/auth_callback', resource, state: 'S'.repeat(43) });
    assert.equal(o.signIn.login.status, 303);
    assert.equal(o.signIn.login.headers.get('location'), `/oauth/authorize?${o.query}`,
      `POST /studio/login sends the browser back to the authorization request (${o.signIn.next.length} characters)`);
    assert.ok(o.redirect?.code);
  });
});

// --------------------------------------------------- membership and roles --

describe('who may authorize what', () => {
  test('a non-member signs in: a refusal page (403) and nothing is issued', async () => {
    const reg = await registerClient(w);
    const o = await openConsent(w, { email: users.outsider.user.email, password: PASSWORD }, { clientId: reg.clientId, resource: shop.draftUrl });
    assert.equal(o.signIn?.login.status, 303, 'the sign-in itself works');
    assertErrorPage(o.page, 403, new RegExp(`not a member of the organization ${org}`));
    // A hand-made consent POST (the csrf of the outsider's own session) is refused too.
    const forged = await postForm(o.browser, '/oauth/authorize', [
      ['response_type', 'code'], ['client_id', reg.clientId], ['redirect_uri', DEFAULT_REDIRECT],
      ['code_challenge', pkcePair().challenge], ['code_challenge_method', 'S256'], ['resource', shop.draftUrl],
      ['scope', BASE_SCOPES], ['csrf', 'x'], ['decision', 'allow']]);
    assertErrorPage(forged, 403, /not a member/, 'forged consent POST');
    await assertNothingIssued(reg.clientId, 'non-member');
  });

  test('a member without endpoint.draft asking for the draft: refusal naming the roles that allow it', async () => {
    const reg = await registerClient(w);
    for (const role of ['mcp_user', 'viewer']) {
      const o = await openConsent(w, users[role], { clientId: reg.clientId, resource: shop.draftUrl });
      assertErrorPage(o.page, 403, /endpoint\.draft/, role);
      assert.match(o.page.text, /mcp_developer/, `${role}: names a role that would allow it`);
      assert.match(o.page.text, new RegExp(`&quot;${role}&quot;|${role}`), `${role}: names their role`);
    }
    await assertNothingIssued(reg.clientId, 'no draft permission');
    // The same member may connect to production.
    const prod = await getTokens(w, users.mcp_user, { clientId: reg.clientId, resource: shop.url });
    assertTools(await mcp(shop.url, prod.access_token, 'tools/list'), ['show_order'], 'mcp_user on production');
    assertCallOk(await callOrder(shop.url, prod.access_token), 'mcp_user calls on production');
  });

  test('consent grants only the scopes the role has; none at all is invalid_scope', async () => {
    const reg = await registerClient(w);
    const o = await openConsent(w, users.mcp_developer, { clientId: reg.clientId, resource: shop.draftUrl, scope: 'tools:read tools:call orders:read' });
    assert.ok(o.consent);
    assert.deepEqual([...o.page.text.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]), ['tools:call', 'tools:read']);
    const t = await getTokens(w, users.mcp_developer, { clientId: reg.clientId, resource: shop.draftUrl, scope: 'tools:read tools:call orders:read' });
    assert.equal(t.scope, 'tools:call tools:read');
    assert.equal(t.claims.scope, 'tools:call tools:read');
    const viewer = await openConsent(w, users.viewer, { clientId: reg.clientId, resource: shop.url, scope: 'tools:call', state: 'v' });
    assertErrorRedirect(viewer.page, { error: 'invalid_scope', state: 'v' }, 'viewer asking only for tools:call');
  });
});

// ------------------------------------------------------------------ consent --

describe('the consent page', () => {
  test('shows client, redirect host, org, project, Draft/Production and scopes; framing is denied', async () => {
    const reg = await registerClient(w, { client_name: 'Consent Check' });
    for (const [url, channel] of [[shop.draftUrl, 'Draft'], [shop.url, 'Production']]) {
      const o = await openConsent(w, users.developer, { clientId: reg.clientId, resource: url });
      const h = o.page.headers;
      assert.equal(o.page.status, 200);
      assert.equal(h.get('x-frame-options'), 'DENY');
      assert.match(h.get('content-security-policy'), /frame-ancestors 'none'/);
      assert.equal(h.get('cache-control'), 'no-store');
      assert.match(o.page.text, /<strong>Consent Check<\/strong>/);
      assert.match(o.page.text, /sent back to <strong>app\.example\.test<\/strong>/);
      assert.match(o.page.text, new RegExp(`<strong>${channel}</strong> endpoint of <strong>${org}/${shop.slug}</strong>`));
      assert.match(o.page.text, /<code>tools:read<\/code>/);
      assert.match(o.page.text, new RegExp(users.developer.email.replace(/[.]/g, '\\.')));
      assert.deepEqual(o.consent.buttons, [['decision', 'allow', 'Authorize'], ['decision', 'deny', 'Deny']]);
      assert.ok(o.consent.hidden.some(([n, v]) => n === 'csrf' && v.length >= 32));
    }
  });

  test('the CSP lets the browser follow the redirect back to the client (form-action)', async () => {
    // Chrome and Safari apply `form-action` to the redirect that answers a form
    // POST as well: with `form-action 'self'` the 302 to the client's
    // redirect_uri is blocked and the user is stuck after clicking Authorize.
    const reg = await registerClient(w, { redirect_uris: ['http://127.0.0.1/callback', DEFAULT_REDIRECT] });
    for (const redirectUri of [DEFAULT_REDIRECT, 'http://127.0.0.1:53682/callback']) {
      const o = await openConsent(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl, redirectUri });
      const csp = o.page.headers.get('content-security-policy');
      const fa = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('form-action'));
      if (fa) {
        const sources = fa.split(/\s+/).slice(1);
        const origin = new URL(redirectUri).origin;
        const allowed = sources.some((s) => s === '*' || s === origin || s === `${new URL(redirectUri).protocol}`
          || (s.endsWith('*') && origin.startsWith(s.slice(0, -1))) || origin.startsWith(`${s}:`) || s === `${origin}/`);
        assert.ok(allowed, `consent CSP "${fa}" blocks the redirect to ${origin}`);
      }
    }
  });

  test('a client_name carrying <script> is escaped on the sign-in and consent pages', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)> "Evil" & \'Co\'';
    const reg = await registerClient(w, { client_name: evil });
    assert.equal(reg.status, 201, reg.text);
    assert.equal(reg.body.client_name, evil, 'stored verbatim');
    const anon = await openConsent(w, null, { clientId: reg.clientId, resource: shop.draftUrl });
    const o = await openConsent(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl });
    for (const [label, page] of [['sign-in', anon.page], ['consent', o.page]]) {
      assert.equal(page.status, 200, label);
      assert.ok(!page.text.includes('<script>alert(1)'), `${label}: no live script`);
      assert.ok(!page.text.includes('<img src=x'), `${label}: no live img`);
      assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &quot;Evil&quot; &amp; &#x27;Co&#x27;'), label);
    }
  });

  test('a consent POST without its csrf token, with a wrong one or from another origin: 403, nothing issued', async () => {
    const reg = await registerClient(w);
    const regB = await registerClient(w);
    const dev = users.developer;
    const o = await openConsent(w, dev, { clientId: reg.clientId, resource: shop.draftUrl });
    assert.ok(o.consent);
    const csrfOf = (c) => new Map(c.fields).get('csrf');
    const otherSession = await openConsent(w, users.mcp_developer, { clientId: reg.clientId, resource: shop.draftUrl });
    const otherClient = await openConsent(w, dev, { clientId: regB.clientId, resource: shop.draftUrl });
    const setCsrf = (v) => (f) => f.map(([n, x]) => [n, n === 'csrf' ? v : x]);
    const attempts = [
      ['no csrf', { mutate: (f) => f.filter(([n]) => n !== 'csrf') }],
      ['empty csrf', { mutate: setCsrf('') }],
      ['a made-up csrf', { mutate: setCsrf('A'.repeat(43)) }],
      ['another session\'s csrf', { mutate: setCsrf(csrfOf(otherSession.consent)) }],
      ['the csrf of this session for another client', { mutate: setCsrf(csrfOf(otherClient.consent)) }],
      ['foreign Origin', { headers: { origin: 'https://evil.example' } }],
      ['no Origin', { noOrigin: true }],
    ];
    for (const [label, opts] of attempts) {
      let browser = o.browser;
      if (opts.noOrigin) {
        browser = w.client({ origin: null });
        browser.cookies = o.browser.cookies;
      }
      const r = await submitConsent(browser, o.consent, 'allow', opts);
      assert.equal(r.status, 403, `${label}: ${r.status} ${r.headers.get('location') ?? r.text.slice(0, 200)}`);
      assert.equal(r.headers.get('location'), null, `${label}: no redirect`);
    }
    await assertNothingIssued(reg.clientId, 'csrf');
    const good = await submitConsent(o.browser, o.consent, 'allow');
    assert.equal(good.status, 302, 'the untouched form still works');
    assert.ok(parseRedirect(good.headers.get('location')).code);
  });

  test('Deny: redirect with error=access_denied, state and iss; nothing issued', async () => {
    const reg = await registerClient(w);
    const a = await authorize(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl, state: 'deny-state', decision: 'deny' });
    assertErrorRedirect(a.response, { error: 'access_denied', state: 'deny-state' }, 'deny');
    await assertNothingIssued(reg.clientId, 'deny');
  });
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
    const grant = (await orgGrants({ client: reg.clientId })).find((g) => g.id === decodeJwt(token).payload.grant_id);
    assert.equal(grant.status, 'revoked');
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
    const [g] = await orgGrants({ client: t.clientId });
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
    assert.ok((await orgGrants({ user: gone.user.id })).every((g) => g.status === 'revoked'), 'the index shows them revoked');
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
      [[], 'invalid_redirect_uri'], [['cursor://cb'], 'invalid_redirect_uri']]) {
      const r = await registerClient(w, { redirect_uris: uris });
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
    const g = (await orgGrants({ client: clientId })).find((x) => x.id === grantId);
    assert.equal(g.status, 'revoked');
  });

  test('every /oauth/token and /oauth/revoke response carried Cache-Control: no-store', () => {
    assert.ok(tokenLog.length > 40, `${tokenLog.length} responses seen`);
    const bad = tokenLog.filter((e) => e.cacheControl !== 'no-store');
    assert.deepEqual(bad, []);
    assert.ok(tokenLog.some((e) => e.status === 200) && tokenLog.some((e) => e.status === 400) && tokenLog.some((e) => e.status === 401));
  });
});
