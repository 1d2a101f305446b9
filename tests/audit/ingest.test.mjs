// The ingestion path under garbage and failure, with test faults
// (DOCKYARD_FAULTS; never set in a deployment):
//   - `audit.garbage` + the request header `dockyard-test-garbage`: the worker
//     also sends two malformed queue messages and the record twice. The
//     malformed ones are dropped, logged and counted in D1 (once each, never
//     retried); the duplicate is stored once (idempotent on the request id).
// and a 500 on the hot path: a published snapshot row that does not parse
// (broken in D1 by the test), so the production request fails on our side,
// and its record says `error` / `internal_error` (the response still carries
// its id).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, modern, eventually } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { seedOrg, record, assertRecord } from './setup.mjs';

let w;
let owner;
let s;

before(async () => {
  w = await startMcpWorker({ vars: { DOCKYARD_FAULTS: 'audit.garbage' } });
  owner = await ownerOf(w);
  s = await seedOrg(w, owner);
});
after(async () => { await w?.stop(); });

const dropped = async () => (await w.d1('SELECT reason, sample FROM audit_dropped ORDER BY at'));

test('malformed queue messages are dropped and counted; a redelivered record is stored once', async () => {
  assert.deepEqual(await dropped(), [], 'nothing dropped before');
  const r = await modern(s.openUrl, 'tools/list', {}, { headers: { 'dockyard-test-garbage': '1' } });
  assert.equal(r.status, 200);
  const id = r.headers.get('dockyard-request-id');
  assertRecord((await record(owner, s.org, id)).record, { status: 'ok', method: 'tools/list' }, 'the real record');
  const rows = await eventually(async () => { const d = await dropped(); return d.length >= 2 && d; }, { label: 'two dropped messages' });
  assert.equal(rows.length, 2);
  assert.ok(rows.some((x) => /not JSON/.test(x.reason) && x.sample === 'this is not an audit record'), JSON.stringify(rows));
  assert.ok(rows.some((x) => /not an audit message/.test(x.reason) && x.sample.includes('req_bogus')), JSON.stringify(rows));
  const copies = await w.d1(`SELECT COUNT(*) AS n FROM audit_events WHERE id = '${id}'`);
  assert.equal(copies[0].n, 1, 'the record sent twice is stored once');

  // A second time: two more, and the worker still serves and ingests.
  const again = await modern(s.openUrl, 'tools/list', {}, { headers: { 'dockyard-test-garbage': '1' } });
  await record(owner, s.org, again.headers.get('dockyard-request-id'));
  await eventually(async () => (await dropped()).length === 4, { label: 'four dropped messages' });
  assert.match(w.output(), /audit: dropped queue message/, 'each drop is logged');
});

test('a 5xx is recorded as error / internal_error, with its id on the response', async () => {
  // Nothing has served the private project's production yet, so its
  // snapshot is not cached in the isolate and is read from the broken row.
  await w.d1(`UPDATE versions SET snapshot = 'not a snapshot' WHERE project_id =
    (SELECT p.id FROM projects p JOIN orgs o ON o.id = p.org_id WHERE o.slug = '${s.org}' AND p.slug = '${s.project}')`);
  const t = await getTokens(w, owner, { resource: s.url });
  const r = await mcp(s.url, t.access_token, 'tools/list');
  assert.equal(r.status, 500, r.text);
  const rec = (await record(owner, s.org, r.headers.get('dockyard-request-id'))).record;
  assertRecord(rec, { status: 'error', error_code: 'internal_error', channel: 'production', user_id: owner.user.id }, 'the 500');
});
