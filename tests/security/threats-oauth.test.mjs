// Threat model (docs/SECURITY.md, "Threat walk"): the rows of RFC 9700, RFC
// 9207 and the MCP security best practices that no other suite proved end to
// end. One worker, one private project serving an interactive Type and an
// http data tool whose loopback backend records every request.
//
// - mix-up (RFC 9207): the success redirect names the issuer, byte-identical
//   to the AS metadata's;
// - RFC 9700 4.12: the sign-in and consent answers are 303/302, never 307;
// - RFC 9700 4.11.2: an error for a client anyone may register (every client)
//   is offered on a page naming the client, the reason and the redirect host,
//   whose Continue link is the exact error response; never a redirect;
// - RFC 9700 2.4 / 4.15: only the code flow (no password, client
//   credentials, implicit or device grant), at the token endpoint and in the
//   metadata;
// - confused deputy (consent per client): a code needs a click every time,
//   even for a client the member approved before;
// - session hijacking (2025-era transport): a session id carries no
//   authority: without a live token it is 401; it is bound to the grant
//   that opened it, so another grant's live token with it is 404 (unknown
//   session) and cannot DELETE it;
// - token passthrough: a data tool's backend never sees the caller's token;
// - secrets at rest: no session id, API token, invitation, refresh or access
//   token is in any file of the persisted state (D1 and the Durable Objects);
//   D1 holds the SHA-256 of the first three.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  authorize, openConsent, getTokens, mcp, registerClient, revokeToken, continueLink, parseRedirect, DEFAULT_REDIRECT,
} from '../oauth-helpers.mjs';
import * as F from '../mcp-fixtures.mjs';
import { securityWorld } from './setup.mjs';
import { startUpstream, httpType, putSecret } from '../datatools/http-setup.mjs';

let world; let up; let member; let client;

before(async () => {
  up = await startUpstream();
  world = await securityWorld();
  member = await world.member('mcp_user', 'threat');
  const { owner, org, project } = world;
  await putSecret(owner, org, project.slug, 'SIGNING', up.secret);
  await F.putType(owner, org, project.slug, httpType('lookup_order', `${up.base}/ok`));
  await F.publish(owner, org, project.slug);
  client = await registerClient(world.w, { client_name: 'Threat Notes', redirect_uris: [DEFAULT_REDIRECT] });
  assert.equal(client.status, 201, client.text);
});
after(async () => {
  await world?.stop();
  await up?.stop();
});

