// End-to-end harness: starts the built Worker under `wrangler dev` (real
// workerd, local D1 and Durable Objects) on a free port with fresh, isolated
// state, and offers API helpers. Every later suite reuses it.
//
//   const w = await startWorker();          // in before()
//   const owner = await w.bootstrapOwner(); // first account, via BOOTSTRAP_SECRET
//   await w.stop();                          // in after(); always kills workerd
//
// scripts/test.sh builds once and sets DOCKYARD_SKIP_BUILD=1 so wrangler does
// not rebuild for every worker started here.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, mkdir, readFile, writeFile, readdir, rename, cp, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { checkApiResponse } from './openapi-check.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const run = promisify(execFile);

/**
 * The test config: wrangler.toml without its [build] section, in .tmp/ so that
 * wrangler neither rebuilds nor watches src/ (an edit would restart workers
 * mid-suite) and does not load the developer's .dev.vars.
 */
let configs = 0;
export async function testConfig() {
  const dir = join(ROOT, '.tmp');
  await mkdir(dir, { recursive: true });
  const source = await readFile(join(ROOT, 'wrangler.toml'), 'utf8');
  const text = source
    .replace(/^\[build\][\s\S]*?(?=^\[)/m, '')
    .replace(/^main = "(.*)"$/m, 'main = "../$1"')
    .replace(/^migrations_dir = "(.*)"$/m, 'migrations_dir = "../$1"')
    .replace(/^directory = "(.*)"$/m, 'directory = "../$1"');
  // One file per worker: wrangler reloads a running worker when its config
  // file is rewritten, even with the same content.
  const path = join(dir, `wrangler.test.${process.pid}.${++configs}.toml`);
  await writeFile(path, text);
  return path;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const rand = (n = 32) => randomBytes(n).toString('base64url');

/** The settings of a test instance at `url`, with fresh secrets; `vars` adds or overrides. */
export function testSettings(url, vars = {}) {
  return {
    PUBLIC_URL: url,
    JWT_SIGNING_KEY: rand(32),
    SECRETS_KEY: rand(32),
    BOOTSTRAP_SECRET: rand(24),
    ALLOW_LOOPBACK_UPSTREAMS: 'true',
    ...vars,
  };
}

/**
 * Fills `dir` with a fresh persisted state on which the migrations in schema/
 * are applied. `wrangler d1 migrations apply` costs a wrangler and a workerd
 * start (about 10 s of CPU on the test machine), so it runs once per set of
 * migrations, wrangler version and wrangler.toml, into .tmp/d1-template-<hash>/
 * (shared by the suites of a run; scripts/test.sh clears old ones), and each
 * worker starts on a copy: the same files the command would have written.
 */
async function migratedState(dir, config, env) {
  const tmp = join(ROOT, '.tmp');
  const h = createHash('sha256');
  h.update(await readFile(join(ROOT, 'node_modules', 'wrangler', 'package.json')));
  h.update(await readFile(join(ROOT, 'wrangler.toml')));
  for (const f of (await readdir(join(ROOT, 'schema'))).filter((n) => n.endsWith('.sql')).sort()) {
    h.update(f).update(await readFile(join(ROOT, 'schema', f)));
  }
  const template = join(tmp, `d1-template-${h.digest('hex').slice(0, 16)}`);
  const ready = () => access(join(template, 'READY')).then(() => true, () => false);
  if (!(await ready())) {
    const building = await mkdtemp(join(tmp, 'd1-building-'));
    await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', building, '-c', config], { cwd: ROOT, env });
    await writeFile(join(building, 'READY'), '');
    // Two suites may build it at once: the first rename wins, the other copy is dropped.
    await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
  }
  await cp(template, dir, { recursive: true, filter: (src) => src !== join(template, 'READY') });
}

/** The local D1 database file of a persisted state (wrangler's --persist-to layout). */
async function d1File(dir) {
  const d1dir = join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = (await readdir(d1dir)).filter((n) => n.endsWith('.sqlite') && n !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 database in ${d1dir}, found ${files.join(', ') || 'none'}`);
  return join(d1dir, files[0]);
}

/**
 * Starts a worker. `vars` adds or overrides settings (e.g. SESSION_IDLE_SECONDS);
 * `logLevel` is wrangler's (`log` shows the worker's console.log lines in `output()`).
 */
export async function startWorker({ vars = {}, logLevel = 'warn' } = {}) {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'dockyard-test-'));
  const url = `http://127.0.0.1:${port}`;
  const settings = testSettings(url, vars);
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', DOCKYARD_SKIP_BUILD: '1', NO_COLOR: '1' };
  const config = await testConfig();
  await migratedState(dir, config, env);
  // A free inspector port too: wrangler's default 9229 collides between workers.
  const inspectorPort = await freePort();
  const args = ['dev', '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', dir,
    '--inspector-port', String(inspectorPort),
    '--show-interactive-dev-session=false', '--log-level', logLevel,
    // `/__scheduled?cron=...` runs the scheduled handler (the cron jobs).
    '--test-scheduled'];
  for (const [k, v] of Object.entries(settings)) {
    if (v !== undefined && v !== null) args.push('--var', `${k}:${v}`);
  }
  let child;
  let output = '';
  let exited = true;
  const launch = () => {
    child = spawn(WRANGLER, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = false;
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', () => { exited = true; });
  };
  /** Ends the process group (wrangler and its workerd): SIGTERM, or SIGKILL at once when `hard`. */
  const kill = async (hard) => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, hard ? 'SIGKILL' : 'SIGTERM'); } catch { /* gone */ }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const stop = async () => {
    await kill(false);
    await rm(dir, { recursive: true, force: true });
    await rm(config, { force: true });
  };
  const healthy = async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) { await stop(); throw new Error(`wrangler dev exited early:\n${output}`); }
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.status === 200 || res.status === 503) return;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) { await stop(); throw new Error(`worker did not start:\n${output}`); }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  launch();
  await healthy();

  const worker = {
    url, port, dir, config, settings, stop,
    output: () => output,
    /** The process group of wrangler and its workerd processes (memory sampling, scripts/load.mjs). */
    pgid: () => child.pid,
    /**
     * SIGKILLs wrangler and workerd (no shutdown, nothing flushed) and starts
     * them again on the same port and persisted state: what survives is what
     * a crash leaves on disk.
     */
    async crashAndRestart() {
      await kill(true);
      launch();
      await healthy();
    },
    /** Runs the scheduled handler (wrangler's trigger route); `time` is Unix ms. */
    async scheduled({ cron, time } = {}) {
      const q = new URLSearchParams();
      if (cron) q.set('cron', cron);
      if (time !== undefined) q.set('time', String(time));
      const res = await fetch(`${url}/cdn-cgi/handler/scheduled?${q}`);
      return { status: res.status, text: await res.text() };
    },
    client: (opts) => new Client(url, opts),
    /**
     * Runs one SQL statement on this worker's local D1 and returns its rows:
     * for tests that must look at, or break, what the API does not show. It
     * opens the SQLite file beside the running worker with node:sqlite (the
     * file `wrangler d1 execute --local` would open, without its wrangler and
     * workerd start of about 10 s of CPU); workerd uses SQLite's own file
     * locking, so a statement can meet a lock: it waits up to 5 s for it, and
     * SQLITE_BUSY is tried again (up to 5 times).
     */
    async d1(sql) {
      const file = await d1File(dir);
      // Imported here: node:sqlite prints an ExperimentalWarning in every suite that loads it.
      const { DatabaseSync } = await import('node:sqlite');
      for (let attempt = 1; ; attempt++) {
        const db = new DatabaseSync(file, { timeout: 5000 });
        try {
          return db.prepare(sql).all().map((row) => ({ ...row }));
        } catch (e) {
          if (attempt >= 5 || !/SQLITE_BUSY|database is locked/i.test(e.message)) throw e;
        } finally {
          db.close();
        }
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    },
    /** Signs up the instance's first account (owner of nothing yet) and signs it in. */
    async bootstrapOwner(email = 'owner@example.test', password = 'correct horse battery') {
      const c = new Client(url);
      const r = await c.post('/api/v1/signup', { email, password, name: 'Owner', bootstrap_secret: settings.BOOTSTRAP_SECRET });
      if (r.status !== 201) throw new Error(`bootstrap signup: ${r.status} ${JSON.stringify(r.body)}`);
      await c.login(email, password);
      c.user = r.body.user;
      return c;
    },
    /** Invites `email` into `org` with `role` (as `admin`), signs the invitee up and in. */
    async addMember(admin, org, email, role, password = 'member password 1') {
      const inv = await admin.post(`/api/v1/orgs/${org}/invitations`, { email, role });
      if (inv.status !== 201) throw new Error(`invite: ${inv.status} ${JSON.stringify(inv.body)}`);
      const c = new Client(url);
      const r = await c.post('/api/v1/signup', { email, password, name: email.split('@')[0], invitation: inv.body.token });
      if (r.status !== 201) throw new Error(`member signup: ${r.status} ${JSON.stringify(r.body)}`);
      await c.login(email, password);
      c.user = r.body.user;
      return c;
    },
  };
  return worker;
}

