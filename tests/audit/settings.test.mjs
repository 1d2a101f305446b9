// Org audit settings and what they switch on: stored payloads (encrypted in
// D1, redacted, readable one record at a time), retention (purged by the
// scheduled handler through wrangler's trigger route, with the run's clock
// moved ahead), and the SIEM webhook (signed NDJSON batches to an HTTPS
// receiver; a failing receiver never blocks ingestion).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startMcpWorker, ownerOf, modern, uniq, eventually } from '../mcp-fixtures.mjs';
import { startCimdFixture } from '../oauth-helpers.mjs';
import { assertError } from '../harness.mjs';
import { seedOrg, record, drained, pages, list } from './setup.mjs';

let w;
let owner;
let fx; // HTTPS loopback receiver (the CIMD fixture serves any route)
let s;
const DAY = 86_400_000;

before(async () => {
  fx = await startCimdFixture(); // before the worker: its CA must be trusted by workerd
  w = await startMcpWorker({ logLevel: 'log' }); // the scheduled run's report line
  owner = await ownerOf(w);
  s = await seedOrg(w, owner);
});
after(async () => { await w?.stop(); await fx?.stop(); });

const orgPath = () => `/api/v1/orgs/${s.org}`;

test('settings: defaults, PATCH, validation, and who sees them', async () => {
  const got = await owner.get(orgPath());
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.audit, { payloads: false, retention_days: 30, webhook_url: null, webhook: null });
  for (const [body, field] of [
    [{ audit: { payloads: 'yes' } }, 'audit.payloads'],
    [{ audit: { retention_days: 0 } }, 'audit.retention_days'],
    [{ audit: { retention_days: 4000 } }, 'audit.retention_days'],
    [{ audit: { webhook_url: 'http://siem.example.com/in' } }, 'audit.webhook_url'],
    [{ audit: { webhook_url: 'https://10.1.2.3/in' } }, 'audit.webhook_url'],
    [{ audit: { shred: true } }, 'audit.shred'],
    [{ audit: 'on' }, 'audit'],
    [{ colour: 'red' }, 'colour'],
  ]) {
    assertError(await owner.patch(orgPath(), body), 422, 'invalid_request', { fields: [field] }, JSON.stringify(body));
  }
  assert.deepEqual((await owner.get(orgPath())).body.audit.retention_days, 30, 'a refused PATCH changed nothing');
  const ok = await owner.patch(orgPath(), { name: 'Renamed org', audit: { retention_days: 7 } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.org.name, 'Renamed org');
  assert.equal(ok.body.audit.retention_days, 7);
  assert.equal(ok.body.webhook_secret, undefined, 'no secret without a webhook');
  const viewer = await w.addMember(owner, s.org, `${uniq('v')}@example.test`, 'viewer');
  const seen = await viewer.get(orgPath());
  assert.equal(seen.status, 200);
  assert.equal(seen.body.audit, undefined, 'a viewer does not see the audit settings');
  assertError(await viewer.patch(orgPath(), { audit: { payloads: true } }), 403, 'forbidden', { message: /org\.manage/ });
  const dev = await w.addMember(owner, s.org, `${uniq('d')}@example.test`, 'developer');
  assert.equal((await dev.get(orgPath())).body.audit.retention_days, 7, 'audit.read shows them');
  assertError(await dev.patch(orgPath(), { audit: { payloads: true } }), 403, 'forbidden', { message: /org\.manage/ });
  await owner.patch(orgPath(), { audit: { retention_days: 30 } });
});

test('payloads: off by default; on, encrypted at rest, redacted, one record at a time', async () => {
  const args = { order_id: 'SECRET-ORDER-4711', api_token: 'tok_live_never_stored' };
  const off = await modern(s.openUrl, 'tools/call', { name: 'show_order', arguments: { order_id: 'OFF-1' } });
  assert.equal((await record(owner, s.org, off.headers.get('dockyard-request-id'))).payload, null);

  const on = await owner.patch(orgPath(), { audit: { payloads: true } });
  assert.equal(on.body.audit.payloads, true);
  const r = await modern(s.openUrl, 'tools/call', { name: 'show_order', arguments: args });
  const id = r.headers.get('dockyard-request-id');
  const one = await record(owner, s.org, id);
  assert.deepEqual(one.payload.arguments, { order_id: 'SECRET-ORDER-4711', api_token: '[redacted]' }, 'redacted before storage');
  assert.equal(one.payload.result.structuredContent.order_id, 'SECRET-ORDER-4711');
  assert.equal(one.payload.result.structuredContent.api_token, '[redacted]', 'the result is redacted too');

  const [row] = await w.d1(`SELECT * FROM audit_events WHERE id = '${id}'`);
  const stored = JSON.stringify(row);
  assert.match(row.payload, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/, 'an AES-GCM sealed value');
  assert.doesNotMatch(stored, /SECRET-ORDER-4711/, 'the plaintext is nowhere in the row');
  assert.doesNotMatch(stored, /tok_live_never_stored/);

  const listed = await list(owner, `${orgPath()}/audit?limit=500`);
  assert.doesNotMatch(JSON.stringify(listed), /SECRET-ORDER|payload/, 'lists never carry payloads');
  const csv = await owner.get(`${orgPath()}/audit?format=ndjson`);
  assert.doesNotMatch(csv.text, /SECRET-ORDER|"payload"/, 'nor exports');
  const viewer = await w.addMember(owner, s.org, `${uniq('v')}@example.test`, 'mcp_user');
  assertError(await viewer.get(`${orgPath()}/audit/${id}`), 403, 'forbidden', { message: /audit\.read/ });

  // A payload copied into another record does not decrypt (bound to its id).
  await w.d1(`UPDATE audit_events SET payload = '${row.payload}' WHERE id = '${off.headers.get('dockyard-request-id')}'`);
  const moved = await record(owner, s.org, off.headers.get('dockyard-request-id'));
  assert.match(moved.payload.error, /could not be decrypted/);
  await owner.patch(orgPath(), { audit: { payloads: false } });
});

