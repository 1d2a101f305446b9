// The http data-tool kind end to end: a real signed POST from workerd to a
// loopback backend, every failure mapped to an isError result that names it,
// the audit record's status and error_code, and the next call still working.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker } from '../mcp-fixtures.mjs';
import { startUpstream, httpType, seedDataProject, callTool, textOf, auditRecord, MCP_RESULT } from './http-setup.mjs';

let w;
let up;
let seed;

const u = (p) => `${up.base}${p}`;

before(async () => {
  up = await startUpstream();
  w = await startMcpWorker();
  const quick = (name, path, extra = {}) => httpType(name, u(path), { ...extra, http: { url: u(path), secret: 'SIGNING', timeout_ms: 5000, ...(extra.http ?? {}) } });
  seed = await seedDataProject(w, {
    secrets: { SIGNING: up.secret, API_KEY: 'key-123' },
    types: [
      quick('get_order', '/ok', {
        http: { headers: { 'X-Tenant': 'acme', Authorization: { secret: 'API_KEY', prefix: 'Bearer ' } } },
      }),
      quick('fails_500', '/status/500'),
      quick('fails_404', '/status/404'),
      quick('hangs', '/hang', { http: { timeout_ms: 1500 } }),
      quick('drips', '/drip', { http: { timeout_ms: 1500 } }),
      quick('big', '/big'),
      quick('bomb', '/bomb'),
      quick('html', '/html'),
      quick('array', '/array'),
      quick('full_mcp', '/mcp'),
      quick('bad_mcp', '/mcp-bad'),
      quick('checked', '/answer', {
        output_schema: { type: 'object', properties: { total: { type: 'integer' } }, required: ['total'] },
      }),
      quick('loop', '/loop'),
      quick('three_hops', '/hop/3'),
      quick('four_hops', '/hop/4'),
    ],
  });
});

after(async () => {
  await w?.stop();
  await up?.stop();
});

/** get_order answers normally: the call after any failure. */
async function stillWorks(label) {
  const { result } = await callTool(seed.url, 'get_order', { order_id: 'B-2' });
  assert.notEqual(result.isError, true, `${label}: the next call works: ${textOf(result)}`);
  assert.equal(result.structuredContent.echo.order_id, 'B-2');
}