describe('RFC 9207 and RFC 9700 on the authorization endpoint', () => {
  test('mix-up: the success redirect carries iss, byte-identical to the AS metadata issuer', async () => {
    const meta = await (await fetch(`${world.w.url}/.well-known/oauth-authorization-server`)).json();
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    const a = await authorize(world.w, member, { clientId: client.clientId, resource: world.project.url });
    assert.ok(a.redirect?.code, `a code: ${a.response?.status}`);
    assert.equal(a.redirect.iss, meta.issuer, 'iss = the issuer the client discovered');
    assert.equal(a.redirect.iss, world.w.url);
    assert.equal(a.redirect.url.origin + a.redirect.url.pathname, DEFAULT_REDIRECT, 'only to the registered redirect URI');
  });

  test('the sign-in and consent answers redirect with 303 and 302, never 307 (RFC 9700 4.12)', async () => {
    const signedOut = { email: member.email, password: 'member password 1' };
    const open = await openConsent(world.w, signedOut, { clientId: client.clientId, resource: world.project.url });
    assert.ok(open.signIn, 'the sign-in form came first');
    assert.equal(open.signIn.login.status, 303, 'the password POST answers See Other: the browser re-requests with GET');
    assert.ok(open.consent, 'then the consent form');
    const a = await authorize(world.w, member, { clientId: client.clientId, resource: world.project.url });
    assert.equal(a.response.status, 302, 'the consent POST (no credentials in it) answers 302, which browsers follow with GET');
    for (const r of [open.signIn.login, a.response]) assert.ok(![307, 308].includes(r.status));
  });

  test('RFC 9700 4.11.2: errors for a client anyone registered are shown, never redirected; Continue is the exact error response', async () => {
    const phish = 'https://phish.example.test/cb';
    const evil = await registerClient(world.w, { client_name: '<img src=x onerror=alert(1)>Notes', redirect_uris: [phish] });
    assert.equal(evil.status, 201, evil.text);
    const cases = [
      ['plain PKCE, signed out', null, { challengeMethod: 'plain', pkce: { verifier: 'v', challenge: 'a'.repeat(43) } }, 'invalid_request', /plain/],
      ['unknown resource', member, { resource: 'https://elsewhere.example.test/mcp' }, 'invalid_target', /not an endpoint/],
      ['malformed scope', member, { scope: 'Tools:Read' }, 'invalid_scope', /scope 'Tools:Read'/],
      ['no such project, signed in', member, { resource: `${world.w.url}/${world.org}/no-such-project` }, 'invalid_target', /no such project/],
    ];
    for (const [label, user, opts, error, why] of cases) {
      const state = `st-${label.replace(/\W+/g, '-')}`;
      const o = await openConsent(world.w, user, { clientId: evil.clientId, redirectUri: phish, resource: world.project.url, state, ...opts });
      const r = o.page;
      const ctx = `${label}: ${r.status} ${r.headers.get('location') ?? ''} ${r.text.slice(0, 300)}`;
      assert.equal(r.status, 400, ctx);
      assert.equal(r.headers.get('location'), null, `${ctx}: no automatic redirect`);
      assert.equal(r.headers.get('refresh'), null, ctx);
      assert.doesNotMatch(r.text, /http-equiv/i, `${ctx}: no meta refresh`);
      assert.equal(r.headers.get('cache-control'), 'no-store', ctx);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', ctx);
      assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, ctx);
      assert.ok(!r.text.includes('<img src=x'), `${ctx}: the client name is escaped`);
      assert.match(r.text, /&lt;img src=x onerror=alert\(1\)&gt;Notes<\/strong> could not be authorized: /, ctx);
      assert.match(r.text, /You are being sent back to <strong>phish\.example\.test<\/strong>/, ctx);
      assert.equal(o.consent, null, `${ctx}: no consent form`);
      const link = continueLink(r);
      assert.ok(link, `${ctx}: a Continue link`);
      const p = parseRedirect(link);
      assert.equal(p.url.origin + p.url.pathname, phish, ctx);
      assert.deepEqual([...p.params.keys()], ['error', 'error_description', 'state', 'iss'], ctx);
      assert.equal(p.error, error, ctx);
      assert.match(p.error_description, why, ctx);
      assert.equal(p.state, state, ctx);
      assert.equal(p.iss, world.w.url, ctx);
    }
    // The user's own Deny is offered the same way (the BCP's second case).
    const denied = await authorize(world.w, member, { clientId: evil.clientId, redirectUri: phish, resource: world.project.url, decision: 'deny', state: 'st-deny' });
    assert.equal(denied.response.status, 400, denied.response.text.slice(0, 300));
    assert.equal(denied.response.headers.get('location'), null);
    assert.equal(denied.interstitial, true);
    assert.equal(denied.redirect.error, 'access_denied');
    assert.equal(denied.redirect.state, 'st-deny');
    // Errors before the redirect URI is verified stay our own page, with no link at all.
    const unregistered = await openConsent(world.w, member, { clientId: evil.clientId, redirectUri: 'https://phish.example.test/other', resource: world.project.url });
    assert.equal(unregistered.page.status, 400);
    assert.equal(continueLink(unregistered.page), null);
    assert.doesNotMatch(unregistered.page.text, /phish\.example\.test/, 'the unverified URI is not offered');
    // Success is unchanged: Authorize redirects with the code at once.
    const ok = await authorize(world.w, member, { clientId: evil.clientId, redirectUri: phish, resource: world.project.url });
    assert.equal(ok.response.status, 302);
    assert.ok(ok.redirect.code);
  });

  test('only the code flow: password, client_credentials, implicit and device grants are unsupported_grant_type', async () => {
    const meta = await (await fetch(`${world.w.url}/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(meta.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.deepEqual(meta.response_types_supported, ['code']);
    const grants = [
      ['password', { username: member.email, password: 'member password 1' }],
      ['client_credentials', {}],
      ['implicit', {}],
      ['urn:ietf:params:oauth:grant-type:device_code', { device_code: 'x' }],
    ];
    for (const [grant, extra] of grants) {
      const r = await fetch(`${world.w.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: grant, client_id: client.clientId, resource: world.project.url, ...extra }),
      });
      const body = await r.json();
      assert.equal(r.status, 400, `${grant}: ${JSON.stringify(body)}`);
      assert.equal(body.error, 'unsupported_grant_type', grant);
      assert.equal(body.access_token, undefined);
    }
  });
});

