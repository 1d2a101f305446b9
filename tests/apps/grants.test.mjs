// Authorized apps (issue 11): the grants an org's admins and a member see,
// and every way to revoke them, end to end with real OAuth flows
// (tests/oauth-helpers.mjs getTokens: sign-in, consent, PKCE, token) of two
// DCR clients against a private, published project (tests/security/setup.mjs):
//  - the list: member, client name and id, redirect host, project, channel,
//    scopes, created / last-used / refresh-expiry times; filters; pages;
//  - a consent whose code was never redeemed is `pending`, not `active`;
//  - revoking one grant: its next call is 401 and its refresh token fails,
//    while the other grant keeps working;
//  - bulk revocation by member, by client, and ANDed filters;
//  - member removal; self-service; bad input (400 naming the parameter,
//    another org's grant id is a 404);
//  - every revocation is a management record, read back through
//    `GET .../audit/actions` (tests/audit/setup.mjs `drained`).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, exchangeCode, getTokens, mcp, refresh, registerClient } from '../oauth-helpers.mjs';
import { createOrg, uniq } from '../mcp-fixtures.mjs';
import { securityWorld } from '../security/setup.mjs';
import { drained } from '../audit/setup.mjs';

const DAY = 24 * 3600;
let world; let alpha; let beta;
/** What the revocation tests did, for the audit test at the end. */
const done = {};

before(async () => {
  world = await securityWorld();
  alpha = await registerClient(world.w, { client_name: 'Alpha Notes', redirect_uris: ['https://alpha.example.test/cb'] });
  beta = await registerClient(world.w, {
    client_name: 'Beta Chat', redirect_uris: ['https://beta.example.test:8443/done'], grant_types: ['authorization_code'],
  });
  assert.equal(alpha.status, 201, alpha.text);
  assert.equal(beta.status, 201, beta.text);
});
after(() => world?.stop());

const viaAlpha = (user, resource) =>
  getTokens(world.w, user, { clientId: alpha.clientId, redirectUri: 'https://alpha.example.test/cb', resource });
const viaBeta = (user, resource) =>
  getTokens(world.w, user, { clientId: beta.clientId, redirectUri: 'https://beta.example.test:8443/done', resource });

const orgPath = () => `/api/v1/orgs/${world.org}/grants`;
const ids = (grants) => grants.map((g) => g.id).sort();
const sorted = (...xs) => [...xs].sort();

/** `tools/list` works with this access token. */
async function assertWorks(token, url, label) {
  const r = await mcp(url, token, 'tools/list');
  assert.equal(r.status, 200, `${label}: ${r.text}`);
  assert.ok(r.json?.result?.tools?.length > 0, `${label}: tools listed`);
}

/** The next MCP request with this token is a 401 and the refresh token is refused. */
async function assertRevoked(t, url, label) {
  const r = await mcp(url, t.access_token, 'tools/list');
  assert.equal(r.status, 401, `${label}: ${r.text}`);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /, label);
  if (t.refresh_token) {
    const again = await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId });
    assert.equal(again.status, 400, `${label} refresh: ${again.text}`);
    assert.equal(again.body.error, 'invalid_grant', label);
  }
}

