// The load generator: wrk (Debian package), one thread, keep-alive
// connections, a Lua script per scenario that sets the POST body and headers
// and checks every answer (status 200 and an expected marker in the body), so
// a scenario that starts failing shows as errors, never as fast numbers.
import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Installs wrk with apt-get when it is missing; throws a clear message when that fails. */
export function ensureWrk() {
  const have = () => spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  let r = have();
  if (!r.error) return;
  console.log('bench: wrk is missing; installing the Debian package with apt-get');
  const apt = (...args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (apt('install', '-y', '-q', 'wrk').status !== 0) {
    apt('update', '-q');
    apt('install', '-y', '-q', 'wrk');
  }
  r = have();
  if (r.error) {
    throw new Error('bench: wrk is not installed and `apt-get install -y wrk` failed. Install the Debian package `wrk` (as root) and rerun.');
  }
}

const luaString = (s) => {
  let level = '';
  while (s.includes(`]${level}]`)) level += '=';
  return `[${level}[${s}]${level}]`;
};

/** The Lua script of one scenario: `{ method, headers, body, expect }`. */
export function luaScript({ method = 'POST', headers = {}, body = '', expect }) {
  const lines = [`wrk.method = "${method}"`, `wrk.body = ${luaString(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[ ${luaString(k)} ] = ${luaString(String(v))}`);
  lines.push(`local expect = ${luaString(expect)}`, `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; ok = 0; proxy = 0 end
function response(status, headers, body)
  if status == 200 and string.find(body, expect, 1, true) then
    ok = ok + 1
  elseif status == 503 and string.find(body or "", "restarted mid-request", 1, true) then
    -- wrangler dev's proxy: its connection to the worker's workerd broke
    proxy = proxy + 1
  else
    bad = bad + 1
    if sample == nil then sample = status .. " " .. string.sub(body or "", 1, 300) end
  end
end
function done(summary, latency, requests)
  local bad, ok, proxy, sample = 0, 0, 0, nil
  for _, t in ipairs(threads) do
    bad = bad + t:get("bad"); ok = ok + t:get("ok"); proxy = proxy + t:get("proxy")
    sample = sample or t:get("sample")
  end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"ok":%d,"bad":%d,"proxy":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, ok, bad, proxy, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  if sample then io.write("WRKSAMPLE " .. sample .. "\\n") end
end
`);
  return lines.join('\n');
}

/**
 * Runs wrk against `url` for `seconds` with `connections`; returns
 * `{ rps, p50, p99, max, requests, ok, errors, sample }` (ms).
 */
export async function wrk({ url, scriptPath, connections, seconds, timeoutSeconds = 10 }) {
  const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${timeoutSeconds}s`, '-s', scriptPath, url];
  const { stdout, stderr } = await run('wrk', args, { maxBuffer: 1 << 20, timeout: (seconds + timeoutSeconds + 30) * 1000 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
  // wrk exits 0 even when the Lua script fails: its error is on stderr.
  if (!line || stderr.trim()) throw new Error(`wrk printed no summary:\n${stdout}\n${stderr}`);
  const r = JSON.parse(line.slice(8));
  const sample = stdout.split('\n').find((l) => l.startsWith('WRKSAMPLE '))?.slice(10);
  const errors = r.bad + r.proxy + r.connect + r.read + r.write + r.timeout;
  return {
    requests: r.requests, ok: r.ok, errors, sample,
    // bad: a wrong answer (status or body); proxy: wrangler dev's 503 "Your
    // worker restarted mid-request" (seen at 128 connections on every kind of
    // server); the rest are wrk's socket errors.
    errorKinds: { bad: r.bad, proxy: r.proxy, connect: r.connect, read: r.read, write: r.write, timeout: r.timeout },
    rps: r.ok / (r.duration_us / 1e6),
    p50: r.p50_us / 1000, p99: r.p99_us / 1000, max: r.max_us / 1000,
  };
}

/** Writes the scenario's Lua script into `dir` and returns its path. */
export async function writeScript(dir, name, request) {
  const path = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.lua`);
  await writeFile(path, luaScript(request));
  return path;
}
