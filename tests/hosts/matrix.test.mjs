// The host matrix: each popular MCP host's real sequence, replayed against one
// running worker (the private shop of oauth-helpers `startPrivateShop`, with a
// second version whose Types set all three hint annotations, and `plain_note`
// without a title), one Chromium for the suite and a fresh context per host.
// Per host (./profiles.mjs says how each one does it):
//   1. discovery: the 401's WWW-Authenticate -> the protected-resource
//      metadata at its path -> the AS metadata; and the AS metadata at the
//      root, where hosts that drop the path look;
//   2. registration: the host's DCR payload, or its Client ID Metadata
//      Document served by the HTTPS loopback fixture;
//   3. authorize in Chromium: sign in as the member, click Authorize; the code
//      comes back on the host's redirect: the Location of the consent POST's
//      answer, which Chromium then follows (also to cursor://, a request that
//      aborts here; a CSP form-action block would stop it);
//   4. the token exchange as the host authenticates it;
//   5. tools/list, tools/call and the UI resource through an official SDK
//      client in the host's era, asserting what the host relies on.
// The Inspector is a browser app: its discovery, DCR, token exchange and MCP
// calls run as fetch in a page on another origin (ALLOWED_ORIGINS lets that
// origin through), and the headers it reads must be readable from JS.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { freePort } from '../harness.mjs';
import { useBrowser } from '../browser.mjs';
import { authorizeInBrowser, PASSWORD } from '../browser/setup.mjs';
import {
  startPrivateShop, authorizeQuery, exchangeCode, refresh, decodeJwt, mcp, parseChallenge,
} from '../oauth-helpers.mjs';
import { orderCard, interactiveType, putType, publish, MODERN, MCP_APP_MIME } from '../mcp-fixtures.mjs';
import { PROFILES, INSPECTOR, fetchInPage } from './profiles.mjs';

const HINTS = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
const NO_RECONNECT = { maxRetries: 0, initialReconnectionDelay: 60_000, maxReconnectionDelay: 60_000, reconnectionDelayGrowFactor: 1 };

let world; // { fx, w, owner, org, project, dev, devEmail }
let inspector; // the stand-in Inspector origin: { origin, server }
const b = useBrowser();

/** A page server on its own loopback origin: `/` and the OAuth callback, both plain HTML. */
async function startInspectorOrigin() {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Inspector stand-in</title><main>MCP Inspector stand-in</main></html>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, server };
}

before(async () => {
  inspector = await startInspectorOrigin();
  world = await startPrivateShop('hosts', { vars: { ALLOWED_ORIGINS: inspector.origin } });
  const { owner, org, project } = world;
  await putType(owner, org, project, orderCard('show_order', { annotations: HINTS }));
  await putType(owner, org, project, interactiveType('plain_note', { title: null, annotations: HINTS, ui: { html: '<!doctype html><p>note</p>' } }));
  await publish(owner, org, project);
});
after(async () => {
  await world?.w.stop();
  await world?.fx.stop();
  await new Promise((resolve) => inspector?.server.close(resolve) ?? resolve());
});

const endpoint = () => `${world.w.url}/${world.org}/${world.project}`;
const uiUri = () => `ui://${world.project}/show_order`;
const person = () => ({ email: world.devEmail, password: PASSWORD });
const slug = (host) => host.toLowerCase().replace(/[^a-z0-9]+/g, '-');

async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  assert.equal(res.status, 200, `GET ${url}: ${res.status}`);
  return res.json();
}

/** 1. The 401 -> PRM (with the path) -> AS metadata; and the AS metadata at the root (without the path). */
async function discover() {
  const r = await mcp(endpoint(), null, 'tools/list');
  assert.equal(r.status, 401, r.text);
  const challenge = parseChallenge(r.headers.get('www-authenticate'));
  assert.equal(challenge?.scheme, 'Bearer', r.headers.get('www-authenticate'));
  const prm = await getJson(challenge.resource_metadata);
  assert.equal(prm.resource, endpoint(), 'the PRM names this endpoint');
  const [issuer] = prm.authorization_servers;
  assert.equal(issuer, world.w.url);
  const as = await getJson(`${issuer}/.well-known/oauth-authorization-server`);
  assert.equal(as.issuer, issuer);
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    const root = await getJson(`${new URL(endpoint()).origin}${path}`);
    for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint']) assert.equal(root[k], as[k], `${path}: ${k}`);
  }
  assert.ok(as.code_challenge_methods_supported?.includes('S256'));
  return { challenge, prm, as };
}

