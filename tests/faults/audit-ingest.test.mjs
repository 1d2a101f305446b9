// A D1 write that fails during audit ingestion (issue 15, suite 4), with the
// test faults `audit.d1:2` (the queue consumer's first two D1 batches fail
// before anything is written) and `audit.ack:2` (the next two are written
// and then retried as if D1's answer had been lost): the consumer retries
// each batch, and in the end every MCP request and every management action
// has exactly one row: none lost, none twice. The faults fire on whatever
// batches come first (the seeding's actions, then the requests' records),
// which the worker's log shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, seedPublicProject, modern, eventually } from '../mcp-fixtures.mjs';
import { pages } from '../audit/setup.mjs';

let w;
let seed;

before(async () => {
  // A 1 s redelivery instead of 5 s (DOCKYARD_TEST_QUEUE_RETRY_SECS, config.rs):
  // the four retries are the same, the suite waits 16 s less.
  w = await startMcpWorker({ vars: { DOCKYARD_FAULTS: 'audit.d1:2,audit.ack:2', DOCKYARD_TEST_QUEUE_RETRY_SECS: '1' } });
  seed = await seedPublicProject(w, { org: 'ingest', project: 'shop' });
});
after(async () => { await w?.stop(); });

test('failed and half-acknowledged batches are retried: every record and action is stored exactly once', async () => {
  const ids = [];
  for (let wave = 0; wave < 3; wave++) {
    const replies = await Promise.all(Array.from({ length: 10 }, () => modern(seed.url, 'tools/list', {})));
    for (const r of replies) {
      assert.equal(r.status, 200, r.text);
      ids.push(r.headers.get('dockyard-request-id'));
    }
  }
  const count = async (table) => Number((await w.d1(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const listed = async (path) => (await pages(seed.owner, `/api/v1/orgs/${seed.org}/${path}?limit=500`)).length;
  await eventually(async () => (await listed('audit')) >= ids.length,
    { timeoutMs: 90_000, intervalMs: 500, label: `${ids.length} records after the retries` });
  await eventually(async () => (await listed('audit/actions')) >= 3,
    { timeoutMs: 60_000, intervalMs: 500, label: 'the seeding\'s three actions' });
  const out = w.output();
  assert.match(out, /injected fault audit\.d1/, 'the failing batches happened');
  assert.match(out, /injected fault audit\.ack \(written\)/, 'the written-but-unacknowledged batches happened');

  const records = await pages(seed.owner, `/api/v1/orgs/${seed.org}/audit?limit=500`);
  assert.deepEqual(records.map((r) => r.id).sort(), [...ids].sort(), 'exactly the requests, each once');
  const dupes = await w.d1('SELECT id FROM audit_events GROUP BY id HAVING COUNT(*) > 1');
  assert.deepEqual(dupes, []);
  assert.equal(await count('audit_events'), ids.length, 'no other row');

  // The seeding's actions went through the same retries.
  const actions = await pages(seed.owner, `/api/v1/orgs/${seed.org}/audit/actions?limit=500`);
  const kinds = actions.map((a) => a.action).sort();
  assert.deepEqual(kinds, ['project.create', 'project.publish', 'project.visibility'], JSON.stringify(kinds));
  assert.equal(new Set(actions.map((a) => a.id)).size, actions.length, 'each action once');
  const dead = await w.d1('SELECT COUNT(*) AS n FROM audit_dropped');
  assert.equal(Number(dead[0].n), 0, 'nothing was dropped as malformed');
});
