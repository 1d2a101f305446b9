#!/usr/bin/env node
// Whose memory grows under a steady load: the local runtime's or Dockyard's.
//
//   npm run bench:memory -- --server floor|dockyard|dockyard-off [--minutes 5]
//        [--rate 60] [--clients 8] [--sample-seconds 10] [--snapshots]
//
// (the release builds must exist: `bash scripts/build.sh`, and the floor's
// bench/floor/build from one `npm run bench`; this script builds nothing).
//
// One server at a time (wrangler dev under the pinned wrangler, the release
// builds: build/ for Dockyard, bench/floor/build for the floor), driven at a
// FIXED request rate, so that two servers of very different speeds get the
// same number of requests in the same minutes (wrk would send the floor 20×
// more); a server slower than the rate gets what it can take. The request is
// the bench's authenticated `tools/call` of `show_card` (the floor: its fixed
// answer to the same bytes); every answer is checked. `dockyard-off` is
// Dockyard with DOCKYARD_AUDIT=off.
//
// Every sample: the RSS of each workerd process of the server (wrangler dev
// runs two: the entry proxy, the lower pid, and the worker's), wrangler's own
// Node process, and, through the inspector, the worker isolate's wasm linear
// memory (every live WebAssembly.Memory, found with Runtime.queryObjects).
// `--snapshots`: V8 heap snapshots at the start, after the first third and at
// the end: the isolate's JS heap total, and its growth by constructor (count
// and self size). Prints one JSON object: figures, not a verdict
// (scripts/load.mjs holds the soak's pass rule).
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupProcesses, startServer } from './lib/server.mjs';
import { FLOOR_DIR } from './lib/build.mjs';
import { prepareDockyard, seedDockyard } from './lib/dockyard.mjs';
import { callCard } from './lib/requests.mjs';
import { freePort } from '../tests/harness.mjs';
import { readReply } from '../tests/mcp-fixtures.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const which = opt('server', 'floor');
const minutes = Number(opt('minutes', 5));
const rate = Number(opt('rate', 60));
const clients = Number(opt('clients', 8));
const sampleSeconds = Number(opt('sample-seconds', 10));
const snapshots = args.includes('--snapshots');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (kib) => Math.round(kib / 1024);

class Inspector {
  constructor(url) {
    this.ws = new WebSocket(url, { headers: { Origin: 'https://devtools.devprod.cloudflare.dev' } });
    this.id = 0; this.waiting = new Map(); this.chunks = [];
  }
  async open() {
    await new Promise((ok, fail) => { this.ws.onopen = ok; this.ws.onerror = fail; });
    this.ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk') { this.chunks.push(m.params.chunk); this.lastChunk = Date.now(); }
      if (m.method === 'Runtime.executionContextCreated') this.contextId = m.params.context.id;
      // wrangler's proxy echoes some requests back (with `method`): not answers.
      if (m.id && !m.method && this.waiting.has(m.id)) { this.waiting.get(m.id)(m); this.waiting.delete(m.id); }
    };
    await this.send('Runtime.enable');
    for (let i = 0; i < 50 && this.contextId === undefined; i++) await sleep(100);
  }
  send(method, params = {}, timeoutMs = 20_000) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return Promise.race([new Promise((ok) => this.waiting.set(id, ok)), sleep(timeoutMs).then(() => ({ error: `${method}: no answer in ${timeoutMs} ms` }))]);
  }
  /** The byte length of every live WebAssembly.Memory. */
  async isolate() {
    let wasm = null;
    const proto = (await this.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype', contextId: this.contextId })).result?.result?.objectId;
    if (proto) {
      const objs = (await this.send('Runtime.queryObjects', { prototypeObjectId: proto })).result?.objects?.objectId;
      if (objs) {
        const r = await this.send('Runtime.callFunctionOn', { objectId: objs, functionDeclaration: 'function () { return this.map((m) => m.buffer.byteLength); }', returnByValue: true });
        wasm = r.result?.result?.value ?? null;
      }
      await this.send('Runtime.releaseObjectGroup', { objectGroup: '' }).catch(() => {});
    }
    return { wasmMiB: wasm?.map((b) => +(b / 2 ** 20).toFixed(1)) ?? null };
  }
  /** A heap snapshot summarized by constructor name: `{ name: [count, selfBytes] }`. */
  async snapshot() {
    // The snapshot's answer does not always come back through wrangler's
    // proxy: it is complete when the chunks parse (tried once they pause).
    this.chunks = []; this.lastChunk = Date.now();
    this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 1000).catch(() => {});
    let snap = null;
    for (const deadline = Date.now() + 120_000; !snap && Date.now() < deadline;) {
      await sleep(500);
      if (!this.chunks.length || Date.now() - this.lastChunk < 1500) continue;
      try { snap = JSON.parse(this.chunks.join('')); } catch { /* not complete yet */ }
    }
    if (!snap) throw new Error('no complete heap snapshot in 120 s');
    this.chunks = [];
    const f = snap.snapshot.meta.node_fields;
    const types = snap.snapshot.meta.node_types[0];
    const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
    const by = {};
    for (let i = 0; i < snap.nodes.length; i += f.length) {
      const type = types[snap.nodes[i + iType]];
      const name = ['object', 'closure', 'native'].includes(type) ? snap.strings[snap.nodes[i + iName]] : `(${type})`;
      const e = (by[name] ??= [0, 0]);
      e[0]++; e[1] += snap.nodes[i + iSize];
    }
    return by;
  }
}

