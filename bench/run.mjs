// `npm run bench`: Dockyard next to the floor and the TypeScript stack, in
// one run on one machine, so that the ratios mean something (bench/README.md).
//
//   npm run bench                 full run (about 8 minutes after the builds)
//   npm run bench -- --smoke      every server, every scenario, the table; ~1 s of load each
//   options: --rounds N --seconds S --rebuild (build even when build/ is fresh)
//            --strict (exit 1 when a target FAILs; by default only a broken harness fails)
//            --only id,id,...  only these scenarios (floor-hop always runs: the ratios'
//            base), only the servers and seeds they need, the c=8 rounds and their
//            table; no sweep, refresh, cold start or sizes; writes bench/results/only.json.
//            `extra` scenarios (config variants such as `assets-*`) run only when named here.
//
// Steps: builds (each only when its inputs changed), every server under the
// pinned wrangler on its own loopback port and state dir, the seeds and OAuth
// flows, one checked request per scenario, then wrk rounds that alternate the
// scenarios (A B C ... A B C ...) so that drift on a shared machine hits all
// of them alike, the connection sweep, token refreshes, memory, cold starts,
// sizes; a table, PASS/FAIL per target, bench/results/latest.json.
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT, freePort } from '../tests/harness.mjs';
import { ANCHOR_DIR, authorizeAnchor, installAnchor, prepareAnchor } from './lib/anchor.mjs';
import { FLOOR_DIR, FLOOR_WASM, MAIN_WASM, buildFloor, buildMain, checkBindgen } from './lib/build.mjs';
import { prepareDockyard, seedDockyard } from './lib/dockyard.mjs';
import { mainTable, median, summarize, sweepTable, table, targetTable, targets } from './lib/report.mjs';
import { callCard, listTools, probe } from './lib/requests.mjs';
import { WRANGLER, startServer, wranglerEnv } from './lib/server.mjs';
import { ensureWrk, wrk, writeScript } from './lib/wrk.mjs';

const exec = promisify(execFile);

// ------------------------------------------------------------- options --
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const smoke = flag('smoke');
const O = {
  smoke,
  // 5 × 5 s rather than issue 14's 3 × 8 s: more alternations cancel more of a
  // shared machine's drift, for the same time per scenario.
  rounds: opt('rounds', smoke ? 1 : 5),
  seconds: opt('seconds', smoke ? 1 : 5),
  connections: 8,
  warmupSeconds: smoke ? 0 : 2,
  sweep: smoke ? [] : [1, 32, 128],
  sweepRounds: 2,
  // wrk counts only answers that arrive before it stops: at 128 connections a
  // loaded server's p50 passes 2 s, so that level gets longer rounds.
  sweepSeconds: { 1: 3, 32: 3, 128: 6 },
  coldStarts: opt('cold', smoke ? 1 : 4),
  refreshes: smoke ? 3 : 30,
};

