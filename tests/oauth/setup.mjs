// The world every OAuth flow suite (tests/oauth/*.test.mjs) runs in, and the
// assertions they share. tests/oauth-helpers.mjs drives the real sign-in and
// consent forms; this file only sets the scene:
//
// - one worker, started with chosen signing keys (current and one previous) so
//   tokens can be forged, expired and re-signed with node:crypto, after an
//   HTTPS loopback fixture that serves Client ID Metadata Documents (`fx`);
// - an org with two private, published projects: `shop` (show_order and the
//   scoped orders_report Type) and `other` (show_order);
// - a custom role `order_reader` and one signed-in member per role (`users`),
//   plus `users.outsider`, a developer of another org.
//
// `useWorld()` adds the before() and after() hooks; the exported `let`s are
// live bindings, set once the before() hook has run. Each suite file is its own
// process with its own world, so no suite depends on another's order.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  orderCard, interactiveType, uniq, createOrg, createProject, putType, publish, ownerOf, startMcpWorker,
} from '../mcp-fixtures.mjs';
import {
  BASE_SCOPES, DEFAULT_REDIRECT, mcp, parseChallenge, parseRedirect, newSeed, startCimdFixture, continueLink, unescapeHtml,
} from '../oauth-helpers.mjs';

export const PASSWORD = 'member password 1'; // what harness addMember uses
export const K_CURRENT = newSeed();
export const K_PREVIOUS = newSeed();
export const K_RETIRED = newSeed(); // never configured

export let w;
export let fx; // CIMD fixture
export let owner;
export let org;
export let outsiderOrg;
export let shop; // { slug, url, draftUrl } — private, published, with a scoped Type
export let other; // a second private project of the same org
export const users = {}; // role name -> signed-in Client (with .user and .email)

export const creds = (c) => ({ email: c.email, password: PASSWORD });
export const endpoint = (slug, draft) => `${w.url}/${org}/${slug}${draft ? '/draft' : ''}`;
export const prmUrl = (slug, draft) => `${w.url}/.well-known/oauth-protected-resource/${org}/${slug}${draft ? '/draft' : ''}`;
const ORDERS_TYPE = interactiveType('orders_report', {
  title: 'Orders report', description: 'Shows the orders of a period.', scopes: ['orders:read'],
});

export async function member(role, tag = role) {
  const email = `${uniq(tag)}@example.test`;
  const c = await w.addMember(owner, org, email, role);
  c.email = email;
  return c;
}

/** The org's grants (as the owner sees them), filtered. */
export async function orgGrants(query = {}) {
  const q = new URLSearchParams(query).toString();
  const r = await owner.get(`/api/v1/orgs/${org}/grants${q ? `?${q}` : ''}`);
  assert.equal(r.status, 200, r.text);
  return r.body.grants;
}

export async function assertNothingIssued(clientId, label = '') {
  // Every status: a consent whose code was never redeemed lists as `pending`.
  for (const status of ['active', 'pending', 'revoked', 'expired']) {
    assert.deepEqual(await orgGrants({ client: clientId, status }), [], `${label}: no ${status} grant was created for ${clientId}`);
  }
}

/** A refusal shown on our own page: 4xx HTML, never a redirect. */
export function assertErrorPage(r, status, message, label = '') {
  const ctx = `${label}: ${r.status} ${r.headers.get('location') ?? ''} ${r.text.slice(0, 400)}`;
  assert.equal(r.status, status, ctx);
  assert.equal(r.headers.get('location'), null, `${ctx}: never redirected`);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/, ctx);
  assert.match(r.text, /Nothing was authorized/, ctx);
  if (message) assert.match(r.text, message, ctx);
  assert.doesNotMatch(r.text, /name="csrf"/, `${ctx}: no consent form`);
}

/**
 * An OAuth error response for the client (RFC 9700 4.11.2: no client is
 * trusted): never a redirect, but our interstitial page naming the client, the
 * reason and the redirect host, framed by nothing, cached by nothing, whose
 * Continue link is the error response (error, state, iss) at the registered
 * redirect URI. `r` is the page; returns the Continue link, parsed.
 */
export function assertErrorRedirect(r, { error, state, redirectUri = DEFAULT_REDIRECT, description, clientName }, label = '') {
  const ctx = `${label}: ${r.status} ${r.headers.get('location') ?? ''} ${r.text.slice(0, 400)}`;
  assert.equal(r.status, 400, ctx);
  assert.equal(r.headers.get('location'), null, `${ctx}: not redirected automatically`);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/, ctx);
  assert.equal(r.headers.get('cache-control'), 'no-store', ctx);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', ctx);
  assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, ctx);
  assert.doesNotMatch(r.text, /http-equiv|<script(?! src="\/studio\/assets\/)/i, `${ctx}: no refresh, no inline script`);
  assert.match(r.text, /could not be authorized: /, ctx);
  if (clientName) assert.match(r.text, new RegExp(`<strong>${clientName}</strong> could not be authorized`), ctx);
  const host = new URL(redirectUri).host;
  assert.match(r.text, new RegExp(`You are being sent back to <strong>${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</strong>`), ctx);
  const loc = continueLink(r);
  assert.ok(loc, `${ctx}: a Continue link`);
  assert.ok(loc.startsWith(`${redirectUri}?`), `${ctx}: Continue goes to ${loc}`);
  const p = parseRedirect(loc);
  assert.equal(p.error, error, ctx);
  assert.equal(p.code, null, `${ctx}: no code`);
  assert.equal(p.iss, w.url, `${ctx}: iss`);
  if (state !== undefined) assert.equal(p.state, state, `${ctx}: state`);
  if (description) {
    assert.match(p.error_description ?? '', description, ctx);
    assert.ok(unescapeHtml(r.text).includes(`could not be authorized: ${p.error_description}`), `${ctx}: the page says why`);
  }
  return p;
}

/** A token-endpoint error: status, RFC 6749 `error`, no-store, no token. */
export function assertTokenError(r, status, error, label = '', description) {
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
export function assert401(r, url, { presented = true, reason } = {}, label = '') {
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

export function assertTools(r, names, label = '') {
  assert.equal(r.status, 200, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.deepEqual(r.json.result.tools.map((t) => t.name).sort(), [...names].sort(), label);
}

export function assertCallOk(r, label = '') {
  assert.equal(r.status, 200, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.json.error, undefined, `${label}: ${r.text.slice(0, 300)}`);
  assert.notEqual(r.json.result.isError, true, `${label}: ${r.text.slice(0, 300)}`);
}

export const callOrder = (url, token) => mcp(url, token, 'tools/call', { name: 'show_order', arguments: { order_id: 'o-1' } });

/**
 * Starts the fixture and the worker and builds the world before the suite's
 * tests; stops both after them. `prepare` (optional) runs at the end of the
 * same before() hook, once the world exists: a second top-level before() would
 * not wait for this one (node:test runs it at once). `vars` adds worker
 * variables (for example ALLOWED_ORIGINS).
 */
export function useWorld(prepare = async () => {}, { vars = {} } = {}) {
  before(async () => {
    fx = await startCimdFixture(); // before the worker: it must trust the fixture's CA
    w = await startMcpWorker({ vars: { JWT_SIGNING_KEY: K_CURRENT, JWT_PREVIOUS_KEYS: K_PREVIOUS, ...vars } });
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
    await prepare();
  });

  after(async () => {
    await w?.stop();
    await fx?.stop();
  });
}
