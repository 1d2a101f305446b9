// Identity, end to end: bootstrap and signup, login/logout, session expiry,
// CSRF, personal API tokens, organizations, the built-in role matrix, custom
// roles, the last-owner guard, invitations, login rate limiting and the Studio
// sign-in pages. Every refused write is followed by a read showing nothing
// changed.
//
// Two workers: `w` (default settings) and, for the session-expiry suite only,
// `ws` (3 s idle / 6 s absolute sessions). Failed logins always come from a
// fresh fake IP (`freshIp()`, sent as CF-Connecting-IP, which does reach the
// worker under wrangler dev) so the per-IP limiter never couples tests.
// Invitation expiry (7 days) is not tested: there is no clock to move.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, assertError, fieldNames } from './harness.mjs';

// ---------------------------------------------------------------- helpers --

const OWNER = { email: 'owner@example.test', password: 'correct horse battery' };
const MEMBER_PASSWORD = 'member password 1'; // what harness addMember uses
const SHORT_SESSIONS = { SESSION_IDLE_SECONDS: '3', SESSION_MAX_SECONDS: '6' };
const JWT_LOOKING = 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c3JfMSIsImF1ZCI6Im1jcCJ9.c2lnbmF0dXJlLWJ5dGVz';

let w; // main worker
let ws; // short-session worker, only while its suite runs

before(async () => { w = await startWorker(); });
after(async () => { await w?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
/** A unique, slug-safe name: `tag-<n>`. */
const uniq = (tag) => `${tag}-${++seq}`;
const newEmail = (tag) => `${uniq(tag)}@example.test`;
let ipSeq = 0;
/** A fake client IP no other test uses (198.18.0.0/15, benchmarking range). */
const freshIp = () => { const n = ++ipSeq; return `198.18.${n >> 8}.${n & 255}`; };

const fieldMessage = (r, field) => r.body?.fields?.find((f) => f.field === field)?.message;

/** Signs in on `worker` and returns the client. */
async function signIn(worker, email, password) {
  const c = worker.client();
  await c.login(email, password);
  return c;
}

/** The instance owner's session (bootstraps the account if an earlier test did not). */
async function ownerClient(worker = w) {
  const c = worker.client();
  const r = await c.post('/api/v1/login', { email: OWNER.email, password: OWNER.password });
  if (r.status === 200) return c;
  return worker.bootstrapOwner(OWNER.email, OWNER.password);
}

/** Creates an org owned by `owner`; returns its slug. */
async function newOrg(owner, tag) {
  const slug = uniq(tag);
  const r = await owner.post('/api/v1/orgs', { slug, name: `Org ${slug}` });
  assert.equal(r.status, 201, r.text);
  return slug;
}

/** GET `path` and return `body[key]` (asserting 200). */
async function list(client, path, key) {
  const r = await client.get(path);
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text}`);
  return r.body[key];
}

/** A login attempt from a fresh IP (so only the per-account counter moves). */
const tryLogin = (worker, email, password, ip = freshIp()) =>
  worker.client({ ip }).post('/api/v1/login', { email, password });

/** A browser-like form POST (application/x-www-form-urlencoded). */
const postForm = (client, path, fields, headers = {}) => client.request('POST', path, {
  raw: true,
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
});

/** A client sharing `base`'s cookie jar but sending `origin` (null: no Origin header). */
function withOrigin(base, origin) {
  const c = w.client({ origin });
  c.cookies = base.cookies;
  return c;
}

/** True when `html` has `<label for=X>text</label>` and an element with id X. */
function hasLabelledField(html, text) {
  const m = html.match(new RegExp(`<label for="([^"]+)">\\s*${text}\\s*</label>`));
  return Boolean(m) && html.includes(`id="${m[1]}"`);
}

function assertFramingDenied(r, label) {
  assert.equal(r.headers.get('x-frame-options'), 'DENY', label);
  assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, label);
}

// ----------------------------------------------------- signup & bootstrap --
// These run first, against an empty instance. Refused attempts carry the
// correct bootstrap secret where possible: the final successful bootstrap
// (which only works while the instance has no account) proves they wrote nothing.

describe('signup and bootstrap', () => {
  const secret = () => w.settings.BOOTSTRAP_SECRET;
  const first = (extra = {}) => ({ email: 'first@example.test', password: OWNER.password, name: 'First', ...extra });

  test('the first account without a bootstrap secret, or with a wrong one, is refused (403)', async () => {
    const c = w.client();
    assertError(await c.post('/api/v1/signup', first()), 403, 'forbidden', {}, 'missing');
    assertError(await c.post('/api/v1/signup', first({ bootstrap_secret: `${secret()}x` })), 403, 'forbidden',
      { message: /bootstrap secret/ }, 'wrong');
    assertError(await c.post('/api/v1/signup', first({ bootstrap_secret: '' })), 403, 'forbidden', {}, 'empty');
    assert.equal((await tryLogin(w, 'first@example.test', OWNER.password)).status, 401, 'no account was created');
  });

  test('invalid email, short password and missing name are 422 listing each field', async () => {
    const r = await w.client().post('/api/v1/signup',
      { email: 'not-an-email', password: 'short', bootstrap_secret: secret() });
    assertError(r, 422, 'invalid_request', { fields: ['email', 'password', 'name'] });
    assert.match(fieldMessage(r, 'email'), /@/);
    assert.match(fieldMessage(r, 'password'), /at least 10 characters/);
    assert.match(fieldMessage(r, 'name'), /required/);
    assert.match(r.body.message, /email: .*password: .*name: /);
    const secretOk = { email: 'first@example.test', bootstrap_secret: secret() };
    const long = await w.client().post('/api/v1/signup', { ...secretOk, password: 'x'.repeat(257), name: 'n'.repeat(101) });
    assertError(long, 422, 'invalid_request', { fields: ['password', 'name'] }, 'too long');
    const sneaky = await w.client().post('/api/v1/signup', { ...secretOk, password: ' '.repeat(12), name: 'evil\u202Etxt' });
    assertError(sneaky, 422, 'invalid_request', { fields: ['password', 'name'] }, 'whitespace password, bidi override in name');
  });

  test('malformed JSON is 400, a non-JSON content type is 415, an unknown field is 422', async () => {
    const c = w.client();
    const bad = await c.request('POST', '/api/v1/signup', { raw: true, body: '{"email": "a@b.co",', headers: { 'content-type': 'application/json' } });
    assertError(bad, 400, 'invalid_json', { message: /JSON/ });
    const body = JSON.stringify({ ...first(), bootstrap_secret: secret() });
    const form = await c.request('POST', '/api/v1/signup', { raw: true, body, headers: { 'content-type': 'text/plain' } });
    assertError(form, 415, 'unsupported_media_type', { message: /application\/json/ });
    const extra = await c.post('/api/v1/signup', { ...first(), bootstrap_secret: secret(), is_admin: true });
    assertError(extra, 422, 'invalid_request', { fields: ['is_admin'], message: /not a known field/ });
  });

  test('a signup sent from a foreign Origin is refused (403)', async () => {
    const r = await w.client({ origin: 'https://evil.example' }).post('/api/v1/signup', { ...first(), bootstrap_secret: secret() });
    assertError(r, 403, 'forbidden', { message: /cross-site/ });
  });

  test('the right bootstrap secret creates the first account (201), which can sign in', async () => {
    const r = await w.client().post('/api/v1/signup',
      { email: '  Owner@Example.TEST ', password: OWNER.password, name: 'Owner', bootstrap_secret: secret() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.user.email, OWNER.email, 'email is stored trimmed and lowercased');
    assert.equal(r.body.user.name, 'Owner');
    assert.match(r.body.user.id, /^usr_[0-9a-f]{32}$/);
    assert.ok(!/password|hash/i.test(r.text), 'no password material in the response');
    const c = await signIn(w, OWNER.email, OWNER.password);
    const me = await c.get('/api/v1/me');
    assert.equal(me.body.user.id, r.body.user.id);
  });

  test('after the first account, the bootstrap secret is refused (403) even when right', async () => {
    const r = await w.client().post('/api/v1/signup', first({ bootstrap_secret: secret() }));
    assertError(r, 403, 'forbidden', { message: /already has accounts/ });
    assert.equal((await tryLogin(w, 'first@example.test', OWNER.password)).status, 401, 'no account was created');
  });

  test('signing up without an invitation is refused (403)', async () => {
    const r = await w.client().post('/api/v1/signup', { email: newEmail('drifter'), password: OWNER.password, name: 'Drifter' });
    assertError(r, 403, 'forbidden', { message: /invitation/ });
  });
});

// --------------------------------------------------------- login/logout --

describe('login and logout', () => {
  before(async () => { await ownerClient(); });

  test('a wrong password and an unknown email give the identical 401 body', async () => {
    const wrong = await tryLogin(w, OWNER.email, 'not the password at all');
    const unknown = await tryLogin(w, 'nobody-here@example.test', 'not the password at all');
    assertError(wrong, 401, 'unauthorized', { message: /email or password is not correct/ });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.text, wrong.text, 'no account enumeration through the body');
    assert.deepEqual(wrong.headers.getSetCookie(), []);
    assert.deepEqual(unknown.headers.getSetCookie(), []);
  });

  test('login sets an HttpOnly, SameSite=Lax session cookie that /api/v1/me accepts', async () => {
    const c = w.client();
    const r = await c.post('/api/v1/login', { email: OWNER.email, password: OWNER.password });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.user.email, OWNER.email);
    const [cookie, ...more] = r.headers.getSetCookie();
    assert.equal(more.length, 0);
    assert.match(cookie, /^dy_session=[A-Za-z0-9_-]{40,};/, 'local http uses the dy_session name');
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=Lax/i);
    assert.match(cookie, /;\s*Path=\//i);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const me = await c.get('/api/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.user.email, OWNER.email);
    assert.ok(Array.isArray(me.body.orgs));
  });

  test('the email at login is case- and whitespace-insensitive', async () => {
    const r = await w.client().post('/api/v1/login', { email: ' OWNER@example.Test ', password: OWNER.password });
    assert.equal(r.status, 200, r.text);
  });

  test('a login sent from a foreign Origin is refused (403) and sets no cookie', async () => {
    const r = await w.client({ origin: 'https://evil.example', ip: freshIp() })
      .post('/api/v1/login', { email: OWNER.email, password: OWNER.password });
    assertError(r, 403, 'forbidden', { message: /cross-site/ });
    assert.deepEqual(r.headers.getSetCookie(), []);
  });

  test('a login without a password is 422 naming the field', async () => {
    const r = await w.client().post('/api/v1/login', { email: OWNER.email });
    assertError(r, 422, 'invalid_request', { fields: ['password'] });
  });

  test('without a session, /api/v1/me is 401', async () => {
    assertError(await w.client().get('/api/v1/me'), 401, 'unauthorized');
    const forged = await w.client().get('/api/v1/me', { headers: { cookie: 'dy_session=forged-session-id-forged-session-id-1234' } });
    assertError(forged, 401, 'unauthorized', { message: /session/ });
  });

  test('logout ends the session server-side: the old cookie replayed by hand is 401', async () => {
    const c = await signIn(w, OWNER.email, OWNER.password);
    const stale = c.cookieHeader();
    const r = await c.post('/api/v1/logout', {});
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.getSetCookie()[0] ?? '', /^dy_session=;.*Max-Age=0/i, 'the cookie is cleared');
    assert.equal(c.cookies.size, 0);
    const replay = await w.client().get('/api/v1/me', { headers: { cookie: stale } });
    assertError(replay, 401, 'unauthorized', { message: /session has ended|sign in again/ });
  });
});

