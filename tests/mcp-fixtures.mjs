// Shared helpers for the MCP endpoint suites (tests/mcp/*.test.mjs): seeding a
// public project through the management API, Type documents, raw JSON-RPC
// requests in both protocol eras, and a small SSE reader.
//
//   const p = await seedPublicProject(w, { org: 'acme', project: 'shop', types: [orderCard()] });
//   const r = await modern(p.url, 'tools/list');            // 2026-07-28, headers + _meta
//   const s = await legacySession(p.url);                    // 2025-11-25 initialize -> session id
//   const r2 = await legacy(p.url, 'tools/list', {}, { session: s.id });
//
// Nothing here asserts; the suites do.
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkerWithRetry } from './harness.mjs';

export { sleep };

export const MODERN = '2026-07-28';
export const LEGACY = ['2025-11-25', '2025-06-18', '2025-03-26'];
export const MCP_APP_MIME = 'text/html;profile=mcp-app';
export const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';
export const META_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_SERVER = 'io.modelcontextprotocol/serverInfo';
export const META_SUB = 'io.modelcontextprotocol/subscriptionId';
export const BASE_SCOPES = 'tools:read tools:call';

/**
 * `startWorker` with retries after jittered pauses: a start can fail while
 * build/ is being rebuilt or when two suites start at the same moment.
 */
export function startMcpWorker(opts, attempts = 4) {
  const waits = Array.from({ length: attempts - 1 }, (_, i) => 1000 + Math.floor(Math.random() * 3000) * (i + 1));
  return startWorkerWithRetry(opts, waits);
}

// ------------------------------------------------------------ Type documents --

export const HTML = '<!doctype html><html><head><meta charset="utf-8"><title>Order</title></head>'
  + '<body><main id="card">order card</main><script>/* mcp-app */</script></body></html>';

/** An interactive (MCP Apps) Type. `extra` overrides any field. */
export function interactiveType(name, extra = {}) {
  return {
    name,
    title: `${name} card`,
    description: `Shows ${name} as an interactive card.`,
    kind: 'interactive',
    input_schema: { type: 'object', properties: {}, additionalProperties: false },
    output_schema: null,
    annotations: { readOnlyHint: true },
    scopes: [],
    ui: { html: HTML, csp: { connectDomains: [] }, prefers_border: true },
    http: null,
    ...extra,
  };
}

/** The API.md example Type: `show_order` with a required string `order_id`. */
export function orderCard(name = 'show_order', extra = {}) {
  return interactiveType(name, {
    title: 'Order card',
    description: 'Shows one order as a card the user can act on.',
    input_schema: {
      type: 'object',
      properties: {
        order_id: { type: 'string', minLength: 1 },
        quantity: { type: 'integer', minimum: 1 },
      },
      required: ['order_id'],
      additionalProperties: false,
    },
    ui: { html: HTML, csp: { connectDomains: ['https://api.example.com'], resourceDomains: [] }, prefers_border: true },
    ...extra,
  });
}

// ------------------------------------------------------- management API --

let seq = 0;
/** A unique slug-safe name `tag-<pid>-<n>`. */
export const uniq = (tag) => `${tag}-${process.pid % 10000}-${++seq}`;