/** 5. An official SDK client in the host's era, with the bearer token; returns { client, era, methods }. */
async function connect(profile, accessToken) {
  const methods = [];
  const headers = { authorization: `Bearer ${accessToken}` };
  // Records each JSON-RPC method; for a 2025-06-18 host, initialize asks for that revision (the v1 SDK's own is 2025-11-25).
  const hostFetch = (url, init = {}) => {
    let body = init.body;
    if (typeof body === 'string') {
      const msg = JSON.parse(body);
      methods.push(msg.method);
      if (msg.method === 'initialize' && profile.era !== MODERN) body = JSON.stringify({ ...msg, params: { ...msg.params, protocolVersion: profile.era } });
    }
    return fetch(url, { ...init, body });
  };
  if (profile.sdk === 'client') {
    const client = new V2Client({ name: profile.host, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    client.onerror = () => {};
    await client.connect(new V2Transport(new URL(endpoint()), { requestInit: { headers }, fetch: hostFetch }));
    return { client, era: client.getNegotiatedProtocolVersion(), methods };
  }
  const transport = new V1Transport(new URL(endpoint()), { requestInit: { headers }, fetch: hostFetch, reconnectionOptions: NO_RECONNECT });
  const client = new V1Client({ name: profile.host, version: '1.0.0' });
  client.onerror = () => {};
  await client.connect(transport);
  return { client, era: transport.protocolVersion, methods };
}

for (const profile of PROFILES) {
  describe(`${profile.host}: ${profile.registration}, ${profile.authMethod}, ${profile.era}`, () => {
    const s = {}; // what the steps hand on
    const ctx = {
      get w() { return world.w; }, get fx() { return world.fx; }, get as() { return s.as; },
      get endpoint() { return endpoint(); }, get uiUri() { return uiUri(); }, port: () => s.port,
    };
    const need = (...keys) => { for (const k of keys) assert.ok(s[k], `an earlier step of ${profile.host} failed (no ${k})`); };

    test('discovery: the 401, the protected-resource metadata at its path, the AS metadata (also at the root)', async () => {
      const d = await discover();
      s.as = d.as;
      assert.ok(d.as.token_endpoint_auth_methods_supported?.includes(profile.authMethod),
        `the AS advertises ${profile.authMethod}: ${d.as.token_endpoint_auth_methods_supported}`);
      if (profile.registration === 'DCR') assert.ok(d.as.registration_endpoint, 'a registration endpoint');
      else assert.equal(d.as.client_id_metadata_document_supported, true, 'CIMD is advertised');
    });

    test(`registration (${profile.registration})`, async () => {
      need('as');
      s.reg = await profile.register(ctx);
      assert.ok(s.reg.clientId);
    });

    test('authorize: sign in and click Authorize in Chromium; the code comes back on the host\'s redirect', async (t) => {
      need('reg');
      s.port = await freePort();
      s.redirectUri = profile.redirectUri(ctx);
      const q = authorizeQuery({ clientId: s.reg.clientId, redirectUri: s.redirectUri, resource: endpoint(), scope: profile.scope });
      const page = await b.page(t);
      // The consent POST's answer: for a private-use scheme (cursor://) the code is read from its Location.
      const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/oauth/authorize');
      posted.catch(() => {});
      const callback = await authorizeInBrowser(page, `${s.as.authorization_endpoint}?${q.query}`,
        { user: person(), redirectUri: s.redirectUri, name: `hosts-${slug(profile.host)}` })
        .catch(async (e) => { throw new Error(`${e.message}\nthe page said: ${(await page.locator('body').innerText().catch(() => '?')).slice(0, 600)}`); });
      const location = (await posted).headers().location;
      assert.equal(location, String(callback), 'Chromium was sent to exactly the Location of the consent answer');
      assert.equal(callback.searchParams.get('error'), null, String(callback));
      assert.equal(callback.searchParams.get('state'), q.state);
      assert.equal(callback.searchParams.get('iss'), world.w.url);
      s.code = callback.searchParams.get('code');
      s.verifier = q.pkce.verifier;
      assert.ok(s.code, String(callback));
    });

    test(`token exchange (${profile.authMethod}, resource sent)`, async () => {
      need('code');
      const r = await exchangeCode(world.w, {
        code: s.code, verifier: s.verifier, clientId: s.reg.clientId, redirectUri: s.redirectUri, resource: endpoint(),
        extra: profile.tokenAuth(ctx, s.reg),
      });
      assert.equal(r.status, 200, r.text);
      assert.match(r.body.token_type, /^bearer$/i);
      assert.ok(r.body.refresh_token, 'a refresh token');
      const claims = decodeJwt(r.body.access_token).payload;
      assert.equal(claims.aud, endpoint());
      assert.equal(claims.client_id, s.reg.clientId);
      assert.equal(claims.sub, world.dev.user.id, 'the member who clicked Authorize');
      s.tokens = r.body;
    });

    test(`tools/list, tools/call and the UI resource through @modelcontextprotocol/${profile.sdk} (${profile.era})`, async (t) => {
      need('tokens');
      const { client, era, methods } = await connect(profile, s.tokens.access_token);
      t.after(() => client.close().catch(() => {}));
      assert.equal(era, profile.era, 'the negotiated revision');
      if (profile.era === MODERN) assert.equal(methods[0], 'server/discover', 'opens with server/discover');
      else assert.equal(methods[0], 'initialize');
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((x) => x.name), ['plain_note', 'show_order']);
      assert.equal(tools.find((x) => x.name === 'plain_note').title, 'Plain note', 'an unset title is the name made readable');
      profile.expectTools(tools, ctx);
      const args = { order_id: `${slug(profile.host)}-1` };
      const result = await client.callTool({ name: 'show_order', arguments: args });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent, args);
      const { contents } = await client.readResource({ uri: uiUri() });
      assert.equal(contents[0].mimeType, MCP_APP_MIME);
      assert.equal(contents[0]._meta?.ui?.prefersBorder, true);
      assert.equal(contents[0]._meta?.['openai/widgetPrefersBorder'], true, 'and in ChatGPT\'s key');
    });

    if (profile.refreshes) {
      test('refresh: a new access token that works', async () => {
        need('tokens');
        const r = await refresh(world.w, { refreshToken: s.tokens.refresh_token, clientId: s.reg.clientId, resource: endpoint(), extra: profile.tokenAuth(ctx, s.reg) });
        assert.equal(r.status, 200, r.text);
        assert.notEqual(r.body.access_token, s.tokens.access_token);
        const list = await mcp(endpoint(), r.body.access_token, 'tools/list');
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(list.json.result.tools.map((x) => x.name), ['plain_note', 'show_order']);
      });
    }
  });
}

