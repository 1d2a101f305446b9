// Every audit field, for what a real client does and for every refusal:
//   - the official SDKs with real OAuth tokens: @modelcontextprotocol/client
//     (v2, 2026-07-28) on production and @modelcontextprotocol/sdk (v1,
//     2025-11-25, host info carried in the signed session id) on draft;
//   - denied: no token, a revoked grant, a token of the other channel (wrong
//     audience), a token without tools:call, a step-up, a hidden Type, a
//     refused Origin;
//   - invalid: bad arguments, an unknown tool, 415, 413, a token in the URL,
//     unparsable JSON; tool errors: a data tool, an output-schema mismatch;
//   - an anonymous call of a public project.
// Every response of an MCP endpoint carries Dockyard-Request-Id, and the
// record with that id is read back through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startMcpWorker, ownerOf, post, modern, uniq, ACCEPT } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { seedOrg, record, assertRecord, digest, REQUEST_ID } from './setup.mjs';

let w;
let owner;
let s; // the seeded org
let dev; // developer: draft + production, every scope
let viewer; // production, tools:read only
let prodTokens;
let draftTokens;

before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
  s = await seedOrg(w, owner);
  dev = await w.addMember(owner, s.org, `${uniq('dev')}@example.test`, 'developer');
  viewer = await w.addMember(owner, s.org, `${uniq('viewer')}@example.test`, 'viewer');
  prodTokens = await getTokens(w, dev, { resource: s.url });
  draftTokens = await getTokens(w, dev, { resource: s.draftUrl });
});
after(async () => { await w?.stop(); });

/** A fetch that remembers each response's Dockyard-Request-Id with the JSON-RPC method it answered. */
function recordingFetch(seen) {
  return async (input, init = {}) => {
    const res = await fetch(input, init);
    let method = (init.method ?? 'GET').toUpperCase();
    if (typeof init.body === 'string') {
      try { method = JSON.parse(init.body).method ?? method; } catch { /* not JSON */ }
    }
    seen.push({ method, status: res.status, id: res.headers.get('dockyard-request-id') });
    return res;
  };
}

const byMethod = (seen, method) => seen.filter((x) => x.method === method);

test('v2 SDK on production: every field of discover, list and call', async () => {
  const seen = [];
  const transport = new V2Transport(new URL(s.url), {
    fetch: recordingFetch(seen),
    requestInit: { headers: { authorization: `Bearer ${prodTokens.access_token}` } },
  });
  const client = new V2Client({ name: 'dockyard-audit-v2', version: '2.0.1' }, { versionNegotiation: { mode: 'pinned', version: '2026-07-28' } });
  await client.connect(transport);
  await client.listTools();
  const args = { order_id: 'A-1', api_token: 'tok_live_123' };
  const result = await client.callTool({ name: 'show_order', arguments: args });
  assert.equal(result.isError, undefined);
  await client.close();
  assert.ok(seen.length >= 3 && seen.every((x) => REQUEST_ID.test(x.id ?? '')), JSON.stringify(seen));

  const who = {
    org: s.org, project: s.project, channel: 'production', version: s.version, era: 'modern',
    protocol_version: '2026-07-28', user_id: dev.user.id, user_email: dev.user.email,
    client_id: prodTokens.clientId, client_name: 'Dockyard test client', grant_id: prodTokens.grantId,
    host_name: 'dockyard-audit-v2', host_version: '2.0.1', status: 'ok', error_code: null,
  };
  const [call] = byMethod(seen, 'tools/call');
  const rec = (await record(owner, s.org, call.id)).record;
  const d = digest(args);
  assertRecord(rec, {
    ...who, id: call.id, method: 'tools/call', tool: 'show_order', tool_kind: 'interactive',
    args_sha256: d.sha256, args_bytes: d.bytes, result_sha256: /^[0-9a-f]{64}$/,
  }, 'tools/call');
  assert.ok(rec.result_bytes > 0);
  const [list] = byMethod(seen, 'tools/list');
  assertRecord((await record(owner, s.org, list.id)).record, {
    ...who, method: 'tools/list', tool: null, tool_kind: null, args_sha256: null, args_bytes: null,
  }, 'tools/list');
  const discover = byMethod(seen, 'server/discover');
  assert.equal(discover.length, 1, JSON.stringify(seen));
  assertRecord((await record(owner, s.org, discover[0].id)).record, { ...who, method: 'server/discover' }, 'discover');
});

