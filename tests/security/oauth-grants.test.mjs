// Refresh and the Authorized apps listing, the security review's findings:
//  - `scope` on refresh narrows the issued token (RFC 6749 §6) and never
//    widens it (a scope outside the grant is invalid_scope); the grant keeps
//    its scopes, so a later refresh without `scope` gets them all again;
//  - `resource` on refresh must be the grant's own (else invalid_target);
//  - a refresh re-checks the member's channel permission: a member demoted
//    to a role without endpoint.draft cannot refresh a draft grant (and can
//    again once promoted back: the refusal consumed nothing);
//  - the grants lists paginate with an opaque cursor (`limit` default 50,
//    max 500; a bad `limit` or `cursor` is a 400 naming it).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getTokens, refresh, authorize, registerClient, decodeJwt, mcp } from '../oauth-helpers.mjs';
import { securityWorld } from './setup.mjs';

let world;
before(async () => { world = await securityWorld(); });
after(() => world?.stop());

function assertTokenError(r, error, label) {
  assert.equal(r.status, 400, `${label}: ${r.text}`);
  assert.equal(r.body?.error, error, `${label}: ${r.text}`);
  assert.equal(r.body.access_token, undefined, label);
}

describe('refresh honours scope, resource and the member\'s channel permission', () => {
  test('scope narrows the issued token; the grant keeps its scopes', async () => {
    const dev = await world.member('developer');
    const t = await getTokens(world.w, dev, { resource: world.project.draftUrl });
    assert.equal(t.scope, 'tools:call tools:read');
    const narrow = await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId, scope: 'tools:read' });
    assert.equal(narrow.status, 200, narrow.text);
    assert.equal(narrow.body.scope, 'tools:read');
    assert.equal(decodeJwt(narrow.body.access_token).payload.scope, 'tools:read');
    const call = await mcp(world.project.draftUrl, narrow.body.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: 'o-1' } });
    assert.equal(call.status, 403, `the narrowed token cannot call: ${call.text}`);
    const full = await refresh(world.w, { refreshToken: narrow.body.refresh_token, clientId: t.clientId });
    assert.equal(full.status, 200, full.text);
    assert.equal(full.body.scope, 'tools:call tools:read', 'without scope: the grant\'s scopes again');
  });

  test('a scope outside the grant is invalid_scope, and the refresh token still works after', async () => {
    const dev = await world.member('developer');
    const t = await getTokens(world.w, dev, { resource: world.project.draftUrl, scope: 'tools:read' });
    assert.equal(t.scope, 'tools:read');
    for (const scope of ['tools:read tools:call', 'orders:read', 'Bad!']) {
      assertTokenError(await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId, scope }), 'invalid_scope', scope);
    }
    const ok = await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId, scope: 'tools:read' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.scope, 'tools:read');
  });

  test('resource must be the grant\'s own: invalid_target otherwise, and nothing is consumed', async () => {
    const dev = await world.member('developer');
    const t = await getTokens(world.w, dev, { resource: world.project.draftUrl });
    for (const resource of [world.project.url, `${world.w.url}/${world.org}/elsewhere/draft`, 'https://evil.example/x']) {
      assertTokenError(await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId, resource }), 'invalid_target', resource);
    }
    const same = await refresh(world.w, { refreshToken: t.refresh_token, clientId: t.clientId, resource: world.project.draftUrl });
    assert.equal(same.status, 200, same.text);
    assert.equal(decodeJwt(same.body.access_token).payload.aud, world.project.draftUrl);
  });

  test('a member demoted to a role without endpoint.draft cannot refresh a draft grant', async () => {
    const m = await world.member('developer', 'demoted');
    const draft = await getTokens(world.w, m, { resource: world.project.draftUrl });
    const prod = await getTokens(world.w, m, { resource: world.project.url });
    const patch = await world.owner.patch(`/api/v1/orgs/${world.org}/members/${m.user.id}`, { role: 'mcp_user' });
    assert.equal(patch.status, 200, patch.text);
    const r = await refresh(world.w, { refreshToken: draft.refresh_token, clientId: draft.clientId });
    assertTokenError(r, 'invalid_grant', 'draft after the demotion');
    assert.match(r.body.error_description, /endpoint\.draft/);
    const p = await refresh(world.w, { refreshToken: prod.refresh_token, clientId: prod.clientId });
    assert.equal(p.status, 200, `production is still allowed: ${p.text}`);
    await world.owner.patch(`/api/v1/orgs/${world.org}/members/${m.user.id}`, { role: 'developer' });
    const again = await refresh(world.w, { refreshToken: draft.refresh_token, clientId: draft.clientId });
    assert.equal(again.status, 200, `promoted back: ${again.text}`);
  });
});