// ----------------------------------------------------------- scenarios --
// `server` names one of the servers below; `url` and `request` are built
// after the seeds, from `ctx`. A scenario with `pending` is a hook for a
// scenario wrk cannot drive here (measured by its own script, named in the
// text that is printed in its row) or a feature that does not exist yet.
// To measure one here, give it `server`, `url` and `request` instead.
const BASE = 'floor-hop';
const SCENARIOS = [
  { id: 'floor', label: 'floor: bare Rust worker, fixed tools/call answer', server: 'floor',
    url: (c) => `${c.floor.url}/mcp`, request: () => callCard(null) },
  { id: 'floor-hop', label: 'floor + one DO hop reading one SQLite row', server: 'hop',
    url: (c) => `${c.hop.url}/hop/mcp`, request: () => callCard(null) },
  { id: 'anchor-call', label: 'TypeScript stack: tools/call, OAuth token', server: 'anchor',
    url: (c) => c.anchor.mcpUrl, request: (c) => callCard(c.anchorAuth.token) },
  { id: 'dockyard-private-call', label: 'Dockyard: tools/call, private project, OAuth token', server: 'dockyard',
    url: (c) => c.seed.privateUrl, request: (c) => callCard(c.seed.token) },
  { id: 'dockyard-public-call', label: 'Dockyard: tools/call, public project', server: 'dockyard',
    url: (c) => c.seed.publicUrl, request: () => callCard(null) },
  { id: 'dockyard-public-list', label: 'Dockyard: tools/list, public project', server: 'dockyard',
    url: (c) => c.seed.publicUrl, request: () => listTools(null) },
  { id: 'dockyard-draft-call', label: 'Dockyard: tools/call, draft endpoint, OAuth token', server: 'dockyard',
    url: (c) => c.seed.draftUrl, request: (c) => callCard(c.seed.draftToken) },
  // Scale rows (issue 14: per-request cost flat): the same requests on a
  // project of 1,000 Types and on a hub that holds 10,000 grants; and the
  // private call on a second Dockyard with audit off. Not in the sweep.
  { id: 'dockyard-big-call', label: 'Dockyard: tools/call, public project of 1,000 Types', server: 'dockyard', sweep: false,
    url: (c) => c.seed.bigUrl, request: () => callCard(null) },
  { id: 'dockyard-big-list', label: 'Dockyard: tools/list, public project of 1,000 Types (first page)', server: 'dockyard', sweep: false,
    url: (c) => c.seed.bigUrl, request: () => listTools(null) },
  { id: 'dockyard-grants-call', label: 'Dockyard: tools/call, private project whose hub holds 10,000 more grants', server: 'dockyard', sweep: false,
    url: (c) => c.seed.grantsUrl, request: (c) => callCard(c.seed.grantsToken) },
  { id: 'dockyard-audit-off-call', label: 'Dockyard with audit off: tools/call, private project, OAuth token', server: 'dockyardOff', sweep: false,
    url: (c) => c.seedOff.privateUrl, request: (c) => callCard(c.seedOff.token) },
  // Config variants (bench/README.md, "Static assets in front of the Worker"),
  // `extra`: only with `--only`. The same private and public calls on a
  // Dockyard whose wrangler config has no `[assets]` (`noassets`), or the
  // `[assets]` of wrangler.toml with `run_worker_first = true` (`workerfirst`).
  ...['noassets', 'workerfirst'].flatMap((v) => [
    { id: `assets-${v}-private-call`, label: `Dockyard (${v}): tools/call, private project, OAuth token`, server: `dockyard-${v}`, sweep: false, extra: true,
      url: (c) => c.seeds[`dockyard-${v}`].privateUrl, request: (c) => callCard(c.seeds[`dockyard-${v}`].token) },
    { id: `assets-${v}-public-call`, label: `Dockyard (${v}): tools/call, public project`, server: `dockyard-${v}`, sweep: false, extra: true,
      url: (c) => c.seeds[`dockyard-${v}`].publicUrl, request: () => callCard(null) },
  ]),
  { id: 'dockyard-data-call', label: 'Dockyard: data-tool call against a loopback upstream',
    pending: 'measured by bench/datatools-http.mjs (next to the direct round trip; its table follows)' },
  { id: 'dockyard-code-warm', label: 'Dockyard: `code` tool call, warm', pending: 'measured by bench/code.mjs (sequential, with cold)' },
  { id: 'dockyard-code-cold', label: 'Dockyard: `code` tool call, cold (fresh sandbox isolate)', pending: 'measured by bench/code.mjs (each call needs a new source)' },
];
const onlyArg = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : null;
const ONLY = onlyArg ? new Set([BASE, ...onlyArg.split(',').map((x) => x.trim()).filter(Boolean)]) : null;
if (ONLY) {
  const unknown = [...ONLY].filter((id) => !SCENARIOS.some((s) => s.id === id && !s.pending));
  if (unknown.length) throw new Error(`--only: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.filter((s) => !s.pending).map((s) => s.id).join(', ')}`);
}
const LIVE = SCENARIOS.filter((s) => !s.pending && (ONLY ? ONLY.has(s.id) : !s.extra));
const SWEPT = LIVE.filter((s) => s.sweep !== false);
/** Issue 14's "flat" and "within noise" rows: [scenario, its reference, target, text]. */
const PAIRS = [
  ['dockyard-big-call', 'dockyard-public-call', 'a project of 1,000 Types: tools/call p50 ≤ 1.2× a one-Type project'],
  ['dockyard-big-list', 'dockyard-public-list', 'a project of 1,000 Types: tools/list p50 ≤ 1.2× a one-Type project'],
  ['dockyard-grants-call', 'dockyard-private-call', 'an org of 10,000 grants: tools/call p50 ≤ 1.2× one with 3 grants'],
];
/** The rows of issue 14's throughput and p50 targets. */
const TARGETED = [
  ['dockyard-private-call', 'authenticated tools/call'],
  ['dockyard-public-call', 'public project tools/call'],
  ['dockyard-public-list', 'tools/list'],
  ['dockyard-draft-call', 'draft endpoint tools/call'],
];

