// Seeds the local demo through the public API, idempotently: the owner
// owner@acme.test (password from .dev.vars), org `acme`, project `demo`.
// Usage: node scripts/seed.mjs <server-url> <public-url>
import { readFileSync } from 'node:fs';

const [server, publicUrl] = process.argv.slice(2);
const vars = Object.fromEntries(
  readFileSync('.dev.vars', 'utf8')
    .split('\n')
    .filter((l) => l.includes('=') && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const email = 'owner@acme.test';
const password = vars.SEED_OWNER_PASSWORD;

async function waitForServer() {
  const deadline = Date.now() + 10 * 60 * 1000; // the first build can take minutes
  for (;;) {
    try {
      const res = await fetch(`${server}/healthz`);
      if (res.ok) return;
      if (res.status === 503) throw new Error(`server misconfigured: ${await res.text()}`);
    } catch (e) {
      if (String(e.message).startsWith('server misconfigured')) throw e;
    }
    if (Date.now() > deadline) throw new Error('the worker did not start in time');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function call(method, path, body, cookie) {
  const headers = { 'content-type': 'application/json', origin: publicUrl };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(`${server}${path}`, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => ({})), res };
}

await waitForServer();
const signup = await call('POST', '/api/v1/signup', {
  email, password, name: 'Acme Owner', bootstrap_secret: vars.BOOTSTRAP_SECRET,
});
if (signup.status !== 201 && signup.status !== 403) {
  throw new Error(`seed signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
}
const login = await call('POST', '/api/v1/login', { email, password });
if (login.status !== 200) {
  throw new Error(`seed login failed (${login.status}): is .dev.vars from another state dir? ${JSON.stringify(login.body)}`);
}
const cookie = login.res.headers.get('set-cookie').split(';')[0];
for (const [path, body] of [
  ['/api/v1/orgs', { slug: 'acme', name: 'Acme' }],
  ['/api/v1/orgs/acme/projects', { slug: 'demo', name: 'Demo' }],
]) {
  const r = await call('POST', path, body, cookie);
  if (r.status !== 201 && r.status !== 409) throw new Error(`seed ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

console.log(`
  Dockyard is running (local workerd, D1 and Durable Objects in .wrangler/state)

  Draft endpoint       ${publicUrl}/acme/demo/draft
  Production endpoint  ${publicUrl}/acme/demo
  Studio               ${publicUrl}/studio
  Owner login          ${email} / ${password}

  Ctrl-C stops the server.
`);