describe('the grants lists paginate', () => {
  let m; const ids = [];
  before(async () => {
    m = await world.member('developer', 'many');
    const reg = await registerClient(world.w, { client_name: 'Many grants' });
    for (let i = 0; i < 52; i++) {
      const a = await authorize(world.w, m, { clientId: reg.clientId, resource: world.project.url });
      assert.ok(a.redirect?.code, `grant ${i}`);
    }
    const all = await m.get('/api/v1/me/grants?limit=500');
    assert.equal(all.status, 200, all.text);
    ids.push(...all.body.grants.map((g) => g.id));
    assert.equal(ids.length, 52);
    assert.equal(all.body.next_cursor, null);
  });

  /** Every page of `path` with `limit`, following next_cursor. */
  async function pages(client, path, limit) {
    const out = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const q = new URLSearchParams(limit ? { limit: String(limit) } : {});
      if (cursor) q.set('cursor', cursor);
      const r = await client.get(`${path}${path.includes('?') ? '&' : '?'}${q}`);
      assert.equal(r.status, 200, r.text);
      out.push(r.body.grants.map((g) => g.id));
      cursor = r.body.next_cursor;
      if (cursor === null) return out;
      assert.equal(typeof cursor, 'string');
    }
    throw new Error('no end of pages');
  }

  test('a member\'s list: 50 by default, then the rest; limit and cursor walk it without gaps', async () => {
    const byDefault = await pages(m, '/api/v1/me/grants');
    assert.deepEqual(byDefault.map((p) => p.length), [50, 2]);
    assert.deepEqual(byDefault.flat(), ids, 'newest first, no gaps, no repeats');
    const bySeven = await pages(m, '/api/v1/me/grants', 7);
    assert.deepEqual(bySeven.map((p) => p.length), [7, 7, 7, 7, 7, 7, 7, 3]);
    assert.deepEqual(bySeven.flat(), ids);
  });

  test('an org\'s list (with a filter) walks the same way', async () => {
    const path = `/api/v1/orgs/${world.org}/grants?user=${m.user.id}`;
    const byTen = await pages(world.owner, path, 10);
    assert.deepEqual(byTen.map((p) => p.length), [10, 10, 10, 10, 10, 2]);
    assert.deepEqual(byTen.flat(), ids);
  });

  test('a bad limit or cursor is a 400 naming the parameter', async () => {
    for (const [path, client] of [['/api/v1/me/grants', m], [`/api/v1/orgs/${world.org}/grants`, world.owner]]) {
      for (const limit of ['0', '501', 'ten', '2.5', '-1']) {
        const r = await client.get(`${path}?limit=${limit}`);
        assert.equal(r.status, 400, `${path} limit=${limit}: ${r.text}`);
        assert.equal(r.body.error, 'invalid_limit');
        assert.match(r.body.message, /limit/);
      }
      for (const cursor of ['garbage', 'eyJ4IjoxfQ', '%00']) {
        const r = await client.get(`${path}?cursor=${cursor}`);
        assert.equal(r.status, 400, `${path} cursor=${cursor}: ${r.text}`);
        assert.equal(r.body.error, 'invalid_cursor');
        assert.match(r.body.message, /cursor/);
      }
    }
  });
});