function check(r, label, ...ok) {
  if (!ok.includes(r.status)) throw new Error(`${label}: ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

const projectPath = (org, project) => `/api/v1/orgs/${org}/projects/${project}`;

export async function createOrg(owner, slug) {
  check(await owner.post('/api/v1/orgs', { slug, name: `Org ${slug}` }), `create org ${slug}`, 201);
  return slug;
}

export async function createProject(owner, org, slug) {
  check(await owner.post(`/api/v1/orgs/${org}/projects`, { slug, name: `Project ${slug}` }), `create project ${slug}`, 201);
  return slug;
}

/** The project secrets an http Type names (`http.secret`, secret-backed headers). */
export function secretNamesOf(doc) {
  if (doc?.kind !== 'http' || !doc.http) return [];
  const fromHeaders = Object.values(doc.http.headers ?? {}).filter((v) => v && typeof v === 'object').map((v) => v.secret);
  return [doc.http.secret, ...fromHeaders].filter((n) => typeof n === 'string' && n);
}

export async function putType(owner, org, project, doc) {
  return check(await owner.put(`${projectPath(org, project)}/draft/types/${doc.name}`, doc), `PUT Type ${doc.name}`, 200, 201);
}

export async function deleteType(owner, org, project, name) {
  return check(await owner.delete(`${projectPath(org, project)}/draft/types/${name}`), `DELETE Type ${name}`, 200, 204);
}

export async function putInstructions(owner, org, project, instructions) {
  return check(await owner.put(`${projectPath(org, project)}/draft/instructions`, { instructions }), 'PUT instructions', 200);
}

export async function publish(owner, org, project, body = {}) {
  return check(await owner.post(`${projectPath(org, project)}/publish`, body), 'publish', 201).body;
}

export async function setVisibility(owner, org, project, visibility) {
  return check(await owner.patch(projectPath(org, project), { visibility }), `visibility ${visibility}`, 200).body;
}

/**
 * Org + project + Types (+ Instructions), published and (unless
 * `visibility: 'private'`) made public. Returns `{ owner, org, project, version, url, draftUrl }`.
 */
export async function seedPublicProject(w, {
  owner, org = uniq('org'), project = uniq('proj'), types = [orderCard()], instructions,
  visibility = 'public', publishIt = true,
} = {}) {
  owner ??= await ownerOf(w);
  await createOrg(owner, org);
  await createProject(owner, org, project);
  // A data Type's named secrets must exist when it is saved: give each a test value.
  for (const name of new Set(types.flatMap(secretNamesOf))) {
    check(await owner.put(`${projectPath(org, project)}/secrets/${name}`, { value: `test-${name}` }), `PUT secret ${name}`, 200);
  }
  for (const t of types) await putType(owner, org, project, t);
  if (instructions !== undefined) await putInstructions(owner, org, project, instructions);
  const published = publishIt ? await publish(owner, org, project) : null;
  if (visibility === 'public') await setVisibility(owner, org, project, 'public');
  return {
    owner, org, project, version: published?.version?.version,
    url: `${w.url}/${org}/${project}`, draftUrl: `${w.url}/${org}/${project}/draft`,
  };
}

const owners = new WeakMap();
/** The instance owner's signed-in client (bootstrapped once per worker). */
export async function ownerOf(w) {
  if (!owners.has(w)) owners.set(w, w.bootstrapOwner());
  return owners.get(w);
}

/** The exact 401 challenge of a private endpoint. */
export function expectedChallenge(w, org, project, draft = false) {
  return `Bearer resource_metadata="${w.url}/.well-known/oauth-protected-resource/${org}/${project}${draft ? '/draft' : ''}", scope="${BASE_SCOPES}"`;
}

// ------------------------------------------------------------ raw JSON-RPC --

export const ACCEPT = 'application/json, text/event-stream';
let rpcId = 0;
export const nextId = () => ++rpcId;

/** The 2026-07-28 `_meta` envelope. */
export function modernMeta(extra = {}) {
  return {
    [META_VERSION]: MODERN,
    [META_CAPS]: {},
    [META_INFO]: { name: 'dockyard-tests', version: '1.0.0' },
    ...extra,
  };
}

/** The SEP-2243 headers for a modern request. */
export function modernHeaders(method, params = {}) {
  const h = { 'mcp-protocol-version': MODERN, 'mcp-method': method };
  if (method === 'tools/call' || method === 'prompts/get') h['mcp-name'] = params.name;
  if (method === 'resources/read') h['mcp-name'] = params.uri;
  return h;
}

/**
 * POSTs `body` (an object is JSON-encoded; a string or Buffer is sent as is)
 * and returns `{ status, headers, text, json, contentType }`. JSON-RPC inside an
 * SSE answer is unwrapped into `json` (first message event).
 */
export async function post(url, body, headers = {}, { method = 'POST' } = {}) {
  const h = { 'content-type': 'application/json', accept: ACCEPT, ...headers };
  for (const [k, v] of Object.entries(h)) if (v === undefined || v === null) delete h[k];
  const res = await fetch(url, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return readReply(res);
}

export async function readReply(res) {
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let json;
  if (contentType.includes('text/event-stream')) {
    const ev = parseSse(text).find((e) => e.data);
    try { json = ev ? JSON.parse(ev.data) : undefined; } catch { json = undefined; }
  } else {
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  }
  return { status: res.status, headers: res.headers, text, json, contentType };
}

/** A modern request: `_meta` in params and the standard headers. */
export function modern(url, method, params = {}, { headers = {}, id = nextId(), meta = modernMeta() } = {}) {
  const p = meta === null ? params : { ...params, _meta: { ...meta, ...(params._meta ?? {}) } };
  return post(url, { jsonrpc: '2.0', id, method, params: p }, { ...modernHeaders(method, params), ...headers });
}

/** A legacy request (no `_meta`); `session` and `version` set the headers. */
export function legacy(url, method, params, { session, version = '2025-11-25', headers = {}, id = nextId() } = {}) {
  const body = { jsonrpc: '2.0', id, method };
  if (params !== undefined) body.params = params;
  return post(url, body, { 'mcp-session-id': session, 'mcp-protocol-version': version, ...headers });
}

export function legacyNotify(url, method, { session, version = '2025-11-25', headers = {} } = {}) {
  return post(url, { jsonrpc: '2.0', method }, { 'mcp-session-id': session, 'mcp-protocol-version': version, ...headers });
}

export function initializeParams(protocolVersion = '2025-11-25') {
  return { protocolVersion, capabilities: {}, clientInfo: { name: 'dockyard-tests', version: '1.0.0' } };
}

/** initialize + notifications/initialized; returns `{ id, reply }`. */
export async function legacySession(url, protocolVersion = '2025-11-25') {
  const reply = await post(url, { jsonrpc: '2.0', id: nextId(), method: 'initialize', params: initializeParams(protocolVersion) });
  const id = reply.headers.get('mcp-session-id');
  if (reply.status !== 200 || !id) throw new Error(`initialize: ${reply.status} ${reply.text.slice(0, 300)}`);
  const version = reply.json.result.protocolVersion;
  const n = await legacyNotify(url, 'notifications/initialized', { session: id, version });
  if (n.status !== 202) throw new Error(`notifications/initialized: ${n.status} ${n.text}`);
  return { id, version, reply };
}

// --------------------------------------------------------------------- SSE --

/** Parses a complete SSE text into events `{ event, id, data }` (comments skipped). */
export function parseSse(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const ev = { event: undefined, id: undefined, data: undefined };
    let any = false;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
      else if (field === 'event') ev.event = value;
      else if (field === 'id') ev.id = value;
      else continue;
      any = true;
    }
    if (any) events.push(ev);
  }
  return events;
}

/**
 * Reads an open SSE response incrementally. `next(timeoutMs)` resolves with
 * the next JSON message (or `null` on timeout / end); `close()` cancels.
 * `comments` counts `:` keep-alive lines seen.
 */
export function sseReader(res) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const queue = [];
  let done = false;
  let waiter = null;
  const state = { comments: 0, raw: '' };
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done: d } = await reader.read();
        if (d) break;
        const chunk = decoder.decode(value, { stream: true });
        state.raw += chunk;
        buf += chunk;
        let idx;
        while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + (buf[idx] === '\r' ? 4 : 2));
          if (block.split(/\r?\n/).every((l) => l.startsWith(':') || !l)) { state.comments += 1; continue; }
          for (const ev of parseSse(block)) {
            let msg;
            try { msg = JSON.parse(ev.data); } catch { msg = { unparsable: ev.data }; }
            queue.push(msg);
          }
          if (waiter) { const w = waiter; waiter = null; w(); }
        }
      }
    } catch (e) { state.error = String(e?.message ?? e); }
    done = true;
    state.endedAt = Date.now();
    if (waiter) { const w = waiter; waiter = null; w(); }
  })();
  return {
    state,
    get ended() { return done; },
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!queue.length && !done) {
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise((r) => { waiter = r; setTimeout(r, left); });
      }
      return queue.shift() ?? null;
    },
    /** The next message matching `pred` (skipping others), or null. */
    async until(pred, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return null;
        const m = await this.next(left);
        if (m === null) return null;
        if (pred(m)) return m;
      }
    },
    /** Resolves true once the server ends the stream (false on timeout). */
    async waitEnd(timeoutMs = 5000) {
      await Promise.race([pump, sleep(timeoutMs)]);
      return done;
    },
    async close() {
      try { await reader.cancel(); } catch { /* already closed */ }
      await Promise.race([pump, sleep(1000)]);
    },
  };
}

/** Opens a stream with `fetch` (caller supplies method/headers/body); returns `{ res, sse }`. */
export async function openStream(url, init) {
  const ctl = new AbortController();
  const res = await fetch(url, { ...init, signal: ctl.signal });
  const ct = res.headers.get('content-type') ?? '';
  if (!ct.includes('text/event-stream')) {
    const text = await res.text();
    return { res, sse: null, text };
  }
  const sse = sseReader(res);
  const close = sse.close.bind(sse);
  sse.close = async () => { await close(); ctl.abort(); };
  return { res, sse };
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually(fn, { timeoutMs = 10_000, intervalMs = 100, label = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(intervalMs);
  }
}

/** Asserts nothing: true when `status` is not a 5xx. */
export const not5xx = (status) => status < 500;
