// MCP endpoints with real clients against the real worker:
//   - @modelcontextprotocol/sdk (v1, legacy 2025-11-25): connect, tools, the
//     MCP Apps ui:// resource, instructions, and list_changed on its GET stream
//     after a publish;
//   - @modelcontextprotocol/client (v2) pinned to 2026-07-28 and in `auto`
//     mode: discover, list, call, subscriptions/listen + list_changed;
//   - access until OAuth lands: draft and private endpoints answer 401 with the
//     RFC 9728 discovery challenge, and switching a project back to private
//     stops it on the very next request (the kill switch) and ends its streams.
//
// One worker; every describe seeds its own project so publishes in one never
// reach another's listeners.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ToolListChangedNotificationSchema, ResourceListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import {
  HTML, MCP_APP_MIME, MODERN, META_SERVER, META_SUB, ACCEPT, orderCard, interactiveType, seedPublicProject, uniq,
  putType, publish, setVisibility, createOrg, createProject, expectedChallenge, modern, legacy, legacySession, post,
  initializeParams, modernHeaders, modernMeta, openStream, sleep, ownerOf, startMcpWorker,
} from '../mcp-fixtures.mjs';

let w;
let owner;
before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
});
after(async () => { await w?.stop(); });

const INSTRUCTIONS = 'Use show_order to display an order. Never invent order ids.';
const ORDER_SCHEMA = orderCard().input_schema;

/** Resolves when `pred()` turns true, or rejects after `ms` naming `label`. */
function waitFor(pred, ms, label) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${label}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/**
 * A v1 client on `url`. `streamOpen` resolves once the transport's GET SSE
 * stream has been answered 200 (the hub has registered the listener by then).
 */
async function v1Connect(url) {
  let getOk = false;
  const tracking = async (input, init) => {
    const res = await fetch(input, init);
    if ((init?.method ?? 'GET') === 'GET' && res.status === 200) getOk = true;
    return res;
  };
  const transport = new V1Transport(new URL(url), {
    fetch: tracking,
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 60_000, maxReconnectionDelay: 60_000, reconnectionDelayGrowFactor: 1 },
  });
  const client = new V1Client({ name: 'dockyard-v1-test', version: '1.0.0' });
  client.onerror = () => { /* stream errors after the kill switch are expected */ };
  await client.connect(transport);
  return { client, transport, streamOpen: () => waitFor(() => getOk, 10_000, 'the v1 GET SSE stream') };
}