// ------------------------------------------------------- session expiry --

describe('session expiry (3 s idle, 6 s absolute)', { concurrency: true }, () => {
  // Started here, not next to `w`: two wrangler dev processes starting at the
  // same moment make one of them fail ("The Workers runtime failed to start").
  before(async () => {
    ws = await startWorker({ vars: SHORT_SESSIONS });
    await ownerClient(ws);
  });
  after(async () => { await ws?.stop(); });

  test('the cookie lifetime is the absolute session length', async () => {
    const r = await ws.client().post('/api/v1/login', { email: OWNER.email, password: OWNER.password });
    assert.match(r.headers.getSetCookie()[0], /Max-Age=6\b/);
  });

  test('an idle session is refused (401) once the idle time has passed', async () => {
    const c = await signIn(ws, OWNER.email, OWNER.password);
    assert.equal((await c.get('/api/v1/me')).status, 200);
    await sleep(4500);
    assertError(await c.get('/api/v1/me'), 401, 'unauthorized', { message: /expired|ended/ });
    assertError(await c.get('/api/v1/orgs'), 401, 'unauthorized', {}, 'and stays refused');
  });

  test('activity keeps a session alive past the idle time, but not past the absolute limit', async () => {
    const c = await signIn(ws, OWNER.email, OWNER.password);
    const t0 = Date.now();
    const seen = [];
    while (Date.now() - t0 < 7500) {
      const r = await c.get('/api/v1/me');
      seen.push([Date.now() - t0, r.status]);
      await sleep(700);
    }
    // Before 4 s the absolute limit (6 s, whole seconds) cannot have passed;
    // from 3 s on, the session would be idle-expired had it not been renewed.
    const early = seen.filter(([t]) => t < 4000);
    assert.ok(early.some(([t]) => t >= 3000), `a request after the idle time: ${JSON.stringify(seen)}`);
    assert.ok(early.every(([, s]) => s === 200), `alive while active: ${JSON.stringify(seen)}`);
    const last = await c.get('/api/v1/me');
    assertError(last, 401, 'unauthorized', { message: /expired|ended/ }, `after the absolute limit ${JSON.stringify(seen)}`);
  });
});

// ----------------------------------------------------------------- CSRF --

describe('CSRF: cookie-authenticated writes need this instance as Origin', () => {
  let owner;
  before(async () => { owner = await ownerClient(); });
  const orgSlugs = async () => (await list(owner, '/api/v1/orgs', 'orgs')).map((o) => o.slug);

  test('a foreign Origin is refused (403) and nothing is written', async () => {
    const slug = uniq('csrf-foreign');
    const r = await withOrigin(owner, 'https://evil.example').post('/api/v1/orgs', { slug, name: 'Evil' });
    assertError(r, 403, 'forbidden', { message: /cross-site/ });
    assert.ok(!(await orgSlugs()).includes(slug));
  });

  test('no Origin and no Sec-Fetch-Site: same-origin is refused (403)', async () => {
    const noOrigin = withOrigin(owner, null);
    const slug = uniq('csrf-none');
    assertError(await noOrigin.post('/api/v1/orgs', { slug, name: 'X' }), 403, 'forbidden', { message: /Origin/ }, 'bare');
    const crossSite = await noOrigin.post('/api/v1/orgs', { slug, name: 'X' }, { headers: { 'sec-fetch-site': 'cross-site' } });
    assertError(crossSite, 403, 'forbidden', {}, 'Sec-Fetch-Site: cross-site');
    const nullOrigin = await withOrigin(owner, 'null').post('/api/v1/orgs', { slug, name: 'X' });
    assertError(nullOrigin, 403, 'forbidden', {}, 'Origin: null');
    assert.ok(!(await orgSlugs()).includes(slug));
  });

  test('other write methods are checked too (DELETE a token from a foreign Origin is 403)', async () => {
    const t = await owner.post('/api/v1/tokens', { name: 'csrf target' });
    assert.equal(t.status, 201, t.text);
    const r = await withOrigin(owner, 'https://evil.example').delete(`/api/v1/tokens/${t.body.id}`);
    assertError(r, 403, 'forbidden');
    assert.ok((await list(owner, '/api/v1/tokens', 'tokens')).some((x) => x.id === t.body.id), 'token still there');
    assert.equal((await owner.delete(`/api/v1/tokens/${t.body.id}`)).status, 200);
  });

  test('the instance Origin, or Sec-Fetch-Site: same-origin without Origin, is accepted', async () => {
    const a = uniq('csrf-ok');
    assert.equal((await owner.post('/api/v1/orgs', { slug: a, name: 'A' })).status, 201);
    const b = uniq('csrf-sfs');
    const r = await withOrigin(owner, null).post('/api/v1/orgs', { slug: b, name: 'B' }, { headers: { 'sec-fetch-site': 'same-origin' } });
    assert.equal(r.status, 201, r.text);
    const slugs = await orgSlugs();
    assert.ok(slugs.includes(a) && slugs.includes(b));
  });

  test('reads need no Origin check', async () => {
    assert.equal((await withOrigin(owner, 'https://evil.example').get('/api/v1/orgs')).status, 200);
  });

  test('Bearer-token writes need no Origin', async () => {
    const t = await owner.post('/api/v1/tokens', { name: 'csrf bearer' });
    const slug = uniq('csrf-bearer');
    const r = await w.client({ token: t.body.token, origin: null }).post('/api/v1/orgs', { slug, name: 'Bearer' });
    assert.equal(r.status, 201, r.text);
    assert.ok((await orgSlugs()).includes(slug));
  });
});

