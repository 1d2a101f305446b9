// Audit log figures (bench/README.md, "Audit log"):
//   1. ingestion designs side by side (bench/audit-alt): respond only, Queue
//      send in waitUntil (Dockyard's), Durable Object buffer append in
//      waitUntil and awaited, flushed by alarm: hot-path latency and the time
//      until every record is in D1;
//   2. Dockyard's hot path with audit on and off (DOCKYARD_AUDIT=off, a
//      bench-only switch): interactive tools/call on a public project,
//      alternating rounds on two workers;
//   3. ingestion throughput: a burst of calls, then records/s into D1 until
//      every record is readable through the API;
//   4. query latency on 100,000 records of one org (seeded straight into D1).
// Usage: npm run build && node bench/audit.mjs [seconds] [concurrency] [parts, default 1234]
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startWorker, freePort, ROOT } from '../tests/harness.mjs';
import { load } from './lib/load.mjs';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 8);
const concurrency = Number(process.argv[3] ?? 8);
const parts = process.argv[4] ?? '1234';
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
process.env.DOCKYARD_SKIP_BUILD = '1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (r) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors`;
const out = [];
const say = (line) => { out.push(line); console.log(line); };

async function until(fn, timeoutMs) {
  const start = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) return null;
    await sleep(100);
  }
}

// ------------------------------------------------------- 1. the designs --
async function designs() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'dockyard-bench-alt-'));
  const child = spawn(WRANGLER, ['dev', '-c', join(ROOT, 'bench', 'audit-alt', 'wrangler.toml'), '--ip', '127.0.0.1',
    '--port', String(port), '--persist-to', dir, '--inspector-port', String(await freePort()),
    '--show-interactive-dev-session=false', '--log-level', 'warn'],
  { cwd: ROOT, detached: true, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  const base = `http://127.0.0.1:${port}`;
  try {
    await until(async () => { try { return (await fetch(`${base}/count`)).ok; } catch { return false; } }, 60_000);
    const post = { method: 'POST', body: '{}' };
    await load(`${base}/queue`, post, { concurrency: 2, seconds: 2 });
    await load(`${base}/do`, post, { concurrency: 2, seconds: 2 });
    say('\n### 1. Ingestion designs (bench/audit-alt), ' + `${seconds} s, ${concurrency} concurrent, 2 rounds each`);
    say('| Design | Round | Hot path | Records | All in D1 after the load |');
    say('|---|---|---|---|---|');
    for (let round = 1; round <= 2; round++) {
      for (const mode of ['none', 'queue', 'do', 'do-await']) {
        await fetch(`${base}/reset`, { method: 'POST' });
        const r = await load(`${base}/${mode}`, post, { concurrency, seconds });
        const expected = mode === 'none' ? 0 : r.requests;
        let count = 0;
        const drained = await until(async () => {
          count = (await (await fetch(`${base}/count`)).json()).count;
          return count >= expected;
        }, 120_000);
        say(`| ${mode} | ${round} | ${fmt(r)} | ${count} / ${expected} | ${drained === null ? 'not within 120 s' : `${drained} ms`} |`);
      }
    }
  } finally {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    await sleep(1000);
    await rm(dir, { recursive: true, force: true });
  }
}

// -------------------------------------------- 2.-4. Dockyard itself --
const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
};
const callInit = {
  method: 'POST',
  headers: {
    'content-type': 'application/json', accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'show_order',
  },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'show_order', arguments: { id: 'A-1' }, _meta: meta } }),
};

async function dockyard(vars) {
  const w = await startWorker({ vars });
  const owner = await w.bootstrapOwner('bench@example.test', 'bench password 123');
  await owner.post('/api/v1/orgs', { slug: 'bench', name: 'Bench' });
  await owner.post('/api/v1/orgs/bench/projects', { slug: 'demo', name: 'Demo' });
  await owner.put('/api/v1/orgs/bench/projects/demo/draft/types/show_order', {
    name: 'show_order', description: 'Shows an order', kind: 'interactive',
    input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    ui: { html: '<!doctype html><title>o</title><p>o</p>' },
  });
  await owner.post('/api/v1/orgs/bench/projects/demo/publish', {});
  await owner.patch('/api/v1/orgs/bench/projects/demo', { visibility: 'public' });
  return { w, owner, endpoint: `${w.url}/bench/demo` };
}

