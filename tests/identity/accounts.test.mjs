// Accounts, end to end: bootstrap and signup, login/logout, session expiry and
// login rate limiting. Every refused write is followed by a read showing
// nothing changed.
//
// Two workers: `w` (default settings, from ./setup.mjs) and, for the
// session-expiry suite only, `ws` (3 s idle / 6 s absolute sessions).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, assertError } from '../harness.mjs';
import {
  OWNER, MEMBER_PASSWORD, w, useWorker, uniq, newEmail, freshIp, fieldMessage, signIn, ownerClient, newOrg, tryLogin, postForm,
} from './setup.mjs';

const SHORT_SESSIONS = { SESSION_IDLE_SECONDS: '3', SESSION_MAX_SECONDS: '6' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let ws; // short-session worker, only while its suite runs

useWorker();

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
    // t0 before signing in: the absolute limit counts from the sign-in, which
    // can take a second or more on a loaded machine.
    const t0 = Date.now();
    const c = await signIn(ws, OWNER.email, OWNER.password);
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