/**
 * Bench-only wrangler config variants of Dockyard (the `extra` scenarios):
 * each edits the tests' config text (testConfig(), from wrangler.toml).
 */
const CONFIG_VARIANTS = {
  // The [assets] table up to the next table header.
  'dockyard-noassets': (text) => text.replace(/^\[assets\]\n(?:[^[\n][^\n]*\n|\n)*/m, ''),
  'dockyard-workerfirst': (text) => text.replace(/^run_worker_first = .*\n/m, '')
    .replace(/^\[assets\]\n/m, '[assets]\nrun_worker_first = true\n'),
};

const log = (...a) => console.log('bench:', ...a);
const phases = {};
async function phase(name, fn) {
  const t = performance.now();
  log(`${name} ...`);
  try { return await fn(); } finally { phases[name] = Math.round((performance.now() - t) / 1000); }
}

// ------------------------------------------------------------- helpers --
async function checkCompatDates() {
  const date = (text) => text.match(/^compatibility_date = "([^"]+)"/m)?.[1];
  const main = date(await readFile(join(ROOT, 'wrangler.toml'), 'utf8'));
  for (const file of [join(FLOOR_DIR, 'wrangler.toml'), join(FLOOR_DIR, 'wrangler-hop.toml'), join(ANCHOR_DIR, 'wrangler.toml')]) {
    const d = date(await readFile(file, 'utf8'));
    if (d !== main) throw new Error(`${file} has compatibility_date ${d}, wrangler.toml has ${main}: they must be equal`);
  }
  return main;
}

async function gzipSizes(dir) {
  let raw = 0;
  let gz = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name.endsWith('.map')) continue;
    const buf = await readFile(join(e.parentPath ?? e.path, e.name));
    raw += buf.length;
    gz += gzipSync(buf, { level: 9 }).length;
  }
  return { raw, gz };
}

async function sizes(stateRoot) {
  const wasm = await readFile(MAIN_WASM);
  const floor = await readFile(FLOOR_WASM);
  // The TypeScript stack as wrangler would upload it (esbuild bundle).
  const out = join(stateRoot, 'anchor-bundle');
  await exec(WRANGLER, ['deploy', '--dry-run', '--outdir', out, '-c', join(ANCHOR_DIR, 'wrangler.toml')], { cwd: ANCHOR_DIR, env: wranglerEnv(), maxBuffer: 1 << 24 });
  const anchor = await gzipSizes(out);
  return {
    dockyardWasmRaw: wasm.length, dockyardWasmGzip: gzipSync(wasm, { level: 9 }).length,
    floorWasmRaw: floor.length, floorWasmGzip: gzipSync(floor, { level: 9 }).length,
    anchorBundleRaw: anchor.raw, anchorBundleGzip: anchor.gz,
  };
}

