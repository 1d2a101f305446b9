// OAuth with real MCP clients against the real worker, on a PRIVATE project:
//   (a) @modelcontextprotocol/sdk v1: StreamableHTTPClientTransport with an
//       authProvider (in-memory OAuthClientProvider). The 401 starts
//       discovery (PRM, AS metadata), Dynamic Client Registration and
//       `redirectToAuthorization(url)`, which here drives the real sign-in
//       and consent forms over plain HTTP and captures the code; then
//       `transport.finishAuth(code)` and a NEW transport lists and calls
//       tools, on the draft and on the production endpoint.
//   (b) @modelcontextprotocol/client v2 (strict iss/issuer checks, version
//       negotiation `auto`) with a Client ID Metadata Document served by an
//       HTTPS loopback fixture (client_id = the document's URL), no DCR.
//   (c) an admin revokes the grant: the next call with that token gets 401,
//       and the client's refresh fails too (it falls back to a new
//       authorization, which is not approved here).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as V2Client, StreamableHTTPClientTransport as V2Transport, UnauthorizedError as V2UnauthorizedError,
} from '@modelcontextprotocol/client';
import {
  followAuthorization, startPrivateShop, SHOP_INSTRUCTIONS as INSTRUCTIONS, decodeJwt, mcp, parseChallenge, BASE_SCOPES,
} from '../oauth-helpers.mjs';

const PASSWORD = 'member password 1'; // what harness addMember uses
const NO_RECONNECT = { maxRetries: 0, initialReconnectionDelay: 60_000, maxReconnectionDelay: 60_000, reconnectionDelayGrowFactor: 1 };

let w;
let fx;
let owner;
let org;
let project;
let dev; // developer member: draft and production
let devEmail;

const draftUrl = () => `${w.url}/${org}/${project}/draft`;
const prodUrl = () => `${w.url}/${org}/${project}`;
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

/**
 * An in-memory OAuthClientProvider (the shape both SDK majors accept). The
 * "browser" is `user`: a signed-in harness Client, or `{ email, password }`
 * for a fresh browser that meets the sign-in form. With `approve` false,
 * redirectToAuthorization only records the URL (a user who walks away).
 */
class TestProvider {
  constructor({ user, redirectUrl, clientMetadataUrl, name = 'Dockyard SDK test' }) {
    this.user = user;
    this._redirectUrl = redirectUrl;
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
    this.name = name;
    this.approve = true;
    this.authorizationUrls = [];
    this.legs = []; // browser legs (followAuthorization results)
    this.invalidated = [];
    this.savedTokens = [];
    this._state = null;
  }

  get redirectUrl() { return this._redirectUrl; }
  get clientMetadata() {
    return {
      client_name: this.name, redirect_uris: [this._redirectUrl], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none',
    };
  }

  state() { this._state = `st-${Math.random().toString(36).slice(2)}`; return this._state; }
  clientInformation() { return this._client; }
  saveClientInformation(info) { this._client = info; }
  tokens() { return this._tokens; }
  saveTokens(t) { this._tokens = t; this.savedTokens.push(t); }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
  saveDiscoveryState(s) { this._discovery = s; }
  discoveryState() { return this._discovery; }
  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'client') this._client = undefined;
    if (scope === 'all' || scope === 'verifier') this._verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discovery = undefined;
  }

  async redirectToAuthorization(url) {
    this.authorizationUrls.push(new URL(url));
    if (!this.approve) return;
    const leg = await followAuthorization(w, this.user, url);
    this.legs.push(leg);
  }

  /** The last authorization response (parsed redirect), asserting it carries a code. */
  callback() {
    const leg = this.legs.at(-1);
    const where = leg?.response ?? leg?.page;
    assert.ok(leg?.redirect?.code, `no code: ${where?.status} ${where?.headers.get('location') ?? where?.text.slice(0, 400)}`);
    return leg.redirect;
  }
}

