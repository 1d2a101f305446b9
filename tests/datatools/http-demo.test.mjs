// The data-tools demo `npm run dev` seeds (scripts/seed.mjs seedDataDemo, the
// backend scripts/demo-upstream.mjs): after the seed, a client without an
// account calls `order_status` on acme/data and gets the backend's answer
// (signed, verified by the demo backend); an unknown order is the backend's
// own isError result; a second seed run creates nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker } from '../mcp-fixtures.mjs';
import { seedDemo, seedDataDemo, DEMO, DATA_DEMO } from '../../scripts/seed.mjs';
import { startDemoUpstream, demoUpstreamSecret } from '../../scripts/demo-upstream.mjs';
import { freePort } from '../harness.mjs';
import { callTool, textOf } from './http-setup.mjs';

const PASSWORD = 'demo owner password 1';
let w;
let upstream;
let upstreamUrl;
let first;
let second;

before(async () => {
  w = await startMcpWorker();
  const secret = demoUpstreamSecret(w.settings.SECRETS_KEY);
  const port = await freePort();
  upstream = await startDemoUpstream(port, secret);
  upstreamUrl = `http://127.0.0.1:${port}`;
  await seedDemo({ server: w.url, publicUrl: w.url, password: PASSWORD, bootstrapSecret: w.settings.BOOTSTRAP_SECRET });
  const args = { server: w.url, publicUrl: w.url, password: PASSWORD, upstreamUrl, upstreamSecret: secret };
  first = await seedDataDemo(args);
  second = await seedDataDemo(args);
});

after(async () => {
  await w?.stop();
  await new Promise((r) => (upstream ? upstream.close(r) : r()));
});

test('the seed creates acme/data once; order_status answers without an account, signed and verified', async () => {
  assert.deepEqual(first.dataTools, ['order_status']);
  assert.ok(first.seeded.length >= 2, JSON.stringify(first.seeded));
  assert.deepEqual(second.seeded, [], 'a second run creates nothing');
  const url = `${w.url}/${DEMO.org}/${DATA_DEMO.project}`;
  const { result } = await callTool(url, 'order_status', { order_id: 'A-1001' });
  assert.notEqual(result.isError, true, textOf(result));
  assert.deepEqual(result.structuredContent, {
    order_id: 'A-1001', status: 'shipped', carrier: 'DHL', eta: '2026-12-03', checked_for: 'anonymous', channel: 'production',
  });
  const unknown = await callTool(url, 'order_status', { order_id: 'Z-9' });
  assert.equal(unknown.result.isError, true);
  assert.match(textOf(unknown.result), /No order Z-9\. Known orders: A-1001/);
});