test('v1 SDK on draft: the legacy era, the host from initialize in every record of the session', async () => {
  const seen = [];
  const transport = new V1Transport(new URL(s.draftUrl), {
    fetch: recordingFetch(seen),
    requestInit: { headers: { authorization: `Bearer ${draftTokens.access_token}` } },
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 60_000, maxReconnectionDelay: 60_000, reconnectionDelayGrowFactor: 1 },
  });
  const client = new V1Client({ name: 'dockyard-audit-v1', version: '1.9.0' });
  client.onerror = () => {};
  await client.connect(transport);
  await client.listTools();
  const bad = await client.callTool({ name: 'show_order', arguments: { quantity: 0 } });
  assert.equal(bad.isError, true, 'invalid arguments are an isError result');
  await client.close();
  const who = {
    org: s.org, project: s.project, channel: 'draft', version: /^draft-r\d+$/, era: 'legacy',
    user_id: dev.user.id, grant_id: draftTokens.grantId, host_name: 'dockyard-audit-v1', host_version: '1.9.0',
  };
  const [init] = byMethod(seen, 'initialize');
  assertRecord((await record(owner, s.org, init.id)).record, { ...who, method: 'initialize', protocol_version: '2025-11-25', status: 'ok' }, 'initialize');
  const [list] = byMethod(seen, 'tools/list');
  assertRecord((await record(owner, s.org, list.id)).record, { ...who, method: 'tools/list', status: 'ok' }, 'list in the session');
  const [call] = byMethod(seen, 'tools/call');
  assertRecord((await record(owner, s.org, call.id)).record, {
    ...who, method: 'tools/call', tool: 'show_order', tool_kind: 'interactive', status: 'invalid', error_code: 'invalid_arguments',
  }, 'invalid arguments');
  const [notified] = byMethod(seen, 'notifications/initialized');
  assertRecord((await record(owner, s.org, notified.id)).record, { ...who, status: 'ok' }, 'the notification');
  const streams = byMethod(seen, 'GET').filter((x) => x.status === 200);
  if (streams.length) {
    assertRecord((await record(owner, s.org, streams[0].id)).record, { ...who, method: 'GET', status: 'ok' }, 'the listen stream');
  }
});

/** A raw call; asserts the response carries an id and returns the record. */
async function audited(r, label) {
  const id = r.headers.get('dockyard-request-id');
  assert.match(id ?? '', REQUEST_ID, `${label}: Dockyard-Request-Id on a ${r.status}`);
  return (await record(owner, s.org, id)).record;
}

