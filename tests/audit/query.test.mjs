// Reading the audit log: filters, pages and cursors, one record, both
// exports, the aggregates, a member's own calls, management actions, access
// control, and the 400s for bad query input. Records are made through the
// real endpoints (an org with a private and a public project, and a second
// org), then read only through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, modern, modernMeta, uniq } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { assertError } from '../harness.mjs';
import { seedOrg, drained, pages, list, FIELDS, REQUEST_ID } from './setup.mjs';

let w;
let owner;
let a; // org A
let b; // org B
let dev; // developer of A (audit.read)
let viewer; // viewer of A (no audit.read)
let devTokens;
const ids = { a: [], b: [] }; // request ids made, per org
const HOSTILE_HOST = '=HYPERLINK("https://evil.example","x")';

before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
  a = await seedOrg(w, owner);
  b = await seedOrg(w, owner);
  dev = await w.addMember(owner, a.org, `${uniq('dev')}@example.test`, 'developer');
  viewer = await w.addMember(owner, a.org, `${uniq('viewer')}@example.test`, 'viewer');
  devTokens = await getTokens(w, dev, { resource: a.url });
  const keep = (org, r) => { ids[org].push(r.headers.get('dockyard-request-id')); return r; };
  // Org A: 6 anonymous calls of the public project (one with a hostile host
  // name), 4 of the private one by dev (2 ok, 1 invalid, 1 tool error), 2 refusals.
  for (let i = 0; i < 5; i++) keep('a', await modern(a.openUrl, 'tools/call', { name: 'show_order', arguments: { order_id: `o${i}` } }));
  keep('a', await modern(a.openUrl, 'tools/list', {}, { meta: modernMeta({ 'io.modelcontextprotocol/clientInfo': { name: HOSTILE_HOST, version: '-1' } }) }));
  const call = (name, args) => mcp(a.url, devTokens.access_token, 'tools/call', { name, arguments: args });
  keep('a', await call('show_order', { order_id: 'p1' }));
  keep('a', await call('show_order', { order_id: 'p2' }));
  keep('a', await call('show_order', {}));
  keep('a', await call('fetch_stock', { sku: 'x' }));
  keep('a', await modern(a.url, 'tools/list'));
  keep('a', await modern(a.draftUrl, 'tools/list'));
  for (let i = 0; i < 3; i++) keep('b', await modern(b.openUrl, 'tools/list'));
  assert.ok([...ids.a, ...ids.b].every((id) => REQUEST_ID.test(id ?? '')));
  await drained(owner, `/api/v1/orgs/${a.org}/audit`, ids.a.length);
  await drained(owner, `/api/v1/orgs/${b.org}/audit`, ids.b.length);
});
after(async () => { await w?.stop(); });

const audit = (org, q = '') => `/api/v1/orgs/${org}/audit${q}`;

test('the org log is exactly its requests, newest first, and pages cover it once', async () => {
  const all = await pages(owner, audit(a.org, '?limit=500'));
  assert.deepEqual(new Set(all.map((r) => r.id)), new Set(ids.a), 'every request of org A, nothing of org B');
  for (let i = 1; i < all.length; i++) {
    const [p, q] = [all[i - 1], all[i]];
    assert.ok(p.at > q.at || (p.at === q.at && p.id > q.id), 'newest first (at, then id)');
  }
  const paged = await pages(owner, audit(a.org, '?limit=3'));
  assert.deepEqual(paged.map((r) => r.id), all.map((r) => r.id), 'pages of 3 give the same sequence');
  const first = await list(owner, audit(a.org, '?limit=3'));
  assert.equal(first.records.length, 3);
  assert.equal(typeof first.next_cursor, 'string');
  const last = await list(owner, audit(a.org, '?limit=500'));
  assert.equal(last.next_cursor, null);
  assert.equal((await list(owner, audit(a.org))).records.length, Math.min(50, ids.a.length), 'limit defaults to 50');
});

test('filters', async () => {
  const all = await pages(owner, audit(a.org, '?limit=500'));
  const expect = async (q, pred, label) => {
    const got = await pages(owner, audit(a.org, `?${q}`));
    assert.deepEqual(got.map((r) => r.id).sort(), all.filter(pred).map((r) => r.id).sort(), label);
    assert.ok(got.length > 0, `${label}: the filter matches something`);
    return got;
  };
  await expect('project=open', (r) => r.project === 'open', 'project');
  await expect('channel=draft', (r) => r.channel === 'draft', 'channel');
  await expect('tool=fetch_stock', (r) => r.tool === 'fetch_stock', 'tool');
  await expect('status=denied', (r) => r.status === 'denied', 'status');
  await expect('status=invalid', (r) => r.status === 'invalid', 'status invalid');
  await expect(`user=${dev.user.id}`, (r) => r.user_id === dev.user.id, 'user');
  await expect(`client=${encodeURIComponent(devTokens.clientId)}`, (r) => r.client_id === devTokens.clientId, 'client');
  await expect('project=shop&status=ok', (r) => r.project === 'shop' && r.status === 'ok', 'filters are ANDed');
  const mid = all[Math.floor(all.length / 2)].at;
  await expect(`from=${mid}`, (r) => r.at >= mid, 'from (ms, inclusive)');
  await expect(`to=${mid + 1}`, (r) => r.at < mid + 1, 'to (ms, exclusive)');
  const iso = new Date(mid).toISOString();
  await expect(`from=${encodeURIComponent(iso)}`, (r) => r.at >= mid, 'from as ISO 8601');
  assert.deepEqual((await list(owner, audit(a.org, '?project=nothing-here'))).records, []);
});