async function v2Connect(url, mode) {
  const client = new V2Client({ name: 'dockyard-v2-test', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new V2Transport(new URL(url)));
  return client;
}

const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// ---------------------------------------------------------------- v1 SDK --

describe('@modelcontextprotocol/sdk v1 (legacy 2025-11-25)', () => {
  let p;
  let c;
  before(async () => {
    p = await seedPublicProject(w, {
      owner,
      types: [orderCard(), interactiveType('plain_note', { title: null, annotations: null, ui: { html: HTML } })],
      instructions: INSTRUCTIONS,
    });
    c = await v1Connect(p.url);
  });
  after(async () => { await c?.client.close(); });

  test('connects with the 2025-11-25 handshake and gets a session, serverInfo and capabilities', () => {
    assert.equal(c.transport.protocolVersion, '2025-11-25');
    assert.match(c.transport.sessionId ?? '', /^[\x21-\x7e]+$/, 'a visible-ASCII Mcp-Session-Id');
    const info = c.client.getServerVersion();
    assert.equal(info.name, `${p.org}/${p.project}`);
    assert.equal(info.version, p.version, 'serverInfo.version is the published version');
    const caps = c.client.getServerCapabilities();
    assert.deepEqual(caps.tools, { listChanged: true });
    assert.deepEqual(caps.resources, { listChanged: true });
    assert.equal(caps.prompts, undefined, 'no prompts are declared: none are implemented');
    assert.equal(caps.logging, undefined);
  });

  test('instructions come from the project Instructions', () => {
    assert.equal(c.client.getInstructions(), INSTRUCTIONS);
  });

  test('listTools: names in order, the Type input schema, and _meta.ui.resourceUri on an interactive Type', async () => {
    const { tools, nextCursor } = await c.client.listTools();
    assert.equal(nextCursor, undefined);
    assert.deepEqual(tools.map((t) => t.name), ['plain_note', 'show_order']);
    const order = tools.find((t) => t.name === 'show_order');
    assert.deepEqual(order.inputSchema, ORDER_SCHEMA);
    assert.equal(order.title, 'Order card');
    assert.equal(order.description, 'Shows one order as a card the user can act on.');
    assert.deepEqual(order.annotations, { readOnlyHint: true });
    assert.equal(order._meta?.ui?.resourceUri, `ui://${p.project}/show_order`);
    assert.deepEqual(order._meta.ui.visibility, ['model', 'app']);
    assert.equal(order._meta['openai/outputTemplate'], `ui://${p.project}/show_order`, "ChatGPT's key, same resource");
    const plain = tools.find((t) => t.name === 'plain_note');
    assert.equal(plain._meta?.ui?.resourceUri, `ui://${p.project}/plain_note`);
    assert.equal(plain.title, 'Plain note', 'an unset title is the name made readable');
    assert.equal(plain.annotations, undefined);
  });

  test('callTool with valid arguments returns them as structuredContent plus text', async () => {
    const args = { order_id: 'A-1001', quantity: 3 };
    const r = await c.client.callTool({ name: 'show_order', arguments: args });
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.deepEqual(r.structuredContent, args);
    assert.ok(r.content.length >= 1 && r.content.every((b) => b.type === 'text' && b.text.length > 0));
    assert.match(textOf(r), /show_order/, 'the summary names the tool');
    assert.ok(r.content.some((b) => { try { return JSON.stringify(JSON.parse(b.text)) === JSON.stringify(args); } catch { return false; } }),
      'the same JSON as a text block');
  });

  test('callTool with invalid arguments is an isError result naming each failing path', async () => {
    const wrongType = await c.client.callTool({ name: 'show_order', arguments: { order_id: 42, quantity: 0 } });
    assert.equal(wrongType.isError, true);
    assert.equal(wrongType.structuredContent, undefined);
    const text = textOf(wrongType);
    assert.match(text, /\/order_id/, text);
    assert.match(text, /\/quantity/, text);
    const missing = await c.client.callTool({ name: 'show_order', arguments: { note: 'x' } });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /order_id/);
    assert.match(textOf(missing), /note/, 'the unexpected property is named too');
  });

  test('an unknown tool is a JSON-RPC -32602 error', async () => {
    await assert.rejects(c.client.callTool({ name: 'no_such_tool', arguments: {} }),
      (e) => e.code === -32602 && /no_such_tool/.test(e.message));
  });

  test('readResource returns the ui:// HTML as text/html;profile=mcp-app with _meta.ui', async () => {
    const list = await c.client.listResources();
    assert.deepEqual(list.resources.map((r) => r.uri), [`ui://${p.project}/plain_note`, `ui://${p.project}/show_order`]);
    assert.ok(list.resources.every((r) => r.mimeType === MCP_APP_MIME && r.name));
    const r = await c.client.readResource({ uri: `ui://${p.project}/show_order` });
    assert.equal(r.contents.length, 1);
    const [content] = r.contents;
    assert.equal(content.uri, `ui://${p.project}/show_order`);
    assert.equal(content.mimeType, MCP_APP_MIME);
    assert.equal(content.text, HTML);
    const ui = { csp: { connectDomains: ['https://api.example.com'], resourceDomains: [] }, prefersBorder: true };
    assert.deepEqual(content._meta?.ui, ui);
    assert.deepEqual(list.resources.find((x) => x.uri === content.uri)._meta?.ui, ui, 'resources/list carries _meta.ui too');
    assert.equal(content._meta['openai/widgetPrefersBorder'], true);
    assert.deepEqual(content._meta['openai/widgetCSP'], { connect_domains: ['https://api.example.com'], resource_domains: [] });
    const templates = await c.client.listResourceTemplates();
    assert.deepEqual(templates.resourceTemplates, []);
  });

  test('an unknown resource is an error (-32002 on this era), never empty contents', async () => {
    await assert.rejects(c.client.readResource({ uri: `ui://${p.project}/nope` }), (e) => e.code === -32002);
  });

  test('ping answers {}', async () => {
    assert.deepEqual(await c.client.ping(), {});
  });
});

