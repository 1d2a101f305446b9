#!/usr/bin/env node
// `npm run load` — the bounded loopback load of issue 15 (suite 3):
//   npm run load [-- --seconds 60 --clients 64 --sample-seconds 5]
// `npm run soak` — the same mix for a long time, watching workerd's memory:
//   npm run soak [-- --minutes 10 --clients 64 --sample-seconds 5]
// Both start a fresh worker (the release build in build/, tests/harness.mjs)
// and a loopback upstream, run scripts/load-mix.mjs, and exit non-zero
// unless:
//   - no unexpected error (the 401 of a just-revoked grant is expected);
//   - every revoked grant was refused on its next request, and again at the end;
//   - the audit log holds exactly one record per MCP request (waited for,
//     bounded), and one action per acknowledged publish and revocation;
//   - memory, when at least 6 samples were taken: the median RSS of the
//     workerd processes over the last third of the run is at most 1.2 times
//     the median over the second third (the first third is warm-up: isolates,
//     caches and SQLite pages fill). Growth without bound fails that; a
//     plateau passes.
// It prints p50/p99 per kind, the throughput and the memory samples. The
// figures are information, not a verdict: timings belong to bench/.
import { startWorker } from '../tests/harness.mjs';
import { groupMemory } from '../bench/lib/server.mjs';
import { setupWorld, runMix, newState, recheckRevoked, auditCheck, latency, STEADY_MIX } from './load-mix.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (args.includes('--help')) {
  console.log('usage: node scripts/load.mjs [--seconds N | --minutes N] [--clients N] [--sample-seconds N] [--steady]');
  console.log('  --steady: only list, call and data calls (no editor, no revocations): the stored state grows by audit rows alone');
  process.exit(0);
}
const minutes = opt('minutes', args.includes('--soak') ? 10 : undefined);
const seconds = minutes !== undefined ? minutes * 60 : opt('seconds', 60);
const clients = opt('clients', 64);
const sampleSeconds = opt('sample-seconds', 5);
const MEMORY_RATIO = 1.2;
const steady = args.includes('--steady');
const mixOptions = steady ? { mix: STEADY_MIX, editor: false } : {};

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : 0; };

/** The memory verdict of `samples` ({t, rssKiB}); `null` with fewer than 6. */
function memoryVerdict(samples) {
  if (samples.length < 6) return null;
  const third = Math.floor(samples.length / 3);
  const second = median(samples.slice(third, 2 * third).map((s) => s.rssKiB));
  const last = median(samples.slice(2 * third).map((s) => s.rssKiB));
  return { secondThirdMedianMiB: +(second / 1024).toFixed(1), lastThirdMedianMiB: +(last / 1024).toFixed(1), ratio: +(last / second).toFixed(3), ok: last <= MEMORY_RATIO * second };
}

const w = await startWorker();
let ok = false;
try {
  const owner = await w.bootstrapOwner();
  const world = await setupWorld(w, owner);
  const samples = [];
  const t0 = Date.now();
  const sample = async () => {
    const m = await groupMemory(w.pgid());
    samples.push({ t: Math.round((Date.now() - t0) / 1000), rssKiB: m.rssKiB, processes: m.processes });
  };
  await sample();
  const timer = setInterval(() => { sample().catch(() => {}); }, sampleSeconds * 1000);
  const state = newState();
  let shown = 0;
  await runMix(world, {
    seconds, clients, state, ...mixOptions,
    onError: (kind, what) => { if (shown++ < 20) console.error(`error (${kind}): ${String(what).slice(0, 300)}`); },
  });
  clearInterval(timer);
  await sample();
  const stillRefused = await recheckRevoked(state);
  const audit = await auditCheck(world, state);
  await world.up.stop();
  const all = Object.values(state.ms).flat();
  const perKind = Object.fromEntries(Object.entries(state.ms).map(([k, v]) => [k, latency(v)]));
  const memory = memoryVerdict(samples);
  const errorsByKind = {};
  for (const e of state.errors) errorsByKind[e.kind] = (errorsByKind[e.kind] ?? 0) + 1;
  ok = state.errors.length === 0
    && stillRefused === state.revoked.length && state.revokedRefused === state.revoked.length
    && audit.missing === 0 && audit.extra === 0 && audit.duplicates === 0 && audit.records === audit.distinctRequests
    && audit.actions.publish.acknowledged === audit.actions.publish.recorded
    && audit.actions.revoke.acknowledged === audit.actions.revoke.recorded
    && (memory === null || memory.ok);
  console.log(JSON.stringify({
    clients, seconds: state.seconds, mix: steady ? 'steady' : 'full',
    requests: state.requests, rps: Math.round(state.requests / state.seconds),
    latencyMs: { all: latency(all), ...perKind },
    errors: state.errors.length, errorsByKind,
    publishes: state.publishes.length, drafts: state.drafts.length,
    grants: state.grants.length, revoked: state.revoked.length,
    revokedRefusedOnNextRequest: state.revokedRefused, revokedRefusedAtEnd: stillRefused,
    audit,
    memory: { samples: samples.map((s) => `${s.t}s:${(s.rssKiB / 1024).toFixed(0)}MiB`).join(' '), verdict: memory, rule: `last third median <= ${MEMORY_RATIO} x second third median` },
    ok,
  }, null, 2));
} finally {
  await w.stop();
}
process.exit(ok ? 0 : 1);