test('cursors are bound to the org and the filter', async () => {
  const page = await list(owner, audit(a.org, '?limit=2'));
  const c = encodeURIComponent(page.next_cursor);
  assertError(await owner.get(audit(b.org, `?limit=2&cursor=${c}`)), 404, 'not_found', {}, 'org A cursor on org B');
  const other = await owner.get(audit(a.org, `?limit=2&project=open&cursor=${c}`));
  assertError(other, 400, 'invalid_query', { message: /`cursor`/ }, 'other filters');
  const forged = page.next_cursor.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
  assertError(await owner.get(audit(a.org, `?cursor=${encodeURIComponent(forged)}`)), 400, 'invalid_query', { message: /`cursor`/ }, 'edited');
  assertError(await owner.get(audit(a.org, '?cursor=garbage')), 400, 'invalid_query', { message: /`cursor`/ }, 'garbage');
});

test('one record; another org\'s id is a 404', async () => {
  const one = await owner.get(audit(a.org, `/${ids.a[0]}`));
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(Object.keys(one.body.record), FIELDS);
  assert.equal(one.body.record.id, ids.a[0]);
  assert.equal(one.body.payload, null, 'payloads are off by default');
  assertError(await owner.get(audit(a.org, `/${ids.b[0]}`)), 404, 'not_found', {}, 'an id of org B under org A');
  assertError(await owner.get(audit(a.org, '/req_00000000000000000000000000000000')), 404, 'not_found');
  assertError(await owner.get(audit(a.org, `/${ids.a[0]}?x=1`)), 400, 'invalid_query', { message: /`x`/ });
});

test('NDJSON and CSV exports of the same filter', async () => {
  const json = await pages(owner, audit(a.org, '?project=open&limit=500'));
  const nd = await owner.get(audit(a.org, '?project=open&format=ndjson'));
  assert.equal(nd.status, 200);
  assert.equal(nd.headers.get('content-type'), 'application/x-ndjson');
  assert.match(nd.headers.get('content-disposition') ?? '', /attachment; filename="dockyard-audit\.ndjson"/);
  const lines = nd.text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, json, 'NDJSON lines are the JSON records, in order');

  const csv = await owner.get(audit(a.org, '?project=open&format=csv'));
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  const rows = csv.text.split('\r\n').filter(Boolean);
  assert.equal(rows[0], FIELDS.join(','), 'a header row of the record keys');
  assert.equal(rows.length, json.length + 1);
  const hostile = json.find((r) => r.host_name === HOSTILE_HOST);
  assert.ok(hostile, 'the hostile host name is recorded as sent');
  const row = rows.find((r) => r.startsWith(hostile.id));
  assert.ok(row.includes(`"'=HYPERLINK(""https://evil.example"",""x"")"`), `formula neutralized and quoted: ${row}`);
  assert.ok(row.includes(",'-1,"), 'a leading minus is neutralized too');
  assert.doesNotMatch(csv.text + nd.text, /"payload"/, 'exports never carry payloads');
});

test('aggregates: per-tool count, error rate, p50/p95 and a series', async () => {
  const all = await pages(owner, audit(a.org, '?limit=500'));
  const from = Math.min(...all.map((r) => r.at));
  const to = Math.max(...all.map((r) => r.at)) + 1;
  const r = await list(owner, audit(a.org, `/stats?from=${from}&to=${to}&interval=1m`));
  const calls = all.filter((x) => x.tool);
  const names = [...new Set(calls.map((x) => x.tool))].sort();
  assert.deepEqual(r.tools.map((t) => t.tool).sort(), names);
  const rank = (sorted, p) => sorted[Math.max(1, Math.ceil((sorted.length * p) / 100)) - 1];
  for (const t of r.tools) {
    const mine = calls.filter((x) => x.tool === t.tool);
    const durations = mine.map((x) => x.duration_ms).sort((x, y) => x - y);
    const errors = mine.filter((x) => x.status !== 'ok').length;
    assert.equal(t.count, mine.length, t.tool);
    assert.equal(t.error_rate, Math.round((errors / mine.length) * 10_000) / 10_000, t.tool);
    assert.equal(t.p50_ms, rank(durations, 50), `${t.tool} p50`);
    assert.equal(t.p95_ms, rank(durations, 95), `${t.tool} p95`);
  }
  const total = r.series.reduce((n, p) => n + p.count, 0);
  assert.equal(total, all.length, 'the series counts every record of the range');
  assert.equal(r.series.reduce((n, p) => n + p.errors, 0), all.filter((x) => x.status !== 'ok').length);
  assert.ok(r.series.every((p) => p.at % 60_000 === 0), 'buckets are aligned to the interval');
  const open = await list(owner, audit(a.org, `/stats?from=${from}&to=${to}&project=open`));
  assert.deepEqual(open.tools.map((t) => [t.tool, t.count]), [['show_order', 5]], 'the same filters apply');
  assertError(await owner.get(audit(a.org, '/stats?interval=1s')), 400, 'invalid_query', { message: /`interval`/ });
  assertError(await owner.get(audit(a.org, `/stats?from=0&to=${to}&interval=1m`)), 400, 'invalid_query', { message: /`interval`/ });
  assertError(await owner.get(audit(a.org, '/stats?cursor=x')), 400, 'invalid_query', { message: /`cursor`/ });
});

