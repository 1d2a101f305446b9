// The load mix of issue 15 (suites 3 and 4), shared by `npm run load` /
// `npm run soak` (scripts/load.mjs) and the kill-and-restart suite
// (tests/faults/kill-restart.test.mjs).
//
// One org, one private project with an interactive Type (`show_order`) and an
// http data tool (`get_order`, against a loopback upstream), published, on a
// worker started by tests/harness.mjs. Every client holds a real grant from
// the real OAuth flow (tests/oauth-helpers.mjs: DCR, consent, PKCE, code
// exchange) for the production endpoint (even clients) or the draft endpoint
// (odd clients), and loops over a weighted mix:
//   list (tools/list), call (the interactive tool), data (the http tool),
//   refresh (rotating its refresh token), revoke (the owner revokes the
//   client's grant through the API; its very next MCP request must be 401
//   and its refresh token refused, then it authorizes again).
// Client 0 is the editor instead: it saves a draft revision and publishes,
// over and over.
//
// What counts as an error is written once, in `expect*` below: anything but
// the answer a user would see on a healthy instance. The 401 of a just-revoked
// grant is expected and counted apart (`revokedRefused`). Every MCP response
// must carry `Dockyard-Request-Id`; `auditCheck` then waits (bounded) until
// the audit log holds as many records as there were MCP requests and compares
// the two sets exactly, and compares the management actions (`project.publish`,
// `grant.revoke`) with the acknowledged publishes and revocations.
import assert from 'node:assert/strict';
import { getTokens, mcp, refresh } from '../tests/oauth-helpers.mjs';
import { orderCard, createOrg, createProject, putType, publish, sleep } from '../tests/mcp-fixtures.mjs';
import { startUpstream, httpType, putSecret } from '../tests/datatools/http-setup.mjs';
import { pages } from '../tests/audit/setup.mjs';
import { tokenLog } from '../tests/oauth-helpers.mjs';

/** The mix of a non-editor client: cumulative weights out of 100. */
export const MIX = [['list', 30], ['call', 25], ['data', 25], ['refresh', 12], ['revoke', 8]];
/**
 * The steady mix (`--steady`): only reads and calls, no editor and no new
 * grants after the first authorization, so the stored state grows by audit
 * rows alone. A soak with it tells a leak from stored data.
 */
export const STEADY_MIX = [['list', 40], ['call', 30], ['data', 30]];

/** Seeds the world the load runs in; returns it (stop `world.up` when done). */
export async function setupWorld(w, owner, { org = `load-${process.pid}`, project = 'shop' } = {}) {
  const up = await startUpstream();
  // Node closes an idle keep-alive connection after 5 s; workerd may reuse a
  // pooled one at that very moment ("the connection failed"), the classic
  // keep-alive race of any HTTP client with a backend that times idle
  // connections out first. The soak at 64 clients met it; a backend's idle
  // timeout longer than the client's pool keeps the mix about Dockyard.
  up.server.keepAliveTimeout = 120_000;
  await createOrg(owner, org);
  await createProject(owner, org, project);
  await putSecret(owner, org, project, 'SIGNING', up.secret);
  await putType(owner, org, project, orderCard('show_order'));
  // 30 s, not the suites' 5 s: the upstream shares a Node process with the
  // clients, and on a loaded 2-core machine a 5 s budget is an environment
  // failure, not a finding (a soak at 64 clients saw a few at 5 s).
  await putType(owner, org, project, httpType('get_order', `${up.base}/ok`, { http: { url: `${up.base}/ok`, secret: 'SIGNING', timeout_ms: 30_000 } }));
  const P = `/api/v1/orgs/${org}/projects/${project}`;
  const rate = await owner.patch(P, { data_tool_rate_per_minute: 10000 });
  assert.equal(rate.status, 200, rate.text);
  await publish(owner, org, project);
  return {
    w, owner, up, org, project, P,
    prodUrl: `${w.url}/${org}/${project}`, draftUrl: `${w.url}/${org}/${project}/draft`,
  };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);

/** p50/p99/max (ms, rounded) of a list of durations. */
export function latency(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: Math.round(pct(s, 0.5)), p99: Math.round(pct(s, 0.99)), max: Math.round(s.at(-1) ?? 0) };
}

