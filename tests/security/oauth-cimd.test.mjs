// Client ID Metadata Document fetches, the security review's findings:
//  - the body is capped at 5 KiB while it streams (a server that sends more
//    and then stalls gets its connection closed at once);
//  - one 5 s deadline covers the headers and the body;
//  - failures are cached for a minute, so a failing URL is not fetched on
//    every request (and is fetched again after the minute);
//  - a per-IP limit on the fetches that /oauth/authorize and /oauth/token
//    trigger (429 with Retry-After, no fetch);
//  - errors say "client metadata could not be fetched" and echo no upstream
//    detail (bodies, headers, redirect targets, TLS or network errors);
//  - the one outbound guard: IPv6 spellings of loopback are refused even with
//    ALLOW_LOOPBACK_UPSTREAMS, which opens plain loopback only.
// The fixture is tests/oauth-helpers.mjs `startCimdFixture` (HTTPS on 127.0.0.1).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { eventually, sleep } from '../mcp-fixtures.mjs';
import { DEFAULT_REDIRECT, freshIp, openConsent, exchangeCode, pkcePair } from '../oauth-helpers.mjs';
import { securityWorld } from './setup.mjs';

/** src/authz/clients.rs CIMD_FETCHES_PER_IP: fetches per IP per 10 minutes. */
const FETCHES_PER_IP = 30;
/** src/store/clients.rs CIMD_FAILURE_SECS: how long a failed fetch is remembered. */
const FAILURE_SECS = 60;

let world; let fx; let dev;
const later = {}; // prepared in before(), checked by the last test