test('denied: no token, revoked grant, wrong audience, missing scope, step-up, hidden Type, Origin', async () => {
  let rec = await audited(await modern(s.url, 'tools/list'), 'no token');
  assertRecord(rec, { status: 'denied', error_code: 'token_missing', user_id: null, grant_id: null, method: 'tools/list' }, 'no token');
  rec = await audited(await modern(s.draftUrl, 'tools/list'), 'no token on draft');
  assertRecord(rec, { status: 'denied', error_code: 'token_missing', channel: 'draft' }, 'no token on draft');

  rec = await audited(await mcp(s.url, draftTokens.access_token, 'tools/list'), 'wrong audience');
  assertRecord(rec, { status: 'denied', error_code: 'token_wrong_audience', user_id: null }, 'a draft token on production');
  rec = await audited(await mcp(s.url, `${prodTokens.access_token}x`, 'tools/list'), 'forged');
  assertRecord(rec, { status: 'denied', error_code: 'token_invalid' }, 'a tampered token');

  const narrow = await getTokens(w, dev, { resource: s.url, scope: 'tools:read' });
  rec = await audited(await mcp(s.url, narrow.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: 'x' } }), 'no tools:call');
  // Calling needs `tools:call`: a token without it gets the step-up 403.
  assertRecord(rec, { status: 'denied', error_code: 'insufficient_scope', tool: 'show_order', user_id: dev.user.id }, 'tools:read only');
  rec = await audited(await mcp(s.url, prodTokens.access_token, 'tools/call', { name: 'orders_report', arguments: {} }), 'step-up');
  assertRecord(rec, { status: 'denied', error_code: 'insufficient_scope', tool: 'orders_report' }, 'step-up 403');
  const viewerTokens = await getTokens(w, viewer, { resource: s.url, scope: 'tools:read' });
  rec = await audited(await mcp(s.url, viewerTokens.access_token, 'tools/call', { name: 'orders_report', arguments: {} }), 'hidden');
  assertRecord(rec, { status: 'denied', error_code: 'tool_hidden', user_id: viewer.user.id }, 'a Type the role cannot use');

  const doomed = await getTokens(w, dev, { resource: s.url });
  const revoke = await owner.delete(`/api/v1/orgs/${s.org}/grants/${doomed.grantId}`);
  assert.equal(revoke.status, 200, revoke.text);
  rec = await audited(await mcp(s.url, doomed.access_token, 'tools/list'), 'revoked');
  assertRecord(rec, { status: 'denied', error_code: 'grant_revoked', grant_id: doomed.grantId, user_id: dev.user.id }, 'revoked');

  rec = await audited(await modern(s.url, 'tools/list', {}, { headers: { origin: 'https://evil.example' } }), 'origin');
  assertRecord(rec, { status: 'denied', error_code: 'origin_refused', method: 'POST' }, 'Origin refused before the body is read');
});

test('invalid requests and tool errors', async () => {
  const call = (name, args) => mcp(s.url, prodTokens.access_token, 'tools/call', { name, arguments: args });
  let rec = await audited(await call('nope', {}), 'unknown tool');
  assertRecord(rec, { status: 'invalid', error_code: 'unknown_tool', tool: 'nope', tool_kind: null }, 'unknown tool');
  rec = await audited(await call('fetch_stock', { sku: 'X' }), 'data tool');
  assertRecord(rec, { status: 'upstream_error', error_code: 'upstream_unreachable', tool_kind: 'http' }, 'a data tool whose backend is down');
  rec = await audited(await call('quote', { sku: 'X' }), 'output mismatch');
  assertRecord(rec, { status: 'tool_error', error_code: 'output_schema_mismatch', tool: 'quote' }, 'output schema');

  const auth = { authorization: `Bearer ${prodTokens.access_token}` };
  rec = await audited(await post(s.url, '{"jsonrpc":', auth), 'parse error');
  assertRecord(rec, { status: 'invalid', error_code: 'parse_error', method: 'POST' }, 'not JSON');
  rec = await audited(await post(s.url, '{}', { ...auth, 'content-type': 'text/plain' }), '415');
  assertRecord(rec, { status: 'invalid', error_code: 'unsupported_media_type' }, '415');
  rec = await audited(await post(s.url, 'x'.repeat(1024 * 1024 + 10), auth), '413');
  assertRecord(rec, { status: 'invalid', error_code: 'payload_too_large' }, '413');
  rec = await audited(await modern(`${s.url}?access_token=${prodTokens.access_token}`, 'tools/list'), 'token in URL');
  assertRecord(rec, { status: 'invalid', error_code: 'token_in_query' }, 'a token in the query string');
  const res = await fetch(s.url, { method: 'GET', headers: { accept: ACCEPT, 'mcp-protocol-version': '2026-07-28', ...auth } });
  rec = await audited(res, 'GET modern');
  assertRecord(rec, { status: 'invalid', error_code: 'method_not_allowed', method: 'GET', era: 'modern' }, 'GET is 405 in the modern era');
});

test('a public project, anonymously: ok, nobody named; a preflight gets no id', async () => {
  const rec = await audited(await modern(s.openUrl, 'tools/call', { name: 'show_order', arguments: { order_id: 'p' } }), 'public');
  assertRecord(rec, { project: 'open', status: 'ok', user_id: null, client_id: null, grant_id: null, version: s.openVersion }, 'public');
  const pre = await fetch(s.openUrl, { method: 'OPTIONS', headers: { origin: w.url, 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('dockyard-request-id'), null, 'CORS preflights are not audited');
});