/**
 * Runs the mix with `clients` clients until `seconds` pass or `signal.stop`
 * is set (checked between requests). Returns the report; `state` (optional)
 * is filled as it runs, so a caller that kills the worker meanwhile still
 * sees what was acknowledged.
 */
export async function runMix(world, { seconds = 60, clients = 64, signal = {}, state = newState(), onError, mix = MIX, editor = true } = {}) {
  const { w, owner, P, org } = world;
  const stopAt = Date.now() + seconds * 1000;
  const running = () => !signal.stop && Date.now() < stopAt;
  const timed = async (kind, fn) => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      (state.ms[kind] ??= []).push(performance.now() - t0);
      state.requests += 1;
    }
  };
  const fail = (kind, what) => {
    state.errors.push({ kind, what: String(what).slice(0, 300) });
    onError?.(kind, what);
  };
  /** An MCP request: records its id (every response must have one). */
  const rpc = async (kind, c, method, params) => {
    const r = await timed(kind, () => mcp(c.url, c.tokens.access_token, method, params));
    const id = r.headers.get('dockyard-request-id');
    if (id) state.ids.push(id); else fail(kind, `no Dockyard-Request-Id (${r.status})`);
    return r;
  };
  const authorize = async (c) => {
    c.tokens = await timed('authorize', () => getTokens(w, owner, { resource: c.url }));
    c.grant = { grantId: c.tokens.grantId, url: c.url, access: c.tokens.access_token };
    state.grants.push(c.grant);
  };

  const ops = {
    async list(c) {
      const r = await rpc('list', c, 'tools/list', {});
      const names = r.json?.result?.tools?.map((t) => t.name) ?? [];
      if (r.status !== 200 || !names.includes('show_order')) fail('list', `${r.status} ${r.text.slice(0, 200)}`);
    },
    async call(c, n) {
      const r = await rpc('call', c, 'tools/call', { name: 'show_order', arguments: { order_id: `L${n}` } });
      if (r.status !== 200 || !r.json?.result || r.json.result.isError) fail('call', `${r.status} ${r.text.slice(0, 200)}`);
    },
    async data(c, n) {
      const r = await rpc('data', c, 'tools/call', { name: 'get_order', arguments: { order_id: `D${n}` } });
      const res = r.json?.result;
      if (r.status !== 200 || !res || res.isError || res.structuredContent?.ok !== true) fail('data', `${r.status} ${r.text.slice(0, 300)}`);
    },
    async refresh(c) {
      const r = await timed('refresh', () => refresh(w, { refreshToken: c.tokens.refresh_token, clientId: c.tokens.clientId, resource: c.url }));
      if (r.status !== 200 || !r.body?.access_token || !r.body?.refresh_token) return fail('refresh', `${r.status} ${r.text.slice(0, 200)}`);
      c.tokens = { ...c.tokens, access_token: r.body.access_token, refresh_token: r.body.refresh_token };
      c.grant.access = r.body.access_token;
    },
    async revoke(c) {
      const { grantId } = c.tokens;
      // Sent, not yet acknowledged: a crash now may or may not have revoked it.
      state.revoking.push(grantId);
      const r = await timed('revoke', () => owner.delete(`/api/v1/orgs/${org}/grants/${grantId}`));
      if (r.status !== 200 && r.status !== 204) return fail('revoke', `${r.status} ${r.text.slice(0, 200)}`);
      state.revoked.push({ grantId, url: c.url, access: c.tokens.access_token });
      // Its very next request is refused, and so is its refresh token.
      const next = await rpc('revoked', c, 'tools/list', {});
      if (next.status === 401) state.revokedRefused += 1;
      else fail('revoked', `a revoked grant was served: ${next.status} ${next.text.slice(0, 200)}`);
      const again = await timed('revoked', () => refresh(w, { refreshToken: c.tokens.refresh_token, clientId: c.tokens.clientId, resource: c.url }));
      if (again.status !== 400 || again.body?.error !== 'invalid_grant') fail('revoked', `refresh after revoke: ${again.status} ${again.text.slice(0, 200)}`);
      await authorize(c);
    },
    async edit(c, n) {
      const doc = orderCard('show_order', { description: `Shows one order (revision ${n}).` });
      const r = await timed('draft', () => owner.put(`${P}/draft/types/show_order`, doc));
      if (r.status !== 200 && r.status !== 201) return fail('draft', `${r.status} ${r.text.slice(0, 200)}`);
      state.drafts.push(doc.description);
      const p = await timed('publish', () => owner.post(`${P}/publish`, { notes: `load ${n}` }));
      if (p.status !== 201) return fail('publish', `${p.status} ${p.text.slice(0, 200)}`);
      state.publishes.push(p.body.version.version);
    },
  };
  const pick = () => {
    const x = Math.random() * 100;
    let sum = 0;
    for (const [kind, weight] of mix) { sum += weight; if (x < sum) return kind; }
    return mix[0][0];
  };

  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, async (_, i) => {
    const c = { url: i % 2 === 0 ? world.prodUrl : world.draftUrl };
    let n = 0;
    try {
      if (i !== 0 || !editor) await authorize(c);
      while (running()) {
        n += 1;
        const kind = i === 0 && editor ? 'edit' : pick();
        try {
          await ops[kind](c, `${i}-${n}`);
        } catch (e) {
          fail(kind, e?.cause?.code ?? e?.message ?? e);
          if (!c.tokens && i !== 0) break;
        }
        // The OAuth helpers keep a log of every token call; a soak must not grow it.
        if (tokenLog.length > 1000) tokenLog.length = 0;
        if (world.up.requests.length > 1000) world.up.requests.length = 0;
      }
    } catch (e) {
      fail('authorize', e?.message ?? e);
    }
  }));
  state.seconds = (Date.now() - started) / 1000;
  return state;
}