// ---------------------------------------------------------------- main --
const started = performance.now();
const machine = {
  cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30),
  loadavgStart: loadavg().map((x) => +x.toFixed(2)),
  shared: 'other helpers build and test on the same cores: compare ratios of one run, not absolute figures',
};
const compatibilityDate = await checkCompatDates();
ensureWrk();
const wasmBindgen = checkBindgen();
const builds = {};
await phase('builds', async () => {
  builds.dockyard = buildMain({ force: flag('rebuild') }) ? 'built' : 'up to date';
  builds.floor = buildFloor({ force: flag('rebuild') }) ? 'built' : 'up to date';
  builds.anchor = (await installAnchor()) ? 'npm ci' : 'installed';
});
log(`builds: ${JSON.stringify(builds)}`);

const stateRoot = await mkdtemp(join(tmpdir(), 'dockyard-bench-'));
const ports = async () => ({ port: await freePort(), inspectorPort: await freePort() });
const prepared = {};
const running = {};
const results = {};
const sweep = {};
const memory = {};
const refreshes = {};
const coldRuns = { hop: [], anchor: [], dockyard: [] };
const ctx = {};
let failed = null;
try {
  // The servers the selected scenarios use (all of them without --only).
  const needed = new Set(LIVE.map((s) => s.server));
  if (!ONLY) for (const name of ['floor', 'hop', 'anchor', 'dockyard']) needed.add(name); // cold starts, refresh
  await phase('servers', async () => {
    const floorPorts = await ports();
    const hopPorts = await ports();
    prepared.floor = { url: `http://127.0.0.1:${floorPorts.port}`, start: () => startServer({ name: 'floor', config: join(FLOOR_DIR, 'wrangler.toml'), cwd: FLOOR_DIR, ...floorPorts, persistTo: join(stateRoot, 'floor') }) };
    prepared.hop = { url: `http://127.0.0.1:${hopPorts.port}`, start: () => startServer({ name: 'floor-hop', config: join(FLOOR_DIR, 'wrangler-hop.toml'), cwd: FLOOR_DIR, ...hopPorts, persistTo: join(stateRoot, 'hop') }) };
    if (needed.has('anchor')) prepared.anchor = prepareAnchor({ ...(await ports()), persistTo: join(stateRoot, 'anchor') });
    if (needed.has('dockyard')) prepared.dockyard = await prepareDockyard({ ...(await ports()), persistTo: join(stateRoot, 'dockyard') });
    if (needed.has('dockyardOff')) prepared.dockyardOff = await prepareDockyard({ ...(await ports()), persistTo: join(stateRoot, 'dockyard-off'), vars: { DOCKYARD_AUDIT: 'off' }, name: 'dockyard-audit-off' });
    for (const [name, edit] of Object.entries(CONFIG_VARIANTS)) {
      if (needed.has(name)) prepared[name] = await prepareDockyard({ ...(await ports()), persistTo: join(stateRoot, name), name, editConfig: edit });
    }
    // One at a time: starts compete for the same two cores.
    for (const name of Object.keys(prepared)) {
      if (!needed.has(name)) continue;
      running[name] = await prepared[name].start();
      memory[name] = { idle: await running[name].memory(), readyMs: Math.round(running[name].readyMs) };
    }
    Object.assign(ctx, { floor: prepared.floor, hop: prepared.hop, anchor: prepared.anchor, dockyard: prepared.dockyard });
  });
  await phase('seeds and OAuth flows', async () => {
    const scale = LIVE.some((s) => ['dockyard-big-call', 'dockyard-big-list', 'dockyard-grants-call'].includes(s.id));
    if (needed.has('dockyard')) ctx.seed = await seedDockyard(prepared.dockyard, { scale });
    if (needed.has('dockyardOff')) ctx.seedOff = await seedDockyard(prepared.dockyardOff, { scale: false });
    ctx.seeds = {};
    for (const name of Object.keys(CONFIG_VARIANTS)) if (needed.has(name)) ctx.seeds[name] = await seedDockyard(prepared[name], { scale: false });
    if (needed.has('anchor')) ctx.anchorAuth = await authorizeAnchor(prepared.anchor);
  });
  const scripts = {};
  await phase('one checked request per scenario', async () => {
    for (const s of LIVE) {
      s.href = s.url(ctx);
      const request = s.request(ctx);
      await probe(s.label, s.href, request);
      scripts[s.id] = await writeScript(stateRoot, s.id, request);
    }
  });
  const load = (s, connections, seconds) => wrk({ url: s.href, scriptPath: scripts[s.id], connections, seconds });
  if (O.warmupSeconds) {
    await phase('warm-up', async () => { for (const s of LIVE) await load(s, O.connections, O.warmupSeconds); });
  }
  await phase(`rounds (c=${O.connections}, ${O.rounds}×${O.seconds}s)`, async () => {
    const rounds = Object.fromEntries(LIVE.map((s) => [s.id, []]));
    for (let i = 0; i < O.rounds; i++) {
      for (const s of LIVE) {
        const r = await load(s, O.connections, O.seconds);
        rounds[s.id].push(r);
        log(`  round ${i + 1} ${s.id}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(1)} ms, ${r.errors} errors${r.sample ? ` (${r.sample.slice(0, 120)})` : ''}`);
      }
    }
    // Ratios per round (each scenario against the floor + hop of its own
    // round), then the median over rounds.
    for (const s of LIVE) {
      results[s.id] = {
        ...summarize(rounds[s.id]),
        rpsRatio: median(rounds[s.id].map((r, i) => r.rps / rounds[BASE][i].rps)),
        p50Ratio: median(rounds[s.id].map((r, i) => r.p50 / rounds[BASE][i].p50)),
        perRound: rounds[s.id].map(({ rps, p50, p99, errors }) => ({ rps, p50, p99, errors })),
      };
    }
  });
  for (const c of ONLY ? [] : O.sweep) {
    await phase(`sweep c=${c}`, async () => {
      const rounds = Object.fromEntries(SWEPT.map((s) => [s.id, []]));
      for (let i = 0; i < O.sweepRounds; i++) for (const s of SWEPT) rounds[s.id].push(await load(s, c, O.sweepSeconds[c]));
      sweep[c] = Object.fromEntries(SWEPT.map((s) => [s.id, summarize(rounds[s.id])]));
    });
  }
  for (const name of Object.keys(running)) memory[name].afterLoad = await running[name].memory();
  if (!ONLY) await phase('token refresh', async () => {
    const times = { dockyard: [], anchor: [] };
    for (let i = 0; i < O.rounds; i++) {
      for (const [name, once] of [['dockyard', ctx.seed.refreshOnce], ['anchor', ctx.anchorAuth.refreshOnce]]) {
        for (let n = 0; n < O.refreshes; n++) {
          const t = performance.now();
          await once();
          times[name].push(performance.now() - t);
        }
      }
    }
    for (const [name, xs] of Object.entries(times)) {
      const s = [...xs].sort((a, b) => a - b);
      refreshes[name] = { n: s.length, p50: median(s), p90: s[Math.floor(s.length * 0.9)] };
    }
  });
} catch (e) {
  failed = e;
} finally {
  for (const s of Object.values(running)) await s.stop();
}

