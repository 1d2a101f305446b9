// Foundation: the worker boots under real workerd, answers /healthz, gives JSON
// 404/405 errors, names missing secrets with a 503, survives bad input, and
// `wrangler deploy --dry-run` bundles offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startWorker, ROOT } from '../harness.mjs';

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.stop(); });

const crateVersion = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').match(/^version = "(.+)"/m)[1];

test('GET /healthz reports ok, the crate version and the build', async () => {
  const r = await w.client().get('/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  assert.equal(r.body.ok, true);
  assert.equal(r.body.version, crateVersion);
  assert.match(r.body.build, /^([0-9a-f]{7,40}|dev)$/);
});

test('unknown routes get a JSON 404', async () => {
  for (const path of ['/nope', '/api/v1/nothing-here', '/api/v2/orgs']) {
    const r = await w.client().get(path);
    assert.equal(r.status, 404, path);
    assert.equal(r.body.error, 'not_found');
    assert.equal(typeof r.body.message, 'string');
  }
});

test('wrong methods get 405 with Allow', async () => {
  const r = await w.client().request('DELETE', '/healthz');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET');
  assert.equal(r.body.error, 'method_not_allowed');
  const r2 = await w.client().request('PUT', '/api/v1/orgs', { body: {} });
  assert.equal(r2.status, 405);
  assert.equal(r2.headers.get('allow'), 'GET, POST');
});

test('hostile input never produces a 5xx, and the worker keeps serving', async () => {
  const c = w.client();
  const cases = [
    ['POST', '/api/v1/signup', '{"email":', 'application/json'],
    ['POST', '/api/v1/signup', '[]', 'application/json'],
    ['POST', '/api/v1/signup', '"just a string"', 'application/json'],
    ['POST', '/api/v1/login', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), 'application/json'],
    ['POST', '/api/v1/login', 'email=a&password=b', 'text/plain'],
    ['POST', '/api/v1/login', JSON.stringify({ email: 'x'.repeat(2_000_000) }), 'application/json'],
    ['POST', '/api/v1/orgs', '{"slug": {"$ne": null}}', 'application/json'],
    ['GET', '/api/v1/orgs/%00%ff/../../etc/passwd', undefined, undefined],
    ['GET', '/' + 'a/'.repeat(500), undefined, undefined],
  ];
  for (const [method, path, body, type] of cases) {
    const r = await c.request(method, path, { body, raw: true, headers: type ? { 'content-type': type } : {} });
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${path.slice(0, 40)} -> ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(typeof r.body?.error, 'string', `${method} ${path.slice(0, 40)}: JSON error body`);
  }
  const ok = await c.get('/healthz');
  assert.equal(ok.status, 200);
});

test('missing secrets answer 503 naming them, never a crash', async () => {
  const bare = await startWorker({ vars: { JWT_SIGNING_KEY: null, SECRETS_KEY: null } });
  try {
    for (const path of ['/healthz', '/api/v1/orgs']) {
      const r = await bare.client().get(path);
      assert.equal(r.status, 503, path);
      assert.equal(r.body.error, 'misconfigured');
      assert.match(r.body.message, /JWT_SIGNING_KEY/);
      assert.match(r.body.message, /SECRETS_KEY/);
    }
  } finally {
    await bare.stop();
  }
});

test('wrangler deploy --dry-run bundles offline', async () => {
  const out = await mkdtemp(join(tmpdir(), 'dockyard-deploy-'));
  try {
    await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'wrangler'),
      ['deploy', '--dry-run', '--outdir', out], {
        cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', DOCKYARD_SKIP_BUILD: '1' },
      });
    const files = await readdir(out);
    assert.ok(files.some((f) => f.endsWith('.wasm')), `bundle has the wasm module: ${files}`);
    assert.ok(files.some((f) => f.endsWith('.js') || f.endsWith('.mjs')), `bundle has the entry: ${files}`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