/** Each workerd process of group `pgid` (RSS KiB, by pid), and the group leader's (wrangler's Node) RSS. */
async function processes(pgid) {
  const all = await groupProcesses(pgid);
  return {
    workerd: all.filter((p) => p.comm.startsWith('workerd')).map(({ pid, rssKiB }) => ({ pid, rssKiB })),
    nodeKiB: all.find((p) => p.pid === pgid)?.rssKiB ?? 0,
  };
}

const stateRoot = await mkdtemp(join(tmpdir(), 'dockyard-memory-'));
const inspectorPort = await freePort();
let server;
let target;
const result = { server: which, minutes, rate, clients, loadavgStart: loadavg().map((x) => +x.toFixed(2)) };
try {
  if (which === 'floor') {
    server = await startServer({ name: 'floor', config: join(FLOOR_DIR, 'wrangler.toml'), cwd: FLOOR_DIR, port: await freePort(), inspectorPort, persistTo: join(stateRoot, 'floor') });
    target = { url: `${server.url}/mcp`, request: callCard(null) };
  } else if (which === 'dockyard' || which === 'dockyard-off') {
    const d = await prepareDockyard({ port: await freePort(), inspectorPort, persistTo: join(stateRoot, 'd'), vars: which === 'dockyard-off' ? { DOCKYARD_AUDIT: 'off' } : {} });
    server = await d.start();
    const seed = await seedDockyard(d, { scale: false });
    target = { url: seed.privateUrl, request: callCard(seed.token) };
  } else {
    throw new Error(`--server floor|dockyard|dockyard-off, not ${which}`);
  }
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const insp = new Inspector((targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0]).webSocketDebuggerUrl);
  await insp.open();

  const samples = [];
  const t0 = Date.now();
  let sent = 0; let ok = 0; const errors = []; let running = true;
  const sample = async () => {
    const p = await processes(server.pid);
    const iso = await insp.isolate().catch((e) => ({ error: String(e) }));
    samples.push({ t: Math.round((Date.now() - t0) / 1000), requests: ok, workerdMiB: p.workerd.map((w) => mib(w.rssKiB)), totalMiB: mib(p.workerd.reduce((s, w) => s + w.rssKiB, 0)), nodeMiB: mib(p.nodeKiB), ...iso, load1: +loadavg()[0].toFixed(1) });
    const s = samples.at(-1);
    console.error(`${s.t}s req=${s.requests} workerd=${s.workerdMiB.join('+')}=${s.totalMiB}MiB node=${s.nodeMiB} wasm=${JSON.stringify(s.wasmMiB)} load=${s.load1}`);
  };
  await sample();
  const firstSnapshot = snapshots ? await insp.snapshot() : null;
  const end = t0 + minutes * 60_000;
  const client = async () => {
    while (running) {
      const slot = t0 + (sent++ * 1000) / rate;
      // A server slower than `rate` gets what it can take, for `minutes`.
      if (slot > end || Date.now() > end) return;
      if (slot > Date.now()) await sleep(slot - Date.now());
      const { method, headers, body, expect } = target.request;
      try {
        const reply = await readReply(await fetch(target.url, { method, headers, body }));
        if (reply.status === 200 && reply.text.includes(expect)) ok++;
        else errors.push(`${reply.status} ${reply.text.slice(0, 200)}`);
      } catch (e) { errors.push(String(e).slice(0, 200)); }
    }
  };
  let midSnapshot = null;
  const timer = setInterval(() => { sample().catch(() => {}); }, sampleSeconds * 1000);
  const mid = snapshots ? setTimeout(async () => { midSnapshot = await insp.snapshot(); }, (minutes * 60_000) / 3) : null;
  await Promise.all(Array.from({ length: clients }, client));
  running = false;
  clearInterval(timer); clearTimeout(mid);
  await sleep(5000); // the queue and waitUntil work drain
  await sample();
  Object.assign(result, { seconds: Math.round((Date.now() - t0) / 1000), requests: ok, errors: errors.length, errorSample: errors.slice(0, 3), loadavgEnd: loadavg().map((x) => +x.toFixed(2)) });
  const perMinute = samples.filter((s, i) => i === 0 || i === samples.length - 1 || Math.floor(s.t / 60) !== Math.floor(samples[i - 1].t / 60));
  result.perMinute = perMinute.map((s) => ({ t: s.t, requests: s.requests, workerdMiB: s.workerdMiB, totalMiB: s.totalMiB, nodeMiB: s.nodeMiB, wasmMiB: s.wasmMiB }));
  const first = samples[0]; const last = samples.at(-1);
  result.growth = { totalMiB: last.totalMiB - first.totalMiB, kbPerRequest: ok ? +(((last.totalMiB - first.totalMiB) * 1024 * 1.024) / ok).toFixed(1) : null };
  if (snapshots) {
    const end2 = await insp.snapshot();
    const base = midSnapshot ?? firstSnapshot;
    const rows = Object.entries(end2).map(([name, [n, b]]) => ({ name, count: n - (base[name]?.[0] ?? 0), kib: Math.round((b - (base[name]?.[1] ?? 0)) / 1024), totalKiB: Math.round(b / 1024) }));
    result.snapshotGrowth = rows.filter((r) => r.kib || r.count).sort((a, b) => b.kib - a.kib).slice(0, 15);
    result.snapshotTotalMiB = { start: +(Object.values(firstSnapshot).reduce((s, [, b]) => s + b, 0) / 2 ** 20).toFixed(1), mid: +(Object.values(base).reduce((s, [, b]) => s + b, 0) / 2 ** 20).toFixed(1), end: +(Object.values(end2).reduce((s, [, b]) => s + b, 0) / 2 ** 20).toFixed(1) };
  }
  insp.ws.close();
} finally {
  await server?.stop();
  await rm(stateRoot, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