/**
 * startWorker, retried after each of `waits` (ms): a rebuild of build/ or a
 * simultaneous start can make one attempt fail.
 */
export async function startWorkerWithRetry(opts, waits = [5_000, 60_000]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startWorker(opts);
    } catch (e) {
      if (attempt >= waits.length) throw e;
      await new Promise((r) => setTimeout(r, waits[attempt]));
    }
  }
}

/** The `field` of each entry of a 422's `fields`. */
export const fieldNames = (r) => (r.body?.fields ?? []).map((f) => f.field);

/** Asserts a JSON API error: status, code, optionally the message and the field list. */
export function assertError(r, status, code, { message, fields } = {}, label = '') {
  const ctx = `${label ? `${label}: ` : ''}${r.status} ${r.text.slice(0, 600)}`;
  assert.equal(r.status, status, ctx);
  assert.equal(r.body?.error, code, ctx);
  assert.equal(typeof r.body.message, 'string', ctx);
  if (message) assert.match(r.body.message, message, ctx);
  if (fields) assert.deepEqual(fieldNames(r), fields, ctx);
}

/**
 * A user agent with a cookie jar. Cookie-authenticated writes send the
 * instance's Origin, as a browser on the Studio would (CSRF check).
 */
export class Client {
  constructor(url, { origin = url, token = null, ip = null } = {}) {
    this.url = url;
    this.origin = origin;
    this.token = token;
    this.ip = ip;
    this.cookies = new Map();
    this.checkOpenApi = true;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method, path, { body, headers = {}, raw = false } = {}) {
    const h = { ...headers };
    if (body !== undefined && !raw) h['content-type'] ??= 'application/json';
    if (this.origin && !('origin' in h)) h.origin = this.origin;
    if (this.cookies.size && !('cookie' in h)) h.cookie = this.cookieHeader();
    if (this.token && !('authorization' in h)) h.authorization = `Bearer ${this.token}`;
    if (this.ip) h['cf-connecting-ip'] = this.ip;
    const res = await fetch(this.url + path, {
      method, headers: h, redirect: 'manual',
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name.trim()); else this.cookies.set(name.trim(), value);
    }
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    const out = { status: res.status, headers: res.headers, body: json, text };
    // Every /api/v1 answer must be what docs/openapi.yaml documents (tests/openapi-check.mjs).
    if (this.checkOpenApi) checkApiResponse(method, path, out);
    return out;
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, body, opts) { return this.request('POST', path, { ...opts, body }); }
  patch(path, body, opts) { return this.request('PATCH', path, { ...opts, body }); }
  put(path, body, opts) { return this.request('PUT', path, { ...opts, body }); }
  delete(path, opts) { return this.request('DELETE', path, opts); }

  async login(email, password) {
    const r = await this.post('/api/v1/login', { email, password });
    if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  }
}
