// What the http data-tool suites share (tests/datatools/http-*, ssrf*, ratelimit*):
// a loopback upstream that records every request and checks its signature with
// the README's own Node snippet, the Type documents that point at it, and the
// calls through the MCP endpoint.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../harness.mjs';
import { modern, uniq, createOrg, createProject, putType, publish, setVisibility, ownerOf, sleep } from '../mcp-fixtures.mjs';

/** A fenced code block of README.md that follows `<!-- marker -->`. */
export async function readmeSnippet(marker) {
  const text = await readFile(join(ROOT, 'README.md'), 'utf8');
  const m = text.match(new RegExp(`<!-- ${marker} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `README.md has a code block after <!-- ${marker} -->`);
  return m[1];
}

/** The README's Node verifier, imported as written there. */
export async function readmeNodeVerifier() {
  const dir = await mkdtemp(join(tmpdir(), 'dockyard-verify-'));
  const file = join(dir, 'verify.mjs');
  await writeFile(file, await readmeSnippet('verify-node'));
  return (await import(file)).verifyDockyardSignature;
}

const MiB = 1024 * 1024;

/**
 * The loopback backend. Every request is recorded as `{ path, headers, raw, body }`.
 * `secret` (changeable: `up.secret = ...`) is what the signature is checked against;
 * `/ok` answers 401 when it does not verify. Paths:
 * - `/ok`: `{ok, echo: arguments, caller, request_id, verified}`
 * - `/status/<n>`: that status with a text body
 * - `/hang`: never answers; `/drip`: 200 headers, then one byte every 100 ms, forever
 * - `/big`: 2 MiB of JSON; `/bomb`: gzip of 64 MiB (a ~64 KiB body) with Content-Encoding: gzip
 * - `/html`: not JSON; `/array`: `[1, 2, 3]`; `/mcp`: a full MCP result; `/mcp-bad`: a malformed one
 * - `/answer`: answers `up.answer` (JSON)
 * - `/loop`: 302 to itself; `/hop/<n>`: n redirects, then `/ok`
 * - `/to?url=<u>`: 302 to `u` (a private address, credentials, ...)
 */
export async function startUpstream({ secret = 'whsec_test_secret' } = {}) {
  const verify = await readmeNodeVerifier();
  const requests = [];
  const open = new Set();
  const up = { secret, requests, answer: { fine: true }, verify };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = null;
      try { body = JSON.parse(raw.toString('utf8')); } catch { /* not JSON */ }
      const url = new URL(req.url, 'http://x');
      // `up.secret` may be a function of the body (a secret per channel).
      const secretNow = typeof up.secret === 'function' ? up.secret(body) : up.secret;
      const verified = verify(secretNow, req.headers['dockyard-signature'], raw);
      requests.push({ path: url.pathname, method: req.method, headers: req.headers, raw, body, verified });
      route(url, req, res, body, verified);
    });
  });
  const json = (res, status, value) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  function route(url, req, res, body, verified) {
    const p = url.pathname;
    if (p === '/ok') {
      if (!verified) return json(res, 401, { error: 'bad signature' });
      return json(res, 200, { ok: true, echo: body.arguments, caller: body.caller, request_id: body.request_id, verified });
    }
    if (p.startsWith('/status/')) {
      res.writeHead(Number(p.slice(8)), { 'content-type': 'text/plain' });
      return res.end('upstream detail that must not leak: db password hunter2');
    }
    if (p === '/hang') return; // never answers
    if (p === '/drip') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":"');
      const t = setInterval(() => { if (!res.write('x')) { /* backpressure: keep going */ } }, 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (p === '/big') return json(res, 200, { blob: 'x'.repeat(2 * MiB) });
    if (p === '/bomb') {
      const zipped = gzipSync(Buffer.alloc(64 * MiB, 0x20));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': zipped.length });
      return res.end(zipped);
    }
    if (p === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><body>not json</body></html>');
    }
    if (p === '/array') return json(res, 200, [1, 2, 3]);
    if (p === '/mcp') return json(res, 200, MCP_RESULT);
    if (p === '/mcp-bad') return json(res, 200, { content: [{ type: 'text' }] });
    if (p === '/answer') return json(res, 200, up.answer);
    if (p === '/loop') { res.writeHead(302, { location: '/loop' }); return res.end(); }
    if (p.startsWith('/hop/')) {
      const n = Number(p.slice(5));
      res.writeHead(307, { location: n > 1 ? `/hop/${n - 1}` : '/ok' });
      return res.end();
    }
    if (p === '/to') { res.writeHead(302, { location: url.searchParams.get('url') }); return res.end(); }
    json(res, 404, { error: 'no such path' });
  }
  server.on('connection', (s) => { open.add(s); s.on('close', () => open.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  up.port = server.address().port;
  up.base = `http://127.0.0.1:${up.port}`;
  up.last = () => requests.at(-1);
  up.server = server; // scripts/load-mix.mjs sets its keep-alive timeout
  up.stop = async () => {
    for (const s of open) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return up;
}

export const MCP_RESULT = {
  content: [
    { type: 'text', text: 'Order A-1: shipped' },
    { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
    { type: 'resource_link', uri: 'https://shop.example/orders/A-1', name: 'A-1' },
  ],
  structuredContent: { order: 'A-1', state: 'shipped' },
  _meta: { 'example.com/trace': 't-1' },
};

/** An http Type calling `url`, signed with the project secret `SIGNING`. */
export function httpType(name, url, extra = {}) {
  return {
    name,
    title: `${name} lookup`,
    description: `Looks ${name} up in the backend.`,
    kind: 'http',
    input_schema: { type: 'object', properties: { order_id: { type: 'string' } }, additionalProperties: false },
    output_schema: null,
    annotations: { readOnlyHint: true },
    scopes: [],
    ui: null,
    http: { url, secret: 'SIGNING', timeout_ms: 5000 },
    ...extra,
  };
}

const projectPath = (org, project) => `/api/v1/orgs/${org}/projects/${project}`;

/** Sets a project secret (both channels, or one). */
export async function putSecret(owner, org, project, name, value, channel) {
  const body = channel ? { value, channel } : { value };
  const r = await owner.put(`${projectPath(org, project)}/secrets/${name}`, body);
  assert.ok(r.status === 200 || r.status === 201 || r.status === 204, `PUT secret ${name}: ${r.status} ${r.text}`);
  return r;
}

/**
 * An org and a public project whose draft holds `types` (saved after the
 * secrets they name), published when `publishIt`. Returns the seed.
 */
export async function seedDataProject(w, { types, secrets = { SIGNING: 'whsec_test_secret' }, publishIt = true } = {}) {
  const owner = await ownerOf(w);
  const org = await createOrg(owner, uniq('dorg'));
  const project = await createProject(owner, org, uniq('dproj'));
  for (const [name, value] of Object.entries(secrets)) await putSecret(owner, org, project, name, value);
  for (const t of types) await putType(owner, org, project, t);
  if (publishIt) await publish(owner, org, project);
  await setVisibility(owner, org, project, 'public');
  return { owner, org, project, url: `${w.url}/${org}/${project}`, draftUrl: `${w.url}/${org}/${project}/draft` };
}

/** `tools/call` on the (public) production endpoint, modern era: `{ status, result, requestId }`. */
export async function callTool(url, name, args = {}, opts = {}) {
  const r = await modern(url, 'tools/call', { name, arguments: args }, opts);
  assert.equal(r.status, 200, `tools/call ${name}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.json?.result, `tools/call ${name}: a result, not a JSON-RPC error: ${r.text.slice(0, 300)}`);
  return { status: r.status, result: r.json.result, requestId: r.headers.get('dockyard-request-id') };
}

/** The text of a result's content blocks, joined. */
export const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

/** Polls the audit API until the record `id` is readable. */
export async function auditRecord(owner, org, id, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await owner.get(`/api/v1/orgs/${org}/audit/${id}`);
    if (r.status === 200) return r.body.record ?? r.body;
    assert.equal(r.status, 404, `audit/${id}: ${r.status} ${r.text.slice(0, 300)}`);
    if (Date.now() > deadline) throw new Error(`the record ${id} did not become readable in ${timeoutMs} ms`);
    await sleep(150);
  }
}
