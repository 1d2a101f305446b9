// The official MCP SDK clients authorize through a real browser: the SDK's
// `redirectToAuthorization(url)` URL is opened in headless Chromium, the
// person signs in through the form and clicks Authorize (or Deny), and the
// code in the callback URL goes back to the SDK's `finishAuth`. Then
// `tools/list` and `tools/call` work, on a private project's draft and
// production endpoints:
//   - @modelcontextprotocol/sdk v1 (2025-11-25 era), Dynamic Client Registration;
//   - @modelcontextprotocol/client v2 (2026-07-28, version negotiation `auto`),
//     a Client ID Metadata Document served by the HTTPS loopback fixture.
// Deny: the callback carries access_denied with state and iss, the v2 client's
// finishAuth fails with that error, and the Authorized apps API lists no grant.
// Errors for these clients (anyone may register one) are never redirected at
// once: Chromium lands on the interstitial (RFC 9700 4.11.2) and clicks
// Continue, after Deny and after a request that fails (plain PKCE).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as V2Client, StreamableHTTPClientTransport as V2Transport, UnauthorizedError as V2UnauthorizedError,
} from '@modelcontextprotocol/client';
import { decodeJwt, registerClient, authorizeQuery } from '../oauth-helpers.mjs';
import { useBrowser } from '../browser.mjs';
import {
  useWorld, w, fx, dev, devEmail, org, project, draftUrl, prodUrl, textOf, grantsOf, SdkProvider, authorizeInBrowser,
  continueFromInterstitial, PASSWORD, INSTRUCTIONS,
} from './setup.mjs';

const NO_RECONNECT = { maxRetries: 0, initialReconnectionDelay: 60_000, maxReconnectionDelay: 60_000, reconnectionDelayGrowFactor: 1 };

useWorld();
const b = useBrowser();
const person = () => ({ email: devEmail, password: PASSWORD });

/** The callback's authorization response, checked against what the SDK sent. */
function assertCode(callback, provider) {
  const p = callback.searchParams;
  assert.equal(p.get('error'), null, `no error: ${callback}`);
  assert.ok(p.get('code'), `a code: ${callback}`);
  assert.equal(p.get('state'), provider.lastState, 'state comes back');
  assert.equal(p.get('iss'), w.url, 'iss names this issuer');
}

async function assertDenied(callback, provider, clientId) {
  const p = callback.searchParams;
  assert.equal(p.get('error'), 'access_denied', String(callback));
  assert.equal(p.get('code'), null, 'no code');
  assert.equal(p.get('state'), provider.lastState, 'state comes back');
  assert.equal(p.get('iss'), w.url, 'iss names this issuer');
  assert.deepEqual(await grantsOf(clientId), [], 'the Authorized apps API lists no grant for the client');
  assert.deepEqual(await grantsOf(clientId, 'pending'), [], 'not even a pending one');
}

// ------------------------------------------------------------------- v1 --

