// MCP hot-path figures: tools/list and an interactive tools/call on a public
// project (modern 2026-07-28 wire, stateless), the same call with an OAuth
// access token on a private project, next to a bare hello-world worker on the
// same workerd (the floor); token endpoint latency; publish time for a
// project of 200 Types and the time of one draft read of it.
// Usage: npm run build && node bench/mcp.mjs [seconds] [concurrency]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorker, freePort, ROOT } from '../tests/harness.mjs';
import { load, row } from './load.mjs';
import { getTokens, refresh } from '../tests/oauth-helpers.mjs';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 8);
process.env.DOCKYARD_SKIP_BUILD = '1';

const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
};
const mcpInit = (method, params, name) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json', accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}),
  },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } }),
});
const typeDoc = (name) => ({
  name, description: `Shows ${name}`, kind: 'interactive',
  input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  ui: { html: `<!doctype html><title>${name}</title><p>${name}</p>` },
});

const rows = [];
const w = await startWorker();
try {
  const owner = await w.bootstrapOwner('bench@example.test', 'bench password 123');
  await owner.post('/api/v1/orgs', { slug: 'bench', name: 'Bench' });
  await owner.post('/api/v1/orgs/bench/projects', { slug: 'demo', name: 'Demo' });
  await owner.put('/api/v1/orgs/bench/projects/demo/draft/types/show_order', typeDoc('show_order'));
  await owner.post('/api/v1/orgs/bench/projects/demo/publish', {});
  await owner.patch('/api/v1/orgs/bench/projects/demo', { visibility: 'public' });
  const endpoint = `${w.url}/bench/demo`;
  const check = (r) => r.status === 200;
  await load(endpoint, mcpInit('tools/list', {}), { concurrency: 2, seconds: 2, check }); // warm-up
  rows.push(row('tools/list (public)', await load(endpoint, mcpInit('tools/list', {}), { concurrency, seconds, check })));
  const callInit = mcpInit('tools/call', { name: 'show_order', arguments: { id: 'A-1' } }, 'show_order');
  rows.push(row('tools/call interactive (public)', await load(endpoint, callInit, { concurrency, seconds, check })));

  // The same call on a private project with an OAuth access token: the cost
  // of JWT verification plus the hub's grant check.
  await owner.post('/api/v1/orgs/bench/projects', { slug: 'priv', name: 'Private' });
  await owner.put('/api/v1/orgs/bench/projects/priv/draft/types/show_order', typeDoc('show_order'));
  await owner.post('/api/v1/orgs/bench/projects/priv/publish', {});
  const tokens = await getTokens(w, owner, { resource: `${w.url}/bench/priv` });
  const authed = mcpInit('tools/call', { name: 'show_order', arguments: { id: 'A-1' } }, 'show_order');
  authed.headers.authorization = `Bearer ${tokens.access_token}`;
  rows.push(row('tools/call interactive (OAuth token)', await load(`${w.url}/bench/priv`, authed, { concurrency, seconds, check })));
  // Token endpoint: sequential refresh-token rotations.
  let refreshToken = tokens.refresh_token;
  const refreshes = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = await refresh(w, { refreshToken, clientId: tokens.clientId });
    refreshes.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`refresh: ${r.status} ${r.text}`);
    refreshToken = r.body.refresh_token;
  }
  refreshes.sort((a, b) => a - b);
  console.log(`token endpoint (refresh_token grant, n=30): p50 ${refreshes[15].toFixed(1)} ms, p90 ${refreshes[27].toFixed(1)} ms`);

  // Publish of 200 Types and a draft read of them.
  await owner.post('/api/v1/orgs/bench/projects', { slug: 'big', name: 'Big' });
  for (let i = 0; i < 200; i++) {
    const r = await owner.put(`/api/v1/orgs/bench/projects/big/draft/types/t${i}`, typeDoc(`t${i}`));
    if (r.status !== 201) throw new Error(`PUT t${i}: ${r.status} ${r.text}`);
  }
  let t = performance.now();
  const pub = await owner.post('/api/v1/orgs/bench/projects/big/publish', {});
  const publishMs = performance.now() - t;
  if (pub.status !== 201) throw new Error(`publish: ${pub.status} ${pub.text}`);
  const reads = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await owner.get('/api/v1/orgs/bench/projects/big/draft');
    reads.push(performance.now() - t);
  }
  reads.sort((a, b) => a - b);
  console.log(`publish of 200 Types: ${publishMs.toFixed(0)} ms; draft read of 200 Types: p50 ${reads[10].toFixed(1)} ms`);
} finally {
  await w.stop();
}

// The floor: hello world on the same workerd, with its own inspector port
// (wrangler's default 9229 may belong to another wrangler on the machine) and
// its state in a temporary directory. A floor that never answered is an error,
// not a figure: load() would count refused connections as fast requests.
const port = await freePort();
const stateDir = await mkdtemp(join(tmpdir(), 'dockyard-bench-hello-'));
const hello = spawn(join(ROOT, 'node_modules', '.bin', 'wrangler'),
  ['dev', '-c', join(ROOT, 'bench', 'hello', 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(await freePort()), '--persist-to', stateDir,
    '--show-interactive-dev-session=false', '--log-level', 'warn'],
  { cwd: ROOT, detached: true, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
try {
  const url = `http://127.0.0.1:${port}/`;
  let up = false;
  for (let i = 0; i < 240 && !up; i++) {
    try { up = (await fetch(url)).ok; } catch { /* starting */ }
    if (!up) await new Promise((r) => setTimeout(r, 250));
  }
  if (!up) throw new Error('the hello-world worker did not start within 60 s');
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
  await load(url, init, { concurrency: 2, seconds: 2 });
  rows.push(row('hello-world worker (floor)', await load(url, init, { concurrency, seconds })));
} finally {
  try { process.kill(-hello.pid, 'SIGTERM'); } catch { /* gone */ }
  await rm(stateDir, { recursive: true, force: true });
}
console.log(`\n| Request | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|\n${rows.join('\n')}`);
