// The `code` kind end to end: handlers saved through the API, run in Dynamic
// Worker Loader isolates under real workerd, called over MCP with real OAuth
// tokens (and once with the official SDK client):
//   - a computed answer; a non-object answer; a thrown error;
//   - env (org, project, channel, caller) and env.secrets, a secret change
//     seen on the next call;
//   - fetch through the gateway: an allowed loopback fixture (dev flag), a
//     host not allowed (the handler sees why), the org allowlist narrowing;
//   - a handler that never resolves and one that waits past timeout_ms, both
//     ended, with the worker serving the next call;
//   - save-time refusals: a syntax error naming its line, no default run;
//   - one isolate for draft and production (a module-level counter);
//   - the captured console lines in the audit record's payload.
// Never a busy loop: local workerd enforces no CPU limit (docs/SECURITY.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject, publish } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { record } from '../audit/setup.mjs';
import { convertUnitsType } from '../../scripts/seed.mjs';

let w;
let owner;
let org;
let project;
let draftToken;
let prodToken;
let fixture; // the loopback upstream
let hits = 0;

const typePath = (name) => `/api/v1/orgs/${org}/projects/${project}/draft/types/${name}`;
const endpoint = (draft) => `${w.url}/${org}/${project}${draft ? '/draft' : ''}`;

/** A code Type document. */
function codeType(name, source, code = {}) {
  return {
    name,
    description: `The ${name} handler.`,
    kind: 'code',
    input_schema: { type: 'object' },
    code: { source, ...code },
  };
}

async function save(name, source, code) {
  const r = await owner.put(typePath(name), codeType(name, source, code));
  assert.ok(r.status === 200 || r.status === 201, `PUT ${name}: ${r.status} ${r.text.slice(0, 600)}`);
  return r;
}

/** tools/call on draft (default) or production; returns `{ result, requestId }`. */
async function call(name, args = {}, { draft = true } = {}) {
  const r = await mcp(endpoint(draft), draft ? draftToken : prodToken, 'tools/call', { name, arguments: args });
  assert.equal(r.status, 200, `${name}: ${r.status} ${r.text.slice(0, 600)}`);
  assert.ok(r.json?.result, `${name}: ${r.text.slice(0, 600)}`);
  return { result: r.json.result, requestId: r.headers.get('dockyard-request-id') };
}

const text = (result) => result.content.map((c) => c.text).join('\n');