describe('a signed call', () => {
  test('the backend gets the envelope, the headers and a signature that verifies with the README snippet', async () => {
    const { result, requestId } = await callTool(seed.url, 'get_order', { order_id: 'A-1' });
    assert.notEqual(result.isError, true, textOf(result));
    const req = up.requests.findLast((r) => r.path === '/ok');
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['dockyard-request-id'], requestId, 'the MCP answer and the backend see one request id');
    assert.equal(req.headers['x-tenant'], 'acme', 'a static header');
    assert.equal(req.headers.authorization, 'Bearer key-123', 'a secret-backed header with its prefix');
    assert.match(req.headers['dockyard-signature'], /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(req.verified, true, 'the signature verifies under the project secret');
    assert.equal(up.verify('another secret', req.headers['dockyard-signature'], req.raw), false, 'and under no other');
    assert.deepEqual(Object.keys(req.body), ['tool', 'arguments', 'caller', 'request_id']);
    assert.deepEqual(req.body, {
      tool: 'get_order',
      arguments: { order_id: 'A-1' },
      caller: { org: seed.org, project: seed.project, channel: 'production', user_id: null, client_id: null },
      request_id: requestId,
    });
    // The answer object is structuredContent plus the same JSON as text.
    assert.deepEqual(result.structuredContent, {
      ok: true, echo: { order_id: 'A-1' }, caller: req.body.caller, request_id: requestId, verified: true,
    });
    assert.deepEqual(JSON.parse(result.content.at(-1).text), result.structuredContent);
    const rec = await auditRecord(seed.owner, seed.org, requestId);
    assert.equal(rec.status, 'ok');
    assert.equal(rec.error_code, null);
    assert.equal(rec.tool_kind, 'http');
  });

  test('arguments are validated before anything runs', async () => {
    const before = up.requests.length;
    const { result, requestId } = await callTool(seed.url, 'get_order', { order_id: 7 });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /Invalid arguments/);
    assert.equal(up.requests.length, before, 'the backend was not called');
    assert.equal((await auditRecord(seed.owner, seed.org, requestId)).error_code, 'invalid_arguments');
  });

  test('three redirects are followed (each re-checked) and still signed on the same origin', async () => {
    const { result } = await callTool(seed.url, 'three_hops', {});
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(result.structuredContent.verified, true);
  });

  test('a full MCP result is checked and passed through as it came', async () => {
    const { result, requestId } = await callTool(seed.url, 'full_mcp', {});
    // The modern era adds resultType and serverInfo (in _meta, next to the tool's own keys).
    const { resultType, _meta: { 'io.modelcontextprotocol/serverInfo': serverInfo, ...meta }, ...rest } = result;
    assert.equal(resultType, 'complete');
    assert.ok(serverInfo);
    assert.deepEqual({ ...rest, _meta: meta }, MCP_RESULT);
    assert.equal((await auditRecord(seed.owner, seed.org, requestId)).status, 'ok');
  });

  test('an answer that matches the output schema passes; one that does not is output_schema_mismatch', async () => {
    up.answer = { count: 1 };
    const bad = await callTool(seed.url, 'checked', {});
    assert.equal(bad.result.isError, true);
    assert.match(textOf(bad.result), /The tool "checked" failed: its output does not match its outputSchema/);
    assert.match(textOf(bad.result), /total/);
    const rec = await auditRecord(seed.owner, seed.org, bad.requestId);
    assert.deepEqual([rec.status, rec.error_code], ['tool_error', 'output_schema_mismatch']);
    up.answer = { total: 3 };
    const good = await callTool(seed.url, 'checked', {});
    assert.notEqual(good.result.isError, true, textOf(good.result));
    assert.deepEqual(good.result.structuredContent, { total: 3 });
  });
});

describe('every failure is an isError result naming it, audited, and the next call works', () => {
  const cases = [
    ['fails_500', /its backend answered HTTP 500/, 'upstream_error', 'upstream_failed'],
    ['fails_404', /its backend answered HTTP 404/, 'upstream_error', 'upstream_failed'],
    ['hangs', /did not answer within the tool's timeout of 1500 ms/, 'upstream_error', 'upstream_timeout'],
    ['drips', /did not answer within the tool's timeout of 1500 ms/, 'upstream_error', 'upstream_timeout'],
    ['big', /too large \(more than 1048576 bytes after decompression\)/, 'upstream_error', 'upstream_too_large'],
    ['bomb', /too large \(more than 1048576 bytes after decompression\)/, 'upstream_error', 'upstream_too_large'],
    ['html', /its backend's answer is not valid JSON/, 'upstream_error', 'upstream_invalid'],
    ['array', /the answer is not a JSON object/, 'upstream_error', 'upstream_invalid'],
    ['bad_mcp', /not a valid MCP tool result: content\[0\] needs a string "text"/, 'upstream_error', 'upstream_invalid'],
    ['loop', /could not be reached: more than 3 redirects/, 'upstream_error', 'upstream_unreachable'],
    ['four_hops', /could not be reached: more than 3 redirects/, 'upstream_error', 'upstream_unreachable'],
  ];
  for (const [tool, words, status, code] of cases) {
    test(`${tool}: ${code}`, async () => {
      const { result, requestId } = await callTool(seed.url, tool, {});
      assert.equal(result.isError, true, `${tool}: ${JSON.stringify(result).slice(0, 300)}`);
      const text = textOf(result);
      assert.match(text, new RegExp(`^The tool "${tool}" failed: `));
      assert.match(text, words);
      assert.doesNotMatch(text, /hunter2/, 'no upstream body reaches the caller');
      assert.equal(result.structuredContent, undefined);
      const rec = await auditRecord(seed.owner, seed.org, requestId);
      assert.deepEqual([rec.status, rec.error_code, rec.tool_kind], [status, code, 'http']);
      await stillWorks(tool);
    });
  }
});
