// Invitations and the Studio sign-in pages, end to end: creating, accepting,
// revoking and racing invitations; the /studio/login and /studio/signup forms
// (labels, framing, redirects, escaping, Origin checks, sign-out). Every
// refused write is followed by a read showing nothing changed.
// Invitation expiry (7 days) is not tested: there is no clock to move.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from '../harness.mjs';
import {
  OWNER, MEMBER_PASSWORD, w, useWorker, uniq, newEmail, freshIp, signIn, ownerClient, newOrg, list, tryLogin, postForm,
} from './setup.mjs';

/** True when `html` has `<label for=X>text</label>` and an element with id X. */
function hasLabelledField(html, text) {
  const m = html.match(new RegExp(`<label for="([^"]+)">\\s*${text}\\s*</label>`));
  return Boolean(m) && html.includes(`id="${m[1]}"`);
}

function assertFramingDenied(r, label) {
  assert.equal(r.headers.get('x-frame-options'), 'DENY', label);
  assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, label);
}

useWorker();

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
    // A person's browser gets a page saying why, never a JSON body (issue 13).
    assert.equal(evil.status, 403, evil.text.slice(0, 300));
    assert.match(evil.headers.get('content-type'), /text\/html/);
    assert.match(evil.text, /role="alert">cross-site request refused/);
    assert.deepEqual(evil.headers.getSetCookie(), []);
    const none = await postForm(w.client({ origin: null, ip: freshIp() }), '/studio/login', { email: OWNER.email, password: OWNER.password });
    assert.equal(none.status, 403, `no Origin: ${none.text.slice(0, 300)}`);
    assert.match(none.text, /role="alert">cross-site request refused/);
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