async function countRecords(d) {
  const r = await d.owner.get('/api/v1/orgs/bench/audit/stats?from=0&interval=31d');
  return r.body.series.reduce((n, p) => n + p.count, 0);
}

async function onOff(on, off) {
  const check = (r) => r.status === 200;
  for (const d of [on, off]) await load(d.endpoint, callInit, { concurrency: 2, seconds: 2, check });
  say(`\n### 2. Hot path, audit on vs off (interactive tools/call, public project, ${seconds} s, ${concurrency} concurrent)`);
  say('One discarded warm-up round on each worker first; then the order alternates per round, so neither');
  say('worker always runs first.');
  say('| Round | audit on | audit off | p50 on/off | req/s on/off |');
  say('|---|---|---|---|---|');
  await load(on.endpoint, callInit, { concurrency, seconds: Math.min(seconds, 3), check });
  await load(off.endpoint, callInit, { concurrency, seconds: Math.min(seconds, 3), check });
  await sleep(2000);
  const ratios = [];
  for (let round = 1; round <= 4; round++) {
    const measure = async (w) => {
      const r = await load(w.endpoint, callInit, { concurrency, seconds, check });
      await sleep(2000); // let the consumer finish before measuring the other
      return r;
    };
    let a;
    let b;
    if (round % 2) { a = await measure(on); b = await measure(off); } else { b = await measure(off); a = await measure(on); }
    ratios.push(a.p50 / b.p50);
    say(`| ${round}${round % 2 ? '' : ' (off first)'} | ${fmt(a)} | ${fmt(b)} | ${(a.p50 / b.p50).toFixed(2)} | ${(a.rps / b.rps).toFixed(2)} |`);
  }
  ratios.sort((x, y) => x - y);
  say(`- median p50 ratio on/off: ${((ratios[1] + ratios[2]) / 2).toFixed(2)}`);
}

async function ingestion(on) {
  const before = await countRecords(on);
  const t0 = Date.now();
  const r = await load(on.endpoint, callInit, { concurrency: 32, seconds, check: (x) => x.status === 200 });
  const sent = Date.now();
  const drained = await until(async () => (await countRecords(on)) - before >= r.requests, 180_000);
  const total = Date.now() - t0;
  say(`\n### 3. Ingestion (a burst of ${r.requests} calls at 32 concurrent)`);
  say(`- requests: ${fmt(r)}`);
  say(drained === null ? '- not every record was readable within 180 s' : `- every record readable ${drained} ms after the last response; ${(r.requests / (total / 1000)).toFixed(0)} records/s end to end (first request to last record readable)`);
}

function seedSql(orgId, n) {
  const now = Date.now();
  const rows = [];
  const statuses = [['ok', 'NULL'], ['ok', 'NULL'], ['ok', 'NULL'], ['ok', 'NULL'], ['ok', 'NULL'], ['ok', 'NULL'],
    ['ok', 'NULL'], ['invalid', "'invalid_arguments'"], ['denied', "'token_missing'"], ['tool_error', "'tool_failed'"]];
  for (let i = 0; i < n; i++) {
    const [status, code] = statuses[i % statuses.length];
    const at = now - Math.floor((i / n) * 29 * 86_400_000);
    const id = `req_${i.toString(16).padStart(32, '0')}`;
    rows.push(`('${id}','${orgId}',${at},${5 + (i % 97)},'bench','${i % 3 ? 'demo' : 'other'}','production','1.0.0','tools/call',`
      + `'t${i % 10}','interactive','modern','2026-07-28','${status}',${code},'usr_${i % 50}','u${i % 50}@example.com',`
      + `'client_${i % 7}','Client ${i % 7}','grt_${i % 200}','bench','1','${'a'.repeat(64)}',20,'${'b'.repeat(64)}',300)`);
  }
  const cols = 'id, org_id, at, duration_ms, org, project, channel, version, method, tool, tool_kind, era, protocol_version, '
    + 'status, error_code, user_id, user_email, client_id, client_name, grant_id, host_name, host_version, args_sha256, '
    + 'args_bytes, result_sha256, result_bytes';
  const stmts = [];
  // 100 rows (about 40 KB) per statement: D1 refuses statements over 100 KB (SQLITE_TOOBIG).
  for (let i = 0; i < rows.length; i += 100) stmts.push(`INSERT INTO audit_events (${cols}) VALUES ${rows.slice(i, i + 100).join(',')};`);
  return stmts.join('\n');
}