describe('@modelcontextprotocol/sdk v1 (DCR) authorized in Chromium', () => {
  const redirectUrl = 'http://127.0.0.1:33418/oauth/callback';

  /** connect -> 401 -> the SDK wants a browser: Chromium does the person's part -> finishAuth -> a new connection. */
  async function connect(t, url, name) {
    const provider = new SdkProvider({ redirectUrl, name: `SDK v1 ${name}` });
    const t1 = new V1Transport(new URL(url), { authProvider: provider, reconnectionOptions: NO_RECONNECT });
    await assert.rejects(new V1Client({ name: 'dockyard-browser-v1', version: '1.0.0' }).connect(t1),
      (e) => e instanceof V1UnauthorizedError, 'the first connect needs authorization');
    const authUrl = provider.authorizationUrl;
    assert.equal(authUrl.origin + authUrl.pathname, `${w.url}/oauth/authorize`);
    assert.equal(authUrl.searchParams.get('resource'), url);
    const page = await b.page(t);
    const callback = await authorizeInBrowser(page, authUrl, { user: person(), redirectUri: redirectUrl, name: `v1-${name}` });
    assertCode(callback, provider);
    await t1.finishAuth(callback.searchParams.get('code'));
    const client = new V1Client({ name: 'dockyard-browser-v1', version: '1.0.0' });
    client.onerror = () => {};
    await client.connect(new V1Transport(new URL(url), { authProvider: provider, reconnectionOptions: NO_RECONNECT }));
    t.after(() => client.close().catch(() => {}));
    return { client, provider, page };
  }

  test('draft endpoint: sign in, Authorize, then tools/list and tools/call', async (t) => {
    const { client, provider } = await connect(t, draftUrl(), 'draft');
    assert.match(provider.clientInformation().client_id, /^dcr_/, 'registered by DCR');
    assert.equal(decodeJwt(provider.tokens().access_token).payload.aud, draftUrl());
    assert.equal(decodeJwt(provider.tokens().access_token).payload.sub, dev.user.id);
    assert.equal(client.getServerVersion().name, `${org}/${project}-draft`);
    assert.equal(client.getInstructions(), INSTRUCTIONS);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['show_order'], 'the draft');
    const result = await client.callTool({ name: 'show_order', arguments: { order_id: 'v1-draft' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { order_id: 'v1-draft' });
    assert.ok(textOf(result).length > 0);
  });

  test('production endpoint: its own grant, the published tools', async (t) => {
    const { client, provider } = await connect(t, prodUrl(), 'production');
    assert.equal(decodeJwt(provider.tokens().access_token).payload.aud, prodUrl());
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['plain_note', 'show_order'], 'the published version');
    const result = await client.callTool({ name: 'show_order', arguments: { order_id: 'v1-prod' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { order_id: 'v1-prod' });
    const grants = await grantsOf(provider.clientInformation().client_id);
    assert.deepEqual(grants.map((g) => g.status), ['active'], `one grant, live: ${JSON.stringify(grants)}`);
  });

  test('Deny: the client gets access_denied with state and iss, and no grant exists', async (t) => {
    const provider = new SdkProvider({ redirectUrl, name: 'SDK v1 denied' });
    const t1 = new V1Transport(new URL(draftUrl()), { authProvider: provider, reconnectionOptions: NO_RECONNECT });
    await assert.rejects(new V1Client({ name: 'dockyard-browser-v1', version: '1.0.0' }).connect(t1),
      (e) => e instanceof V1UnauthorizedError);
    const page = await b.page(t);
    const callback = await authorizeInBrowser(page, provider.authorizationUrl,
      { user: person(), redirectUri: redirectUrl, decision: 'deny', name: 'v1-deny' });
    await assertDenied(callback, provider, provider.clientInformation().client_id);
    assert.equal(provider.tokens(), undefined, 'no tokens');
    // Trying again needs a new authorization: nothing was granted.
    await assert.rejects(new V1Client({ name: 'dockyard-browser-v1', version: '1.0.0' })
      .connect(new V1Transport(new URL(draftUrl()), { authProvider: provider, reconnectionOptions: NO_RECONNECT })),
    (e) => e instanceof V1UnauthorizedError);
    assert.equal(provider.authorizationUrls.length, 2);
  });
});

// ------------------------------------------------------------------- v2 --

describe('@modelcontextprotocol/client v2 (CIMD) authorized in Chromium', () => {
  const redirectUrl = 'http://127.0.0.1:46781/callback';
  const docFor = (path, name) => fx.serve(path, (url) => ({
    client_id: url, client_name: name, redirect_uris: [redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none',
  }));
  const v2Client = () => new V2Client({ name: 'dockyard-browser-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });

  async function start(url, docUrl) {
    const provider = new SdkProvider({ redirectUrl, clientMetadataUrl: docUrl });
    const t1 = new V2Transport(new URL(url), { authProvider: provider });
    await assert.rejects(v2Client().connect(t1), (e) => e instanceof V2UnauthorizedError, 'the first connect needs authorization');
    assert.equal(provider.authorizationUrl.searchParams.get('client_id'), docUrl, 'CIMD: the client id is the document URL');
    assert.equal(provider.authorizationUrl.searchParams.get('resource'), url);
    return { provider, t1 };
  }

  for (const [channel, url, tools] of [
    ['draft', draftUrl, ['show_order']],
    ['production', prodUrl, ['plain_note', 'show_order']],
  ]) {
    test(`${channel} endpoint: sign in, Authorize, then tools/list and tools/call`, async (t) => {
      const docUrl = docFor(`/browser/v2-${channel}.json`, `Dockyard v2 ${channel}`);
      const { provider, t1 } = await start(url(), docUrl);
      const page = await b.page(t);
      const callback = await authorizeInBrowser(page, provider.authorizationUrl, { user: person(), redirectUri: redirectUrl, name: `v2-${channel}` });
      assertCode(callback, provider);
      assert.ok(fx.hits(`/browser/v2-${channel}.json`) >= 1, 'the worker fetched the metadata document');
      await t1.finishAuth(callback.searchParams); // v2 checks iss against the recorded issuer first
      const client = v2Client();
      client.onerror = () => {};
      await client.connect(new V2Transport(new URL(url()), { authProvider: provider }));
      t.after(() => client.close().catch(() => {}));
      const claims = decodeJwt(provider.tokens().access_token).payload;
      assert.equal(claims.client_id, docUrl);
      assert.equal(claims.aud, url());
      const listed = await client.listTools();
      assert.deepEqual(listed.tools.map((x) => x.name), tools);
      const result = await client.callTool({ name: 'show_order', arguments: { order_id: `v2-${channel}` } });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent, { order_id: `v2-${channel}` });
      assert.equal((await grantsOf(docUrl)).length, 1, 'one grant for this client');
    });
  }

  test('Deny: finishAuth fails with access_denied (after checking iss), and no grant exists', async (t) => {
    const docUrl = docFor('/browser/v2-deny.json', 'Dockyard v2 denied');
    const { provider, t1 } = await start(prodUrl(), docUrl);
    const page = await b.page(t);
    const callback = await authorizeInBrowser(page, provider.authorizationUrl,
      { user: person(), redirectUri: redirectUrl, decision: 'deny', name: 'v2-deny' });
    await assertDenied(callback, provider, docUrl);
    await assert.rejects(t1.finishAuth(callback.searchParams), (e) => e?.code === 'access_denied' && e.name === 'OAuthError',
      'the SDK reports the denial');
    assert.equal(provider.tokens(), undefined, 'no tokens');
  });
});

// ------------------------------------------------------ error interstitial --

describe('an error for a client anyone registered is offered, not redirected (RFC 9700 4.11.2)', () => {
  test('plain PKCE: the interstitial names the client, the reason and the host; Continue lands on the client with error, state and iss', async (t) => {
    const redirectUri = 'http://127.0.0.1:39517/phish/callback';
    const reg = await registerClient(w, { client_name: 'Totally <b>Dockyard</b>', redirect_uris: [redirectUri] });
    assert.equal(reg.status, 201, reg.text);
    const q = authorizeQuery({
      clientId: reg.clientId, redirectUri, resource: prodUrl(), state: 'st-plain',
      challengeMethod: 'plain', pkce: { verifier: 'v', challenge: 'a'.repeat(43) },
    });
    const page = await b.page(t);
    const leftEarly = [];
    page.on('request', (r) => { if (r.url().startsWith(redirectUri)) leftEarly.push(r.url()); });
    await page.goto(`${w.url}/oauth/authorize?${q.query}`); // signed out: no sign-in needed to see why it failed
    const text = await page.locator('main').innerText();
    assert.match(text, /Totally <b>Dockyard<\/b> could not be authorized: code_challenge_method 'plain' is not supported; use S256\./,
      'the registered name, escaped (shown as text, not markup), and the reason');
    assert.equal(await page.locator('main b').count(), 0, 'the name is text, not markup');
    assert.match(text, /You are being sent back to 127\.0\.0\.1:39517/);
    assert.deepEqual(leftEarly, [], 'the browser was not sent to the client before the click');
    const callback = await continueFromInterstitial(page, { redirectUri, name: 'interstitial-plain-pkce' });
    const p = callback.searchParams;
    assert.equal(callback.origin + callback.pathname, redirectUri);
    assert.equal(p.get('error'), 'invalid_request');
    assert.equal(p.get('error_description'), "code_challenge_method 'plain' is not supported; use S256");
    assert.equal(p.get('state'), 'st-plain');
    assert.equal(p.get('iss'), w.url);
    assert.equal(p.get('code'), null);
    assert.deepEqual(await grantsOf(reg.clientId, 'pending'), [], 'nothing issued');
  });
});