/** A fetch that records every request (method, URL, status), for the transports and auth(). */
function recordingFetch() {
  const log = [];
  const f = async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    log.push({ method: init?.method ?? 'GET', path: url.pathname, status: res.status });
    return res;
  };
  f.log = log;
  return f;
}

before(async () => {
  // Production keeps a Type the draft no longer has, so each endpoint is recognizable.
  ({ fx, w, owner, org, project, dev, devEmail } = await startPrivateShop('sdk'));
});

after(async () => {
  await w?.stop();
  await fx?.stop();
});

// ------------------------------------------------------------------- v1 --

/** v1: connect -> 401 -> auth -> browser leg -> finishAuth -> a NEW transport connects. */
async function v1Authorize(url, provider, f) {
  const t1 = new V1Transport(new URL(url), { authProvider: provider, fetch: f, reconnectionOptions: NO_RECONNECT });
  const c1 = new V1Client({ name: 'dockyard-oauth-v1', version: '1.0.0' });
  await assert.rejects(c1.connect(t1), (e) => e instanceof V1UnauthorizedError, 'the first connect needs authorization');
  const cb = provider.callback();
  await t1.finishAuth(cb.code);
  await c1.close().catch(() => {});
  const t2 = new V1Transport(new URL(url), { authProvider: provider, fetch: f, reconnectionOptions: NO_RECONNECT });
  const c2 = new V1Client({ name: 'dockyard-oauth-v1', version: '1.0.0' });
  c2.onerror = () => { /* the GET stream may end when the grant is revoked */ };
  await c2.connect(t2);
  return { client: c2, transport: t2, callback: cb };
}