async function timed(client, path, n = 15) {
  const ms = [];
  let status = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await client.get(path);
    status = r.status;
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { status, p50: ms[Math.floor(n / 2)], p90: ms[Math.floor(n * 0.9)] };
}

async function queries(on) {
  const [org] = (await on.w.d1("SELECT id FROM orgs WHERE slug = 'bench'"));
  const file = join(on.w.dir, 'seed.sql');
  await writeFile(file, seedSql(org.id, 100_000));
  const t = performance.now();
  await run(WRANGLER, ['d1', 'execute', 'DB', '--local', '--persist-to', on.w.dir, '-c', on.w.config, '--file', file, '--yes'],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, maxBuffer: 64 * 1024 * 1024 });
  const seeded = (await on.w.d1("SELECT COUNT(*) AS n FROM audit_events WHERE org = 'bench'"))[0].n;
  say(`\n### 4. Query latency on ${seeded} records of one org (seeded in ${((performance.now() - t) / 1000).toFixed(0)} s; n=15 sequential each)`);
  say('| Query | p50 ms | p90 ms |');
  say('|---|---|---|');
  const o = on.owner;
  const page = await o.get('/api/v1/orgs/bench/audit?limit=500');
  let deep = page.body.next_cursor;
  for (let i = 0; i < 100 && deep; i++) deep = (await o.get(`/api/v1/orgs/bench/audit?limit=500&cursor=${encodeURIComponent(deep)}`)).body.next_cursor;
  const cases = [
    ['newest 50 (no filter)', '/api/v1/orgs/bench/audit'],
    ['newest 500', '/api/v1/orgs/bench/audit?limit=500'],
    ['a page 50,000 records deep (cursor)', deep ? `/api/v1/orgs/bench/audit?limit=500&cursor=${encodeURIComponent(deep)}` : null],
    ['filter tool=t3', '/api/v1/orgs/bench/audit?tool=t3'],
    ['filter status=denied&project=other', '/api/v1/orgs/bench/audit?status=denied&project=other'],
    ['filter user (one of 50)', '/api/v1/orgs/bench/audit?user=usr_7'],
    ['filter a 1-day range 20 days ago', `/api/v1/orgs/bench/audit?from=${Date.now() - 21 * 86_400_000}&to=${Date.now() - 20 * 86_400_000}`],
    ['one record', '/api/v1/orgs/bench/audit/req_000000000000000000000000000003e8'],
    ['stats, last 24 h (default)', '/api/v1/orgs/bench/audit/stats'],
    ['stats, 30 days by 1 d (all 100k)', `/api/v1/orgs/bench/audit/stats?from=${Date.now() - 30 * 86_400_000}&interval=1d`],
  ];
  for (const [name, path] of cases) {
    if (!path) continue;
    const r = await timed(o, path);
    say(`| ${name} | ${r.p50.toFixed(1)} | ${r.p90.toFixed(1)} |${r.status === 200 ? '' : ` (HTTP ${r.status})`}`);
  }
  const e = performance.now();
  const csv = await o.get('/api/v1/orgs/bench/audit?format=csv&project=demo');
  const lines = csv.text.split('\r\n').filter(Boolean).length - 1;
  say(`| CSV export of ${lines} records (streamed) | ${(performance.now() - e).toFixed(0)} (once) | |`);
}

if (parts.includes('1')) await designs();
const on = await dockyard({});
const off = parts.includes('2') ? await dockyard({ DOCKYARD_AUDIT: 'off' }) : null;
try {
  if (off) await onOff(on, off);
  await off?.w.stop();
  if (parts.includes('3')) await ingestion(on);
  if (parts.includes('4')) await queries(on);
} finally {
  await on.w.stop();
  await off?.w.stop();
}
console.log(`\n${out.join('\n')}`);
