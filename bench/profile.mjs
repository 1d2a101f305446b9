// Where Dockyard's time goes on the hot path: a V8 CPU profile of the
// worker's isolate (wrangler dev's inspector, the Chrome DevTools protocol)
// while wrk drives one scenario, summed by function and by stage.
//
//   DOCKYARD_QUICK_BUILD=1 bash scripts/build.sh   (the quick build keeps wasm names)
//   node bench/profile.mjs [scenario] [seconds]    scenario: private | public | draft | list | big-call | big-list
//
// The worker, its Durable Objects and its queue consumer run in one isolate
// under wrangler dev, so the profile holds all three. Self time is what a
// function spent outside its callees; the stage table sums self time by a
// name pattern (wasm functions keep their Rust paths in the quick build;
// the release build strips them, so it shows `wasm-function[N]`).
import { startServer } from './lib/server.mjs';
import { freePort } from '../tests/harness.mjs';
import { prepareDockyard, seedDockyard } from './lib/dockyard.mjs';
import { callCard, listTools, probe } from './lib/requests.mjs';
import { ensureWrk, wrk, writeScript } from './lib/wrk.mjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [scenario = 'private', seconds = '6'] = process.argv.slice(2);
const STAGES = [
  ['JWT (ed25519, jwt)', /ed25519|curve25519|jwt_compact|oauth::tokens/],
  ['JSON Schema (schema::)', /dockyard::schema::|projects::types::/],
  ['serde_json', /serde_json::|serde::de|serde::ser/],
  ['serde_wasm_bindgen / js_sys / web_sys glue', /serde_wasm_bindgen|js_sys::|web_sys::|wasm_bindgen::/],
  ['worker crate glue', /^worker::|<worker::/],
  ['MCP engine (mcp::)', /dockyard::mcp::/],
  ['endpoint (endpoint::)', /dockyard::endpoint::/],
  ['hub (objects::)', /dockyard::objects::/],
  ['audit (audit::, audit_io::)', /dockyard::audit/],
  ['config', /dockyard::config::|load_config/],
  ['crypto (sha2, hmac)', /sha2::|hmac::|dockyard::crypto::/],
  ['alloc / core / std', /^(alloc|core|std|dlmalloc|hashbrown)::|<alloc::|<core::|__rust|memcpy|memmove|memset/],
  ['other wasm', /^wasm-function|\.wasm/],
  ['(garbage collector)', /^\(garbage collector\)$/],
  ['(program): runtime outside JS', /^\(program\)$/],
  ['(idle)', /^\(idle\)$/],
];

class Inspector {
  // wrangler's inspector proxy accepts only DevTools' origins.
  constructor(url) { this.ws = new WebSocket(url, { headers: { Origin: 'https://devtools.devprod.cloudflare.dev' } }); this.id = 0; this.waiting = new Map(); }
  async open() {
    await new Promise((ok, fail) => { this.ws.onopen = ok; this.ws.onerror = fail; });
    this.ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.id && this.waiting.has(m.id)) { this.waiting.get(m.id)(m); this.waiting.delete(m.id); }
    };
  }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((ok) => this.waiting.set(id, ok));
  }
}

ensureWrk();
const stateRoot = await mkdtemp(join(tmpdir(), 'dockyard-profile-'));
const inspectorPort = await freePort();
const d = await prepareDockyard({ port: await freePort(), inspectorPort, persistTo: join(stateRoot, 'd') });
const server = await d.start();
try {
  const seed = await seedDockyard(d, { scale: scenario.startsWith('big') });
  const pick = {
    private: [seed.privateUrl, callCard(seed.token)], public: [seed.publicUrl, callCard(null)],
    draft: [seed.draftUrl, callCard(seed.draftToken)], list: [seed.publicUrl, listTools(null)],
    'big-call': [seed.bigUrl, callCard(null)], 'big-list': [seed.bigUrl, listTools(null)],
  }[scenario];
  if (!pick) throw new Error(`unknown scenario ${scenario}`);
  const [url, request] = pick;
  await probe(scenario, url, request);
  const script = await writeScript(stateRoot, scenario, request);
  await wrk({ url, scriptPath: script, connections: 8, seconds: 2 }); // warm
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const insp = new Inspector(target.webSocketDebuggerUrl);
  await insp.open();
  await insp.send('Profiler.enable');
  await insp.send('Profiler.setSamplingInterval', { interval: 200 });
  await insp.send('Profiler.start');
  const load = await wrk({ url, scriptPath: script, connections: 8, seconds: Number(seconds) });
  const { result } = await insp.send('Profiler.stop');
  insp.ws.close();
  const profile = result.profile;
  await writeFile(join(process.cwd(), 'bench', 'results', `profile-${scenario}.cpuprofile`), JSON.stringify(profile));
  // Self time per node: samples × interval (timeDeltas).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const byFn = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    const name = f.functionName || `(anonymous ${f.url.split('/').pop()}:${f.lineNumber})`;
    byFn.set(name, (byFn.get(name) ?? 0) + us);
    total += us;
  }
  const stages = new Map();
  for (const [name, us] of byFn) {
    const stage = STAGES.find(([, re]) => re.test(name))?.[0] ?? 'JS (runtime glue, miniflare, wrangler shims)';
    stages.set(stage, (stages.get(stage) ?? 0) + us);
  }
  const busy = total - (stages.get('(idle)') ?? 0);
  const perReq = (us) => (load.ok ? (us / 1000 / load.ok).toFixed(3) : '–');
  console.log(`\n${scenario}: ${Math.round(load.rps)} req/s, p50 ${load.p50.toFixed(1)} ms, ${load.ok} answers in ${seconds} s; profile ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s\n`);
  console.log('| Stage | share of busy time | ms per request |\n|---|---|---|');
  for (const [stage, us] of [...stages].sort((a, b) => b[1] - a[1])) {
    if (stage === '(idle)') continue;
    console.log(`| ${stage} | ${((100 * us) / busy).toFixed(1)} % | ${perReq(us)} |`);
  }
  console.log('\nTop 40 functions by self time:\n');
  for (const [name, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${perReq(us)} ms  ${name.slice(0, 140)}`);
  }
} finally {
  await server.stop();
  await rm(stateRoot, { recursive: true, force: true });
}