describe('v1 SDK: notifications/tools/list_changed after a publish', () => {
  test('the GET stream delivers list_changed (tools and resources) on publish, not on a draft edit', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()] });
    const c = await v1Connect(p.url);
    try {
      const seen = [];
      c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => { seen.push('tools'); });
      c.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => { seen.push('resources'); });
      await c.streamOpen();

      // A draft edit is not production: nothing arrives, the list is unchanged.
      await putType(owner, p.org, p.project, interactiveType('new_widget'));
      await sleep(700);
      assert.deepEqual(seen, [], 'a draft edit must not notify production listeners');
      assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name), ['show_order']);

      const published = await publish(owner, p.org, p.project);
      assert.notEqual(published.version.version, p.version, 'a new version');
      await waitFor(() => seen.includes('tools'), 10_000, 'notifications/tools/list_changed');
      await waitFor(() => seen.includes('resources'), 5_000, 'notifications/resources/list_changed');
      const after = await c.client.listTools();
      assert.deepEqual(after.tools.map((t) => t.name), ['new_widget', 'show_order']);
      assert.equal(after.tools[0]._meta.ui.resourceUri, `ui://${p.project}/new_widget`);
      assert.equal(c.client.getServerVersion().version, p.version, 'serverInfo is from the handshake');
    } finally {
      await c.client.close();
    }
  });
});

// ------------------------------------------------------------- v2 client --

for (const [label, mode] of [['pinned 2026-07-28', { pin: MODERN }], ['auto', 'auto']]) {
  describe(`@modelcontextprotocol/client v2 (${label})`, () => {
    let p;
    let c;
    before(async () => {
      p = await seedPublicProject(w, { owner, types: [orderCard()], instructions: INSTRUCTIONS });
      c = await v2Connect(p.url, mode);
    });
    after(async () => { await c?.close(); });

    test('negotiates the modern era through server/discover', async () => {
      assert.equal(c.getProtocolEra(), 'modern');
      assert.equal(c.getNegotiatedProtocolVersion(), MODERN);
      const d = c.getDiscoverResult();
      assert.ok(d, 'the connect-time discover result');
      assert.deepEqual(d.supportedVersions, [MODERN]);
      assert.deepEqual(d.capabilities.tools, { listChanged: true });
      assert.deepEqual(d.capabilities.resources, { listChanged: true });
      assert.deepEqual(d.capabilities.extensions?.['io.modelcontextprotocol/ui'], { mimeTypes: [MCP_APP_MIME] });
      assert.equal(d.instructions, INSTRUCTIONS);
      assert.equal(d.cacheScope, 'private');
      assert.equal(typeof d.ttlMs, 'number');
      assert.equal(d._meta?.[META_SERVER]?.name, `${p.org}/${p.project}`);
      assert.equal(c.getInstructions(), INSTRUCTIONS);
      assert.equal(c.getServerVersion()?.name, `${p.org}/${p.project}`);
    });

    test('discover() again answers the same', async () => {
      const d = await c.discover();
      assert.deepEqual(d.supportedVersions, [MODERN]);
      assert.equal(d.instructions, INSTRUCTIONS);
    });

    test('listTools and callTool (valid, invalid, unknown)', async () => {
      const { tools } = await c.listTools();
      assert.deepEqual(tools.map((t) => t.name), ['show_order']);
      assert.deepEqual(tools[0].inputSchema, ORDER_SCHEMA);
      assert.equal(tools[0]._meta?.ui?.resourceUri, `ui://${p.project}/show_order`);
      const ok = await c.callTool({ name: 'show_order', arguments: { order_id: 'B-7' } });
      assert.notEqual(ok.isError, true);
      assert.deepEqual(ok.structuredContent, { order_id: 'B-7' });
      assert.ok(textOf(ok).length > 0);
      const bad = await c.callTool({ name: 'show_order', arguments: {} });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /order_id/);
      await assert.rejects(c.callTool({ name: 'missing_tool', arguments: {} }), (e) => e.code === -32602);
      const res = await c.readResource({ uri: `ui://${p.project}/show_order` });
      assert.equal(res.contents[0].mimeType, MCP_APP_MIME);
      assert.equal(res.contents[0].text, HTML);
    });

    test('subscriptions/listen is acknowledged, then list_changed arrives after a publish', async () => {
      const seen = [];
      c.setNotificationHandler('notifications/tools/list_changed', (n) => { seen.push(n); });
      const sub = await c.listen({ toolsListChanged: true });
      try {
        assert.deepEqual(sub.honoredFilter, { toolsListChanged: true });
        await putType(owner, p.org, p.project, interactiveType('v2_added'));
        await sleep(500);
        assert.equal(seen.length, 0, 'a draft edit does not reach production listeners');
        await publish(owner, p.org, p.project);
        await waitFor(() => seen.length > 0, 10_000, 'notifications/tools/list_changed on the listen stream');
        const tagged = seen[0].params?._meta?.[META_SUB];
        assert.ok(typeof tagged === 'string' && tagged.length > 0, `tagged with the listen request id: ${JSON.stringify(seen[0])}`);
        const { tools } = await c.listTools();
        assert.deepEqual(tools.map((t) => t.name), ['show_order', 'v2_added']);
      } finally {
        await sub.close();
        assert.equal(await sub.closed, 'local');
      }
    });
  });
}