// Cold starts: the same server, port and state, restarted; the first request
// is the authenticated tools/call (floor: the hop), sent once the worker is
// loaded and startServer's settle pause passed, so it meets an isolate that
// served nothing.
const firstRequest = {
  hop: () => [`${prepared.hop.url}/hop/mcp`, callCard(null)],
  anchor: () => [prepared.anchor.mcpUrl, callCard(ctx.anchorAuth.token)],
  dockyard: () => [ctx.seed.privateUrl, callCard(ctx.seed.token)],
};
if (ONLY && !failed) {
  // --only: the c=8 rounds' table, and nothing else.
  await rm(stateRoot, { recursive: true, force: true });
  const sel = SCENARIOS.filter((s) => LIVE.includes(s));
  console.log(`\n## Dockyard bench --only, ${new Date().toISOString().slice(0, 16)}Z`);
  console.log(`load average ${machine.loadavgStart.join(' ')} at the start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end; wrk, 1 thread, ${O.connections} connections, ${O.rounds} alternating rounds of ${O.seconds} s; ratios per round against floor + hop.\n`);
  console.log(mainTable(sel, results));
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'results', 'only.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: { ...machine, loadavgEnd: loadavg() }, options: O, only: [...ONLY], results }, null, 2)}\n`);
  log('wrote bench/results/only.json');
  process.exit(sel.every((s) => results[s.id]?.ok > 0) ? 0 : 1);
}
if (!failed) {
  try {
    await phase(`cold starts (${O.coldStarts} each)`, async () => {
      for (let i = 0; i < O.coldStarts; i++) {
        for (const name of Object.keys(coldRuns)) {
          const s = await prepared[name].start();
          try {
            const [url, request] = firstRequest[name]();
            const firstMs = await probe(`cold ${name}`, url, request);
            const secondMs = await probe(`cold ${name}`, url, request);
            coldRuns[name].push({ readyMs: Math.round(s.readyMs), firstMs, secondMs });
          } finally {
            await s.stop();
          }
        }
      }
    });
  } catch (e) {
    failed = e;
  }
}
let sizeFigures = null;
if (!failed) {
  try {
    sizeFigures = await phase('sizes', () => sizes(stateRoot));
  } catch (e) {
    failed = e;
  }
}
await rm(stateRoot, { recursive: true, force: true });
if (failed) {
  console.error(`bench: FAILED: ${failed.stack ?? failed}`);
  process.exit(1);
}