describe('@modelcontextprotocol/sdk v1: authProvider, DCR, sign-in and consent forms', () => {
  const redirectUrl = 'http://127.0.0.1:33418/oauth/callback';
  let draft; // { client, provider, f }
  let prod;

  after(async () => {
    await draft?.client.close().catch(() => {});
    await prod?.client.close().catch(() => {});
  });

  test('draft endpoint: discovery, registration, sign-in form, consent, code exchange, then tools', async () => {
    const provider = new TestProvider({ user: { email: devEmail, password: PASSWORD }, redirectUrl });
    const f = recordingFetch();
    const r = await v1Authorize(draftUrl(), provider, f);
    draft = { ...r, provider, f };
    const seen = f.log.map((e) => `${e.method} ${e.path} ${e.status}`);
    assert.deepEqual(seen.slice(0, 4), [
      `POST /${org}/${project}/draft 401`,
      `GET /.well-known/oauth-protected-resource/${org}/${project}/draft 200`,
      'GET /.well-known/oauth-authorization-server 200',
      'POST /oauth/register 201',
    ], seen.join('\n'));
    assert.ok(seen.includes('POST /oauth/token 200'), seen.join('\n'));
    // The authorization request the SDK built, and the response it got back.
    const authUrl = provider.authorizationUrls[0];
    assert.equal(authUrl.origin + authUrl.pathname, `${w.url}/oauth/authorize`);
    assert.equal(authUrl.searchParams.get('resource'), draftUrl());
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authUrl.searchParams.get('scope'), BASE_SCOPES);
    assert.equal(provider.legs[0].signIn?.login.status, 303, 'the user signed in through the form');
    assert.equal(r.callback.iss, w.url);
    assert.equal(r.callback.state, provider._state);
    assert.match(provider.clientInformation().client_id, /^dcr_/);
    const claims = decodeJwt(provider.tokens().access_token).payload;
    assert.equal(claims.aud, draftUrl());
    assert.equal(claims.sub, dev.user.id);
    assert.ok(provider.tokens().refresh_token);

    assert.equal(r.client.getServerVersion().name, `${org}/${project}-draft`);
    assert.equal(r.client.getInstructions(), INSTRUCTIONS);
    const { tools } = await r.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['show_order']);
    const result = await r.client.callTool({ name: 'show_order', arguments: { order_id: 'v1-draft' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { order_id: 'v1-draft' });
    assert.ok(textOf(result).length > 0);
  });

  test('production endpoint of the same private project: its own resource, grant and tools', async () => {
    const provider = new TestProvider({ user: dev, redirectUrl }); // already signed in: straight to consent
    const f = recordingFetch();
    const r = await v1Authorize(prodUrl(), provider, f);
    prod = { ...r, provider, f };
    assert.equal(provider.legs[0].signIn, null, 'a session: no sign-in form');
    assert.match(provider.legs[0].page.text, /<strong>Production<\/strong> endpoint/);
    assert.equal(provider.authorizationUrls[0].searchParams.get('resource'), prodUrl());
    const claims = decodeJwt(provider.tokens().access_token).payload;
    assert.equal(claims.aud, prodUrl());
    assert.notEqual(claims.grant_id, decodeJwt(draft.provider.tokens().access_token).payload.grant_id);
    const { tools } = await r.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['plain_note', 'show_order'], 'the published version');
    const result = await r.client.callTool({ name: 'show_order', arguments: { order_id: 'v1-prod' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { order_id: 'v1-prod' });
    // The two tokens are not interchangeable.
    const cross = await mcp(draftUrl(), provider.tokens().access_token, 'tools/list');
    assert.equal(cross.status, 401);
  });

  test('(c) an admin revokes the grant: the next call is 401 and the client\'s refresh fails too', async () => {
    const { client, provider, f } = draft;
    const token = provider.tokens().access_token;
    const { grant_id: grantId } = decodeJwt(token).payload;
    const ok = await client.callTool({ name: 'show_order', arguments: { order_id: 'before' } });
    assert.notEqual(ok.isError, true);
    const del = await owner.delete(`/api/v1/orgs/${org}/grants/${grantId}`);
    assert.equal(del.status, 200, del.text);

    const raw = await mcp(draftUrl(), token, 'tools/list');
    assert.equal(raw.status, 401, 'the revoked access token');
    assert.equal(parseChallenge(raw.headers.get('www-authenticate')).error, 'invalid_token');

    provider.approve = false; // the user does not re-authorize
    const before = f.log.length;
    const authUrlsBefore = provider.authorizationUrls.length;
    await assert.rejects(client.callTool({ name: 'show_order', arguments: { order_id: 'after' } }),
      (e) => e instanceof V1UnauthorizedError || /401|Unauthorized/i.test(String(e?.message)), 'the call fails');
    const after = f.log.slice(before).map((e) => `${e.method} ${e.path} ${e.status}`);
    assert.ok(after.includes(`POST /${org}/${project}/draft 401`), after.join('\n'));
    assert.ok(after.includes('POST /oauth/token 400'), `the client tried its refresh token and was refused:\n${after.join('\n')}`);
    assert.ok(!after.includes('POST /oauth/token 200'), 'no token was issued');
    assert.ok(provider.invalidated.includes('tokens'), 'the SDK dropped its tokens after invalid_grant');
    assert.equal(provider.authorizationUrls.length, authUrlsBefore + 1, 'it falls back to a new authorization');
    // The production grant (another grant of the same member) is untouched.
    const still = await prod.client.callTool({ name: 'show_order', arguments: { order_id: 'prod-still' } });
    assert.notEqual(still.isError, true);
  });
});

// ------------------------------------------------------------------- v2 --

describe('@modelcontextprotocol/client v2: Client ID Metadata Document, strict iss', () => {
  const redirectUrl = 'http://127.0.0.1:46781/callback';
  let session; // { client, provider, f }
  let docUrl;

  before(() => {
    docUrl = fx.serve('/mcp/v2-client.json', (url) => ({
      client_id: url, client_name: 'Dockyard v2 CIMD client', redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none',
    }));
  });
  after(async () => { await session?.client.close().catch(() => {}); });

  async function v2Authorize(url, provider, f) {
    const t1 = new V2Transport(new URL(url), { authProvider: provider, fetch: f });
    const c1 = new V2Client({ name: 'dockyard-oauth-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await assert.rejects(c1.connect(t1), (e) => e instanceof V2UnauthorizedError, 'the first connect needs authorization');
    const cb = provider.callback();
    await t1.finishAuth(cb.params); // v2 checks iss against the recorded issuer before redeeming
    await c1.close().catch(() => {});
    const c2 = new V2Client({ name: 'dockyard-oauth-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    c2.onerror = () => {};
    await c2.connect(new V2Transport(new URL(url), { authProvider: provider, fetch: f }));
    return { client: c2, callback: cb };
  }

  test('CIMD: no registration, the worker fetches the document, consent names it; list and call', async () => {
    const provider = new TestProvider({ user: { email: devEmail, password: PASSWORD }, redirectUrl, clientMetadataUrl: docUrl });
    const f = recordingFetch();
    const r = await v2Authorize(draftUrl(), provider, f);
    session = { ...r, provider, f };
    const seen = f.log.map((e) => `${e.method} ${e.path} ${e.status}`);
    assert.ok(!seen.some((s) => s.includes('/oauth/register')), `no DCR with CIMD:\n${seen.join('\n')}`);
    assert.ok(fx.hits('/mcp/v2-client.json') >= 1, 'the worker fetched the metadata document');
    assert.equal(provider.authorizationUrls[0].searchParams.get('client_id'), docUrl);
    assert.match(provider.legs[0].page.text, /<strong>Dockyard v2 CIMD client<\/strong>/);
    assert.equal(r.callback.iss, w.url, 'iss equals the issuer byte for byte');
    const claims = decodeJwt(provider.tokens().access_token).payload;
    assert.equal(claims.client_id, docUrl);
    assert.equal(claims.aud, draftUrl());
    const { tools } = await r.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['show_order']);
    const result = await r.client.callTool({ name: 'show_order', arguments: { order_id: 'v2-draft' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { order_id: 'v2-draft' });
  });

  test('production endpoint with the same CIMD client (a second grant)', async () => {
    const provider = new TestProvider({ user: dev, redirectUrl, clientMetadataUrl: docUrl });
    const f = recordingFetch();
    const r = await v2Authorize(prodUrl(), provider, f);
    try {
      const { tools } = await r.client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ['plain_note', 'show_order']);
      const result = await r.client.callTool({ name: 'plain_note', arguments: {} });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.equal(decodeJwt(provider.tokens().access_token).payload.aud, prodUrl());
    } finally {
      await r.client.close().catch(() => {});
    }
  });

  test('(c) an admin revokes the grant: the next call is 401 and the v2 client\'s refresh fails too', async () => {
    const { client, provider, f } = session;
    const token = provider.tokens().access_token;
    const { grant_id: grantId } = decodeJwt(token).payload;
    const grants = await owner.get(`/api/v1/orgs/${org}/grants?client=${encodeURIComponent(docUrl)}`);
    assert.ok(grants.body.grants.some((g) => g.id === grantId && g.status === 'active'), grants.text);
    const del = await owner.delete(`/api/v1/orgs/${org}/grants/${grantId}`);
    assert.equal(del.status, 200, del.text);
    assert.equal((await mcp(draftUrl(), token, 'tools/list')).status, 401, 'the revoked access token');

    provider.approve = false;
    const before = f.log.length;
    await assert.rejects(client.callTool({ name: 'show_order', arguments: { order_id: 'after' } }));
    const after = f.log.slice(before).map((e) => `${e.method} ${e.path} ${e.status}`);
    assert.ok(after.includes(`POST /${org}/${project}/draft 401`), after.join('\n'));
    assert.ok(after.includes('POST /oauth/token 400'), `the client tried its refresh token and was refused:\n${after.join('\n')}`);
    assert.ok(!after.includes('POST /oauth/token 200'), 'no token was issued');
    const g = (await owner.get(`/api/v1/orgs/${org}/grants?client=${encodeURIComponent(docUrl)}`)).body.grants.find((x) => x.id === grantId);
    assert.equal(g.status, 'revoked');
  });
});