test('retention: the scheduled handler purges what expired, and only that', async () => {
  const r = await modern(s.openUrl, 'tools/list');
  const id = r.headers.get('dockyard-request-id');
  await record(owner, s.org, id);
  const other = await seedOrg(w, owner);
  const kept = await modern(other.openUrl, 'tools/list');
  await record(owner, other.org, kept.headers.get('dockyard-request-id'));
  await owner.patch(`/api/v1/orgs/${other.org}`, { audit: { retention_days: 60 } });
  const before = (await pages(owner, `${orgPath()}/audit?limit=500`)).length;
  assert.ok(before >= 1);

  const early = await w.scheduled({ time: Date.now() + 29 * DAY });
  assert.equal(early.status, 200, early.text);
  // Studio sessions are purged too: the owner's was idle for more than 7 days
  // at +29 days, so its row is gone and a fresh sign-in is needed.
  assert.equal((await owner.get('/api/v1/me')).status, 401, 'the idle session row is gone');
  await owner.login(owner.user.email, 'correct horse battery');
  assert.equal((await pages(owner, `${orgPath()}/audit?limit=500`)).length, before, 'nothing is 30 days old yet');

  const run = await w.scheduled({ time: Date.now() + 31 * DAY });
  assert.equal(run.status, 200, run.text);
  // The new session is past its idle end at +31 days too (and 30 days past
  // the first sign-in's absolute end): both rows are purged.
  assert.equal((await owner.get('/api/v1/me')).status, 401, 'the expired session row is gone');
  await owner.login(owner.user.email, 'correct horse battery');
  assert.deepEqual(await pages(owner, `${orgPath()}/audit?limit=500`), [], 'the 30-day default purged org A');
  assert.equal((await pages(owner, `/api/v1/orgs/${other.org}/audit?limit=500`)).length, 1, 'org B keeps 60 days');
  assertError(await owner.get(`${orgPath()}/audit/${id}`), 404, 'not_found');
  await eventually(() => /scheduled: .*"purged":\{[^}]*"audit_records":[1-9]/.test(w.output()), { label: 'the purge report in the log' });
});

test('webhook: signed NDJSON batches; a failing receiver never blocks ingestion', async () => {
  const deliveries = [];
  let answer = 500;
  const url = fx.route('/siem', (req) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString() }));
    return { status: answer, body: {} };
  });
  const set = await owner.patch(orgPath(), { audit: { webhook_url: url } });
  assert.equal(set.status, 200, set.text);
  const secret = set.body.webhook_secret;
  assert.match(secret ?? '', /^whsec_[A-Za-z0-9_-]{43}$/, 'the secret is shown once');
  assert.equal((await owner.get(orgPath())).body.webhook_secret, undefined);

  const made = [];
  for (let i = 0; i < 3; i++) made.push((await modern(s.openUrl, 'tools/list')).headers.get('dockyard-request-id'));
  // The receiver fails: the records are still ingested and readable.
  for (const id of made) await record(owner, s.org, id);
  const failed = await w.scheduled({ cron: '* * * * *' });
  assert.equal(failed.status, 200);
  await eventually(() => deliveries.length === 1, { label: 'the first (failing) delivery' });
  const state = (await owner.get(orgPath())).body.audit.webhook;
  assert.equal(state.failures, 1);
  assert.match(state.last_error, /HTTP 500/);

  // The receiver recovers; the retry waits for its backoff (run the clock ahead).
  answer = 200;
  await w.scheduled({ cron: '* * * * *', time: Date.now() + 5 * 60_000 });
  await eventually(() => deliveries.length === 2, { label: 'the retry' });
  const d = deliveries[1];
  assert.equal(d.headers['content-type'], 'application/x-ndjson');
  const [, t, v1] = d.headers['dockyard-signature'].match(/^t=(\d+),v1=([0-9a-f]{64})$/);
  assert.equal(v1, createHmac('sha256', secret).update(`${t}.${d.body}`).digest('hex'), 'HMAC-SHA256 of "<t>.<body>"');
  const lines = d.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  const mcpIds = lines.filter((l) => l.kind === 'mcp').map((l) => l.id);
  for (const id of made) assert.ok(mcpIds.includes(id), `${id} delivered`);
  assert.ok(lines.some((l) => l.kind === 'action' && l.action === 'audit.settings'), 'management actions go too');
  assert.doesNotMatch(d.body, /"payload"/);
  assert.equal((await owner.get(orgPath())).body.audit.webhook.failures, 0);

  // Delivered records are not sent again; the next batch has only what is new.
  const again = (await modern(s.openUrl, 'tools/list')).headers.get('dockyard-request-id');
  await record(owner, s.org, again);
  const ids = (delivery) => delivery.body.trimEnd().split('\n').map((l) => JSON.parse(l).id);
  await eventually(async () => {
    await w.scheduled({ cron: '* * * * *', time: Date.now() + 10 * 60_000 });
    return deliveries.slice(2).some((x) => ids(x).includes(again));
  }, { label: 'the next batch' });
  const later = deliveries.slice(2).flatMap(ids);
  assert.ok(!made.some((id) => later.includes(id)), 'nothing delivered twice after a 2xx');
  await owner.patch(orgPath(), { audit: { webhook_url: null } });
  assert.equal((await owner.get(orgPath())).body.audit.webhook_url, null);
});