before(async () => {
  fixture = createServer((req, res) => {
    hits += 1;
    const port = fixture.address().port;
    if (req.url === '/hop') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/rates?via=hop` });
      return res.end();
    }
    if (req.url === '/away') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return res.end();
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ rate: 1.0936, path: req.url, key: req.headers['x-api-key'] ?? null }));
  });
  await new Promise((r) => fixture.listen(0, '127.0.0.1', r));
  w = await startMcpWorker();
  owner = await ownerOf(w);
  org = await createOrg(owner, uniq('code'));
  project = await createProject(owner, org, uniq('tools'));
  // This suite makes more calls than the default 60 per minute of one project.
  const rate = await owner.patch(`/api/v1/orgs/${org}/projects/${project}`, { data_tool_rate_per_minute: 10000 });
  assert.equal(rate.status, 200, rate.text);
  // Publish once so the production endpoint exists (its tokens need it).
  await save('ping', 'export default { async run() { return { pong: true }; } }');
  await publish(owner, org, project);
  draftToken = (await getTokens(w, owner, { resource: endpoint(true) })).access_token;
  prodToken = (await getTokens(w, owner, { resource: endpoint(false) })).access_token;
});
after(async () => {
  await w?.stop();
  fixture?.close();
});

test('a computed answer becomes structuredContent and the same JSON as text', async () => {
  await save('convert', `
    export default {
      async run(args) {
        const factor = { m: 1, km: 1000, mi: 1609.344 };
        return { value: args.value * factor[args.from] / factor[args.to], unit: args.to };
      },
    };`);
  const { result } = await call('convert', { value: 2, from: 'km', to: 'm' });
  assert.equal(result.isError, undefined, text(result));
  assert.deepEqual(result.structuredContent, { value: 2000, unit: 'm' });
  assert.deepEqual(JSON.parse(result.content[0].text), { value: 2000, unit: 'm' });
});

test('the demo tool of `npm run dev` (convert_units, scripts/seed.mjs) converts, and refuses an unknown pair', async () => {
  const doc = convertUnitsType();
  const r = await owner.put(typePath(doc.name), doc);
  assert.equal(r.status, 201, r.text);
  const km = (await call('convert_units', { value: 5, from: 'km', to: 'mi' })).result;
  assert.deepEqual(km.structuredContent, { value: 3.106856, unit: 'mi', quantity: 'length' });
  const hot = (await call('convert_units', { value: 100, from: 'C', to: 'F' })).result;
  assert.deepEqual(hot.structuredContent, { value: 212, unit: 'F', quantity: 'temperature' });
  const bad = (await call('convert_units', { value: 1, from: 'kg', to: 'km' })).result;
  assert.equal(bad.isError, true);
  assert.match(text(bad), /RangeError: cannot convert kg to km/);
});

test('env carries the org, project, channel and caller; a thrown error and a non-object answer are isError', async () => {
  await save('whoami', `export default { async run(args, env) {
    return { org: env.org, project: env.project, channel: env.channel, user: env.caller.user_id, hasSecrets: typeof env.secrets };
  } };`);
  const { result } = await call('whoami');
  assert.deepEqual(result.structuredContent, { org, project, channel: 'draft', user: owner.user.id, hasSecrets: 'object' });

  await save('thrower', 'export default { async run() { throw new RangeError("unit furlong is not supported"); } };');
  const threw = (await call('thrower')).result;
  assert.equal(threw.isError, true);
  assert.match(text(threw), /"thrower" failed: its handler threw an error: RangeError: unit furlong is not supported/);

  await save('number', 'export default { async run() { return 42; } };');
  const five = (await call('number')).result;
  assert.equal(five.isError, true);
  assert.match(text(five), /not a JSON object/);
});

test('env.secrets: set through the secrets API, a change is seen on the next call', async () => {
  const secret = (value) => owner.put(`/api/v1/orgs/${org}/projects/${project}/secrets/API_KEY`, { value });
  let r = await secret('first-value');
  assert.ok(r.status === 200 || r.status === 201 || r.status === 204, `${r.status} ${r.text}`);
  await save('keyed', 'export default { async run(args, env) { return { key: env.secrets.API_KEY ?? null }; } };');
  assert.deepEqual((await call('keyed')).result.structuredContent, { key: 'first-value' });
  r = await secret('second-value');
  assert.ok(r.status < 300, `${r.status} ${r.text}`);
  assert.deepEqual((await call('keyed')).result.structuredContent, { key: 'second-value' }, 'no stale isolate env');
});

test('fetch: an allowed loopback host goes through the gateway; another host is refused and the handler sees why', async () => {
  const port = fixture.address().port;
  const source = `export default { async run(args) {
    try {
      const r = await fetch(args.url, { headers: { 'x-api-key': 'k-1' } });
      return { status: r.status, body: await r.json() };
    } catch (e) {
      return { refused: e instanceof TypeError, message: e.message };
    }
  } };`;
  await save('rates', source, { allowed_hosts: [`127.0.0.1:${port}`] });
  const before = hits;
  const ok = (await call('rates', { url: `http://127.0.0.1:${port}/rates?from=m` })).result;
  assert.equal(ok.isError, undefined, text(ok));
  assert.deepEqual(ok.structuredContent, { status: 200, body: { rate: 1.0936, path: '/rates?from=m', key: 'k-1' } });
  assert.equal(hits, before + 1);

  const other = (await call('rates', { url: 'https://api.example.com/rates' })).result.structuredContent;
  assert.equal(other.refused, true, JSON.stringify(other));
  assert.match(other.message, /fetch refused: api\.example\.com is not in this tool's allowed hosts \(127\.0\.0\.1:\d+\)/);
  const metadata = (await call('rates', { url: 'http://169.254.169.254/latest/meta-data/' })).result.structuredContent;
  assert.equal(metadata.refused, true);
  assert.match(metadata.message, /fetch refused: the URL/);
  const otherPort = (await call('rates', { url: `http://127.0.0.1:${port + 1}/` })).result.structuredContent;
  assert.match(otherPort.message, /not in this tool's allowed hosts/);
  assert.equal(hits, before + 1, 'no refused request reached anything');

  // A redirect comes back through the gateway: to an allowed host it is
  // followed, to a refused one the handler sees the refusal.
  const hop = (await call('rates', { url: `http://127.0.0.1:${port}/hop` })).result.structuredContent;
  assert.deepEqual(hop, { status: 200, body: { rate: 1.0936, path: '/rates?via=hop', key: 'k-1' } });
  const away = (await call('rates', { url: `http://127.0.0.1:${port}/away` })).result.structuredContent;
  assert.equal(away.refused, true, JSON.stringify(away));
  assert.match(away.message, /fetch refused: the URL/);

  // The org allowlist narrows the Type's hosts (intersection), on the next call.
  const orgPath = `/api/v1/orgs/${org}`;
  let p = await owner.patch(orgPath, { upstream_hosts: ['api.example.com'] });
  assert.equal(p.status, 200, p.text);
  const narrowed = (await call('rates', { url: `http://127.0.0.1:${port}/rates` })).result.structuredContent;
  assert.match(narrowed.message ?? '', /effective allowed_hosts is empty/, JSON.stringify(narrowed));
  p = await owner.patch(orgPath, { upstream_hosts: null });
  assert.equal(p.status, 200, p.text);
  assert.equal((await call('rates', { url: `http://127.0.0.1:${port}/rates` })).result.structuredContent.status, 200);

  // A refusal the handler does not catch names itself in the isError text.
  await save('careless', 'export default { async run() { const r = await fetch("https://api.example.com/"); return { s: r.status }; } };');
  const careless = (await call('careless')).result;
  assert.equal(careless.isError, true);
  assert.match(text(careless), /TypeError: dockyard: fetch refused: api\.example\.com is not allowed: this tool's effective allowed_hosts is empty/);
});

test('a handler that never resolves, and one that outwaits timeout_ms, end as isError; the next call is served', async () => {
  await save('stuck', 'export default { async run() { await new Promise(() => {}); } };', { timeout_ms: 1500 });
  const stuck = (await call('stuck')).result;
  assert.equal(stuck.isError, true);
  assert.match(text(stuck), /did not finish within the tool's timeout of 1500 ms/);

  await save('slow', 'export default { async run() { await new Promise((r) => setTimeout(r, 120000)); return {}; } };', { timeout_ms: 1000 });
  const started = Date.now();
  const slow = (await call('slow')).result;
  assert.equal(slow.isError, true);
  assert.match(text(slow), /did not finish within the tool's timeout of 1000 ms/);
  assert.ok(Date.now() - started < 60_000, 'the wall clock ended it, not the handler');

  const next = (await call('convert', { value: 1, from: 'km', to: 'm' })).result;
  assert.deepEqual(next.structuredContent, { value: 1000, unit: 'm' }, 'the worker still serves');
});

test('save: a syntax error is a 422 naming its line; a module without a default run is refused', async () => {
  const bad = await owner.put(typePath('broken'), codeType('broken', 'export default {\n  async run() {\n    return {;\n  },\n};'));
  assert.equal(bad.status, 422, bad.text);
  const field = bad.body.fields.find((f) => f.field === '/code/source');
  assert.ok(field, bad.text);
  assert.match(field.message, /SyntaxError: .*\(line 3\)/);

  const noDefault = await owner.put(typePath('nodefault'), codeType('nodefault', 'export const run = async () => ({});'));
  assert.equal(noDefault.status, 422, noDefault.text);
  assert.match(noDefault.text, /no default export/);
  const noRun = await owner.put(typePath('norun'), codeType('norun', 'export default { go() { return {}; } };'));
  assert.equal(noRun.status, 422, noRun.text);
  assert.match(noRun.text, /has no run\(args, env\) function/);
  const big = await owner.put(typePath('huge'), codeType('huge', `export default { run() { return {}; } };\n// ${'x'.repeat(256 * 1024)}`));
  assert.equal(big.status, 422, big.text.slice(0, 300));
  const listed = await owner.get(`/api/v1/orgs/${org}/projects/${project}/draft`);
  const names = listed.body.types.map((t) => t.name);
  for (const n of ['broken', 'nodefault', 'norun', 'huge']) assert.ok(!names.includes(n), `${n} was not saved`);
});

test('one isolate serves draft and production of the same handler', async () => {
  await save('counter', 'let calls = 0; export default { async run(args, env) { calls += 1; return { calls, channel: env.channel }; } };');
  await publish(owner, org, project);
  const a = (await call('counter', {}, { draft: true })).result.structuredContent;
  const b = (await call('counter', {}, { draft: false })).result.structuredContent;
  const c = (await call('counter', {}, { draft: true })).result.structuredContent;
  assert.deepEqual([a.channel, b.channel, c.channel], ['draft', 'production', 'draft']);
  assert.deepEqual([b.calls - a.calls, c.calls - b.calls], [1, 1], `one module state: ${JSON.stringify([a, b, c])}`);
});

test('console output is captured, bounded, into the audit payload', async () => {
  const on = await owner.patch(`/api/v1/orgs/${org}`, { audit: { payloads: true } });
  assert.equal(on.status, 200, on.text);
  await save('chatty', `export default { async run() {
    console.log('converting', { value: 1 });
    console.warn('careful');
    for (let i = 0; i < 100; i++) console.info('line', i);
    return { ok: true };
  } };`);
  const { result, requestId } = await call('chatty');
  assert.deepEqual(result.structuredContent, { ok: true });
  const { payload } = await record(owner, org, requestId);
  assert.equal(payload.logs[0], 'log: converting {"value":1}');
  assert.equal(payload.logs[1], 'warn: careful');
  assert.equal(payload.logs.length, 65, 'at most 64 lines and a note');
  assert.match(payload.logs[64], /^\(38 more console lines were not kept\)$/);
  await owner.patch(`/api/v1/orgs/${org}`, { audit: { payloads: false } });
});

test('the official SDK client calls a code tool through OAuth', async () => {
  const transport = new V2Transport(new URL(endpoint(true)), {
    requestInit: { headers: { authorization: `Bearer ${draftToken}` } },
  });
  const client = new V2Client({ name: 'dockyard-code-test', version: '1.0.0' }, { versionNegotiation: { mode: 'pinned', version: '2026-07-28' } });
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'convert'), JSON.stringify(tools.map((t) => t.name)));
  const result = await client.callTool({ name: 'convert', arguments: { value: 3, from: 'mi', to: 'm' } });
  assert.equal(result.isError, undefined);
  assert.deepEqual(result.structuredContent, { value: 4828.032, unit: 'm' });
  await client.close();
});