describe('MCP security best practices', () => {
  test('consent per client: a code needs a click every time, even for a client the member approved before', async () => {
    const first = await getTokens(world.w, member, { clientId: client.clientId, resource: world.project.url });
    assert.ok(first.access_token);
    // The same member, the same client, signed in: the consent page again, no code.
    const again = await openConsent(world.w, member, { clientId: client.clientId, resource: world.project.url });
    assert.equal(again.page.status, 200);
    assert.ok(again.consent, 'the consent form is shown again');
    assert.equal(again.page.headers.get('location'), null, 'no redirect carrying a code');
    assert.doesNotMatch(again.page.text, /[?&]code=/);
    // A new client registered by anyone (DCR) gets its own consent, naming it.
    const other = await registerClient(world.w, { client_name: 'Other Client', redirect_uris: ['https://other.example.test/cb'] });
    const theirs = await openConsent(world.w, member, { clientId: other.clientId, redirectUri: 'https://other.example.test/cb', resource: world.project.url });
    assert.ok(theirs.consent, 'a consent form for the other client');
    assert.match(theirs.page.text, /Other Client/);
    assert.match(theirs.page.text, /other\.example\.test/, 'the redirect host is shown');
  });

  test('session hijacking: a legacy session id carries no authority; without a live token it is 401', async () => {
    const t = await getTokens(world.w, member, { clientId: client.clientId, resource: world.project.url });
    const auth = { authorization: `Bearer ${t.access_token}` };
    const init = await F.post(world.project.url, { jsonrpc: '2.0', id: F.nextId(), method: 'initialize', params: F.initializeParams() }, auth);
    assert.equal(init.status, 200, init.text);
    const session = init.headers.get('mcp-session-id');
    assert.ok(session, 'a session id');
    const listed = await F.legacy(world.project.url, 'tools/list', {}, { session, headers: auth });
    assert.equal(listed.status, 200, listed.text);
    const stolen = await F.legacy(world.project.url, 'tools/list', {}, { session });
    assert.equal(stolen.status, 401, `the session id alone: ${stolen.status} ${stolen.text.slice(0, 200)}`);
    assert.equal(stolen.json?.result, undefined);
    const revoked = await revokeToken(world.w, { token: t.refresh_token, clientId: client.clientId });
    assert.equal(revoked.status, 200);
    const after = await F.legacy(world.project.url, 'tools/list', {}, { session, headers: auth });
    assert.equal(after.status, 401, 'the session outlives nothing: the revoked grant is refused');
  });

  test('session hijacking: another member\'s token with a stolen session id is 404 (unknown session) and cannot DELETE it', async () => {
    const victim = await getTokens(world.w, member, { clientId: client.clientId, resource: world.project.url });
    const thief = await getTokens(world.w, await world.member('mcp_user', 'thief'), { clientId: client.clientId, resource: world.project.url });
    const own = { authorization: `Bearer ${victim.access_token}` };
    const theirs = { authorization: `Bearer ${thief.access_token}` };
    const init = await F.post(world.project.url, { jsonrpc: '2.0', id: F.nextId(), method: 'initialize', params: F.initializeParams() }, own);
    assert.equal(init.status, 200, init.text);
    const session = init.headers.get('mcp-session-id');
    const stolen = await F.legacy(world.project.url, 'tools/list', {}, { session, headers: theirs });
    assert.equal(stolen.status, 404, `a live token of another grant with the stolen id: ${stolen.status} ${stolen.text.slice(0, 200)}`);
    assert.equal(stolen.json?.result, undefined, 'nothing served under the stolen id');
    assert.equal(stolen.json?.error?.code, -32600);
    const del = await F.post(world.project.url, undefined, { 'content-type': undefined, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', ...theirs }, { method: 'DELETE' });
    assert.equal(del.status, 404, `DELETE with another grant's token: ${del.status} ${del.text.slice(0, 200)}`);
    // The same user through another app (another grant) is another holder too.
    const otherApp = await registerClient(world.w, { client_name: 'Second App', redirect_uris: [DEFAULT_REDIRECT] });
    const second = await getTokens(world.w, member, { clientId: otherApp.clientId, resource: world.project.url });
    const viaOtherApp = await F.legacy(world.project.url, 'tools/list', {}, { session, headers: { authorization: `Bearer ${second.access_token}` } });
    assert.equal(viaOtherApp.status, 404, 'the same member under another grant');
    // The holder's session is untouched: it still lists, and its own DELETE ends it.
    const listed = await F.legacy(world.project.url, 'tools/list', {}, { session, headers: own });
    assert.equal(listed.status, 200, `the holder still uses it: ${listed.text.slice(0, 200)}`);
    assert.ok(listed.json.result.tools.length > 0);
    const ended = await F.post(world.project.url, undefined, { 'content-type': undefined, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', ...own }, { method: 'DELETE' });
    assert.equal(ended.status, 204, ended.text);
    const gone = await F.legacy(world.project.url, 'tools/list', {}, { session, headers: own });
    assert.equal(gone.status, 404, 'ended by its holder');
  });

  test('token passthrough: a data tool\'s backend never sees the caller\'s access token', async () => {
    const t = await getTokens(world.w, member, { clientId: client.clientId, resource: world.project.url });
    const before = up.requests.length;
    const r = await mcp(world.project.url, t.access_token, 'tools/call', { name: 'lookup_order', arguments: { order_id: 'T-1' } });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.notEqual(r.json.result.isError, true, r.text.slice(0, 300));
    const sent = up.requests.slice(before);
    assert.equal(sent.length, 1, 'one backend request');
    const [req] = sent;
    assert.equal(req.headers.authorization, undefined, 'no Authorization header (the Type configured none)');
    const everything = JSON.stringify(req.headers) + req.raw.toString();
    assert.ok(!everything.includes(t.access_token), 'the access token is nowhere in the request');
    assert.ok(!everything.includes(t.refresh_token), 'nor the refresh token');
    // What the backend learns about the caller: who, not their credential.
    assert.equal(req.body.caller.user_id, member.user.id);
    assert.equal(req.body.caller.client_id, client.clientId);
    assert.match(req.headers['dockyard-signature'], /^t=\d+,v1=/, 'the request is signed with the project secret instead');
  });
});

describe('secrets at rest', () => {
  const sha256 = (s) => createHash('sha256').update(s).digest('hex');
  /** Every file of the worker's persisted state (D1 and Durable Object SQLite files, WAL included). */
  const stateFiles = async (dir) => (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));

  test('no session id, API token, invitation, refresh or access token is anywhere in the persisted state; D1 holds their SHA-256', async () => {
    const { w, owner, org } = world;
    const session = [...member.cookies.values()].find((v) => v.length >= 32);
    assert.ok(session, 'the member has a session cookie');
    const made = await member.post('/api/v1/tokens', { name: 'at-rest' });
    assert.equal(made.status, 201, made.text);
    const apiToken = made.body.token;
    assert.match(apiToken, /^dy_/);
    const inv = await owner.post(`/api/v1/orgs/${org}/invitations`, { email: 'at-rest@example.test', role: 'viewer' });
    assert.equal(inv.status, 201, inv.text);
    const invitation = inv.body.token;
    const t = await getTokens(w, member, { clientId: client.clientId, resource: world.project.url });
    // `wrangler d1 execute` opens the same SQLite file as the running worker: a
    // write of the worker at that moment (an audit record) is SQLITE_BUSY; ask again.
    const d1 = async (sql) => {
      for (let attempt = 1; ; attempt++) {
        try { return await w.d1(sql); } catch (e) { if (attempt >= 5 || !/SQLITE_BUSY/.test(e.message)) throw e; await F.sleep(500); }
      }
    };
    const hashes = new Set((await d1(
      'SELECT id_hash AS h FROM sessions UNION ALL SELECT token_hash FROM api_tokens UNION ALL SELECT token_hash FROM invitations',
    )).map((r) => r.h));
    for (const [name, secret] of [['session id', session], ['API token', apiToken], ['invitation', invitation]]) {
      assert.ok(hashes.has(sha256(secret)), `D1 stores the ${name} as its SHA-256`);
    }
    // The files are read after D1 answered, so what the worker wrote is on disk (WAL included).
    const files = await stateFiles(w.dir);
    assert.ok(files.some((f) => f.endsWith('.sqlite')), `the persisted state has SQLite files: ${files.length} files`);
    const contents = await Promise.all(files.map((f) => readFile(f)));
    assert.ok(contents.some((c) => c.includes(Buffer.from(member.email))), 'the scan sees what is stored (the member\'s email)');
    assert.ok(contents.some((c) => c.includes(Buffer.from(sha256(apiToken)))), 'and the hashes');
    for (const [name, secret] of [['session id', session], ['API token', apiToken], ['invitation', invitation],
      ['refresh token', t.refresh_token], ['access token', t.access_token]]) {
      const where = files.filter((f, i) => contents[i].includes(Buffer.from(secret)));
      assert.deepEqual(where, [], `the ${name} is stored nowhere`);
    }
  });
});