describe('the list', () => {
  let dev; let user; let a; let b; let c;
  before(async () => {
    dev = await world.member('developer', 'lister');
    user = await world.member('mcp_user', 'enduser');
    a = await viaAlpha(dev, world.project.draftUrl);
    b = await viaBeta(dev, world.project.url);
    c = await viaBeta(user, world.project.url);
  });

  test('grants of two clients: who, which app, where it sends you, what, and when', async () => {
    const grants = await world.grants({ user: dev.user.id });
    assert.deepEqual(ids(grants), sorted(a.grantId, b.grantId));
    const ga = grants.find((g) => g.id === a.grantId);
    assert.equal(ga.status, 'active');
    assert.equal(ga.org, world.org);
    assert.equal(ga.project, world.project.slug);
    assert.equal(ga.channel, 'draft');
    assert.deepEqual(ga.user, { id: dev.user.id, email: dev.email, name: ga.user.name });
    assert.equal(typeof ga.user.name, 'string');
    assert.ok(ga.user.name.length > 0);
    assert.equal(ga.client_id, alpha.clientId);
    assert.equal(ga.client_name, 'Alpha Notes');
    assert.equal(ga.redirect_host, 'alpha.example.test');
    assert.deepEqual(ga.scopes.sort(), ['tools:call', 'tools:read']);
    assert.equal(typeof ga.created_at, 'number');
    assert.ok(Math.abs(ga.created_at - Date.now() / 1000) < 600, 'created_at is unix seconds, now');
    assert.equal(typeof ga.redeemed_at, 'number', 'the code was redeemed');
    assert.equal(typeof ga.last_used_at, 'number');
    assert.equal(ga.refresh_expires_at, ga.created_at + 30 * DAY, 'a refresh token lives 30 days from consent');
    assert.equal(ga.revoked_at, null);
    const gb = grants.find((g) => g.id === b.grantId);
    assert.equal(gb.channel, 'production');
    assert.equal(gb.client_name, 'Beta Chat');
    assert.equal(gb.redirect_host, 'beta.example.test:8443');
    assert.equal(gb.refresh_expires_at, null, 'a client without the refresh_token grant gets no refresh token');
    assert.equal(b.refresh_token, undefined);
  });

  test('filters by project, user, client and channel, ANDed', async () => {
    assert.deepEqual(ids(await world.grants({ client: beta.clientId })), sorted(b.grantId, c.grantId));
    assert.deepEqual(ids(await world.grants({ client: beta.clientId, user: user.user.id })), [c.grantId]);
    assert.deepEqual(ids(await world.grants({ user: dev.user.id, channel: 'draft' })), [a.grantId]);
    assert.deepEqual(ids(await world.grants({ user: dev.user.id, channel: 'production' })), [b.grantId]);
    const inProject = ids(await world.grants({ project: world.project.slug, user: dev.user.id }));
    assert.deepEqual(inProject, sorted(a.grantId, b.grantId));
    assert.deepEqual(await world.grants({ project: 'no-such-project' }), []);
    assert.deepEqual(await world.grants({ user: dev.user.id, status: 'revoked' }), []);
  });

  test('a member sees their own grants with the same fields, and can filter them', async () => {
    const mine = await dev.get('/api/v1/me/grants');
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(ids(mine.body.grants), sorted(a.grantId, b.grantId));
    const org = (await world.grants({ user: dev.user.id })).find((g) => g.id === a.grantId);
    assert.deepEqual(mine.body.grants.find((g) => g.id === a.grantId), org, 'the same view as the admin\'s');
    const byClient = await dev.get(`/api/v1/me/grants?client=${encodeURIComponent(beta.clientId)}&org=${world.org}`);
    assert.deepEqual(ids(byClient.body.grants), [b.grantId]);
    const elsewhere = await dev.get('/api/v1/me/grants?org=another-org');
    assert.deepEqual(elsewhere.body.grants, []);
  });

  test('pages: a small limit walks every grant once, newest first', async () => {
    const walk = async (path) => {
      const seen = []; let cursor = null; const sizes = [];
      do {
        const r = await world.owner.get(`${path}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(r.status, 200, r.text);
        sizes.push(r.body.grants.length);
        seen.push(...r.body.grants);
        cursor = r.body.next_cursor;
      } while (cursor);
      return { seen, sizes };
    };
    const { seen, sizes } = await walk(`${orgPath()}?project=${world.project.slug}&client=${encodeURIComponent(beta.clientId)}`);
    assert.deepEqual(sizes, [2]);
    assert.deepEqual(ids(seen), sorted(b.grantId, c.grantId));
    const extra = [];
    for (let i = 0; i < 3; i++) extra.push((await viaAlpha(user, world.project.url)).grantId);
    const all = await walk(`${orgPath()}?user=${user.user.id}`);
    assert.deepEqual(all.sizes, [2, 2]);
    assert.deepEqual(ids(all.seen), sorted(c.grantId, ...extra), 'no gaps, no repeats');
    const created = all.seen.map((g) => g.created_at);
    assert.deepEqual(created, [...created].sort((x, y) => y - x), 'newest first');
  });
});

describe('an authorization whose code was never redeemed', () => {
  test('is pending, not active, until its code is redeemed', async () => {
    const m = await world.member('developer', 'pending');
    const consent = await authorize(world.w, m, {
      clientId: alpha.clientId, redirectUri: 'https://alpha.example.test/cb', resource: world.project.url,
    });
    assert.ok(consent.redirect?.code, 'consent gave a code');
    assert.deepEqual(await world.grants({ user: m.user.id }), [], 'not among the active grants');
    assert.deepEqual((await m.get('/api/v1/me/grants')).body.grants, [], 'nor in the member\'s own list');
    const [pending] = await world.grants({ user: m.user.id, status: 'pending' });
    assert.equal(pending?.status, 'pending');
    assert.equal(pending.redeemed_at, null);
    assert.equal(pending.last_used_at, null);
    const t = await exchangeCode(world.w, {
      code: consent.redirect.code, verifier: consent.pkce.verifier, clientId: alpha.clientId,
      redirectUri: 'https://alpha.example.test/cb', resource: world.project.url,
    });
    assert.equal(t.status, 200, t.text);
    const [active] = await world.grants({ user: m.user.id });
    assert.equal(active?.id, pending.id, 'redeemed: now it is an active grant');
    assert.equal(typeof active.redeemed_at, 'number');
    assert.deepEqual(await world.grants({ user: m.user.id, status: 'pending' }), []);
  });
});

describe('revocation', () => {
  test('revoke one: its next call fails, its refresh token fails, the other grant keeps working', async () => {
    const m = await world.member('developer', 'one');
    const laptop = await viaAlpha(m, world.project.draftUrl);
    const phone = await viaAlpha(m, world.project.draftUrl);
    await assertWorks(laptop.access_token, world.project.draftUrl, 'before');
    const del = await world.owner.delete(`${orgPath()}/${laptop.grantId}`);
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.body, { revoked: laptop.grantId });
    done.one = { grant: laptop, user: m };
    await assertRevoked(laptop, world.project.draftUrl, 'the revoked grant');
    await assertWorks(phone.access_token, world.project.draftUrl, 'the other grant');
    assert.deepEqual(ids(await world.grants({ user: m.user.id })), [phone.grantId]);
    const [g] = await world.grants({ user: m.user.id, status: 'revoked' });
    assert.equal(g.id, laptop.grantId);
    assert.equal(typeof g.revoked_at, 'number');
  });

  test('bulk by member: every grant of theirs, on both channels and clients; nobody else\'s', async () => {
    const m = await world.member('developer', 'bulkuser');
    const other = await world.member('developer', 'bystander');
    const mine = [await viaAlpha(m, world.project.draftUrl), await viaBeta(m, world.project.url)];
    const theirs = await viaAlpha(other, world.project.draftUrl);
    const r = await world.owner.post(`${orgPath()}/revoke`, { user: m.user.id });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { revoked_count: 2 });
    done.bulk = { user: m, grants: mine };
    await assertRevoked(mine[0], world.project.draftUrl, 'draft grant');
    await assertRevoked(mine[1], world.project.url, 'production grant');
    await assertWorks(theirs.access_token, world.project.draftUrl, 'another member');
    assert.deepEqual(await world.grants({ user: m.user.id }), []);
    assert.deepEqual(ids(await world.grants({ user: m.user.id, status: 'revoked' })), ids(mine.map((t) => ({ id: t.grantId }))));
    const again = await world.owner.post(`${orgPath()}/revoke`, { user: m.user.id });
    assert.deepEqual(again.body, { revoked_count: 0 }, 'nothing left to revoke');
  });

  test('bulk by client: every member\'s grant of that app; other apps keep working', async () => {
    const gamma = await registerClient(world.w, { client_name: 'Gamma' });
    const [m1, m2] = [await world.member('developer', 'g1'), await world.member('mcp_user', 'g2')];
    const viaGamma = (u, resource) => getTokens(world.w, u, { clientId: gamma.clientId, resource });
    const hit = [await viaGamma(m1, world.project.draftUrl), await viaGamma(m2, world.project.url)];
    const spared = await viaAlpha(m1, world.project.draftUrl);
    const r = await world.owner.post(`${orgPath()}/revoke`, { client: gamma.clientId });
    assert.deepEqual(r.body, { revoked_count: 2 }, r.text);
    await assertRevoked(hit[0], world.project.draftUrl, 'gamma, member 1');
    await assertRevoked(hit[1], world.project.url, 'gamma, member 2');
    await assertWorks(spared.access_token, world.project.draftUrl, 'alpha, member 1');
  });

  test('bulk filters are ANDed: one member\'s draft grants only', async () => {
    const m = await world.member('developer', 'anded');
    const draft = await viaAlpha(m, world.project.draftUrl);
    const prod = await viaAlpha(m, world.project.url);
    const r = await world.owner.post(`${orgPath()}/revoke`, { user: m.user.id, channel: 'draft', project: world.project.slug });
    assert.deepEqual(r.body, { revoked_count: 1 }, r.text);
    await assertRevoked(draft, world.project.draftUrl, 'draft');
    await assertWorks(prod.access_token, world.project.url, 'production');
  });

  test('bulk: an empty or unknown filter is a 400 and revokes nothing; org.manage is needed', async () => {
    const m = await world.member('developer', 'badbulk');
    const t = await viaAlpha(m, world.project.draftUrl);
    for (const [body, code, names] of [
      [{}, 'empty_filter', /project/],
      [{ project: null }, 'empty_filter', /project/],
      [{ org: world.org }, 'invalid_filter', /"org"/],
      [{ user: 7 }, 'invalid_filter', /"user"/],
      [{ user: '' }, 'invalid_filter', /"user"/],
      [{ channel: 'staging' }, 'invalid_filter', /"channel"/],
      [[m.user.id], 'invalid_json', /object/],
    ]) {
      const r = await world.owner.post(`${orgPath()}/revoke`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.body.error, code, JSON.stringify(body));
      assert.match(r.body.message, names, JSON.stringify(body));
    }
    const notJson = await world.owner.post(`${orgPath()}/revoke`, 'user=x', { raw: true, headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400, notJson.text);
    const forbidden = await m.post(`${orgPath()}/revoke`, { user: m.user.id });
    assert.equal(forbidden.status, 403, forbidden.text);
    await assertWorks(t.access_token, world.project.draftUrl, 'nothing was revoked');
  });

  test('removing a member revokes their grants', async () => {
    const m = await world.member('developer', 'removed');
    const ts = [await viaAlpha(m, world.project.draftUrl), await viaBeta(m, world.project.url)];
    const del = await world.owner.delete(`/api/v1/orgs/${world.org}/members/${m.user.id}`);
    assert.equal(del.status, 200, del.text);
    done.removal = { user: m, grants: ts };
    await assertRevoked(ts[0], world.project.draftUrl, 'draft');
    await assertRevoked(ts[1], world.project.url, 'production');
    assert.deepEqual(await world.grants({ user: m.user.id }), []);
    assert.deepEqual(ids(await world.grants({ user: m.user.id, status: 'revoked' })), sorted(ts[0].grantId, ts[1].grantId));
  });

  test('self-service: a member revokes their own grant, never another\'s', async () => {
    const me = await world.member('mcp_developer', 'self');
    const other = await world.member('mcp_developer', 'notme');
    const t = await viaAlpha(me, world.project.draftUrl);
    const keep = await viaAlpha(me, world.project.draftUrl);
    const theirs = await viaAlpha(other, world.project.draftUrl);
    assert.equal((await me.delete(`/api/v1/me/grants/${theirs.grantId}`)).status, 404, 'not mine');
    const del = await me.delete(`/api/v1/me/grants/${t.grantId}`);
    assert.equal(del.status, 200, del.text);
    done.self = { user: me, grant: t };
    await assertRevoked(t, world.project.draftUrl, 'own grant');
    await assertWorks(keep.access_token, world.project.draftUrl, 'own other grant');
    await assertWorks(theirs.access_token, world.project.draftUrl, 'someone else\'s');
    assert.deepEqual(ids((await me.get('/api/v1/me/grants')).body.grants), [keep.grantId]);
    assert.deepEqual(ids((await me.get('/api/v1/me/grants?status=revoked')).body.grants), [t.grantId]);
  });
});

describe('bad input', () => {
  test('unknown filters, bad values, malformed cursors and oversized limits: a 400 naming the parameter', async () => {
    const dev = await world.member('developer', 'bad');
    for (const [client, path, name] of [
      [world.owner, `${orgPath()}?colour=red`, 'colour'],
      [world.owner, `${orgPath()}?org=${world.org}`, 'org'],
      [world.owner, `${orgPath()}?status=gone`, 'status'],
      [world.owner, `${orgPath()}?channel=staging`, 'channel'],
      [world.owner, `${orgPath()}?project=`, 'project'],
      [world.owner, `${orgPath()}?user=a&user=b`, 'user'],
      [world.owner, `${orgPath()}?limit=501`, 'limit'],
      [world.owner, `${orgPath()}?cursor=not-a-cursor`, 'cursor'],
      [dev, '/api/v1/me/grants?user=usr_x', 'user'],
      [dev, '/api/v1/me/grants?limit=100000', 'limit'],
      [dev, '/api/v1/me/grants?cursor=%00', 'cursor'],
    ]) {
      const r = await client.get(path);
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.ok(r.body.message.includes(name), `${path}: ${r.body.message}`);
    }
  });

  test('another org\'s grant id is a 404, and revokes nothing', async () => {
    const m = await world.member('developer', 'foreign');
    const t = await viaAlpha(m, world.project.draftUrl);
    const otherOrg = await createOrg(world.owner, uniq('other'));
    const r = await world.owner.delete(`/api/v1/orgs/${otherOrg}/grants/${t.grantId}`);
    assert.equal(r.status, 404, r.text);
    const bulk = await world.owner.post(`/api/v1/orgs/${otherOrg}/grants/revoke`, { user: m.user.id });
    assert.deepEqual(bulk.body, { revoked_count: 0 }, bulk.text);
    assert.equal((await world.owner.delete(`${orgPath()}/grt_nope`)).status, 404);
    await assertWorks(t.access_token, world.project.draftUrl, 'untouched');
  });
});

describe('the audit log', () => {
  const actions = (action, n) => drained(world.owner, `/api/v1/orgs/${world.org}/audit/actions?action=${action}`, n);
  const assertActor = (rec, who, label) => {
    assert.equal(rec.org, world.org, label);
    assert.equal(rec.actor_id, who.user.id, `${label}: actor`);
    assert.equal(rec.actor_email, who.user.email, `${label}: actor email`);
  };

  test('a single revocation, by an admin and by the member: grant.revoke', async () => {
    assert.ok(done.one && done.self, 'the revocation tests ran');
    const records = await actions('grant.revoke', 2);
    const admin = records.find((r) => r.target === done.one.grant.grantId);
    const self = records.find((r) => r.target === done.self.grant.grantId);
    assertActor(admin, world.owner, 'admin');
    assertActor(self, done.self.user, 'own');
    assert.deepEqual(admin.details, {
      project: world.project.slug, channel: 'draft', user_id: done.one.user.user.id, client_id: alpha.clientId,
    });
    const own = await drained(done.self.user, '/api/v1/me/audit/actions?action=grant.revoke', 1);
    assert.deepEqual(own.map((r) => r.target), [done.self.grant.grantId], 'the member sees their own revocation');
  });

  test('a bulk revocation and a member removal: grant.revoke_bulk with the count and the grants', async () => {
    assert.ok(done.bulk && done.removal, 'the revocation tests ran');
    // In this org: by member, the same again (0), by client, ANDed, and the
    // removal (the foreign org's bulk revocation is that org's record).
    const records = await actions('grant.revoke_bulk', 5);
    assert.equal(records.length, 5, JSON.stringify(records.map((r) => r.details)));
    // The bulk revocation by member, and the same request again (newest first).
    const byMember = records.filter((r) => r.details.filter?.user === done.bulk.user.user.id && r.details.filter?.channel === null);
    assert.deepEqual(byMember.map((r) => r.details.revoked_count), [0, 2], 'the repeat is recorded with nothing revoked');
    const bulk = byMember[1];
    assertActor(bulk, world.owner, 'bulk');
    assert.equal(bulk.target, 'grants');
    assert.deepEqual(bulk.details.filter, { project: null, user: done.bulk.user.user.id, client: null, channel: null });
    assert.deepEqual(bulk.details.grant_ids.sort(), done.bulk.grants.map((t) => t.grantId).sort());
    assert.equal(bulk.details.hubs, 1, 'one hub call for the one project');
    const removal = records.find((r) => r.target === done.removal.user.user.id);
    assertActor(removal, world.owner, 'removal');
    assert.equal(removal.details.cause, 'member.remove');
    assert.equal(removal.details.revoked_count, 2);
    assert.deepEqual(removal.details.grant_ids.sort(), done.removal.grants.map((t) => t.grantId).sort());
    const [removed] = (await actions('member.remove', 1)).filter((r) => r.target === done.removal.user.user.id);
    assert.ok(removed, 'the removal itself is recorded too');
  });
});