test('me/audit: a member\'s own calls, without audit.read', async () => {
  const mine = await pages(dev, '/api/v1/me/audit');
  assert.equal(mine.length, 4, 'dev made four calls');
  assert.ok(mine.every((r) => r.user_id === dev.user.id && r.org === a.org));
  const filtered = await pages(dev, `/api/v1/me/audit?status=ok&org=${a.org}`);
  assert.equal(filtered.length, 2);
  assert.deepEqual((await list(viewer, '/api/v1/me/audit')).records, [], 'the viewer made none');
  assertError(await dev.get('/api/v1/me/audit?user=usr_x'), 400, 'invalid_query', { message: /`user`/ });
  const csv = await dev.get('/api/v1/me/audit?format=csv');
  assert.equal(csv.text.split('\r\n').filter(Boolean).length, 5);
});

test('access control: audit.read for the org log, members only', async () => {
  for (const path of [audit(a.org), audit(a.org, '/stats'), audit(a.org, `/${ids.a[0]}`), audit(a.org, '?format=csv'), audit(a.org, '/actions')]) {
    assertError(await viewer.get(path), 403, 'forbidden', { message: /audit\.read/ }, `viewer ${path}`);
    assertError(await dev.get(path.replace(a.org, b.org)), 404, 'not_found', {}, `non-member ${path}`);
  }
  assert.equal((await dev.get(audit(a.org))).status, 200, 'a developer has audit.read');
  assert.equal((await w.client().get(audit(a.org))).status, 401, 'signed out');
});

test('bad query input: a 400 naming the parameter', async () => {
  for (const [q, param] of [
    ['?projct=shop', 'projct'], ['?from=yesterday', 'from'], ['?to=2026-13-01', 'to'],
    ['?from=2026-11-25&to=2026-11-24', 'from'], ['?format=xml', 'format'], ['?limit=501', 'limit'],
    ['?limit=0', 'limit'], ['?status=failed', 'status'], ['?channel=staging', 'channel'], ['?format=csv&limit=5', 'limit'],
    ['?project=a&project=b', 'project'],
  ]) {
    const r = await owner.get(audit(a.org, q));
    assertError(r, 400, 'invalid_query', { message: new RegExp(`\`${param}\``) }, q);
  }
});

test('management actions are recorded (org log and the actor\'s own)', async () => {
  const acts = await drained(owner, `/api/v1/orgs/${a.org}/audit/actions`, 1);
  const kinds = new Set(acts.map((x) => x.action));
  for (const k of ['project.create', 'project.visibility', 'invitation.create', 'invitation.accept', 'member.add']) {
    assert.ok(kinds.has(k), `${k} in ${[...kinds]}`);
  }
  const vis = acts.find((x) => x.action === 'project.visibility');
  assert.deepEqual([vis.actor_id, vis.actor_email, vis.via, vis.target, vis.details], [owner.user.id, owner.user.email, 'session', 'open', { visibility: 'public' }]);
  assert.ok(!acts.some((x) => x.org !== a.org), 'only org A');
  const tok = await dev.post('/api/v1/tokens', { name: 'ci token' });
  assert.equal(tok.status, 201);
  const own = await drained(dev, '/api/v1/me/audit/actions?action=api_token.create', 1);
  assert.deepEqual([own[0].org, own[0].target, own[0].details], [null, tok.body.id, { name: 'ci token' }]);
  assert.ok(!JSON.stringify(own).includes(tok.body.token), 'the token itself is never recorded');
  const csv = await owner.get(`/api/v1/orgs/${a.org}/audit/actions?format=csv`);
  assert.equal(csv.text.split('\r\n')[0], 'id,at,org,actor_id,actor_email,via,action,target,details');
  assertError(await owner.get(`/api/v1/orgs/${a.org}/audit/actions?action=nope`), 400, 'invalid_query', { message: /`action`/ });
});