// ------------------------------------------------------------- Inspector --

describe(`${INSPECTOR.host}: browser CORS, ${INSPECTOR.registration}, ${INSPECTOR.era}`, () => {
  const ACCEPT = 'application/json, text/event-stream';
  const initialize = (id) => JSON.stringify({
    jsonrpc: '2.0', id, method: 'initialize',
    params: { protocolVersion: INSPECTOR.era, capabilities: {}, clientInfo: { name: 'inspector', version: '1.0.0' } },
  });

  /** The request in the page; then the same request from Node with the page's Origin, to learn which headers the worker sends. */
  async function both(page, req) {
    const inPage = await page.evaluate(fetchInPage, { ...req, readHeaders: INSPECTOR.readHeaders });
    assert.equal(inPage.error, undefined, `${req.method ?? 'GET'} ${req.url} from ${inspector.origin}: ${inPage.error}`);
    const res = await fetch(req.url, { method: req.method ?? 'GET', headers: { ...req.headers, origin: inspector.origin }, body: req.body });
    await res.arrayBuffer();
    for (const h of INSPECTOR.readHeaders) {
      if (res.headers.get(h) !== null) assert.notEqual(inPage.headers[h], null, `${h} is sent on ${req.url} but JS cannot read it`);
    }
    return inPage;
  }
  const json = (r) => JSON.parse(r.text.startsWith('event:') ? r.text.split('\n').find((l) => l.startsWith('data:')).slice(5) : r.text);

  test('discovery, DCR, consent in Chromium, token and MCP calls, all from the page\'s JS', async (t) => {
    const page = await b.page(t);
    await page.goto(`${inspector.origin}/`);
    const mcpHeaders = { 'content-type': 'application/json', accept: ACCEPT };

    const first = await both(page, { url: endpoint(), method: 'POST', headers: mcpHeaders, body: initialize(1) });
    assert.equal(first.status, 401);
    const challenge = parseChallenge(first.headers['www-authenticate']);
    assert.ok(challenge?.resource_metadata, 'WWW-Authenticate is readable from JS');
    const prm = json(await both(page, { url: challenge.resource_metadata }));
    const as = json(await both(page, { url: `${prm.authorization_servers[0]}/.well-known/oauth-authorization-server` }));
    const reg = await page.evaluate(fetchInPage, {
      url: as.registration_endpoint, method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(INSPECTOR.metadata(inspector.origin)), readHeaders: INSPECTOR.readHeaders,
    });
    assert.equal(reg.error, undefined, `DCR from the page: ${reg.error}`);
    assert.equal(reg.status, 201, reg.text);
    const clientId = json(reg).client_id;

    const redirectUri = `${inspector.origin}${INSPECTOR.callbackPath}`;
    const q = authorizeQuery({ clientId, redirectUri, resource: endpoint(), scope: INSPECTOR.scope });
    const callback = await authorizeInBrowser(page, `${as.authorization_endpoint}?${q.query}`, { user: person(), redirectUri, name: 'hosts-inspector' });
    assert.equal(callback.searchParams.get('state'), q.state);
    await page.waitForURL((u) => u.origin === inspector.origin);

    const token = await page.evaluate(fetchInPage, {
      url: as.token_endpoint, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: callback.searchParams.get('code'), code_verifier: q.pkce.verifier,
        client_id: clientId, redirect_uri: redirectUri, resource: endpoint(),
      }).toString(),
      readHeaders: INSPECTOR.readHeaders,
    });
    assert.equal(token.error, undefined, `token from the page: ${token.error}`);
    assert.equal(token.status, 200, token.text);
    const bearer = { ...mcpHeaders, authorization: `Bearer ${json(token).access_token}` };

    const init = await both(page, { url: endpoint(), method: 'POST', headers: bearer, body: initialize(2) });
    assert.equal(init.status, 200, init.text);
    const session = init.headers['mcp-session-id'];
    assert.ok(session, 'Mcp-Session-Id is readable from JS');
    const legacyHeaders = { ...bearer, 'mcp-session-id': session, 'mcp-protocol-version': INSPECTOR.era };
    const notified = await page.evaluate(fetchInPage, {
      url: endpoint(), method: 'POST', headers: legacyHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), readHeaders: INSPECTOR.readHeaders,
    });
    assert.equal(notified.status, 202, notified.text ?? notified.error);
    const list = await page.evaluate(fetchInPage, {
      url: endpoint(), method: 'POST', headers: legacyHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), readHeaders: INSPECTOR.readHeaders,
    });
    assert.equal(list.status, 200, list.text ?? list.error);
    assert.deepEqual(json(list).result.tools.map((x) => x.name), ['plain_note', 'show_order']);
    const call = await page.evaluate(fetchInPage, {
      url: endpoint(), method: 'POST', headers: legacyHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'show_order', arguments: { order_id: 'inspector-1' } } }),
      readHeaders: INSPECTOR.readHeaders,
    });
    assert.equal(call.status, 200, call.text ?? call.error);
    assert.deepEqual(json(call).result.structuredContent, { order_id: 'inspector-1' });
  });
});
