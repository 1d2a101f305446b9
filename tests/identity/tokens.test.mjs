// How a request to /api/v1 authenticates, end to end: cookie-authenticated
// writes need this instance as Origin (CSRF), personal API tokens (dy_...)
// authenticate by Bearer and need no Origin. Every refused write is followed by
// a read showing nothing changed.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from '../harness.mjs';
import { OWNER, w, useWorker, uniq, newEmail, ownerClient, newOrg, list } from './setup.mjs';

const JWT_LOOKING = 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c3JfMSIsImF1ZCI6Im1jcCJ9.c2lnbmF0dXJlLWJ5dGVz';

/** A client sharing `base`'s cookie jar but sending `origin` (null: no Origin header). */
function withOrigin(base, origin) {
  const c = w.client({ origin });
  c.cookies = base.cookies;
  return c;
}

useWorker();

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
