// The official SDK clients of both eras calling an http data tool end to end
// through OAuth (real DCR, sign-in, consent and code exchange:
// tests/oauth-helpers.mjs), on a PRIVATE project whose signing secret differs
// between draft and production: each call is signed with its channel's value,
// and the backend sees the member and the client as the caller.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject, putType, publish } from '../mcp-fixtures.mjs';
import { getTokens } from '../oauth-helpers.mjs';
import { startUpstream, httpType, putSecret, textOf, auditRecord } from './http-setup.mjs';

const SECRETS = { draft: 'whsec_draft_value', production: 'whsec_production_value' };
let w;
let up;
let owner;
let org;
let project;

const prodUrl = () => `${w.url}/${org}/${project}`;
const draftUrl = () => `${prodUrl()}/draft`;

before(async () => {
  // The backend checks each call against its channel's secret.
  up = await startUpstream({ secret: (body) => SECRETS[body?.caller?.channel] ?? 'none' });
  w = await startMcpWorker();
  owner = await ownerOf(w);
  org = await createOrg(owner, uniq('sdkorg'));
  project = await createProject(owner, org, uniq('sdkproj'));
  await putSecret(owner, org, project, 'SIGNING', SECRETS.draft, 'draft');
  await putSecret(owner, org, project, 'SIGNING', SECRETS.production, 'production');
  await putType(owner, org, project, httpType('get_order', `${up.base}/ok`, {
    output_schema: { type: 'object', required: ['ok', 'echo'], properties: { ok: { type: 'boolean' } } },
  }));
  await publish(owner, org, project);
});

after(async () => {
  await w?.stop();
  await up?.stop();
});

/** A token for `url` through the real OAuth flow (DCR, consent, code exchange). */
const tokenFor = (url) => getTokens(w, owner, { resource: url, scope: 'tools:read tools:call' });

async function connectV1(url, token) {
  const client = new V1Client({ name: 'dockyard-data-v1', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function connectV2(url, token) {
  const client = new V2Client({ name: 'dockyard-data-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new V2Transport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/** Calls get_order with `client`; checks the answer and what the backend saw. */
async function callAndCheck(client, channel, t, orderId) {
  const listed = await client.listTools();
  assert.ok(listed.tools.some((x) => x.name === 'get_order'), 'the http tool is listed');
  const result = await client.callTool({ name: 'get_order', arguments: { order_id: orderId } });
  assert.notEqual(result.isError, true, textOf(result));
  assert.equal(result.structuredContent.echo.order_id, orderId);
  assert.equal(result.structuredContent.verified, true, `signed with the ${channel} secret`);
  const req = up.requests.findLast((r) => r.body?.arguments?.order_id === orderId);
  assert.equal(req.verified, true);
  assert.equal(up.verify(SECRETS[channel === 'draft' ? 'production' : 'draft'], req.headers['dockyard-signature'], req.raw), false,
    'and not with the other channel\'s');
  assert.deepEqual(req.body.caller, { org, project, channel, user_id: t.claims.sub, client_id: t.clientId });
  const rec = await auditRecord(owner, org, req.body.request_id);
  assert.deepEqual([rec.status, rec.error_code, rec.tool_kind, rec.channel], ['ok', null, 'http', channel]);
  return result;
}

describe('@modelcontextprotocol/sdk v1 (2025-11-25 family)', () => {
  test('draft: signed with the draft secret', async () => {
    const t = await tokenFor(draftUrl());
    const client = await connectV1(draftUrl(), t.access_token);
    try { await callAndCheck(client, 'draft', t, 'v1-draft'); } finally { await client.close(); }
  });
  test('production: signed with the production secret', async () => {
    const t = await tokenFor(prodUrl());
    const client = await connectV1(prodUrl(), t.access_token);
    try { await callAndCheck(client, 'production', t, 'v1-prod'); } finally { await client.close(); }
  });
});

describe('@modelcontextprotocol/client v2 (2026-07-28)', () => {
  test('draft and production, each with its own secret; a backend failure is an isError result, not an exception', async () => {
    for (const [channel, url] of [['draft', draftUrl()], ['production', prodUrl()]]) {
      const t = await tokenFor(url);
      const client = await connectV2(url, t.access_token);
      try {
        await callAndCheck(client, channel, t, `v2-${channel}`);
      } finally { await client.close(); }
    }
    // A secret changed in one channel takes effect on the next call, no publish needed.
    await putSecret(owner, org, project, 'SIGNING', 'whsec_rotated', 'production');
    const t = await tokenFor(prodUrl());
    const client = await connectV2(prodUrl(), t.access_token);
    try {
      const result = await client.callTool({ name: 'get_order', arguments: { order_id: 'rotated' } });
      assert.equal(result.isError, true, 'the backend still expects the old value: 401');
      assert.match(textOf(result), /its backend answered HTTP 401/);
      SECRETS.production = 'whsec_rotated';
      const again = await client.callTool({ name: 'get_order', arguments: { order_id: 'rotated-2' } });
      assert.notEqual(again.isError, true, textOf(again));
    } finally { await client.close(); }
  });
});
