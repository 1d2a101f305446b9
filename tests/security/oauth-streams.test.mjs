// Open listen streams (legacy GET SSE and modern subscriptions/listen) of a
// revoked grant, the security review's finding:
//  - they close when the grant is revoked: a member's own revocation, RFC 7009
//    revocation, removal of the member from the org, a replayed code, and a
//    refresh token reused after its grace window;
//  - the streams of other grants stay open (and keep getting list_changed);
//  - streams per grant are capped at 8: a 9th closes the grant's oldest.
// The reuse case needs the 60 s grace window to pass: it is prepared in
// before() and checked by the last test.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as F from '../mcp-fixtures.mjs';
import { authorize, exchangeCode, getTokens, refresh, registerClient, revokeToken } from '../oauth-helpers.mjs';
import { securityWorld } from './setup.mjs';

/** src/objects/listeners.rs MAX_STREAMS_PER_GRANT. */
const PER_GRANT = 8;
const GRACE_SECS = 60;

let world; let dev;
const opened = [];
const later = {};

const auth = (token) => ({ authorization: `Bearer ${token}` });

/** A legacy session (initialize + initialized) and its GET SSE stream. */
async function legacyStream(url, token) {
  const init = await F.post(url, { jsonrpc: '2.0', id: F.nextId(), method: 'initialize', params: F.initializeParams() }, auth(token));
  const session = init.headers.get('mcp-session-id');
  assert.ok(init.status === 200 && session, `initialize: ${init.status} ${init.text.slice(0, 300)}`);
  const version = init.json.result.protocolVersion;
  const n = await F.legacyNotify(url, 'notifications/initialized', { session, version, headers: auth(token) });
  assert.equal(n.status, 202, n.text);
  return track(await F.openStream(url, {
    method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': version, ...auth(token) },
  }), 'legacy');
}

/** A modern subscriptions/listen stream; its first message is the acknowledgement. */
async function modernStream(url, token) {
  const id = `listen-${F.nextId()}`;
  const body = { jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { _meta: F.modernMeta(), notifications: { toolsListChanged: true } } };
  const s = track(await F.openStream(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: F.ACCEPT, ...F.modernHeaders('subscriptions/listen'), ...auth(token) },
    body: JSON.stringify(body),
  }), 'modern');
  assert.ok(await s.sse.next(5000), 'the listen acknowledgement');
  return s;
}

function track(s, label) {
  assert.equal(s.res.status, 200, `${label} stream: ${s.res.status} ${s.text ?? ''}`);
  assert.ok(s.sse, `${label} stream is SSE`);
  opened.push(s);
  return s;
}

/** Both kinds of stream for `token` on the draft endpoint. */
const bothStreams = async (token) => [await legacyStream(world.project.draftUrl, token), await modernStream(world.project.draftUrl, token)];

async function assertEnded(streams, label) {
  for (const [i, s] of streams.entries()) assert.equal(await s.sse.waitEnd(10_000), true, `${label}: stream ${i} ended`);
}

/** A draft change: every live draft stream hears list_changed. */
let edits = 0;
async function assertAlive(streams, label) {
  await F.putType(world.owner, world.org, world.project.slug, F.interactiveType(`edit_${++edits}`));
  for (const [i, s] of streams.entries()) {
    const m = await s.sse.until((x) => /list_changed/.test(x.method ?? ''), 10_000);
    assert.ok(m, `${label}: stream ${i} is still open and heard the change`);
  }
}

const draftTokens = (user) => getTokens(world.w, user, { resource: world.project.draftUrl });

before(async () => {
  world = await securityWorld();
  dev = await world.member('developer');
  // Refresh reuse needs the grace window to pass: rotate now, stream with the
  // rotated token, present the rotated-out token in the last test.
  const t = await draftTokens(dev);
  const r = await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId });
  assert.equal(r.status, 200, r.text);
  later.reuse = { old: t.refresh_token, clientId: t.clientId, at: Date.now() };
  later.streams = await bothStreams(r.body.access_token);
});
after(async () => {
  for (const s of opened) await s.sse?.close();
  await world?.stop();
});

describe('streams of a revoked grant close', () => {
  test('a member revokes their grant: its streams end, another grant\'s stay open', async () => {
    const t = await draftTokens(dev);
    const other = await draftTokens(dev);
    const mine = await bothStreams(t.access_token);
    const others = await bothStreams(other.access_token);
    const del = await dev.delete(`/api/v1/me/grants/${t.grantId}`);
    assert.equal(del.status, 200, del.text);
    await assertEnded(mine, 'revoked grant');
    await assertAlive(others, 'other grant');
  });

  test('RFC 7009 revocation of the refresh token ends the grant\'s streams', async () => {
    const t = await draftTokens(dev);
    const streams = await bothStreams(t.access_token);
    const rv = await revokeToken(world.w, { token: t.refresh_token, clientId: t.clientId });
    assert.equal(rv.status, 200, rv.text);
    await assertEnded(streams, 'RFC 7009');
  });

  test('removing the member from the org ends their streams', async () => {
    const m = await world.member('developer', 'leaving');
    const t = await draftTokens(m);
    const streams = await bothStreams(t.access_token);
    const del = await world.owner.delete(`/api/v1/orgs/${world.org}/members/${m.user.id}`);
    assert.ok([200, 204].includes(del.status), del.text);
    await assertEnded(streams, 'member removed');
  });

  test('a replayed code revokes its grant and ends the streams opened with its token', async () => {
    const reg = await registerClient(world.w, { client_name: 'Replayer' });
    const a = await authorize(world.w, dev, { clientId: reg.clientId, resource: world.project.draftUrl });
    const ex = { code: a.redirect.code, verifier: a.pkce.verifier, clientId: reg.clientId };
    const first = await exchangeCode(world.w, ex);
    assert.equal(first.status, 200, first.text);
    const streams = await bothStreams(first.body.access_token);
    const replay = await exchangeCode(world.w, ex);
    assert.equal(replay.body?.error, 'invalid_grant', replay.text);
    await assertEnded(streams, 'code replay');
  });
});

describe('streams per grant are capped', () => {
  test(`a ${PER_GRANT + 1}th stream of one grant closes its oldest; the others stay open`, async () => {
    const t = await draftTokens(dev);
    const streams = [];
    for (let i = 0; i < PER_GRANT; i++) {
      streams.push(i % 2 ? await modernStream(world.project.draftUrl, t.access_token) : await legacyStream(world.project.draftUrl, t.access_token));
    }
    for (const [i, s] of streams.entries()) assert.equal(s.sse.ended, false, `stream ${i} open`);
    const newest = await modernStream(world.project.draftUrl, t.access_token);
    await assertEnded([streams[0]], 'the oldest');
    await assertAlive([...streams.slice(1), newest], 'the other eight');
    // Another grant of the same member is counted on its own.
    const other = await draftTokens(dev);
    await assertAlive([await modernStream(world.project.draftUrl, other.access_token)], 'another grant');
    for (const s of [...streams, newest]) await s.sse.close();
  });
});

describe('after the grace window (prepared at start-up)', () => {
  test('a refresh token reused after its grace window revokes the grant and ends its streams', async () => {
    for (const s of later.streams) assert.equal(s.sse.ended, false, 'open before the reuse');
    const left = later.reuse.at + (GRACE_SECS + 2) * 1000 - Date.now();
    if (left > 0) await F.sleep(left);
    const r = await refresh(world.w, { refreshToken: later.reuse.old, clientId: later.reuse.clientId });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant');
    await assertEnded(later.streams, 'refresh reuse');
  });
});