// -------------------------------------------------------------- report --
const cold = Object.fromEntries(Object.entries(coldRuns).map(([k, runs]) => [k, {
  firstMs: median(runs.map((r) => r.firstMs)), secondMs: median(runs.map((r) => r.secondMs)),
  readyMs: median(runs.map((r) => r.readyMs)), runs,
}]));
const targetRows = targets({
  results, sizes: sizeFigures, sweep,
  cold: { dockyard: cold.dockyard.firstMs, anchor: cold.anchor.firstMs }, authedIds: TARGETED,
  pairs: PAIRS, audit: ['dockyard-private-call', 'dockyard-audit-off-call'],
});
machine.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
const kib = (b) => `${Math.round(b / 1024).toLocaleString('en-US')} KiB`;
const mib = (k) => `${(k / 1024).toFixed(0)} MiB`;
const date = new Date().toISOString().slice(0, 10);
const out = [];
out.push(`\n## Dockyard bench, ${date}${smoke ? ' (SMOKE: figures are not meaningful)' : ''}`);
out.push(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB; load average ${machine.loadavgStart.join(' ')} at the start, ${machine.loadavgEnd.join(' ')} at the end (shared).`);
out.push(`wrk, 1 thread, ${O.connections} connections, ${O.rounds} alternating rounds of ${O.seconds} s; medians over rounds. Ratios: each round against the floor + one DO hop of the same round, median over rounds.\n`);
out.push(mainTable(SCENARIOS.filter((s) => !s.extra), results)); // `extra` ones run only with --only
if (Object.keys(sweep).length) {
  out.push(`\nConnections (${O.sweepRounds} alternating rounds per level, of ${Object.entries(O.sweepSeconds).map(([c, t]) => `${t} s at c=${c}`).join(', ')}; req/s / p50 ms / p99 ms):\n`);
  out.push(sweepTable(SWEPT, { ...sweep, [O.connections]: results }));
}
out.push('\nToken refresh (`refresh_token` grant, sequential):\n');
out.push(table(['Server', 'n', 'p50 ms', 'p90 ms'], Object.entries(refreshes).map(([k, r]) => [k, r.n, r.p50.toFixed(1), r.p90.toFixed(1)])));
out.push(`\nCold start (restart on the same state; first request 2 s after the worker loaded; medians of ${O.coldStarts}):\n`);
out.push(table(['Server', 'first response ms', 'second response ms', 'wrangler dev start → worker loaded ms'],
  Object.entries(cold).map(([k, c]) => [k, c.firstMs.toFixed(1), c.secondMs.toFixed(1), Math.round(c.readyMs)])));
out.push('\nworkerd memory (RSS; peak = VmHWM):\n');
out.push(table(['Server', 'idle RSS', 'after load RSS', 'peak'], Object.entries(memory).map(([k, m]) => [k, mib(m.idle.rssKiB), m.afterLoad ? mib(m.afterLoad.rssKiB) : '–', m.afterLoad ? mib(m.afterLoad.peakKiB) : '–'])));
out.push('\nSizes (gzip -9):\n');
out.push(table(['Artifact', 'raw', 'gzip'], [
  ['Dockyard release wasm', kib(sizeFigures.dockyardWasmRaw), kib(sizeFigures.dockyardWasmGzip)],
  ['floor wasm', kib(sizeFigures.floorWasmRaw), kib(sizeFigures.floorWasmGzip)],
  ['TypeScript stack bundle (wrangler deploy --dry-run)', kib(sizeFigures.anchorBundleRaw), kib(sizeFigures.anchorBundleGzip)],
]));
out.push('\nTargets:\n');
out.push(targetTable(targetRows));
out.push(`\nPhases (s): ${Object.entries(phases).map(([k, v]) => `${k} ${v}`).join(', ')}; total ${Math.round((performance.now() - started) / 1000)} s.`);
console.log(out.join('\n'));
console.log(await (await import('./datatools-http.mjs')).httpOverheadSection({ smoke })); // data tools: http overhead

const anyOkMissing = LIVE.filter((s) => !(results[s.id]?.ok > 0));
const resultsDir = join(ROOT, 'bench', 'results');
await mkdir(resultsDir, { recursive: true });
const file = join(resultsDir, smoke ? 'smoke.json' : 'latest.json');
await writeFile(file, `${JSON.stringify({
  date: new Date().toISOString(), smoke, machine, options: O, compatibilityDate, wasmBindgen, builds,
  wrangler: JSON.parse(await readFile(join(ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version,
  scenarios: Object.fromEntries(SCENARIOS.map((s) => [s.id, s.pending ? { label: s.label, pending: s.pending }
    : { label: s.label, ...results[s.id],}])),
  sweep, refreshes, cold, memory, sizes: sizeFigures, targets: targetRows, phases,
}, null, 2)}\n`);
log(`wrote ${file.slice(ROOT.length + 1)}`);
// A smoke on a loaded machine may see rounds too short for even one answer;
// the checked request per scenario already proved each one works, so there
// only wrong answers fail. A full run fails on any scenario without one.
const wrongAnswers = LIVE.filter((s) => (results[s.id]?.errorKinds?.bad ?? 0) > 0);
if (smoke && wrongAnswers.length) {
  console.error(`bench: FAILED: wrong answers in ${wrongAnswers.map((s) => s.id).join(', ')}`);
  process.exit(1);
}
if (anyOkMissing.length) {
  const msg = `no successful request in ${anyOkMissing.map((s) => s.id).join(', ')}`;
  if (!smoke) {
    console.error(`bench: FAILED: ${msg}`);
    process.exit(1);
  }
  console.error(`bench: warning: ${msg} during the short smoke rounds (the checked requests passed)`);
}
if (flag('strict') && targetRows.some((r) => r.pass === false)) process.exit(1);
