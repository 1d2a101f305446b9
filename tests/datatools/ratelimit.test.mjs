// The per-project data-tool rate limit: the setting (PATCH .../projects/<p>,
// bounded, needs project.publish), the window filling up with a clear isError
// naming the limit and when to retry (audited rate_limited), tools/list and
// interactive calls never counting, and recovery: when the window ends, and
// when the limit is changed.
//
// The worker runs with the test-only DOCKYARD_TEST_RATE_WINDOW_SECS=8
// (src/tools/limits.rs; unset in deployments, where the window is 60 s,
// which its unit tests prove), so "the window ends" is seen after seconds,
// not a minute. Each test makes its counted calls back to back, well inside
// 8 s, before anything else.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, modern, orderCard, sleep } from '../mcp-fixtures.mjs';
import { startUpstream, httpType, seedDataProject, callTool, textOf, auditRecord } from './http-setup.mjs';

const WINDOW_SECS = 8;

let w;
let up;
let seed;
let P;

before(async () => {
  up = await startUpstream();
  w = await startMcpWorker({ vars: { DOCKYARD_TEST_RATE_WINDOW_SECS: String(WINDOW_SECS) } });
  seed = await seedDataProject(w, {
    secrets: { SIGNING: up.secret },
    types: [httpType('get_order', `${up.base}/ok`), orderCard('show_order')],
  });
  P = `/api/v1/orgs/${seed.org}/projects/${seed.project}`;
});

after(async () => {
  await w?.stop();
  await up?.stop();
});

const setRate = (n) => seed.owner.patch(P, { data_tool_rate_per_minute: n });
const okCall = async (label) => {
  const r = await callTool(seed.url, 'get_order', { order_id: label });
  assert.notEqual(r.result.isError, true, `${label}: ${textOf(r.result)}`);
  return r;
};

describe('the setting', () => {
  test('defaults to 60, is bounded 1..10000, and is shown by GET and PATCH', async () => {
    assert.equal((await seed.owner.get(P)).body.project.data_tool_rate_per_minute, 60);
    for (const bad of [0, 10001, -1, 2.5, '5', true]) {
      const r = await setRate(bad);
      assert.equal(r.status, 422, `${JSON.stringify(bad)}: ${r.status} ${r.text}`);
      assert.deepEqual(r.body.fields.map((f) => f.field), ['data_tool_rate_per_minute']);
    }
    assert.equal((await seed.owner.get(P)).body.project.data_tool_rate_per_minute, 60, 'a refused value changes nothing');
    const r = await setRate(10000);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.project.data_tool_rate_per_minute, 10000);
  });

  test('an editor (project.edit, no project.publish) may not change it (403), and nothing changes', async () => {
    const editor = await w.addMember(seed.owner, seed.org, `editor-${process.pid}@example.test`, 'editor');
    const r = await editor.patch(P, { data_tool_rate_per_minute: 1 });
    assert.equal(r.status, 403, r.text);
    assert.equal((await seed.owner.get(P)).body.project.data_tool_rate_per_minute, 10000);
  });
});

describe('the window', () => {
  test('hit: the call past the limit is an isError naming the limit and when to retry, audited rate_limited', async () => {
    assert.equal((await setRate(3)).status, 200);
    await okCall('in-0');
    // Neither tools/list nor an interactive call counts.
    assert.equal((await modern(seed.url, 'tools/list', {})).status, 200);
    const card0 = await callTool(seed.url, 'show_order', { order_id: 'card-0' });
    assert.notEqual(card0.result.isError, true, textOf(card0.result));
    await okCall('in-1');
    await okCall('in-2');
    const before = up.requests.length;
    const { result, requestId } = await callTool(seed.url, 'get_order', { order_id: 'over' });
    assert.equal(result.isError, true);
    assert.match(textOf(result),
      /^The tool "get_order" failed: the project's data tool rate limit of 3 calls per minute is reached; retry after \d+ seconds/);
    assert.equal(up.requests.length, before, 'the backend was not called');
    const rec = await auditRecord(seed.owner, seed.org, requestId);
    assert.deepEqual([rec.status, rec.error_code, rec.tool_kind], ['rate_limited', 'data_tool_rate_limited', 'http']);
    // Interactive tools keep working while data tools are limited.
    const card = await callTool(seed.url, 'show_order', { order_id: 'still' });
    assert.notEqual(card.result.isError, true);
  });

  test('recovered: a new limit starts a new window', async () => {
    assert.equal((await setRate(2)).status, 200);
    await okCall('after-change-1');
    await okCall('after-change-2');
    const over = await callTool(seed.url, 'get_order', { order_id: 'over-2' });
    assert.equal(over.result.isError, true);
    assert.match(textOf(over.result), /rate limit of 2 calls per minute/);
  });

  test('recovered: after the window ends, calls run again', async () => {
    const over = await callTool(seed.url, 'get_order', { order_id: 'over-3' });
    assert.equal(over.result.isError, true, 'the window of the previous test is still full');
    const secs = Number(textOf(over.result).match(/retry after (\d+) seconds/)?.[1]);
    assert.ok(secs >= 1 && secs <= WINDOW_SECS, `retry after ${secs} s: the test window is ${WINDOW_SECS} s`);
    await sleep((secs + 1) * 1000);
    await okCall('after-window');
  });
});