// ----------------------------------------------------------------- access --

describe('access: draft and private endpoints need a token', () => {
  test('the draft endpoint answers 401 with the discovery challenge, for every method and era', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()] });
    const challenge = expectedChallenge(w, p.org, p.project, true);
    const attempts = [
      ['legacy initialize', post(p.draftUrl, { jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() })],
      ['modern tools/list', modern(p.draftUrl, 'tools/list')],
      ['modern discover', modern(p.draftUrl, 'server/discover')],
      ['GET', post(p.draftUrl, undefined, { accept: 'text/event-stream' }, { method: 'GET' })],
      ['DELETE', post(p.draftUrl, undefined, {}, { method: 'DELETE' })],
      ['owner session cookie', post(p.draftUrl, { jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() },
        { cookie: owner.cookieHeader() })],
    ];
    for (const [label, pending] of attempts) {
      const r = await pending;
      assert.equal(r.status, 401, `${label}: ${r.text}`);
      assert.equal(r.headers.get('www-authenticate'), challenge, label);
      assert.equal(r.headers.get('cache-control'), 'no-store', label);
      assert.equal(r.json?.error, 'unauthorized', label);
    }
  });

  test('a personal API token or a made-up bearer token is refused with invalid_token, even on public production', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()] });
    const t = await owner.post('/api/v1/tokens', { name: uniq('pat') });
    assert.equal(t.status, 201, t.text);
    const jwtLooking = 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl';
    for (const [url, draft] of [[p.draftUrl, true], [p.url, false]]) {
      for (const token of [t.body.token, jwtLooking]) {
        const r = await modern(url, 'tools/list', {}, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(r.status, 401, `${url}: ${r.text}`);
        // RFC 6750 section 3.1: a presented token that fails is invalid_token.
        assert.equal(r.headers.get('www-authenticate'), `${expectedChallenge(w, p.org, p.project, draft)}, error="invalid_token"`);
      }
    }
    assert.equal((await modern(p.url, 'tools/list')).status, 200, 'without a token the public endpoint serves');
  });

  test('a token in the query string is refused, never used', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()] });
    const r = await modern(`${p.url}?access_token=abc`, 'tools/list');
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json?.result, undefined);
  });

  test('the challenge names resolvable RFC 9728 metadata for exactly this endpoint', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()], visibility: 'private' });
    for (const [url, draft] of [[p.url, false], [p.draftUrl, true]]) {
      const r = await modern(url, 'tools/list');
      const prm = r.headers.get('www-authenticate').match(/resource_metadata="([^"]+)"/)[1];
      const meta = await fetch(prm);
      assert.equal(meta.status, 200, `${prm} (draft: ${draft})`);
      const doc = await meta.json();
      assert.equal(doc.resource, url, 'resource = the canonical endpoint URL');
      assert.ok(Array.isArray(doc.authorization_servers) && doc.authorization_servers.length >= 1);
    }
  });

  test('a private project production endpoint answers 401 with its own challenge', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()], visibility: 'private' });
    const challenge = expectedChallenge(w, p.org, p.project, false);
    for (const r of [
      await post(p.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() }),
      await modern(p.url, 'tools/list'),
      await modern(p.url, 'tools/call', { name: 'show_order', arguments: { order_id: 'x' } }),
    ]) {
      assert.equal(r.status, 401, r.text);
      assert.equal(r.headers.get('www-authenticate'), challenge);
    }
  });

  test('real clients see the 401 on private and draft endpoints (no silent fallback)', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()], visibility: 'private' });
    for (const url of [p.url, p.draftUrl]) {
      const v1 = new V1Client({ name: 'v1', version: '1' });
      await assert.rejects(v1.connect(new V1Transport(new URL(url))), (e) => e.code === 401 || /401/.test(String(e.message)), url);
      const v2 = new V2Client({ name: 'v2', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
      await assert.rejects(v2.connect(new V2Transport(new URL(url))), /401|nauthorized/, url);
    }
  });

  test('a Type that needs a custom scope is neither listed, callable nor readable on a public endpoint', async () => {
    const p = await seedPublicProject(w, {
      owner, types: [orderCard(), interactiveType('secret_report', { scopes: ['reports:read'] })],
    });
    const list = await modern(p.url, 'tools/list');
    assert.deepEqual(list.json.result.tools.map((t) => t.name), ['show_order'], 'public callers have the base scopes only');
    const call = await modern(p.url, 'tools/call', { name: 'secret_report', arguments: {} });
    assert.equal(call.json?.error?.code, -32602, call.text);
    const read = await modern(p.url, 'resources/read', { uri: `ui://${p.project}/secret_report` });
    assert.equal(read.json?.error?.code, -32602, read.text);
    const resources = await modern(p.url, 'resources/list');
    assert.deepEqual(resources.json.result.resources.map((r) => r.uri), [`ui://${p.project}/show_order`]);
  });

  test('a public project that has never been published serves an empty tool list', async () => {
    const org = await createOrg(owner, uniq('org'));
    const project = await createProject(owner, org, uniq('proj'));
    await putType(owner, org, project, orderCard());
    await setVisibility(owner, org, project, 'public');
    const url = `${w.url}/${org}/${project}`;
    const r = await modern(url, 'tools/list');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.result.tools, [], 'the draft is not production');
  });

  test('kill switch: switching back to private stops the very next request and ends open streams', async () => {
    const p = await seedPublicProject(w, { owner, types: [orderCard()] });
    const v1 = await v1Connect(p.url);
    try {
      await v1.streamOpen();
      assert.equal((await v1.client.listTools()).tools.length, 1);
      const session = await legacySession(p.url);
      const legacyStream = await openStream(p.url, {
        method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-11-25' },
      });
      assert.equal(legacyStream.res.status, 200);
      const listen = await openStream(p.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT, ...modernHeaders('subscriptions/listen') },
        body: JSON.stringify({ jsonrpc: '2.0', id: 'kill-1', method: 'subscriptions/listen', params: { _meta: modernMeta(), notifications: { toolsListChanged: true } } }),
      });
      assert.equal(listen.res.status, 200);
      assert.equal((await listen.sse.next(5000))?.method, 'notifications/subscriptions/acknowledged');

      await setVisibility(owner, p.org, p.project, 'private');

      const challenge = expectedChallenge(w, p.org, p.project, false);
      const next = await modern(p.url, 'tools/list');
      assert.equal(next.status, 401, `the very next request: ${next.text}`);
      assert.equal(next.headers.get('www-authenticate'), challenge);
      const withSession = await legacy(p.url, 'tools/call', { name: 'show_order', arguments: { order_id: '1' } }, { session: session.id });
      assert.equal(withSession.status, 401, 'a live legacy session carries no authority');
      await assert.rejects(v1.client.listTools(), (e) => e.code === 401 || /401/.test(String(e.message)));
      assert.equal(await listen.sse.waitEnd(5000), true, 'the modern listen stream is closed');
      assert.equal(await legacyStream.sse.waitEnd(5000), true, 'the legacy GET stream is closed');

      await setVisibility(owner, p.org, p.project, 'public');
      const back = await modern(p.url, 'tools/list');
      assert.equal(back.status, 200, back.text);
      assert.deepEqual(back.json.result.tools.map((t) => t.name), ['show_order']);
      await listen.sse.close();
      await legacyStream.sse.close();
    } finally {
      await v1.client.close();
    }
  });
});