// ---------------------------------------------------------- API tokens --

describe('personal API tokens', () => {
  let owner;
  let created; // { id, token, name }
  before(async () => { owner = await ownerClient(); });

  test('a token is created from a session and shown once, with the dy_ prefix', async () => {
    const r = await owner.post('/api/v1/tokens', { name: ' ci bot ' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.token, /^dy_[A-Za-z0-9_-]{43}$/);
    assert.match(r.body.id, /^tok_[0-9a-f]{32}$/);
    assert.equal(r.body.name, 'ci bot', 'the name is trimmed');
    assert.equal(typeof r.body.created_at, 'number');
    created = r.body;
  });

  test('the token list shows name, created_at and last_used_at but never the token', async () => {
    const r = await owner.get('/api/v1/tokens');
    assert.equal(r.status, 200);
    const entry = r.body.tokens.find((t) => t.id === created.id);
    assert.ok(entry, r.text);
    assert.equal(entry.name, 'ci bot');
    assert.equal(entry.created_at, created.created_at);
    assert.equal(entry.last_used_at, null);
    assert.deepEqual(Object.keys(entry).sort(), ['created_at', 'id', 'last_used_at', 'name']);
    assert.ok(!r.text.includes(created.token), 'the secret never appears again');
    assert.ok(!r.text.includes(created.token.slice(3)), 'not even without its prefix');
  });

  test('the token authenticates /api/v1 via Bearer, and its use is recorded', async () => {
    const tc = w.client({ token: created.token, origin: null });
    const me = await tc.get('/api/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.user.email, OWNER.email);
    const entry = (await list(owner, '/api/v1/tokens', 'tokens')).find((t) => t.id === created.id);
    assert.equal(typeof entry.last_used_at, 'number', 'last_used_at is set after use');
  });

  test('a token cannot create tokens (403)', async () => {
    const before = await list(owner, '/api/v1/tokens', 'tokens');
    const r = await w.client({ token: created.token }).post('/api/v1/tokens', { name: 'child' });
    assertError(r, 403, 'forbidden', { message: /session/ });
    assert.equal((await list(owner, '/api/v1/tokens', 'tokens')).length, before.length);
  });

  test('deleting a token revokes it at once (then 401)', async () => {
    const t = (await owner.post('/api/v1/tokens', { name: 'short-lived' })).body;
    const tc = w.client({ token: t.token });
    assert.equal((await tc.get('/api/v1/me')).status, 200);
    const del = await owner.delete(`/api/v1/tokens/${t.id}`);
    assert.equal(del.status, 200, del.text);
    assertError(await tc.get('/api/v1/me'), 401, 'unauthorized', { message: /invalid or was revoked/ });
    assert.ok(!(await list(owner, '/api/v1/tokens', 'tokens')).some((x) => x.id === t.id));
    assertError(await owner.delete(`/api/v1/tokens/${t.id}`), 404, 'not_found', {}, 'deleting twice');
  });

  test('a garbage dy_ token is 401', async () => {
    const r = await w.client({ token: `dy_${'A'.repeat(43)}` }).get('/api/v1/me');
    assertError(r, 401, 'unauthorized', { message: /invalid or was revoked/ });
  });

  test('a non-dy bearer (a JWT-looking MCP token) is 401 saying MCP tokens do not work here', async () => {
    const r = await w.client({ token: JWT_LOOKING }).get('/api/v1/orgs');
    assertError(r, 401, 'unauthorized', { message: /MCP/ });
    assert.match(r.body.message, /dy_/);
  });

  test('a token needs a session to create and a valid name (422)', async () => {
    assertError(await w.client().post('/api/v1/tokens', { name: 'anon' }), 401, 'unauthorized', {}, 'signed out');
    assertError(await owner.post('/api/v1/tokens', {}), 422, 'invalid_request', { fields: ['name'] }, 'missing');
    assertError(await owner.post('/api/v1/tokens', { name: '   ' }), 422, 'invalid_request', { fields: ['name'] }, 'blank');
    assertError(await owner.post('/api/v1/tokens', { name: 't'.repeat(65) }), 422, 'invalid_request', { fields: ['name'] }, 'too long');
  });

  test("one user cannot delete another user's token (404) and it keeps working", async () => {
    const org = await newOrg(owner, 'tok');
    const other = await w.addMember(owner, org, newEmail('tok-other'), 'viewer');
    const t = (await owner.post('/api/v1/tokens', { name: 'mine' })).body;
    assertError(await other.delete(`/api/v1/tokens/${t.id}`), 404, 'not_found');
    assert.ok(!(await list(other, '/api/v1/tokens', 'tokens')).some((x) => x.id === t.id), 'not in their list');
    assert.equal((await w.client({ token: t.token }).get('/api/v1/me')).status, 200);
  });
});

// ---------------------------------------------------------------- orgs --

describe('organizations', () => {
  let owner;
  before(async () => { owner = await ownerClient(); });

  test('creating an org makes the creator its owner', async () => {
    const slug = uniq('acme');
    const r = await owner.post('/api/v1/orgs', { slug, name: 'Acme Corp' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.org.slug, slug);
    assert.equal(r.body.org.name, 'Acme Corp');
    assert.equal(r.body.role, 'owner');
    const got = await owner.get(`/api/v1/orgs/${slug}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.role.name, 'owner');
    const members = await list(owner, `/api/v1/orgs/${slug}/members`, 'members');
    assert.deepEqual(members.map((m) => [m.email, m.role]), [[OWNER.email, 'owner']]);
    assert.ok((await list(owner, '/api/v1/orgs', 'orgs')).some((o) => o.slug === slug && o.role === 'owner'));
  });

  test('a taken slug is 409, also for another user', async () => {
    const slug = await newOrg(owner, 'dup');
    assertError(await owner.post('/api/v1/orgs', { slug, name: 'Again' }), 409, 'conflict', { message: /taken/ });
    const other = await w.addMember(owner, slug, newEmail('dup-other'), 'viewer');
    assertError(await other.post('/api/v1/orgs', { slug, name: 'Mine' }), 409, 'conflict', {}, 'other user');
    const got = await owner.get(`/api/v1/orgs/${slug}`);
    assert.equal(got.body.org.name, `Org ${slug}`, 'the first org is untouched');
  });

  test('reserved slugs are 422 naming the slug field', async () => {
    for (const slug of ['api', 'draft', 'oauth', 'studio', 'well-known', 'healthz', 'login', 'admin']) {
      const r = await owner.post('/api/v1/orgs', { slug, name: 'Reserved' });
      assertError(r, 422, 'invalid_request', { fields: ['slug'], message: /reserved/ }, slug);
    }
    const slugs = (await list(owner, '/api/v1/orgs', 'orgs')).map((o) => o.slug);
    assert.ok(!slugs.includes('api') && !slugs.includes('studio'));
  });

  test('invalid slugs and a missing name are 422 listing each field', async () => {
    for (const slug of ['Acme', 'acme_corp', '-acme', 'ac me', 'ácme', 'a'.repeat(64), '.well-known']) {
      const r = await owner.post('/api/v1/orgs', { slug, name: 'Bad' });
      assertError(r, 422, 'invalid_request', { fields: ['slug'], message: /a-z, 0-9/ }, JSON.stringify(slug));
    }
    const r = await owner.post('/api/v1/orgs', { slug: 'Bad Slug' });
    assertError(r, 422, 'invalid_request', { fields: ['slug', 'name'] });
  });

  test('creating an org needs a signed-in caller (401)', async () => {
    assertError(await w.client().post('/api/v1/orgs', { slug: uniq('anon'), name: 'Anon' }), 401, 'unauthorized');
  });
});

// ------------------------------------------------------ built-in roles --

// What each built-in role may do. Columns: GET members, POST invitations,
// GET roles, POST roles, POST projects, GET projects, PATCH visibility, GET org.
const MATRIX = {
  owner: [1, 1, 1, 1, 1, 1, 1, 1],
  admin: [1, 1, 1, 1, 1, 1, 1, 1],
  developer: [0, 0, 0, 0, 1, 1, 0, 1],
  editor: [0, 0, 0, 0, 1, 1, 0, 1],
  viewer: [0, 0, 0, 0, 0, 0, 0, 1],
  mcp_user: [0, 0, 0, 0, 0, 0, 0, 1],
  mcp_developer: [0, 0, 0, 0, 0, 0, 0, 1],
};

describe('built-in roles: what a member added by invitation may do', () => {
  let owner;
  let org;
  let base;
  const members = {};
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'matrix');
    base = `/api/v1/orgs/${org}`;
    const p = await owner.post(`${base}/projects`, { slug: 'shared', name: 'Shared' });
    assert.equal(p.status, 201, p.text);
    for (const role of Object.keys(MATRIX)) {
      members[role] = await w.addMember(owner, org, newEmail(`m-${role.replace('_', '-')}`), role);
    }
  });

  for (const [role, can] of Object.entries(MATRIX)) {
    const [members_, invite, rolesGet, rolesPost, projPost, projGet, visibility, orgGet] = can.map(Boolean);
    test(`${role}: ${can.map((x) => (x ? '✓' : '✗')).join(' ')} (members, invite, roles, new role, new project, projects, visibility, org)`, async () => {
      const c = members[role];
      const tag = uniq(role.replace('_', '-'));
      /** 2xx when allowed, else 403 naming a permission. */
      const check = (r, allowed, okStatus, what) => {
        if (allowed) assert.equal(r.status, okStatus, `${role} ${what}: ${r.status} ${r.text}`);
        else assertError(r, 403, 'forbidden', { message: /permission/ }, `${role} ${what}`);
      };

      const m = await c.get(`${base}/members`);
      check(m, members_, 200, 'GET members');
      if (members_) assert.ok(m.body.members.some((x) => x.role === role), 'lists the caller');

      const invEmail = `${tag}@invited.test`;
      check(await c.post(`${base}/invitations`, { email: invEmail, role: 'viewer' }), invite, 201, 'POST invitation');
      const invs = await list(owner, `${base}/invitations`, 'invitations');
      assert.equal(invs.some((i) => i.email === invEmail), invite, `${role}: invitation written?`);

      check(await c.get(`${base}/roles`), rolesGet, 200, 'GET roles');

      const roleName = `r_${tag.replace(/-/g, '_')}`;
      check(await c.post(`${base}/roles`, { name: roleName, scopes: ['tools:read'], permissions: [] }), rolesPost, 201, 'POST role');
      const roles = await list(owner, `${base}/roles`, 'roles');
      assert.equal(roles.some((r) => r.name === roleName), rolesPost, `${role}: role written?`);

      const projSlug = `p-${tag}`;
      check(await c.post(`${base}/projects`, { slug: projSlug, name: 'P' }), projPost, 201, 'POST project');
      const projects = await list(owner, `${base}/projects`, 'projects');
      assert.equal(projects.some((p) => p.slug === projSlug), projPost, `${role}: project written?`);

      const pl = await c.get(`${base}/projects`);
      check(pl, projGet, 200, 'GET projects');
      if (projGet) assert.ok(pl.body.projects.some((p) => p.slug === 'shared'));

      const v = await c.patch(`${base}/projects/shared`, { visibility: 'public' });
      check(v, visibility, 200, 'PATCH visibility');
      if (visibility) {
        assert.equal(v.body.project.visibility, 'public');
        assert.equal((await owner.patch(`${base}/projects/shared`, { visibility: 'private' })).status, 200);
      } else if (projPost) {
        assert.match(v.body.message, /org\.manage/, `${role}: the refusal names org.manage`);
      }
      const shared = await owner.get(`${base}/projects/shared`);
      assert.equal(shared.body.project.visibility, 'private', `${role}: visibility back to/still private`);

      const o = await c.get(base);
      check(o, orgGet, 200, 'GET org');
      assert.equal(o.body.role.name, role);
      assert.equal(o.body.role.builtin, true);
    });
  }

  test('an editor may rename a project but not change its visibility', async () => {
    const c = members.editor;
    const r = await c.patch(`${base}/projects/shared`, { name: 'Renamed by editor' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await owner.get(`${base}/projects/shared`)).body.project.name, 'Renamed by editor');
    const same = await c.patch(`${base}/projects/shared`, { visibility: 'private' });
    assert.equal(same.status, 200, 'setting the current visibility changes nothing and is allowed');
    const bad = await owner.patch(`${base}/projects/shared`, { visibility: 'everyone' });
    assertError(bad, 422, 'invalid_request', { fields: ['visibility'] });
  });

  test('project slugs follow the slug rules (422) and a taken one is 409', async () => {
    for (const slug of ['draft', 'api', 'Bad_Slug']) {
      assertError(await owner.post(`${base}/projects`, { slug, name: 'X' }), 422, 'invalid_request', { fields: ['slug'] }, slug);
    }
    assertError(await owner.post(`${base}/projects`, { slug: 'shared', name: 'Again' }), 409, 'conflict');
  });

  test('non-members get 404 on every route of the org, signed-out callers 401', async () => {
    const outsider = await w.addMember(owner, await newOrg(owner, 'elsewhere'), newEmail('outsider'), 'admin');
    const routes = [
      ['GET', base], ['GET', `${base}/members`], ['PATCH', `${base}/members/${members.viewer.user.id}`, { role: 'admin' }],
      ['DELETE', `${base}/members/${members.viewer.user.id}`], ['GET', `${base}/invitations`],
      ['POST', `${base}/invitations`, { email: 'x@y.test', role: 'viewer' }], ['DELETE', `${base}/invitations/inv_0`],
      ['GET', `${base}/roles`], ['POST', `${base}/roles`, { name: 'sneaky', scopes: [], permissions: [] }],
      ['PATCH', `${base}/roles/sneaky`, { scopes: [] }], ['DELETE', `${base}/roles/sneaky`],
      ['GET', `${base}/projects`], ['POST', `${base}/projects`, { slug: 'sneaky', name: 'S' }],
      ['GET', `${base}/projects/shared`], ['PATCH', `${base}/projects/shared`, { visibility: 'public' }],
    ];
    const missing = await outsider.get('/api/v1/orgs/no-such-org-anywhere');
    for (const [method, path, body] of routes) {
      const r = await outsider.request(method, path, { body });
      assertError(r, 404, 'not_found', {}, `outsider ${method} ${path}`);
      assert.equal(r.body.message, missing.body.message.replace('no-such-org-anywhere', org), 'same answer as a missing org');
      assertError(await w.client().request(method, path, { body }), 401, 'unauthorized', {}, `anonymous ${method} ${path}`);
    }
    const p = await owner.get(`${base}/projects/shared`);
    assert.equal(p.body.project.visibility, 'private');
    assert.ok((await list(owner, `${base}/members`, 'members')).some((m) => m.user_id === members.viewer.user.id));
  });
});

// --------------------------------------------------------- custom roles --

describe('custom roles', () => {
  let owner;
  let base;
  const roleNames = async () => (await list(owner, `${base}/roles`, 'roles')).map((r) => r.name);
  before(async () => {
    owner = await ownerClient();
    base = `/api/v1/orgs/${await newOrg(owner, 'roles')}`;
  });

  test('the roles list has the 7 built-in roles with their permissions', async () => {
    const roles = await list(owner, `${base}/roles`, 'roles');
    assert.deepEqual(roles.map((r) => r.name), ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'mcp_developer']);
    const viewer = roles.find((r) => r.name === 'viewer');
    assert.deepEqual(viewer, { name: 'viewer', builtin: true, scopes: ['tools:read'], permissions: ['endpoint.production'] });
    assert.deepEqual(roles.find((r) => r.name === 'owner').scopes, ['*']);
  });

  test('a custom role is created (201), listed, and a duplicate is 409', async () => {
    const r = await owner.post(`${base}/roles`, { name: 'support', scopes: ['tools:read', 'tickets.close', 'tools:read'], permissions: ['audit.read'] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.role, { name: 'support', builtin: false, scopes: ['tickets.close', 'tools:read'], permissions: ['audit.read'] });
    const listed = (await list(owner, `${base}/roles`, 'roles')).find((x) => x.name === 'support');
    assert.deepEqual(listed, r.body.role);
    assertError(await owner.post(`${base}/roles`, { name: 'support', scopes: [], permissions: [] }), 409, 'conflict', { message: /already exists/ });
  });

  test('a bad scope and an unknown permission are 422 naming scopes[i] and permissions[i]; nothing is written', async () => {
    const r = await owner.post(`${base}/roles`, { name: 'auditor', scopes: ['Bad Scope', 'tools:read'], permissions: ['audit.read', 'root'] });
    assertError(r, 422, 'invalid_request', { fields: ['scopes[0]', 'permissions[1]'] });
    assert.match(fieldMessage(r, 'scopes[0]'), /a-z, 0-9/);
    assert.match(fieldMessage(r, 'permissions[1]'), /unknown permission 'root'/);
    assert.match(fieldMessage(r, 'permissions[1]'), /org\.manage/, 'the message lists the known permissions');
    const star = await owner.post(`${base}/roles`, { name: 'auditor', scopes: ['*'], permissions: [] });
    assertError(star, 422, 'invalid_request', { fields: ['scopes[0]'] }, '"*" is not a custom scope');
    assert.ok(!(await roleNames()).includes('auditor'));
  });

  test('a built-in or malformed role name is 422 naming the name field', async () => {
    for (const name of ['admin', 'owner', 'Support!', '2fast', 'a'.repeat(33)]) {
      const r = await owner.post(`${base}/roles`, { name, scopes: [], permissions: [] });
      assertError(r, 422, 'invalid_request', { fields: ['name'] }, name);
    }
    const builtins = (await list(owner, `${base}/roles`, 'roles')).filter((r) => r.builtin);
    assert.equal(builtins.length, 7, 'no second admin/owner appeared');
  });

  test('a role body with several problems lists every one of them', async () => {
    // No name, a bad scope, an unknown permission and an unknown field: four problems.
    const r = await owner.post(`${base}/roles`, { scopes: ['Bad Scope'], permissions: ['root'], colour: 'red' });
    assert.equal(r.status, 422, r.text);
    const fields = fieldNames(r);
    for (const f of ['name', 'scopes[0]', 'permissions[0]', 'colour']) {
      assert.ok(fields.includes(f), `${f} is listed: ${r.text}`);
    }
  });

  test('built-in roles cannot be patched or deleted (403)', async () => {
    for (const name of ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'mcp_developer']) {
      assertError(await owner.patch(`${base}/roles/${name}`, { scopes: ['tools:read'], permissions: [] }), 403, 'forbidden',
        { message: /built-in/ }, `PATCH ${name}`);
      assertError(await owner.delete(`${base}/roles/${name}`), 403, 'forbidden', { message: /built-in/ }, `DELETE ${name}`);
    }
    const roles = await list(owner, `${base}/roles`, 'roles');
    assert.deepEqual(roles.find((r) => r.name === 'viewer').permissions, ['endpoint.production']);
  });

  test('patching a custom role replaces what is sent; invalid entries are 422 and change nothing', async () => {
    await owner.post(`${base}/roles`, { name: 'ops', scopes: ['tools:read'], permissions: ['endpoint.draft'] });
    const bad = await owner.patch(`${base}/roles/ops`, { scopes: ['tools:call', 'Nope!'], permissions: ['project.edit', 'superpower'] });
    assertError(bad, 422, 'invalid_request', { fields: ['scopes[1]', 'permissions[1]'] });
    let ops = (await list(owner, `${base}/roles`, 'roles')).find((r) => r.name === 'ops');
    assert.deepEqual([ops.scopes, ops.permissions], [['tools:read'], ['endpoint.draft']], 'unchanged after 422');
    const ok = await owner.patch(`${base}/roles/ops`, { scopes: ['tools:call', 'tools:read'], permissions: ['project.edit'] });
    assert.equal(ok.status, 200, ok.text);
    ops = (await list(owner, `${base}/roles`, 'roles')).find((r) => r.name === 'ops');
    assert.deepEqual([ops.scopes, ops.permissions], [['tools:call', 'tools:read'], ['project.edit']]);
    assertError(await owner.patch(`${base}/roles/ghost`, { scopes: [], permissions: [] }), 404, 'not_found', {}, 'unknown role');
  });

  test('a PATCH that sends only permissions keeps the role\'s scopes', async () => {
    await owner.post(`${base}/roles`, { name: 'billing', scopes: ['tools:read', 'billing.refund'], permissions: ['audit.read'] });
    const r = await owner.patch(`${base}/roles/billing`, { permissions: ['audit.read', 'project.edit'] });
    assert.equal(r.status, 200, r.text);
    const billing = (await list(owner, `${base}/roles`, 'roles')).find((x) => x.name === 'billing');
    assert.deepEqual(billing.permissions, ['project.edit', 'audit.read']);
    assert.deepEqual(billing.scopes, ['billing.refund', 'tools:read'], 'scopes that were not sent must not be wiped');
  });

  test('a member holding a custom role gets exactly its permissions', async () => {
    await owner.post(`${base}/roles`, { name: 'builder', scopes: ['tools:read'], permissions: ['project.edit'] });
    const c = await w.addMember(owner, base.split('/').pop(), newEmail('builder'), 'builder');
    assert.equal((await c.get(`${base}/projects`)).status, 200, 'project.edit: may list projects');
    assertError(await c.get(`${base}/members`), 403, 'forbidden', { message: /org\.manage/ }, 'no org.manage');
    const o = await c.get(base);
    assert.deepEqual(o.body.role, { name: 'builder', builtin: false, scopes: ['tools:read'], permissions: ['project.edit'] });
  });

  test('deleting a role in use (by a member or a pending invitation) is 409; an unused one is deleted', async () => {
    const slug = base.split('/').pop();
    await owner.post(`${base}/roles`, { name: 'held', scopes: [], permissions: [] });
    await w.addMember(owner, slug, newEmail('held'), 'held');
    assertError(await owner.delete(`${base}/roles/held`), 409, 'conflict', { message: /held by members/ });
    await owner.post(`${base}/roles`, { name: 'pending', scopes: [], permissions: [] });
    const inv = await owner.post(`${base}/invitations`, { email: newEmail('pending'), role: 'pending' });
    assert.equal(inv.status, 201, inv.text);
    assertError(await owner.delete(`${base}/roles/pending`), 409, 'conflict', {}, 'pending invitation');
    let names = await roleNames();
    assert.ok(names.includes('held') && names.includes('pending'), 'both still exist');
    await owner.post(`${base}/roles`, { name: 'unused', scopes: [], permissions: [] });
    const del = await owner.delete(`${base}/roles/unused`);
    assert.equal(del.status, 200, del.text);
    names = await roleNames();
    assert.ok(!names.includes('unused'));
    assertError(await owner.delete(`${base}/roles/unused`), 404, 'not_found', {}, 'deleting twice');
  });
});

// ---------------------------------------------------- owners & members --

describe('owners and the last-owner guard', () => {
  let owner;
  let org;
  let base;
  let ownerId;
  let second; // invited as owner, later demoted to admin
  let viewer;
  const roleOf = async (userId) => (await list(owner, `${base}/members`, 'members')).find((m) => m.user_id === userId)?.role;
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'owners');
    base = `/api/v1/orgs/${org}`;
    ownerId = (await owner.get('/api/v1/me')).body.user.id;
    viewer = await w.addMember(owner, org, newEmail('own-viewer'), 'viewer');
  });

  test('the only owner cannot demote or remove themselves (409)', async () => {
    assertError(await owner.patch(`${base}/members/${ownerId}`, { role: 'admin' }), 409, 'conflict', { message: /at least one owner/ });
    assertError(await owner.delete(`${base}/members/${ownerId}`), 409, 'conflict', { message: /at least one owner/ });
    assert.equal(await roleOf(ownerId), 'owner');
  });

  test('with two owners, one of them can be demoted', async () => {
    second = await w.addMember(owner, org, newEmail('own-second'), 'owner');
    assert.equal(await roleOf(second.user.id), 'owner');
    const r = await owner.patch(`${base}/members/${second.user.id}`, { role: 'admin' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.role, 'admin');
    assert.equal(await roleOf(second.user.id), 'admin');
  });

  test('an admin cannot demote or remove an owner, nor grant the owner role (403)', async () => {
    assertError(await second.patch(`${base}/members/${ownerId}`, { role: 'viewer' }), 403, 'forbidden', { message: /owner/ }, 'demote owner');
    assertError(await second.delete(`${base}/members/${ownerId}`), 403, 'forbidden', { message: /owner/ }, 'remove owner');
    assertError(await second.patch(`${base}/members/${viewer.user.id}`, { role: 'owner' }), 403, 'forbidden', { message: /owner/ }, 'grant owner');
    assertError(await second.patch(`${base}/members/${second.user.id}`, { role: 'owner' }), 403, 'forbidden', {}, 'self-promotion');
    const wouldBe = newEmail('would-be-owner');
    const inv = await second.post(`${base}/invitations`, { email: wouldBe, role: 'owner' });
    assertError(inv, 403, 'forbidden', { message: /owner/ }, 'invite as owner');
    assert.equal(await roleOf(ownerId), 'owner');
    assert.equal(await roleOf(viewer.user.id), 'viewer');
    assert.equal(await roleOf(second.user.id), 'admin');
    assert.ok(!(await list(owner, `${base}/invitations`, 'invitations')).some((i) => i.email === wouldBe), 'no invitation written');
  });

  test('an admin can change the role of a non-owner', async () => {
    const r = await second.patch(`${base}/members/${viewer.user.id}`, { role: 'editor' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await roleOf(viewer.user.id), 'editor');
    assert.equal((await viewer.get(`${base}/projects`)).status, 200, 'the new role applies on the next request');
  });

  test('an unknown role is 422 naming the role field; an unknown member is 404', async () => {
    assertError(await owner.patch(`${base}/members/${viewer.user.id}`, { role: 'superuser' }), 422, 'invalid_request', { fields: ['role'] });
    assertError(await owner.patch(`${base}/members/usr_00000000000000000000000000000000`, { role: 'viewer' }), 404, 'not_found');
    assert.equal(await roleOf(viewer.user.id), 'editor');
  });

  test('a demotion takes effect on the next request', async () => {
    assert.equal((await second.get(`${base}/members`)).status, 200);
    assert.equal((await owner.patch(`${base}/members/${second.user.id}`, { role: 'viewer' })).status, 200);
    assertError(await second.get(`${base}/members`), 403, 'forbidden', { message: /org\.manage/ });
  });

  test('removing a member ends their access to the org at once', async () => {
    const r = await owner.delete(`${base}/members/${viewer.user.id}`);
    assert.equal(r.status, 200, r.text);
    assertError(await viewer.get(base), 404, 'not_found');
    assert.equal(await roleOf(viewer.user.id), undefined);
    assert.ok(!(await list(viewer, '/api/v1/orgs', 'orgs')).some((o) => o.slug === org));
  });
});

describe('owners racing each other', () => {
  test('two owners demoting each other at the same moment leave exactly one owner', async () => {
    const owner = await ownerClient();
    const org = await newOrg(owner, 'duel');
    const base = `/api/v1/orgs/${org}`;
    const ownerId = (await owner.get('/api/v1/me')).body.user.id;
    const rival = await w.addMember(owner, org, newEmail('rival'), 'owner');
    const [a, b] = await Promise.all([
      owner.patch(`${base}/members/${rival.user.id}`, { role: 'admin' }),
      rival.patch(`${base}/members/${ownerId}`, { role: 'admin' }),
    ]);
    // Whichever lands second is refused: 403 if it sees the first one's result
    // (no longer an owner), 409 if both passed the checks (the guarded UPDATE).
    const detail = `${a.status} ${a.text} | ${b.status} ${b.text}`;
    assert.equal([a, b].filter((r) => r.status === 200).length, 1, detail);
    assert.ok([a, b].every((r) => [200, 403, 409].includes(r.status)), detail);
    const members = await list(a.status === 200 ? owner : rival, `${base}/members`, 'members');
    assert.equal(members.filter((m) => m.role === 'owner').length, 1, JSON.stringify(members));
  });
});

// ---------------------------------------------------------- invitations --

describe('invitations', () => {
  let owner;
  let org;
  let base;
  const invite = async (email, role = 'viewer') => {
    const r = await owner.post(`${base}/invitations`, { email, role });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const statusOf = async (id) => (await list(owner, `${base}/invitations`, 'invitations')).find((i) => i.id === id)?.status;
  const signup = (token, email, name = 'Invitee') =>
    w.client().post('/api/v1/signup', { email, password: MEMBER_PASSWORD, name, invitation: token });
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'inv');
    base = `/api/v1/orgs/${org}`;
  });

  test('creating an invitation returns its token and a /studio/signup link; the list shows it pending without the token', async () => {
    const r = await owner.post(`${base}/invitations`, { email: ' New.Person@Example.TEST ', role: 'editor' });
    assert.equal(r.status, 201, r.text);
    const { invitation, token, link } = r.body;
    assert.match(token, /^inv_[A-Za-z0-9_-]{43}$/);
    assert.equal(link, `${w.url}/studio/signup?invitation=${token}`);
    assert.equal(invitation.email, 'new.person@example.test');
    assert.equal(invitation.role, 'editor');
    assert.ok(invitation.expires_at > invitation.created_at);
    const listed = await owner.get(`${base}/invitations`);
    const entry = listed.body.invitations.find((i) => i.id === invitation.id);
    assert.equal(entry.status, 'pending');
    assert.equal(entry.email, 'new.person@example.test');
    assert.ok(!listed.text.includes(token), 'the token is shown only once');
  });

  test('signing up with an invitation creates the account and the membership with its role', async () => {
    const email = newEmail('joiner');
    const { invitation, token } = await invite(email, 'developer');
    const r = await signup(token, email.toUpperCase(), 'Joiner');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.user.email, email);
    const c = await signIn(w, email, MEMBER_PASSWORD);
    const me = await c.get('/api/v1/me');
    assert.deepEqual(me.body.orgs.map((o) => [o.slug, o.role]), [[org, 'developer']]);
    assert.equal((await c.get(base)).body.role.name, 'developer');
    assert.equal(await statusOf(invitation.id), 'accepted');
  });

  test('a used invitation is gone (410)', async () => {
    const email = newEmail('once');
    const { token } = await invite(email);
    assert.equal((await signup(token, email)).status, 201);
    assertError(await signup(token, email), 410, 'gone', { message: /already used/ }, 'same email');
    const other = newEmail('twice');
    assertError(await signup(token, other), 410, 'gone', {}, 'another email');
    assert.equal((await tryLogin(w, other, MEMBER_PASSWORD)).status, 401, 'no account for the other email');
  });

  test('a revoked invitation is gone (410) and creates nothing', async () => {
    const email = newEmail('revoked');
    const { invitation, token } = await invite(email);
    const r = await owner.delete(`${base}/invitations/${invitation.id}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(await statusOf(invitation.id), 'revoked');
    assertError(await signup(token, email), 410, 'gone', { message: /revoked/ });
    assert.equal((await tryLogin(w, email, MEMBER_PASSWORD)).status, 401, 'no account');
    assertError(await owner.delete(`${base}/invitations/${invitation.id}`), 404, 'not_found', {}, 'revoking twice');
  });

  test("a manager of one org cannot revoke another org's invitation (404)", async () => {
    const { invitation } = await invite(newEmail('cross'));
    const elsewhere = await newOrg(owner, 'inv-cross');
    assertError(await owner.delete(`/api/v1/orgs/${elsewhere}/invitations/${invitation.id}`), 404, 'not_found');
    assert.equal(await statusOf(invitation.id), 'pending');
  });

  test('an invitation works only for the email it was sent to (403), and stays usable', async () => {
    const email = newEmail('intended');
    const { invitation, token } = await invite(email);
    const thief = newEmail('thief');
    assertError(await signup(token, thief), 403, 'forbidden', { message: /different email/ });
    assert.equal((await tryLogin(w, thief, MEMBER_PASSWORD)).status, 401, 'no account for the other email');
    assert.equal(await statusOf(invitation.id), 'pending');
    assert.equal((await signup(token, email)).status, 201, 'the right person can still use it');
  });

  test('an existing account accepts an invitation with POST /api/v1/invitations/accept', async () => {
    const email = newEmail('existing');
    const c = await w.addMember(owner, await newOrg(owner, 'inv-home'), email, 'viewer');
    const { invitation, token } = await invite(email, 'mcp_developer');
    assertError(await c.get(base), 404, 'not_found', {}, 'not a member yet');
    const r = await c.post('/api/v1/invitations/accept', { invitation: token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.org.slug, org);
    assert.equal(r.body.role, 'mcp_developer');
    assert.equal((await c.get(base)).body.role.name, 'mcp_developer');
    assert.equal(await statusOf(invitation.id), 'accepted');
    assertError(await c.post('/api/v1/invitations/accept', { invitation: token }), 410, 'gone', {}, 'accepting twice');
  });

  test('an existing account cannot sign up again with an invitation (409)', async () => {
    const email = newEmail('again');
    await w.addMember(owner, await newOrg(owner, 'inv-again'), email, 'viewer');
    const { invitation, token } = await invite(email);
    assertError(await signup(token, email), 409, 'conflict', { message: /sign in, then accept/ });
    assert.equal(await statusOf(invitation.id), 'pending');
  });

  test('a member accepting an invitation to an org they are already in is 409; it stays pending', async () => {
    const email = newEmail('already');
    const c = await w.addMember(owner, org, email, 'viewer');
    const { invitation, token } = await invite(email, 'admin');
    assertError(await c.post('/api/v1/invitations/accept', { invitation: token }), 409, 'conflict', { message: /already a member/ });
    assert.equal(await statusOf(invitation.id), 'pending');
    assert.equal((await c.get(base)).body.role.name, 'viewer', 'role unchanged');
  });

  test('an existing account cannot accept an invitation sent to another email (403)', async () => {
    const c = await w.addMember(owner, await newOrg(owner, 'inv-snoop'), newEmail('snoop'), 'viewer');
    const { invitation, token } = await invite(newEmail('target'));
    assertError(await c.post('/api/v1/invitations/accept', { invitation: token }), 403, 'forbidden', { message: /different email/ });
    assert.equal(await statusOf(invitation.id), 'pending');
    assertError(await c.get(base), 404, 'not_found');
  });

  test('racing signups with invitations from different orgs for one email: one account, the rest 409, never a 5xx', async () => {
    const orgs = [org, await newOrg(owner, 'inv-race'), await newOrg(owner, 'inv-race')];
    for (let round = 0; round < 4; round++) {
      const email = newEmail('racer');
      const tokens = [];
      for (const slug of orgs) {
        const r = await owner.post(`/api/v1/orgs/${slug}/invitations`, { email, role: 'viewer' });
        tokens.push(r.body.token);
      }
      const results = await Promise.all(tokens.map((t) => signup(t, email)));
      const statuses = results.map((r) => r.status);
      const detail = `round ${round}: ${results.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join(' | ')}`;
      assert.ok(statuses.every((st) => st < 500), detail);
      assert.equal(statuses.filter((st) => st === 201).length, 1, detail);
      assert.ok(statuses.filter((st) => st !== 201).every((st) => st === 409), detail);
    }
  });

  test('a garbage invitation token is 422 naming the invitation field', async () => {
    const r = await signup('inv_this-is-not-a-real-invitation', newEmail('garbage'));
    assertError(r, 422, 'invalid_request', { fields: ['invitation'], message: /not a valid invitation/ });
    const accept = await owner.post('/api/v1/invitations/accept', { invitation: 'garbage' });
    assertError(accept, 422, 'invalid_request', { fields: ['invitation'] }, 'accept');
    assertError(await owner.post('/api/v1/invitations/accept', {}), 422, 'invalid_request', { fields: ['invitation'] }, 'missing');
  });

  test('an invitation needs a valid email and an existing role (422 per field)', async () => {
    const before = (await list(owner, `${base}/invitations`, 'invitations')).length;
    assertError(await owner.post(`${base}/invitations`, { email: 'nope', role: 'viewer' }), 422, 'invalid_request', { fields: ['email'] });
    assertError(await owner.post(`${base}/invitations`, { email: newEmail('x'), role: 'superuser' }), 422, 'invalid_request',
      { fields: ['role'], message: /superuser/ });
    assertError(await owner.post(`${base}/invitations`, {}), 422, 'invalid_request', { fields: ['email', 'role'] });
    assert.equal((await list(owner, `${base}/invitations`, 'invitations')).length, before);
  });
});

// ----------------------------------------------------------- rate limit --

describe('login rate limiting', () => {
  let owner;
  let org;
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'rl');
  });

  test('after 10 failed logins for an account, the 11th is 429 even with the right password; others are unaffected', async () => {
    const email = newEmail('locked');
    const bystander = newEmail('bystander');
    await w.addMember(owner, org, email, 'viewer');
    await w.addMember(owner, org, bystander, 'viewer');
    const ips = [];
    for (let i = 0; i < 10; i++) {
      // Each failure from another IP, half of them with a different spelling of the email.
      const ip = freshIp();
      ips.push(ip);
      const r = await tryLogin(w, i % 2 ? email.toUpperCase() : email, `wrong password ${i}`, ip);
      assertError(r, 401, 'unauthorized', {}, `failure ${i + 1}`);
    }
    const locked = await tryLogin(w, email, MEMBER_PASSWORD);
    assertError(locked, 429, 'rate_limited', { message: /too many failed sign-in attempts; try again in \d+ minutes?/ });
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    assert.equal(locked.body.retry_after, retryAfter);
    assert.deepEqual(locked.headers.getSetCookie(), [], 'no session');
    const other = await tryLogin(w, bystander, MEMBER_PASSWORD, ips[9]);
    assert.equal(other.status, 200, `another account, same IP: ${other.text}`);
    const form = await postForm(w.client({ ip: freshIp() }), '/studio/login', { email, password: MEMBER_PASSWORD });
    assert.equal(form.status, 429, 'the Studio form is limited too');
    assert.match(form.text, /too many failed sign-in attempts/);
  });

  test('unknown emails are locked out the same way (no enumeration through the limiter)', async () => {
    const ghost = newEmail('ghost');
    for (let i = 0; i < 10; i++) assert.equal((await tryLogin(w, ghost, `guess number ${i}`)).status, 401);
    assertError(await tryLogin(w, ghost, 'guess number 11'), 429, 'rate_limited');
  });

  test('50 failures from one IP lock that IP (429) but not other IPs', async () => {
    const email = newEmail('ip-victim');
    await w.addMember(owner, org, email, 'viewer');
    const ip = freshIp();
    for (let i = 0; i < 50; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => tryLogin(w, `spray-${i + j}-${uniq('s')}@example.test`, 'wrong password', ip));
      for (const r of await Promise.all(batch)) assert.equal(r.status, 401);
    }
    assertError(await tryLogin(w, email, MEMBER_PASSWORD, ip), 429, 'rate_limited', {}, 'same IP');
    assert.equal((await tryLogin(w, email, MEMBER_PASSWORD)).status, 200, 'another IP');
  });
});

// ------------------------------------------------------- studio pages --

describe('Studio pages', () => {
  let owner;
  let org;
  before(async () => {
    owner = await ownerClient();
    org = await newOrg(owner, 'studio');
  });

  test('the sign-in page has Email and Password fields and a Sign in button, and cannot be framed', async () => {
    const r = await w.client().get('/studio/login');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.ok(hasLabelledField(r.text, 'Email'), 'labelled Email field');
    assert.ok(hasLabelledField(r.text, 'Password'), 'labelled Password field');
    assert.match(r.text, /<input[^>]*id="password"[^>]*type="password"/);
    assert.match(r.text, /<button[^>]*type="submit"[^>]*>\s*Sign in\s*<\/button>/);
    assertFramingDenied(r, '/studio/login');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  });

  test('signing in with the form redirects (303) to /studio with a session cookie', async () => {
    const c = w.client({ ip: freshIp() });
    const r = await postForm(c, '/studio/login', { email: OWNER.email, password: OWNER.password });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), '/studio');
    const cookie = r.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^dy_session=[^;]+;.*HttpOnly.*SameSite=Lax/i);
    const home = await c.get('/studio');
    assert.equal(home.status, 200);
    assert.match(home.text, /Signed in as <strong>Owner<\/strong>/);
    assert.match(home.text, new RegExp(org));
    assertFramingDenied(home, '/studio');
  });

  test('a wrong password re-renders the form with an error and sets no cookie', async () => {
    const r = await postForm(w.client({ ip: freshIp() }), '/studio/login', { email: OWNER.email, password: 'wrong password!' });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(r.text, /role="alert">the email or password is not correct</);
    assert.match(r.text, new RegExp(`id="email"[^>]*value="${OWNER.email}"`), 'the email is kept');
    assert.deepEqual(r.headers.getSetCookie(), []);
    assertFramingDenied(r, 'error page');
  });

  test('hostile input echoed into the sign-in form (email, next) is escaped', async () => {
    const r = await postForm(w.client({ ip: freshIp() }), '/studio/login', { email: '"><script>alert(1)</script>', password: 'x' });
    assert.equal(r.status, 422);
    assert.ok(!r.text.includes('<script>alert(1)</script>'), 'never raw');
    assert.ok(r.text.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    const page = await w.client().get(`/studio/login?next=${encodeURIComponent('/"><script>alert(4)</script>')}`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<script>alert(4)</script>'), 'never raw');
    // A next= with characters outside the safe set is not echoed at all: it falls back to /studio.
    assert.ok(page.text.includes('name="next" value="/studio"'));
  });

  test('the sign-in form refuses a foreign Origin or a missing one (403)', async () => {
    const evil = await postForm(w.client({ origin: 'https://evil.example', ip: freshIp() }), '/studio/login',
      { email: OWNER.email, password: OWNER.password });
    assertError(evil, 403, 'forbidden', { message: /cross-site/ });
    assert.deepEqual(evil.headers.getSetCookie(), []);
    const none = await postForm(w.client({ origin: null, ip: freshIp() }), '/studio/login', { email: OWNER.email, password: OWNER.password });
    assertError(none, 403, 'forbidden', {}, 'no Origin');
  });

  test('/studio without a session redirects to the sign-in page', async () => {
    const r = await w.client().get('/studio');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/studio/login?next=%2Fstudio');
  });

  test('after sign-in the form only redirects within this instance', async () => {
    const ok = await postForm(w.client({ ip: freshIp() }), '/studio/login', { email: OWNER.email, password: OWNER.password, next: '/studio?tab=orgs' });
    assert.equal(ok.headers.get('location'), '/studio?tab=orgs', 'a local path is kept');
    for (const next of ['//evil.example', 'https://evil.example/x', '/\\evil.example', '/\t/evil.example']) {
      const r = await postForm(w.client({ ip: freshIp() }), '/studio/login', { email: OWNER.email, password: OWNER.password, next });
      assert.equal(r.status, 303, `next=${JSON.stringify(next)}: ${r.status} ${r.text.slice(0, 200)}`);
      const target = new URL(r.headers.get('location'), w.url);
      assert.equal(target.origin, w.url, `next=${JSON.stringify(next)} -> Location ${JSON.stringify(r.headers.get('location'))}`);
    }
  });

  test('a next parameter with a line break never causes a 5xx', async () => {
    const r = await postForm(w.client({ ip: freshIp() }), '/studio/login',
      { email: OWNER.email, password: OWNER.password, next: '/studio\r\nSet-Cookie: planted=1' });
    assert.ok(r.status < 500, `got ${r.status} ${r.text.slice(0, 200)}`);
    assert.ok(!r.headers.getSetCookie().some((c) => c.startsWith('planted')), 'no header injection');
  });

  test('a hostile name signed up by invitation (and a hostile org name) is shown escaped on /studio', async () => {
    const hostileOrg = uniq('hostile');
    assert.equal((await owner.post('/api/v1/orgs', { slug: hostileOrg, name: '<img src=x onerror=alert(2)>' })).status, 201);
    const email = newEmail('xss');
    const inv = await owner.post(`/api/v1/orgs/${hostileOrg}/invitations`, { email, role: 'viewer' });
    const page = await w.client().get(`/studio/signup?invitation=${encodeURIComponent(inv.body.token)}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`value="${inv.body.token}"`), 'the signup form carries the invitation');
    assertFramingDenied(page, '/studio/signup');
    const c = w.client();
    const r = await postForm(c, '/studio/signup', { invitation: inv.body.token, email, name: '<script>alert(1)</script>', password: MEMBER_PASSWORD });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    assert.equal(r.headers.get('location'), '/studio');
    const home = await c.get('/studio');
    assert.equal(home.status, 200);
    assert.ok(home.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the name is shown, escaped');
    assert.ok(!home.text.includes('<script>alert(1)</script>'), 'never raw');
    assert.ok(home.text.includes('&lt;img src=x onerror=alert(2)&gt;'), 'the org name is shown, escaped');
    assert.ok(!home.text.includes('<img src=x'), 'never raw');
    const members = await list(owner, `/api/v1/orgs/${hostileOrg}/members`, 'members');
    assert.ok(members.some((m) => m.name === '<script>alert(1)</script>'), 'stored as typed (JSON is not HTML)');
  });

  test('the signup page escapes a hostile invitation parameter', async () => {
    const r = await w.client().get(`/studio/signup?invitation=${encodeURIComponent('"><script>alert(3)</script>')}`);
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes('<script>alert(3)</script>'));
    assert.ok(r.text.includes('&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;'));
  });

  test('signing out from the Studio ends the session', async () => {
    const c = w.client({ ip: freshIp() });
    assert.equal((await postForm(c, '/studio/login', { email: OWNER.email, password: OWNER.password })).status, 303);
    const stale = c.cookieHeader();
    const r = await postForm(c, '/studio/logout', {});
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/studio/login');
    assertError(await w.client().get('/api/v1/me', { headers: { cookie: stale } }), 401, 'unauthorized');
  });
});
