// Data tools against backends that misbehave at the connection level (issue
// 15, suite 4), and a code handler that outwaits its timeout. The http
// upstream that hangs and the one that drips are tests/datatools/
// http-calls.test.mjs's (`/hang`, `/drip`); this suite adds what it lacks:
// a raw TCP backend (`startRudeUpstream`) that
//   - resets the connection before answering (`/reset`),
//   - resets it half-way through the body (`/reset-mid`),
//   - sends headers with a Content-Length and then stops (`/stalled`),
//   - answers bytes that are not HTTP (`/garbage`).
// Each ends as the documented isError within the Type's timeout (the text
// names the failure), is audited with its error code, and the next call of
// the project works.
//
// The code tool: a handler that logs and then never finishes used to lose
// its captured console lines (the parent's timer won and the reply with the
// lines never came); now the runner answers the timeout itself with them,
// and the audit payload keeps them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startMcpWorker } from '../mcp-fixtures.mjs';
import { startUpstream, httpType, seedDataProject, callTool, textOf, auditRecord } from '../datatools/http-setup.mjs';
import { record } from '../audit/setup.mjs';

/** A raw TCP server that reads the request line and misbehaves as its path says. */
async function startRudeUpstream() {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = head.split(' ')[1];
      if (path === '/reset') return socket.resetAndDestroy();
      if (path === '/reset-mid') {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{"partial":"');
        setTimeout(() => socket.resetAndDestroy(), 50);
        return;
      }
      if (path === '/stalled') {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{"a":');
        return; // and never more
      }
      if (path === '/garbage') {
        socket.end('SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\0\0\0');
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    stop: async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); },
  };
}

let w;
let up;
let rude;
let seed;

before(async () => {
  up = await startUpstream();
  rude = await startRudeUpstream();
  w = await startMcpWorker();
  const rudeType = (name, path) => httpType(name, `${rude.base}${path}`, { http: { url: `${rude.base}${path}`, secret: 'SIGNING', timeout_ms: 1500 } });
  seed = await seedDataProject(w, {
    secrets: { SIGNING: up.secret },
    types: [
      httpType('get_order', `${up.base}/ok`),
      rudeType('resets', '/reset'),
      rudeType('resets_mid', '/reset-mid'),
      rudeType('stalls', '/stalled'),
      rudeType('garbles', '/garbage'),
    ],
  });
  const on = await seed.owner.patch(`/api/v1/orgs/${seed.org}`, { audit: { payloads: true } });
  assert.equal(on.status, 200, on.text);
});

after(async () => {
  await w?.stop();
  await up?.stop();
  await rude?.stop();
});

async function nextCallWorks(label) {
  const ok = await callTool(seed.url, 'get_order', { order_id: `after-${label}` });
  assert.notEqual(ok.result.isError, true, `${label}: the next call works: ${textOf(ok.result)}`);
  assert.equal(ok.result.structuredContent.ok, true);
}

describe('a backend that breaks the connection ends as a named isError, audited; the next call works', () => {
  const cases = [
    ['resets', /its backend could not be reached/, 'upstream_unreachable'],
    ['resets_mid', /its backend could not be reached|its backend's answer is not valid JSON/, null],
    ['stalls', /did not answer within the tool's timeout of 1500 ms/, 'upstream_timeout'],
    ['garbles', /its backend could not be reached/, 'upstream_unreachable'],
  ];
  for (const [tool, words, code] of cases) {
    test(tool, async () => {
      const { result, requestId } = await callTool(seed.url, tool, { order_id: '1' });
      assert.equal(result.isError, true, `${tool}: ${JSON.stringify(result).slice(0, 300)}`);
      const text = textOf(result);
      assert.match(text, new RegExp(`^The tool "${tool}" failed: `));
      assert.match(text, words);
      const rec = await auditRecord(seed.owner, seed.org, requestId);
      assert.equal(rec.status, 'upstream_error', JSON.stringify(rec));
      assert.equal(rec.tool_kind, 'http');
      if (code) assert.equal(rec.error_code, code, JSON.stringify(rec));
      else assert.match(rec.error_code, /^upstream_(unreachable|invalid)$/, JSON.stringify(rec));
      await nextCallWorks(tool);
    });
  }
});

describe('a code handler that outwaits its timeout', () => {
  test('ends as the handler timeout, and its audit payload keeps the console lines captured before', async () => {
    const P = `/api/v1/orgs/${seed.org}/projects/${seed.project}`;
    const doc = {
      name: 'dawdles',
      description: 'Logs, then waits forever.',
      kind: 'code',
      input_schema: { type: 'object' },
      code: {
        timeout_ms: 1200,
        source: `export default { async run(args) {
          console.log('starting', args);
          console.warn('waiting for a backend that never answers');
          await new Promise(() => {});
        } };`,
      },
    };
    const saved = await seed.owner.put(`${P}/draft/types/dawdles`, doc);
    assert.ok(saved.status === 200 || saved.status === 201, saved.text);
    const pub = await seed.owner.post(`${P}/publish`, {});
    assert.equal(pub.status, 201, pub.text);
    const { result, requestId } = await callTool(seed.url, 'dawdles', { n: 1 });
    assert.equal(result.isError, true, JSON.stringify(result));
    assert.match(textOf(result), /its handler did not finish within the tool's timeout of 1200 ms/);
    const { record: rec, payload } = await record(seed.owner, seed.org, requestId);
    assert.deepEqual([rec.status, rec.error_code], ['tool_error', 'handler_timeout'], JSON.stringify(rec));
    assert.deepEqual(payload?.logs, ['log: starting {"n":1}', 'warn: waiting for a backend that never answers'],
      `the captured lines are kept: ${JSON.stringify(payload)}`);
    await nextCallWorks('dawdles');
  });
});