const doc = (url, extra = {}) => ({
  client_id: url, client_name: 'Bounded App', redirect_uris: [DEFAULT_REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'], ...extra,
});

/** GET /oauth/authorize for `clientId` as the signed-in developer, from `ip`. */
const open = (clientId, ip = freshIp()) => openConsent(world.w, dev, {
  clientId, resource: world.project.draftUrl, headers: { 'cf-connecting-ip': ip },
});

/** Our own refusal page: status, no redirect, no consent form; returns the page text. */
function refusal(page, status, label) {
  const ctx = `${label}: ${page.status} ${page.headers.get('location') ?? ''} ${page.text.slice(0, 500)}`;
  assert.equal(page.status, status, ctx);
  assert.equal(page.headers.get('location'), null, ctx);
  assert.doesNotMatch(page.text, /name="csrf"/, `${ctx}: no consent form`);
  return page.text;
}

before(async () => {
  world = await securityWorld({ cimd: true });
  fx = world.fx;
  dev = await world.member('developer');
  // The negative cache's minute: a document that is missing now is served
  // right after; the last test checks it is fetched again once the minute is over.
  later.id = fx.url('/later/app.json');
  later.first = await open(later.id);
  fx.serve('/later/app.json', (url) => doc(url));
  later.at = Date.now();
});
after(() => world?.stop());

describe('CIMD fetch bounds', () => {
  test('a body over 5 KiB is refused while it streams: the server that then stalls is cut off', async () => {
    const seen = { closed: false, ended: false };
    const id = fx.route('/apps/endless.json', {
      handler: (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no Content-Length
        res.write(`{"client_id": ${JSON.stringify(fx.url('/apps/endless.json'))}, "padding": "`);
        res.write('x'.repeat(6 * 1024));
        // ... and then nothing for 20 s (a reader of the whole body waits for it).
        const end = setTimeout(() => { seen.ended = true; res.end('"}'); }, 20_000);
        res.on('close', () => { seen.closed = true; clearTimeout(end); });
      },
    });
    const text = refusal((await open(id)).page, 400, 'endless');
    assert.match(text, /client metadata could not be fetched/);
    assert.match(text, /larger than 5120 bytes/);
    await eventually(() => seen.closed, { label: 'the worker closed the connection' });
    assert.equal(seen.ended, false, 'cut off before the server finished');
  });

  test('one 5 s deadline covers the headers and the body', async () => {
    const id = fx.route('/apps/trickle.json', {
      handler: (req, res) => {
        const text = JSON.stringify(doc(fx.url('/apps/trickle.json')));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(text.slice(0, 20)); // headers and a first part at once ...
        const rest = setTimeout(() => res.end(text.slice(20)), 8_000); // ... the rest after 8 s
        res.on('close', () => clearTimeout(rest));
      },
    });
    const text = refusal((await open(id)).page, 400, 'trickle');
    assert.match(text, /client metadata could not be fetched/);
    assert.match(text, /5 seconds/);
  });

  test('errors name the failure, never an upstream detail', async () => {
    const plain = createServer((req, res) => res.end('not TLS'));
    await new Promise((r) => plain.listen(0, '127.0.0.1', r));
    const closed = createServer();
    await new Promise((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = closed.address().port;
    await new Promise((r) => closed.close(r));
    try {
      const cases = [
        [fx.route('/apps/boom.json', { status: 500, headers: { 'x-internal': 'SECRET-HEADER' }, body: 'SECRET-BODY stack trace' }), /HTTP 500/],
        [fx.route('/apps/hop.json', { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }), /redirect/],
        [`https://127.0.0.1:${plain.address().port}/apps/tls.json`, /connection failed/],
        [`https://127.0.0.1:${closedPort}/apps/refused.json`, /connection failed/],
      ];
      for (const [id, reason] of cases) {
        const text = refusal((await open(id)).page, 400, id);
        assert.match(text, /client metadata could not be fetched/, id);
        assert.match(text, reason, id);
        assert.doesNotMatch(text, /SECRET|169\.254|stack|TLS|SSL|certificate|handshake|network|peer|internal error/i, id);
      }
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });

  test('a failure is remembered: the document is not fetched again within the minute', async () => {
    const path = '/apps/flaky.json';
    const id = fx.url(path);
    const first = refusal((await open(id)).page, 400, 'first');
    assert.match(first, /HTTP 404/);
    fx.serve(path, (url) => doc(url)); // fixed upstream, but we remember the failure
    const second = refusal((await open(id)).page, 400, 'second');
    assert.match(second, /client metadata could not be fetched/);
    assert.match(second, /HTTP 404/);
    assert.equal(fx.hits(path), 1, 'fetched once');
    // The token endpoint does not fetch it either.
    const t = await exchangeCode(world.w, { code: 'dyc_x.y', verifier: pkcePair().verifier, clientId: id });
    assert.equal(t.status, 401, t.text);
    assert.equal(t.body.error, 'invalid_client');
    assert.equal(fx.hits(path), 1, 'still fetched once');
  });

  test('a per-IP limit on fetches: 429 with Retry-After and no fetch, on /oauth/authorize and /oauth/token', async () => {
    const ip = freshIp();
    for (let i = 0; i < FETCHES_PER_IP; i++) {
      const page = (await open(fx.url(`/limit/${i}.json`), ip)).page;
      assert.match(refusal(page, 400, `fetch ${i}`), /HTTP 404/);
    }
    const over = fx.url('/limit/over.json');
    const page = (await open(over, ip)).page;
    const text = refusal(page, 429, 'over the limit');
    assert.match(text, /too many client metadata fetches/i);
    assert.ok(Number(page.headers.get('retry-after')) > 0, 'Retry-After');
    assert.equal(fx.hits('/limit/over.json'), 0, 'not fetched');
    const t = await exchangeCode(world.w, {
      code: 'dyc_x.y', verifier: pkcePair().verifier, clientId: over, headers: { 'cf-connecting-ip': ip },
    });
    assert.equal(t.status, 429, t.text);
    assert.ok(Number(t.headers.get('retry-after')) > 0, 'Retry-After');
    assert.equal(t.headers.get('cache-control'), 'no-store');
    assert.equal(fx.hits('/limit/over.json'), 0, 'the token endpoint did not fetch either');
    // Another address is not affected; a cached document needs no fetch at all.
    assert.match(refusal((await open(over)).page, 400, 'other ip'), /HTTP 404/);
    assert.equal(fx.hits('/limit/over.json'), 1);
    const good = fx.serve('/limit/good.json', (url) => doc(url));
    assert.ok((await open(good)).consent, 'fetched from a fresh address');
    assert.ok((await open(good, ip)).consent, 'served from the cache to the limited address');
    assert.equal(fx.hits('/limit/good.json'), 1);
  });

  test('IPv6 spellings of loopback are refused without a fetch, even with ALLOW_LOOPBACK_UPSTREAMS', async () => {
    const port = new URL(fx.origin).port;
    for (const host of ['[::ffff:7f00:1]', '[::7f00:1]', '[64:ff9b::7f00:1]']) {
      const path = `/mapped/${host.replace(/[^0-9a-f]/g, '')}.json`;
      const id = `https://${host}:${port}${path}`;
      fx.serve(path, doc(id));
      const text = refusal((await open(id)).page, 400, id);
      assert.match(text, /non-public/, id);
      assert.equal(fx.hits(path), 0, `${id} was not fetched`);
    }
    for (const id of ['https://169.254.169.254/latest/meta-data/x', 'https://[fd00:ec2::254]/x.json', 'https://metadata.google.internal/x.json',
      'https://100.64.0.1/x.json', 'https://[fe80::1]/x.json']) {
      assert.match(refusal((await open(id)).page, 400, id), /non-public|local host|metadata/, id);
    }
  });

  test('after the minute, a failed document is fetched again', async () => {
    assert.match(refusal(later.first.page, 400, 'before'), /HTTP 404/);
    const left = later.at + (FAILURE_SECS + 2) * 1000 - Date.now();
    if (left > 0) await sleep(left);
    const o = await open(later.id);
    assert.ok(o.consent, `${o.page.status} ${o.page.text.slice(0, 400)}`);
    assert.equal(fx.hits('/later/app.json'), 2, 'fetched again once the failure expired');
  });
});
