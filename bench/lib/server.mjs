// One bench server: `wrangler dev` (the project's pinned wrangler, Node 22
// from node_modules) on a loopback port with its own --persist-to dir, its
// workerd's memory, and a restart on the same port and state (cold starts).
//
// The tests' harness (tests/harness.mjs) starts Dockyard with fresh state that
// it deletes on stop; the bench needs any config, state kept across restarts
// (an access token must still be valid after a restart), and the workerd pid.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../../tests/harness.mjs';

export const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
export const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: 'false', DOCKYARD_SKIP_BUILD: '1', NO_COLOR: '1' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function portOpen(port) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * Whether wrangler's inspector proxy lists the worker: it does once the user
 * worker is loaded (the port itself opens earlier, in front of a worker still
 * loading). Asking it sends nothing to the worker.
 */
async function inspectorLists(inspectorPort) {
  try {
    const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
    return Array.isArray(targets) && targets.length > 0;
  } catch {
    return false;
  }
}

/**
 * Starts `wrangler dev -c config` and resolves once its port accepts
 * connections and its inspector lists the worker, without sending any request
 * to the worker (so the first request is the first the isolate sees), plus
 * `settleMs`. `readyMs`: from the spawn until the worker's workerd ran. `--log-level warn`: at `info` wrangler logs every
 * request, which costs every server the same fixed time and squeezes the
 * ratios (BENCH_LOG_LEVEL=info shows the log anyway).
 * `{ name, config, cwd, port, inspectorPort, persistTo, vars }`.
 */
export async function startServer({ name, config, cwd = ROOT, port, inspectorPort, persistTo, vars = {}, timeoutMs = 120_000, settleMs = 2000 }) {
  const args = ['dev', '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo,
    '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false', '--log-level', process.env.BENCH_LOG_LEVEL ?? 'warn'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const started = performance.now();
  const child = spawn(WRANGLER, args, { cwd, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const server = {
    name, port, url: `http://127.0.0.1:${port}`, pid: child.pid, started,
    output: () => output,
    async stop() {
      if (exited) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      await new Promise((r) => { if (exited) r(); else child.once('exit', r); setTimeout(r, 5000); });
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    },
    /** The workerd processes of this server: `{ rssKiB, peakKiB }` summed. */
    memory: () => groupMemory(child.pid),
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port) && await inspectorLists(inspectorPort))) {
    if (exited) throw new Error(`${name}: wrangler dev exited early:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) { await server.stop(); throw new Error(`${name}: not ready after ${timeoutMs} ms:\n${output.slice(-3000)}`); }
    await sleep(50);
  }
  // The proxy's and the worker's workerd both run, then a pause: without it
  // the first request still often meets a worker that is loading (seen as a
  // first answer 3-5x slower than after the pause).
  while ((await groupMemory(child.pid)).processes < 2) {
    if (exited || Date.now() > deadline) { await server.stop(); throw new Error(`${name}: its worker's workerd never started:\n${output.slice(-3000)}`); }
    await sleep(50);
  }
  server.readyMs = performance.now() - started;
  await sleep(settleMs);
  return server;
}

/** Every live process of process group `pgid`: pid, comm, VmRSS and VmHWM (KiB), by pid. */
export async function groupProcesses(pgid) {
  const out = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== pgid) continue;
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
      out.push({ pid: Number(entry), comm, rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM') });
    } catch { /* exited meanwhile */ }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** VmRSS and VmHWM of the workerd processes in process group `pgid`, summed. */
export async function groupMemory(pgid) {
  const workerd = (await groupProcesses(pgid)).filter((p) => p.comm.startsWith('workerd'));
  return {
    rssKiB: workerd.reduce((n, p) => n + p.rssKiB, 0),
    peakKiB: workerd.reduce((n, p) => n + p.peakKiB, 0),
    processes: workerd.length,
  };
}