export function newState() {
  return { requests: 0, ms: {}, ids: [], errors: [], grants: [], revoking: [], revoked: [], revokedRefused: 0, drafts: [], publishes: [], seconds: 0 };
}

/** Every revoked grant is still refused (one MCP request each; their ids join `state.ids`). */
export async function recheckRevoked(state) {
  let refused = 0;
  for (const g of state.revoked) {
    const r = await mcp(g.url, g.access, 'tools/list', {});
    const id = r.headers.get('dockyard-request-id');
    if (id) state.ids.push(id);
    if (r.status === 401) refused += 1;
    else state.errors.push({ kind: 'revoked-recheck', what: `${g.grantId}: ${r.status}` });
  }
  return refused;
}

/**
 * Waits (at most `timeoutMs`) until the org's audit log holds every MCP
 * request's record, then compares: `missing`, `extra`, `duplicates` (0, 0, 0
 * to pass), and the management actions against what was acknowledged.
 */
export async function auditCheck(world, state, { timeoutMs = 180_000, publishesBefore = 1 } = {}) {
  const { w, owner, org } = world;
  const want = new Set(state.ids);
  const t0 = Date.now();
  let stored = 0;
  for (;;) {
    stored = Number((await w.d1(`SELECT COUNT(*) AS n FROM audit_events`).catch(() => [{ n: -1 }]))[0]?.n ?? -1);
    if (stored >= want.size || Date.now() - t0 > timeoutMs) break;
    await sleep(1000);
  }
  const drainMs = Date.now() - t0;
  const records = await pages(owner, `/api/v1/orgs/${org}/audit?limit=500`);
  const seen = new Map();
  for (const r of records) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const actions = await pages(owner, `/api/v1/orgs/${org}/audit/actions?limit=500`);
  const count = (a) => actions.filter((x) => x.action === a).length;
  return {
    requests: state.ids.length,
    distinctRequests: want.size,
    records: records.length,
    missing: [...want].filter((id) => !seen.has(id)).length,
    extra: [...seen.keys()].filter((id) => !want.has(id)).length,
    duplicates: [...seen.values()].filter((n) => n > 1).length,
    drainMs,
    actions: {
      publish: { acknowledged: state.publishes.length + publishesBefore, recorded: count('project.publish') },
      revoke: { acknowledged: state.revoked.length, recorded: count('grant.revoke') },
    },
  };
}
