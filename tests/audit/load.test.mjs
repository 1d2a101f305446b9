// The 3-second version of `npm run load:audit`: 32 concurrent clients of a
// mixed load (list, call, denied) against one worker; once ingestion has
// drained, every request has exactly one audit record and no record is
// without a request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf } from '../mcp-fixtures.mjs';
import { runLoad } from './load.mjs';

let w;
before(async () => { w = await startMcpWorker(); });
after(async () => { await w?.stop(); });

test('32 clients for 3 s: the record count equals the request count', async () => {
  const owner = await ownerOf(w);
  const r = await runLoad(w, owner, { seconds: 3, concurrency: 32 });
  assert.ok(r.requests >= 32, JSON.stringify(r));
  assert.equal(r.unlabelled, 0, `every response carries Dockyard-Request-Id: ${JSON.stringify(r)}`);
  assert.ok(!Object.keys(r.statuses).some((k) => k.startsWith('error') || Number(k) >= 500), JSON.stringify(r.statuses));
  assert.equal(r.missing, 0, JSON.stringify(r));
  assert.equal(r.extra, 0, JSON.stringify(r));
  assert.equal(r.records, r.requests, JSON.stringify(r));
  assert.ok(r.byKind.list > 0 && r.byKind.call > 0 && r.byKind.denied > 0, JSON.stringify(r.byKind));
});
