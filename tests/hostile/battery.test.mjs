// The hostile-input battery (issue 15, suite 2), against ONE worker:
// 1. Stored and displayed: SQL metacharacters and HTML/script in every field a person
//    can store and a page shows (org, project, member and token names, a Type's title
//    and description, Instructions, release notes, a DCR client's name, an audited tool
//    name). The API must give them back byte for byte (no SQL got interpreted) and every
//    page that shows them must escape them. These are accepted by design, so they run
//    before the state dump.
// 2. Refused: at least 500 generated cases (tests/hostile/cases.mjs) across the
//    management API, MCP (both eras), OAuth and discovery, and the Studio's forms.
//    Each must answer without a 5xx and with a clear error in its surface's shape.
// 3. Nothing changed: D1 and every Durable Object's SQLite, read from the persisted
//    state before and after the refused cases, are identical, except what changes by
//    design (audit records, rate-limit windows, last-used times: tests/hostile/state.mjs).
// 4. The worker log holds no panic, and normal requests are still served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorkerWithRetry, ROOT } from '../harness.mjs';
import { checkApiResponse } from '../openapi-check.mjs';
import { orderCard, MODERN, META_VERSION, META_CAPS, META_INFO, parseSse } from '../mcp-fixtures.mjs';
import { parseForms, freshIp, authorizeQuery, registerClient } from '../oauth-helpers.mjs';
import { buildOpenApi } from '../../scripts/build-openapi.mjs';
import { specRoutes } from './routes.mjs';
import { send, raw } from './send.mjs';
import { dumpState, diffState } from './state.mjs';
import { badBodies, wrongTypes, wrongContentTypes, HOSTILE_SEGMENTS, BAD_SLUGS, BAD_REDIRECTS, SQL, HTML } from './cases.mjs';

export const PANIC = /panicked at|RuntimeError: unreachable|Uncaught|internal error:/;
const ORG = 'hostile';
const PROJECT = 'demo';
const P = `/api/v1/orgs/${ORG}/projects/${PROJECT}`;

// What phase 1 stores: each marker must come back escaped, never raw.
const STORED = {
  org: `Acme <script>alert("org")</script> ' OR '1'='1`,
  project: `Demo <img src=x onerror=alert(1)> "; DROP TABLE projects; --`,
  member: `Mallory <b onmouseover=alert(1)>x</b>' OR 1=1 --`,
  token: `<svg onload=alert(1)>'; --`,
  typeTitle: `Order <script>alert('title')</script> ' OR ''='`,
  typeDescription: `Shows "<iframe src=javascript:alert(1)>" -- ; DELETE FROM drafts;`,
  instructions: `# Orders\n<script>alert('instructions')</script>\n[click](javascript:alert(1)) ' OR 1=1`,
  notes: `<img src=x onerror=alert('notes')> '); DROP TABLE versions; --`,
  client: `<script>alert("client")</script> Evil' --`,
};
const RAW_MARKERS = ['<script>alert(', '<img src=x onerror', '<b onmouseover', '<svg onload', '<iframe src=javascript'];

let w;
let owner;
let token;
let member;
const stats = {};
const failures = [];

function count(surface) { stats[surface] = (stats[surface] ?? 0) + 1; }

/** The problem with response `r` to case `c`, or null. */
function judge(c, r) {
  if (r.status >= 500 && !c.proxy500) return `server error ${r.status}: ${r.text.slice(0, 200)}`;
  if (c.proxy500 && r.status === 500 && r.json === undefined) return null;
  if (c.expect === 'wire') return r.status === 0 || (r.status >= 400 && r.status < 500) ? null : `status ${r.status}`;
  if (r.status === 0) return 'connection dropped';
  const ok = (c.okStatuses ?? []).includes(r.status);
  if (!ok && r.status < 400 && c.expect !== 'rpc') return `not refused: ${r.status} ${r.text.slice(0, 200)}`;
  const j = r.json;
  switch (c.expect) {
    case 'api':
      if (ok) return null;
      if (!/application\/json/.test(r.contentType)) return `content type ${r.contentType}`;
      return typeof j?.error === 'string' && typeof j?.message === 'string' ? null : `not a JSON error: ${r.text.slice(0, 200)}`;
    case 'oauth':
      if (ok && j && typeof j === 'object') return null;
      return typeof j?.error === 'string' && (typeof j.error_description === 'string' || typeof j.message === 'string')
        ? null : `not an OAuth error: ${r.status} ${r.text.slice(0, 200)}`;
    case 'rpc': {
      let m = j;
      if (/event-stream/.test(r.contentType)) {
        const ev = parseSse(r.text).find((e) => e.data);
        try { m = ev ? JSON.parse(ev.data) : undefined; } catch { m = undefined; }
      }
      if (m?.jsonrpc === '2.0' && typeof m.error?.code === 'number' && typeof m.error?.message === 'string') return null;
      if (typeof m?.error === 'string' && typeof m?.message === 'string' && r.status >= 400) return null;
      if (m?.result?.isError === true) return null;
      if (ok && m?.result) return null;
      return `not a JSON-RPC error: ${r.status} ${r.text.slice(0, 200)}`;
    }
    case 'html':
      if (!/text\/html/.test(r.contentType)) return `content type ${r.contentType} (${r.status} ${r.text.slice(0, 120)})`;
      return /<html|<!doctype/i.test(r.text) ? null : 'not an HTML page';
    default:
      return `unknown expectation ${c.expect}`;
  }
}

async function run(surface, cases) {
  for (const c of cases) {
    const r = c.raw ? await raw(w.port, c.raw) : await send(w.port, c);
    count(surface);
    let problem = judge(c, r);
    const allowSet = (v) => String(v ?? '').split(',').map((x) => x.trim()).sort().join(', ');
    if (!problem && c.allow && allowSet(r.headers.allow) !== allowSet(c.allow.join(','))) problem = `405 Allow ${r.headers.allow} (${r.status}), the spec says ${c.allow.join(', ')}`;
    // Every /api/v1 answer is also the one docs/openapi.yaml documents (tests/openapi-check.mjs).
    if (!problem && !c.raw && String(c.path).startsWith('/api/v1')) {
      try {
        checkApiResponse(c.method ?? 'GET', c.path, { status: r.status, text: r.text, headers: new Headers(Object.entries(r.headers).map(([k, v]) => [k, String(v)])) });
      } catch (e) { problem = e.message; }
    }
    if (problem) failures.push(`${surface} ${c.name}: ${problem}`);
  }
}

const bearer = () => ({ authorization: `Bearer ${token}` });
const session = () => ({ cookie: owner.cookieHeader(), origin: w.url });

before(async () => {
  w = await startWorkerWithRetry();
  owner = await w.bootstrapOwner();
  const must = async (p, ...want) => { const r = await p; assert.ok(want.includes(r.status), `setup: ${r.status} ${r.text.slice(0, 300)}`); return r; };
  token = (await must(owner.post('/api/v1/tokens', { name: STORED.token }), 201)).body.token;
  await must(owner.post('/api/v1/orgs', { slug: ORG, name: STORED.org }), 201);
  await must(owner.post(`/api/v1/orgs/${ORG}/projects`, { slug: PROJECT, name: STORED.project }), 201);
  await must(owner.put(`${P}/secrets/API_KEY`, { value: SQL[1] }), 200);
  await must(owner.put(`${P}/draft/types/show_order`, orderCard('show_order', { title: STORED.typeTitle, description: STORED.typeDescription })), 201);
  await must(owner.put(`${P}/draft/instructions`, { instructions: STORED.instructions }), 200);
  await must(owner.post(`${P}/publish`, { notes: STORED.notes }), 201);
  await must(owner.patch(P, { visibility: 'public' }), 200);
  await must(owner.post(`/api/v1/orgs/${ORG}/roles`, { name: 'auditor', scopes: ['tools:read'], permissions: ['audit.read'] }), 201);
  member = await w.addMember(owner, ORG, 'mallory@example.test', 'mcp_user');
  const reg = await registerClient(w, { client_name: STORED.client });
  assert.equal(reg.status, 201, reg.text);
  w.hostileClientId = reg.clientId;
});

after(async () => { await w?.stop(); });

function rpc(method, params = {}, id = 1) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: { [META_VERSION]: MODERN, [META_CAPS]: {}, [META_INFO]: { name: 'hostile', version: '1' } } } };
}
function mcpHeaders(method, name) {
  const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': method };
  if (name !== undefined) h['mcp-name'] = /^[\x20-\x7e]*$/.test(name) ? name : `=?base64?${Buffer.from(name).toString('base64')}?=`;
  return h;
}
const legacyHeaders = (extra = {}) => ({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra });

test('stored SQL metacharacters and HTML come back as sent, and every page escapes them', async () => {
  const me = await owner.get('/api/v1/me');
  assert.equal(me.body.orgs.find((o) => o.slug === ORG).name, STORED.org);
  assert.equal((await owner.get(P)).body.project.name, STORED.project);
  assert.equal((await owner.get('/api/v1/tokens')).body.tokens[0].name, STORED.token);
  const draft = (await owner.get(`${P}/draft`)).body;
  assert.equal(draft.instructions, STORED.instructions);
  assert.equal(draft.types[0].title, STORED.typeTitle);
  assert.equal(draft.types[0].description, STORED.typeDescription);
  assert.equal((await owner.get(`${P}/versions`)).body.versions[0].notes, STORED.notes);
  // The member's name goes through signup: set it to the hostile one through the API the
  // member has (PATCH is not offered), so sign a second member up with it instead.
  const inv = await owner.post(`/api/v1/orgs/${ORG}/invitations`, { email: 'eve@example.test', role: 'viewer' });
  const su = await w.client().post('/api/v1/signup', { email: 'eve@example.test', password: 'member password 1', name: STORED.member, invitation: inv.body.token });
  assert.equal(su.status, 201, su.text);
  assert.equal(su.body.user.name, STORED.member);

  const { query } = authorizeQuery({ clientId: w.hostileClientId, resource: `${w.url}/${ORG}/${PROJECT}` });
  const pages = {
    '/studio': [STORED.org],
    [`/studio/${ORG}`]: [STORED.project, STORED.org],
    '/studio/account': [STORED.token],
    [`/studio/${ORG}/settings`]: [STORED.org],
    [`/studio/${ORG}/settings/members`]: [STORED.member],
    [`/studio/${ORG}/${PROJECT}/server`]: [STORED.project],
    [`/studio/${ORG}/${PROJECT}/types`]: [STORED.typeTitle],
    [`/studio/${ORG}/${PROJECT}/types/show_order`]: [STORED.typeTitle, STORED.typeDescription],
    [`/studio/${ORG}/${PROJECT}/instructions`]: [],
    [`/studio/${ORG}/${PROJECT}/versions`]: [STORED.notes],
    [`/studio/${ORG}/audit`]: [],
    [`/oauth/authorize?${query}`]: [STORED.client],
  };
  const esc = (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  for (const [path, shown] of Object.entries(pages)) {
    const r = await owner.get(path);
    count('stored-display');
    assert.equal(r.status, 200, `${path}: ${r.status} ${r.text.slice(0, 300)}`);
    assert.match(r.headers.get('content-type'), /text\/html/, path);
    for (const marker of RAW_MARKERS) assert.ok(!r.text.includes(marker), `${path} shows ${marker} unescaped`);
    for (const s of shown) {
      // The escaped text is on the page (the first 20 characters, escaped: attribute and
      // text escaping agree on <, > and &).
      const head = esc(s.slice(0, 20));
      assert.ok(r.text.includes(head) || r.text.includes(head.replaceAll("'", '&#39;').replaceAll('"', '&quot;')) || r.text.includes(head.replaceAll("'", '&#x27;').replaceAll('"', '&quot;')),
        `${path} does not show ${JSON.stringify(s.slice(0, 20))} (escaped)`);
    }
  }
  // The instructions preview renders the markdown on the server: raw HTML escaped and
  // the javascript: link dropped.
  const ins = await owner.get(`/studio/${ORG}/${PROJECT}/instructions`);
  assert.ok(!/href="javascript:/i.test(ins.text), 'a javascript: link in the instructions preview');
  // The same strings went through SQL unchanged: the tables are all still there.
  assert.equal((await owner.get(`/api/v1/orgs/${ORG}/projects`)).status, 200);
  assert.equal((await owner.get(`${P}/secrets`)).body.secrets[0].name, 'API_KEY');
});

let stateBefore;

test('the refused cases: no 5xx, a clear error each time, no state changed', async () => {
  // Draft equals production (so a publish that slipped through would be a 409, not a change).
  const pre = dumpState(w.dir);
  stateBefore = pre.state;
  assert.ok(Object.keys(stateBefore).length > 5, `the dump found tables: ${Object.keys(stateBefore).join(', ')}`);
  const spec = buildOpenApi();

  await run('api', apiCases());
  await run('api-paths', pathCases());
  await run('api-headers', headerCases());
  await run('mcp', mcpCases());
  await run('oauth', oauthCases());
  await run('studio', await studioCases());
  await run('wire', wireCases());
  await run('openapi', allowCases(spec));

  const total = Object.values(stats).reduce((a, b) => a + b, 0);
  console.log(`hostile battery: ${JSON.stringify(stats)} = ${total} requests; left out of the state comparison: ${pre.leftOut.join(', ')}`);
  const post = dumpState(w.dir);
  const changed = diffState(stateBefore, post.state);
  assert.deepEqual({ failures, changed }, { failures: [], changed: [] }, `${failures.length} of ${total} cases failed; ${changed.length} tables changed`);
  assert.ok(total >= 500, `${total} cases`);
});

test('the worker log holds no panic, and normal requests are still served', async () => {
  const panics = w.output().split('\n').filter((l) => PANIC.test(l));
  assert.deepEqual(panics, []);
  assert.equal((await owner.get('/api/v1/me')).status, 200);
  assert.equal((await send(w.port, { path: '/api/v1/me', headers: bearer() })).status, 200);
  const list = await send(w.port, { method: 'POST', path: `/${ORG}/${PROJECT}`, headers: mcpHeaders('tools/list'), body: JSON.stringify(rpc('tools/list')) });
  assert.equal(list.status, 200, list.text);
  assert.ok(list.text.includes('show_order'), list.text.slice(0, 300));
  assert.equal((await owner.get(`/studio/${ORG}`)).status, 200);
});

test('GET /api/v1/openapi.json is served without authentication, as built', async () => {
  const r = await send(w.port, { path: '/api/v1/openapi.json' });
  assert.equal(r.status, 200);
  assert.match(r.contentType, /^application\/json/);
  assert.match(String(r.headers['cache-control']), /max-age=\d+/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  const built = JSON.parse(readFileSync(join(ROOT, 'studio-ui/dist/api/v1/openapi.json'), 'utf8'));
  assert.deepEqual(r.json, built);
  assert.deepEqual(r.json, JSON.parse(JSON.stringify(buildOpenApi())), 'the served copy is stale: rebuild (scripts/build-ui.sh)');
});

// ------------------------------------------------------------------ cases --

/** [path, valid body, field types, auth, {okStatuses}] for every JSON write of /api/v1. */
function apiWrites() {
  const t = orderCard('show_order');
  return [
    ['POST', '/api/v1/signup', { email: 'new@example.test', password: 'correct horse battery', name: 'New' }, { email: ['string'], password: ['string'], name: ['string'] }, 'none'],
    ['POST', '/api/v1/login', { email: 'nobody@example.test', password: 'not the password' }, { email: ['string'], password: ['string'] }, 'none'],
    ['POST', '/api/v1/tokens', { name: 'tok' }, { name: ['string'] }, 'session'],
    ['POST', '/api/v1/me/password', { current_password: 'wrong wrong wrong', new_password: 'another password 1' }, { current_password: ['string'], new_password: ['string'] }, 'session'],
    ['POST', '/api/v1/invitations/accept', { invitation: 'inv_nothing' }, { invitation: ['string'] }, 'token'],
    ['POST', '/api/v1/orgs', { slug: 'zz-new-org', name: 'New' }, { slug: ['string'], name: ['string'] }, 'token'],
    ['PATCH', `/api/v1/orgs/${ORG}`, { name: 'Renamed' }, { name: ['string'], audit: ['object'], upstream_hosts: ['array'] }, 'token'],
    ['POST', `/api/v1/orgs/${ORG}/projects`, { slug: 'zz-new-project', name: 'New' }, { slug: ['string'], name: ['string'] }, 'token'],
    ['PATCH', P, { name: 'Renamed' }, { name: ['string'], visibility: ['string'], data_tool_rate_per_minute: ['number'] }, 'token'],
    ['POST', `/api/v1/orgs/${ORG}/invitations`, { email: 'invitee@example.test', role: 'viewer' }, { email: ['string'], role: ['string'] }, 'token'],
    ['POST', `/api/v1/orgs/${ORG}/roles`, { name: 'zzrole', scopes: ['tools:read'], permissions: [] }, { name: ['string'], scopes: ['array'], permissions: ['array'] }, 'token'],
    ['PATCH', `/api/v1/orgs/${ORG}/roles/auditor`, { scopes: ['tools:call'] }, { scopes: ['array'], permissions: ['array'] }, 'token'],
    ['PATCH', `/api/v1/orgs/${ORG}/members/${member.user.id}`, { role: 'viewer' }, { role: ['string'] }, 'token'],
    ['POST', `/api/v1/orgs/${ORG}/grants/revoke`, { project: PROJECT }, { project: ['string'], user: ['string'], client: ['string'], channel: ['string'] }, 'token'],
    ['PUT', `${P}/draft/types/show_order`, { ...t, title: 'Changed' }, { title: ['string'], description: ['string'], kind: ['string'], input_schema: ['object'], ui: ['object'], scopes: ['array'] }, 'token'],
    ['PUT', `${P}/draft/instructions`, { instructions: 'Changed' }, { instructions: ['string'] }, 'token'],
    ['PUT', `${P}/secrets/API_KEY`, { value: 'changed' }, { value: ['string'], channel: ['string'] }, 'token'],
    ['POST', `${P}/publish`, { notes: 'n', version: '9.0.0' }, { notes: ['string'], version: ['string'] }, 'token'],
  ];
}

function authHeaders(auth) {
  if (auth === 'token') return bearer();
  if (auth === 'session') return session();
  return { 'cf-connecting-ip': freshIp() };
}

function apiCases() {
  const out = [];
  for (const [method, path, valid, types, auth] of apiWrites()) {
    const base = { method, path, expect: 'api' };
    const h = () => ({ 'content-type': 'application/json', ...authHeaders(auth) });
    for (const [name, body] of badBodies(valid)) out.push({ ...base, name: `${method} ${path} ${name}`, headers: h(), body });
    for (const [name, body] of wrongTypes(valid, types)) out.push({ ...base, name: `${method} ${path} ${name}`, headers: h(), body });
    for (const [name, ct, body] of wrongContentTypes(valid)) {
      const headers = { ...authHeaders(auth) };
      if (ct) headers['content-type'] = ct;
      out.push({ ...base, name: `${method} ${path} ${name}`, headers, body });
    }
  }
  // Bad slugs, names and overlong strings in create bodies (422, never a 201).
  for (const slug of BAD_SLUGS) {
    out.push({ method: 'POST', path: '/api/v1/orgs', name: `org slug ${JSON.stringify(slug)}`, expect: 'api', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ slug, name: 'x' }) });
    out.push({ method: 'POST', path: `/api/v1/orgs/${ORG}/projects`, name: `project slug ${JSON.stringify(slug)}`, expect: 'api', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ slug, name: 'x' }) });
  }
  const long = 'x'.repeat(60_000);
  const j = (method, path, body) => ({ method, path, expect: 'api', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify(body) });
  out.push(
    { ...j('POST', '/api/v1/orgs', { slug: 'zz-long', name: long }), name: 'org name 60000 characters' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}`, { name: 'n'.repeat(101) }), name: 'org name 101 characters' },
    { ...j('PATCH', P, { name: long }), name: 'project name 60000 characters' },
    { ...j('PATCH', P, { visibility: 'public; DROP TABLE projects' }), name: 'visibility SQL' },
    { ...j('PATCH', P, {}), body: '{"data_tool_rate_per_minute":1e309}', name: 'rate 1e309' },
    { ...j('PATCH', P, { data_tool_rate_per_minute: -1 }), name: 'rate -1' },
    { ...j('PATCH', P, { data_tool_rate_per_minute: 1.5 }), name: 'rate 1.5' },
    { ...j('PATCH', P, { data_tool_rate_per_minute: 9007199254740993 }), name: 'rate 2^53+1' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}`, { audit: { retention_days: 0 } }), name: 'retention 0' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}`, { audit: { webhook_url: 'http://169.254.169.254/latest' } }), name: 'webhook metadata address' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}`, { audit: { webhook_url: 'javascript:alert(1)' } }), name: 'webhook javascript:' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}`, { upstream_hosts: ['10.0.0.1', "x' OR 1=1"] }), name: 'upstream private and SQL' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}`, { upstream_hosts: Array.from({ length: 101 }, (_, i) => `h${i}.example.com`) }), name: 'upstream 101 entries' },
    { ...j('POST', `/api/v1/orgs/${ORG}/roles`, { name: 'owner' }), name: 'role reserved owner' },
    { ...j('POST', `/api/v1/orgs/${ORG}/roles`, { name: "r' OR 1=1" }), name: 'role name SQL' },
    { ...j('POST', `/api/v1/orgs/${ORG}/roles`, { name: 'zz', scopes: ['*'] }), name: 'role scope *' },
    { ...j('POST', `/api/v1/orgs/${ORG}/roles`, { name: 'zz', permissions: ['org.manage; --'] }), name: 'role permission SQL' },
    { ...j('POST', `/api/v1/orgs/${ORG}/roles`, { name: 'zz', scopes: Array.from({ length: 65 }, (_, i) => `s${i}`) }), name: 'role 65 scopes' },
    { ...j('POST', `/api/v1/orgs/${ORG}/invitations`, { email: '<script>@example.test', role: 'viewer' }), name: 'invitation email HTML' },
    { ...j('POST', `/api/v1/orgs/${ORG}/invitations`, { email: "a'--@example.test\r\nBcc: x@example.test", role: 'viewer' }), name: 'invitation email CRLF' },
    { ...j('POST', `/api/v1/orgs/${ORG}/invitations`, { email: 'a@example.test', role: "viewer' OR '1'='1" }), name: 'invitation role SQL' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}/members/${member.user.id}`, { role: 'owner; --' }), name: 'member role SQL' },
    { ...j('PATCH', `/api/v1/orgs/${ORG}/members/${member.user.id}`, { role: 'auditor2' }), name: 'member unknown role' },
    { ...j('POST', `/api/v1/orgs/${ORG}/grants/revoke`, {}), name: 'bulk revoke empty filter' },
    { ...j('POST', `/api/v1/orgs/${ORG}/grants/revoke`, { channel: 'prod' }), name: 'bulk revoke bad channel' },
    { ...j('PUT', `${P}/draft/instructions`, { instructions: 'i'.repeat(65_537) }), name: 'instructions over 64 KiB' },
    { ...j('PUT', `${P}/secrets/API_KEY`, { value: 'v'.repeat(4097) }), name: 'secret value 4097 bytes' },
    { ...j('PUT', `${P}/secrets/API_KEY`, { value: '' }), name: 'secret value empty' },
    { ...j('PUT', `${P}/secrets/API_KEY`, { value: 'v', channel: 'both' }), name: 'secret channel both' },
    { ...j('POST', `${P}/publish`, { version: "1.0.0'; --" }), name: 'publish version SQL' },
    { ...j('POST', `${P}/publish`, { version: '0.0.1' }), name: 'publish version lower' },
    { ...j('POST', `${P}/publish`, { notes: 'n'.repeat(2001) }), name: 'publish notes 2001' },
    { ...j('POST', `${P}/publish`, {}), name: 'publish nothing to publish' },
  );
  const type = orderCard('show_order');
  const typeCase = (name, doc, path = `${P}/draft/types/show_order`) => ({ ...j('PUT', path, doc), name: `Type ${name}` });
  out.push(
    typeCase('name mismatch', { ...type, name: 'other' }),
    typeCase('kind SQL', { ...type, kind: "interactive' --" }),
    typeCase('input_schema remote $ref', { ...type, input_schema: { type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } } }),
    typeCase('input_schema not an object schema', { ...type, input_schema: { type: 'string' } }),
    typeCase('input_schema bad pattern', { ...type, input_schema: { type: 'object', properties: { a: { type: 'string', pattern: '(' } } } }),
    typeCase('input_schema 200-deep', { ...type, input_schema: JSON.parse('{"type":"object","properties":{"a":'.repeat(200) + '{}' + '}}'.repeat(200)) }),
    typeCase('ui html over 512 KiB', { ...type, ui: { ...type.ui, html: 'h'.repeat(600 * 1024) } }),
    typeCase('http kind private url', { ...type, kind: 'http', ui: null, http: { url: 'https://10.0.0.1/x', secret: 'API_KEY' } }),
    typeCase('http kind metadata url', { ...type, kind: 'http', ui: null, http: { url: 'http://169.254.169.254/', secret: 'API_KEY' } }),
    typeCase('http header CRLF', { ...type, kind: 'http', ui: null, http: { url: 'https://api.example.com/x', secret: 'API_KEY', headers: { 'X-A': 'a\r\nHost: evil' } } }),
    typeCase('http header Host', { ...type, kind: 'http', ui: null, http: { url: 'https://api.example.com/x', secret: 'API_KEY', headers: { Host: 'evil' } } }),
    typeCase('scopes SQL', { ...type, scopes: ["x' OR 1=1"] }),
    typeCase('code kind does not load', { ...type, kind: 'code', ui: null, code: { source: 'export default { run( } ' } }),
  );
  for (const [name, seg] of HOSTILE_SEGMENTS.slice(0, 16)) {
    out.push(typeCase(`URL name ${name}`, type, `${P}/draft/types/${seg}`));
    // (`HOSTILE` is a valid secret name: `[A-Za-z_][A-Za-z0-9_]{0,63}`.)
    if (name !== 'uppercase') out.push({ method: 'PUT', path: `${P}/secrets/${seg}`, name: `secret name ${name}`, expect: 'api', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ value: 'v' }) });
  }
  // If-Match on a valid edit: stale, malformed or encoded must refuse the write.
  for (const [name, v] of [['stale', '"0"'], ['unquoted-garbage', 'abc'], ['weak', 'W/"1"'], ['two', '"1", "2"'], ['overflow', '"99999999999999999999999"'], ['base64-encoded', '=?base64?IjEi?='], ['sql', `"1' OR '1'='1"`], ['negative', '"-1"']]) {
    out.push({ method: 'PUT', path: `${P}/draft/instructions`, name: `If-Match ${name}`, expect: 'api', headers: { 'content-type': 'application/json', 'if-match': v, ...bearer() }, body: JSON.stringify({ instructions: 'changed by If-Match' }) });
  }
  return out;
}

function pathCases() {
  const out = [];
  const templates = [
    ['GET', (s) => `/api/v1/orgs/${s}`, 'api'],
    ['GET', (s) => `/api/v1/orgs/${ORG}/projects/${s}`, 'api'],
    ['DELETE', (s) => `${P}/draft/types/${s}`, 'api'],
    ['GET', (s) => `${P}/versions/${s}`, 'api'],
    ['GET', (s) => `/api/v1/orgs/${ORG}/audit/${s}`, 'api'],
    ['DELETE', (s) => `/api/v1/orgs/${ORG}/grants/${s}`, 'api'],
    ['GET', (s) => `/.well-known/oauth-protected-resource/${s}/${PROJECT}`, 'api'],
    ['POST', (s) => `/${s}/${PROJECT}`, 'rpc'],
  ];
  for (const [method, path, expect] of templates) {
    for (const [name, seg] of HOSTILE_SEGMENTS) {
      // `/studio/<project>` is a Studio page (a 303 to sign-in), not an MCP endpoint.
      if (expect === 'rpc' && name === 'reserved-studio') continue;
      const headers = expect === 'rpc' ? mcpHeaders('tools/list') : bearer();
      const body = expect === 'rpc' ? JSON.stringify(rpc('tools/list')) : undefined;
      // A reserved word is a real route in some positions (`/api/v1/orgs/<x>/projects/draft`
      // is just an unknown project); the answer must still be a refusal.
      // `..` and `%2e%2e` are dot segments: the URL parser removes them (RFC 3986 5.2.4)
      // before routing, so the request is for the parent path, which the caller could
      // have asked for anyway; its answer is that path's (a 200 for a readable one).
      const okStatuses = /dotdot/.test(name) ? [200] : undefined;
      out.push({ method, path: path(seg), name: `${method} ${path('<' + name + '>')}`, expect, headers, body, okStatuses });
    }
  }
  // Hostile query values on reads: a 400 or an empty 200, never another org's rows.
  for (const v of [...SQL, ...HTML, '%ff', 'x'.repeat(5000)]) {
    const q = encodeURIComponent(v).replace('%25ff', '%ff');
    out.push({ method: 'GET', path: `/api/v1/orgs/${ORG}/audit?tool=${q}&project=${q}`, name: `audit filter ${v.slice(0, 20)}`, expect: 'api', okStatuses: [200], headers: bearer() });
    out.push({ method: 'GET', path: `/api/v1/orgs/${ORG}/grants?user=${q}`, name: `grants filter ${v.slice(0, 20)}`, expect: 'api', headers: bearer(), okStatuses: [200] });
    out.push({ method: 'GET', path: `${P}/versions?cursor=${q}`, name: `versions cursor ${v.slice(0, 20)}`, expect: 'api', headers: bearer() });
    out.push({ method: 'GET', path: `/api/v1/orgs/${ORG}/audit?cursor=${q}`, name: `audit cursor ${v.slice(0, 20)}`, expect: 'api', headers: bearer() });
  }
  for (const q of ['limit=0', 'limit=-1', 'limit=1e3', 'limit=99999999999999999999', 'limit=1&limit=2', 'from=2026-13-45', 'from=9999999999999999999', 'to=1&from=2', 'format=xml', 'status=%00', 'interval=0m', 'zz=1']) {
    out.push({ method: 'GET', path: `/api/v1/orgs/${ORG}/audit?${q}`, name: `audit ${q}`, expect: 'api', headers: bearer() });
    out.push({ method: 'GET', path: `/api/v1/orgs/${ORG}/audit/stats?${q}`, name: `stats ${q}`, expect: 'api', headers: bearer() });
  }
  return out;
}

function headerCases() {
  const out = [];
  const auths = [
    ['Bearer', 'Bearer'], ['Bearer-space', 'Bearer '], ['dy_ only', 'Bearer dy_'], ['long', `Bearer dy_${'A'.repeat(10_000)}`],
    ['sql', "Bearer dy_' OR '1'='1"], ['html', 'Bearer dy_<script>'], ['basic', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['jwt-like', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c3JfMSJ9.'], ['base64-encoded', `Bearer =?base64?${Buffer.from(token ?? 'x').toString('base64')}?=`],
    ['token-scheme', 'Token dy_x'], ['two-tokens', `Bearer ${token} ${token}`], ['token-with-suffix', `Bearer ${token}x`],
    ['unicode', 'Bearer dy_\u00e9\u00e9'],
  ];
  for (const [name, value] of auths) {
    out.push({ method: 'GET', path: '/api/v1/me', name: `Authorization ${name}`, expect: 'api', headers: { authorization: Buffer.from(value, 'latin1').toString('latin1') } });
    out.push({ method: 'POST', path: '/api/v1/orgs', name: `Authorization ${name} on a write`, expect: 'api', headers: { authorization: value, 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'zz-auth', name: 'x' }) });
  }
  const cookieName = owner.cookies.has('__Host-dy_session') ? '__Host-dy_session' : 'dy_session';
  for (const [name, value] of [['sql', "' OR 1=1 --"], ['long', 'A'.repeat(8000)], ['nul-escaped', '%00'], ['html', '<script>'], ['empty', '']]) {
    out.push({ method: 'GET', path: '/api/v1/me', name: `session cookie ${name}`, expect: 'api', headers: { cookie: `${cookieName}=${value}` } });
  }
  out.push({ method: 'GET', path: '/api/v1/me', name: 'two session cookies, one forged', expect: 'api', okStatuses: [200], headers: { cookie: `${cookieName}=forged; ${owner.cookieHeader()}` } });
  // The Origin rule of the session on writes: a valid body, a foreign or missing Origin.
  const write = { method: 'POST', path: '/api/v1/orgs', body: JSON.stringify({ slug: 'zz-csrf', name: 'x' }) };
  for (const [name, extra] of [
    ['foreign Origin', { origin: 'https://evil.example' }], ['Origin null', { origin: 'null' }],
    ['Origin suffix', { origin: `${w.url}.evil.example` }], ['Origin prefix', { origin: w.url.replace('http://', 'http://evil.') }],
    ['no Origin, cross-site', { 'sec-fetch-site': 'cross-site' }], ['no Origin, no Sec-Fetch-Site', {}],
    ['Origin base64-encoded', { origin: `=?base64?${Buffer.from(w.url).toString('base64')}?=` }],
  ]) {
    out.push({ ...write, name: `session write with ${name}`, expect: 'api', headers: { 'content-type': 'application/json', cookie: owner.cookieHeader(), ...extra } });
    out.push({ method: 'DELETE', path: `${P}/draft/types/show_order`, name: `session delete with ${name}`, expect: 'api', headers: { cookie: owner.cookieHeader(), ...extra } });
  }
  // A token cannot create tokens or change the password.
  out.push({ method: 'POST', path: '/api/v1/tokens', name: 'token creates a token', expect: 'api', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ name: 'x' }) });
  out.push({ method: 'POST', path: '/api/v1/me/password', name: 'token changes the password', expect: 'api', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ current_password: 'correct horse battery', new_password: 'another password 12' }) });
  // The member (mcp_user) cannot manage.
  out.push({ method: 'POST', path: `/api/v1/orgs/${ORG}/projects`, name: 'member creates a project', expect: 'api', headers: { 'content-type': 'application/json', cookie: member.cookieHeader(), origin: w.url }, body: JSON.stringify({ slug: 'zz-member', name: 'x' }) });
  return out;
}

function mcpCases() {
  const out = [];
  const prod = `/${ORG}/${PROJECT}`;
  const draft = `${prod}/draft`;
  const valid = rpc('tools/list');
  for (const [era, headers] of [['modern', mcpHeaders('tools/list')], ['legacy', legacyHeaders({ 'mcp-protocol-version': '2025-11-25' })]]) {
    const body = era === 'modern' ? valid : { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'h', version: '1' } } };
    for (const [name, b] of badBodies(body)) out.push({ method: 'POST', path: prod, name: `${era} ${name}`, expect: 'rpc', headers, body: b });
    const shapes = [
      ['batch', [body]], ['empty batch', []], ['jsonrpc 1.0', { ...body, jsonrpc: '1.0' }], ['no jsonrpc', { id: 1, method: body.method, params: body.params }],
      ['id object', { ...body, id: { a: 1 } }], ['id array', { ...body, id: [1] }], ['id float', { ...body, id: 1.5 }], ['method number', { ...body, method: 7 }],
      ['method empty', { ...body, method: '' }], ['method 10000 chars', { ...body, method: 'm'.repeat(10_000) }], ['unknown method', { ...body, method: 'tools/drop' }],
      ['method SQL', { ...body, method: "tools/list' --" }], ['params array', { ...body, params: [1] }], ['params string', { ...body, params: 'x' }],
      ['response object', { jsonrpc: '2.0', id: 1, result: {} }],
    ];
    for (const [name, b] of shapes) out.push({ method: 'POST', path: prod, name: `${era} ${name}`, expect: 'rpc', headers, body: JSON.stringify(b) });
    out.push({ method: 'POST', path: prod, name: `${era} body over 1 MiB`, expect: 'rpc', headers, body: JSON.stringify({ ...body, pad: 'x'.repeat(1024 * 1024 + 10) }) });
  }
  // tools/call and resources/read with hostile names and arguments (modern era).
  const call = (name, args, hname = name) => ({ method: 'POST', path: prod, name: `tools/call ${String(name).slice(0, 30)} ${JSON.stringify(args).slice(0, 30)}`, expect: 'rpc', headers: mcpHeaders('tools/call', typeof hname === 'string' ? hname : 'x'), body: JSON.stringify(rpc('tools/call', { name, arguments: args })) });
  for (const n of ['../show_order', "show_order' OR '1'='1", '<script>', 'x'.repeat(5000), 'show_order\u0000', 'SHOW_ORDER']) out.push(call(n, {}));
  for (const args of [{}, { order_id: 5 }, { order_id: '' }, { order_id: 'a', quantity: 'many' }, { order_id: 'a', extra: 1 }, 'string', [1], { order_id: { $ne: null } }]) out.push(call('show_order', args));
  // Valid arguments that carry SQL: a plain result (the interactive Type echoes them).
  out.push({ ...call('show_order', { order_id: SQL[1] }), okStatuses: [200] });
  out.push({ ...call(123, {}), name: 'tools/call name number' });
  out.push({ ...call('show_order', { order_id: 'a' }, 'other_tool'), name: 'tools/call Mcp-Name mismatch' });
  for (const uri of ['file:///etc/passwd', `ui://${PROJECT}/../../etc/passwd`, 'ui://other/show_order', `ui://${PROJECT}/${'x'.repeat(5000)}`, "ui://demo/show_order' --", 'http://169.254.169.254/']) {
    out.push({ method: 'POST', path: prod, name: `resources/read ${uri.slice(0, 40)}`, expect: 'rpc', headers: mcpHeaders('resources/read', uri.slice(0, 200)), body: JSON.stringify(rpc('resources/read', { uri })) });
  }
  for (const cursor of ['!!', 'x'.repeat(100_000), "' OR 1=1", 'eyJvZmZzZXQiOi0xfQ', '%00']) {
    out.push({ method: 'POST', path: prod, name: `tools/list cursor ${cursor.slice(0, 20)}`, expect: 'rpc', headers: mcpHeaders('tools/list'), body: JSON.stringify(rpc('tools/list', { cursor })) });
  }
  // The modern era's headers.
  const list = JSON.stringify(valid);
  const hdr = (name, extra, drop = []) => {
    const headers = { ...mcpHeaders('tools/list'), ...extra };
    for (const d of drop) delete headers[d];
    return { method: 'POST', path: prod, name: `header ${name}`, expect: 'rpc', headers, body: list };
  };
  // The Mcp-Name header of a tools/call must name the body's tool (encoded or not).
  const callBody = JSON.stringify(rpc('tools/call', { name: 'show_order', arguments: { order_id: 'a' } }));
  const hdrCall = (name, extra) => ({ method: 'POST', path: prod, name: `header ${name}`, expect: 'rpc', headers: { ...mcpHeaders('tools/call', 'show_order'), ...extra }, body: callBody });
  out.push(
hdr('Accept text/html', { accept: 'text/html' }), hdr('Accept json only', { accept: 'application/json' }),
    hdr('content-type text/plain', { 'content-type': 'text/plain' }), hdr('no content-type', {}, ['content-type']),
    hdr('foreign Origin', { origin: 'https://evil.example' }), hdr('Origin null', { origin: 'null' }),
    hdr('protocol version garbage', { 'mcp-protocol-version': 'garbage' }), hdr('protocol version 1999', { 'mcp-protocol-version': '1999-01-01' }),
    hdr('protocol version SQL', { 'mcp-protocol-version': "2026-07-28' --" }), hdr('Mcp-Method mismatch', { 'mcp-method': 'tools/call' }),
    hdr('Mcp-Method missing', {}, ['mcp-method']), hdr('Mcp-Method 5000 chars', { 'mcp-method': 'x'.repeat(5000) }),
    hdrCall('Mcp-Name base64 CRLF', { 'mcp-method': 'tools/call', 'mcp-name': `=?base64?${Buffer.from('show_order\r\nX-Injected: 1').toString('base64')}?=` }),
    hdrCall('Mcp-Name base64 invalid', { 'mcp-name': '=?base64?!!!not base64!!!?=' }),
    hdrCall('Mcp-Name base64 invalid UTF-8', { 'mcp-name': `=?base64?${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')}?=` }),
    hdrCall('Mcp-Name base64 unterminated', { 'mcp-name': '=?base64?c2hvd19vcmRlcg' }),
    hdrCall('Mcp-Name base64 huge', { 'mcp-name': `=?base64?${Buffer.from('a'.repeat(6000)).toString('base64')}?=` }),
    hdr('Authorization garbage', { authorization: 'Bearer garbage' }), hdr('Authorization API token', bearer()),
    // Lenient by design, answered as usual: no Accept accepts both (src/mcp/transport.rs);
    // a scheme other than Bearer is no credential on a public endpoint.
    { ...hdr('no Accept', {}, ['accept']), okStatuses: [200] },
    { ...hdr('Authorization base64-encoded', { authorization: '=?base64?QmVhcmVyIHg=?=' }), okStatuses: [200] },
  );
  out.push({ method: 'POST', path: `${prod}?access_token=x`, name: 'token in the query', expect: 'rpc', headers: mcpHeaders('tools/list'), body: list });
  // The legacy era's session header, forged.
  for (const [name, sid] of [['random', 'mcp-session-forged'], ['sql', "' OR 1=1 --"], ['long', 's'.repeat(10_000)], ['base64', '=?base64?eA==?=']]) {
    out.push({ method: 'POST', path: prod, name: `legacy forged session ${name}`, expect: 'rpc', headers: legacyHeaders({ 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    out.push({ method: 'DELETE', path: prod, name: `legacy DELETE forged session ${name}`, expect: 'rpc', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } });
    out.push({ method: 'GET', path: prod, name: `legacy GET stream forged session ${name}`, expect: 'rpc', headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } });
  }
  out.push({ method: 'POST', path: prod, name: 'legacy no session, tools/list', expect: 'rpc', headers: legacyHeaders({ 'mcp-protocol-version': '2025-11-25' }), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  out.push({ method: 'PUT', path: prod, name: 'PUT on the endpoint', expect: 'rpc', headers: mcpHeaders('tools/list'), body: list });
  // The draft endpoint needs a token: every one of these is the 401 challenge.
  for (const [name, headers] of [['none', mcpHeaders('tools/list')], ['API token', { ...mcpHeaders('tools/list'), ...bearer() }], ['garbage', { ...mcpHeaders('tools/list'), authorization: 'Bearer x' }]]) {
    out.push({ method: 'POST', path: draft, name: `draft with ${name}`, expect: 'rpc', headers, body: list });
  }
  return out;
}

function oauthCases() {
  const out = [];
  const reg = { client_name: 'x', redirect_uris: ['https://app.example.test/cb'], token_endpoint_auth_method: 'none' };
  const regCase = (name, body, ct = 'application/json') => ({ method: 'POST', path: '/oauth/register', name: `register ${name}`, expect: 'oauth', headers: { ...(ct ? { 'content-type': ct } : {}), 'cf-connecting-ip': freshIp() }, body });
  for (const [name, b] of badBodies(reg)) out.push(regCase(name, b));
  for (const [name, b] of wrongTypes(reg, { client_name: ['string'], redirect_uris: ['array'], token_endpoint_auth_method: ['string'] })) out.push(regCase(name, b));
  for (const [name, ct, b] of wrongContentTypes(reg)) out.push(regCase(name, b, ct ?? null));
  for (const uri of BAD_REDIRECTS) out.push(regCase(`redirect ${uri.slice(0, 40)}`, JSON.stringify({ ...reg, redirect_uris: [uri] })));
  out.push(
    regCase('11 redirect URIs', JSON.stringify({ ...reg, redirect_uris: Array.from({ length: 11 }, (_, i) => `https://app.example.test/${i}`) })),
    regCase('no redirect URIs', JSON.stringify({ ...reg, redirect_uris: [] })),
    regCase('private_key_jwt', JSON.stringify({ ...reg, token_endpoint_auth_method: 'private_key_jwt' })),
    regCase('grant types without code', JSON.stringify({ ...reg, grant_types: ['client_credentials'] })),
    regCase('private-use scheme, confidential', JSON.stringify({ ...reg, token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['cursor://x/cb'] })),
    regCase('over 8 KiB', JSON.stringify({ ...reg, client_name: 'n'.repeat(9000) })),
  );
  const form = (path, fields, extra = {}) => ({ method: 'POST', path, expect: 'oauth', headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': freshIp(), ...extra }, body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString() });
  const tok = [
    ['empty', ''], ['no grant_type', { code: 'x' }], ['unknown grant_type', { grant_type: 'password', username: 'a', password: 'b' }],
    ['grant_type SQL', { grant_type: "authorization_code' --" }], ['code SQL', { grant_type: 'authorization_code', code: "dyc_' OR '1'='1", redirect_uri: 'https://app.example.test/cb', code_verifier: 'v'.repeat(43), client_id: w.hostileClientId }],
    ['code unknown', { grant_type: 'authorization_code', code: 'dyc_nothing', redirect_uri: 'https://app.example.test/cb', code_verifier: 'v'.repeat(43), client_id: w.hostileClientId }],
    ['verifier 10000', { grant_type: 'authorization_code', code: 'dyc_x', code_verifier: 'v'.repeat(10_000), client_id: w.hostileClientId }],
    ['refresh unknown', { grant_type: 'refresh_token', refresh_token: 'dyr_nothing', client_id: w.hostileClientId }],
    ['refresh SQL', { grant_type: 'refresh_token', refresh_token: "dyr_' OR 1=1 --", client_id: w.hostileClientId }],
    ['client unknown', { grant_type: 'refresh_token', refresh_token: 'dyr_x', client_id: 'dcr_nothing' }],
    ['client_id CIMD private', { grant_type: 'refresh_token', refresh_token: 'dyr_x', client_id: 'https://10.0.0.1/client.json' }],
    ['repeated grant_type', 'grant_type=refresh_token&grant_type=authorization_code&refresh_token=x'],
    ['invalid percent-encoding', 'grant_type=%zz&code=%'], ['invalid UTF-8', 'grant_type=refresh_token&refresh_token=%ff%fe'],
    ['assertion type wrong', { grant_type: 'refresh_token', refresh_token: 'x', client_assertion_type: 'urn:x', client_assertion: 'a.b.c' }],
    ['assertion garbage', { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'https://app.example.test/c.json', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'x.y.z' }],
    ['resource foreign', { grant_type: 'refresh_token', refresh_token: 'x', client_id: w.hostileClientId, resource: 'https://evil.example/' }],
    ['2 MiB', `grant_type=refresh_token&refresh_token=${'r'.repeat(2 * 1024 * 1024)}`],
  ];
  for (const [name, f] of tok) out.push({ ...form('/oauth/token', f), name: `token ${name}` });
  out.push({ ...form('/oauth/token', { grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: 'Basic !!!' }), name: 'token Basic garbage' });
  out.push({ ...form('/oauth/token', { grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: `Basic ${Buffer.from("dcr_x' OR 1=1:pw").toString('base64')}` }), name: 'token Basic SQL' });
  out.push({ ...form('/oauth/token', '{"grant_type":"refresh_token"}', { 'content-type': 'application/json' }), name: 'token JSON body' });
  out.push({ ...form('/oauth/token', { grant_type: 'refresh_token' }, { 'content-type': 'text/plain' }), name: 'token text/plain' });
  // RFC 7009: an unknown token is a 200 {} (nothing revoked, nothing told).
  for (const [name, f] of [['unknown', { token: 'dyr_nothing', client_id: w.hostileClientId }], ['SQL', { token: "' OR 1=1 --", client_id: w.hostileClientId }], ['long', { token: 't'.repeat(20_000), client_id: w.hostileClientId }], ['empty', ''], ['no client', { token: 'x' }], ['invalid UTF-8', 'token=%ff&client_id=x']]) {
    out.push({ ...form('/oauth/revoke', f), name: `revoke ${name}`, okStatuses: [200] });
  }
  // /oauth/authorize problems with the client or redirect URI are HTML pages.
  const az = (name, q) => ({ method: 'GET', path: `/oauth/authorize?${q}`, name: `authorize ${name}`, expect: 'html', headers: { cookie: owner.cookieHeader() } });
  const resource = encodeURIComponent(`${w.url}/${ORG}/${PROJECT}`);
  const cid = encodeURIComponent(w.hostileClientId);
  for (const [name, q] of [
    ['nothing', ''], ['client unknown', `response_type=code&client_id=dcr_nothing&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcb&resource=${resource}`],
    ['client SQL', `response_type=code&client_id=${encodeURIComponent("dcr_' OR '1'='1")}&redirect_uri=x`], ['client HTML', `client_id=${encodeURIComponent('<script>alert(1)</script>')}`],
    ['client CIMD loopback-less private', `client_id=${encodeURIComponent('https://192.168.0.1/c.json')}`], ['client 10000', `client_id=${'c'.repeat(10_000)}`],
    ['redirect javascript:', `response_type=code&client_id=${cid}&redirect_uri=${encodeURIComponent('javascript:alert(1)')}&resource=${resource}`],
    ['redirect other host', `response_type=code&client_id=${cid}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&resource=${resource}`],
    ['redirect with CRLF', `response_type=code&client_id=${cid}&redirect_uri=${encodeURIComponent('https://app.example.test/oauth/callback\r\nSet-Cookie: a=b')}&resource=${resource}`],
    ['redirect prefix', `response_type=code&client_id=${cid}&redirect_uri=${encodeURIComponent('https://app.example.test/oauth/callback/../evil')}&resource=${resource}`],
    ['invalid percent', `client_id=%zz&redirect_uri=%`], ['invalid UTF-8', `client_id=%ff%fe`], ['repeated client_id', `client_id=${cid}&client_id=dcr_x`],
  ]) out.push(az(name, q));
  out.push({ method: 'POST', path: '/oauth/authorize', name: 'consent without csrf', expect: 'html', headers: { cookie: owner.cookieHeader(), origin: w.url, 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${cid}&decision=allow` });
  out.push({ method: 'POST', path: '/oauth/authorize', name: 'consent foreign origin', expect: 'html', headers: { cookie: owner.cookieHeader(), origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${cid}&decision=allow&csrf=x` });
  for (const p of ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', `/.well-known/oauth-protected-resource/${ORG}/${PROJECT}`]) {
    out.push({ method: 'POST', path: p, name: `POST ${p}`, expect: 'api', headers: { 'content-type': 'application/json' }, body: '{}' });
    out.push({ method: 'DELETE', path: p, name: `DELETE ${p}`, expect: 'api', headers: {} });
  }
  for (const p of ['/.well-known/oauth-protected-resource', `/.well-known/oauth-protected-resource/${ORG}`, `/.well-known/oauth-protected-resource/${ORG}/${PROJECT}/draft/x`, '/.well-known/oauth-authorization-server/x/y', '/.well-known/%2e%2e/api/v1/me']) {
    out.push({ method: 'GET', path: p, name: `GET ${p}`, expect: 'api', headers: {} });
  }
  return out;
}

/** Every POST form of the Studio pages, sent broken: no or a wrong CSRF token, a foreign Origin, JSON, 2 MiB, bad encodings. */
async function studioCases() {
  const out = [];
  const pages = ['/studio', `/studio/${ORG}`, `/studio/${ORG}/settings`, `/studio/${ORG}/settings/members`, `/studio/${ORG}/settings/roles`,
    `/studio/${ORG}/settings/authorized-apps`, '/studio/account', `/studio/${ORG}/${PROJECT}/settings`, `/studio/${ORG}/${PROJECT}/instructions`,
    `/studio/${ORG}/${PROJECT}/types/new`, `/studio/${ORG}/${PROJECT}/types/show_order`, `/studio/${ORG}/${PROJECT}/publish`, `/studio/${ORG}/${PROJECT}/versions`];
  let forms = 0;
  for (const page of pages) {
    const r = await owner.get(page);
    assert.equal(r.status, 200, `${page}: ${r.status}`);
    for (const f of parseForms(r.text).filter((x) => x.method === 'post')) {
      const action = f.action ?? page;
      if (action === '/studio/logout') continue;
      forms++;
      const fields = f.fields.filter(([n]) => n);
      const enc = (fs) => new URLSearchParams(fs).toString();
      const base = { method: 'POST', path: action, expect: 'html' };
      const h = (extra = {}) => ({ cookie: owner.cookieHeader(), origin: w.url, 'content-type': 'application/x-www-form-urlencoded', ...extra });
      const intent = fields.find(([n]) => n === 'intent')?.[1] ?? '';
      const label = `${action} ${intent}`;
      out.push({ ...base, name: `${label} no csrf`, headers: h(), body: enc(fields.filter(([n]) => n !== 'csrf')) });
      out.push({ ...base, name: `${label} wrong csrf`, headers: h(), body: enc(fields.map(([n, v]) => [n, n === 'csrf' ? `${v}x` : v])) });
      out.push({ ...base, name: `${label} foreign Origin`, headers: h({ origin: 'https://evil.example' }), body: enc(fields) });
      out.push({ ...base, name: `${label} cross-site, no Origin`, headers: (() => { const x = h({ 'sec-fetch-site': 'cross-site' }); delete x.origin; return x; })(), body: enc(fields) });
      out.push({ ...base, name: `${label} JSON body`, headers: h({ 'content-type': 'application/json' }), body: JSON.stringify(Object.fromEntries(fields)) });
      out.push({ ...base, name: `${label} 2 MiB`, headers: h(), body: `${enc(fields)}&pad=${'x'.repeat(2 * 1024 * 1024)}` });
      const visible = fields.filter(([n]) => !['csrf', 'intent'].includes(n));
      if (visible.length) {
        const [first] = visible[0];
        out.push({ ...base, name: `${label} invalid UTF-8 in ${first}`, headers: h(), body: `${enc(fields.filter(([n]) => n !== first))}&${first}=%ff%fe` });
      }
    }
  }
  assert.ok(forms >= 15, `found ${forms} Studio forms`);
  // Create forms with slugs that must be refused (a 422 page).
  const createOrg = parseForms((await owner.get('/studio')).text).find((f) => f.fields.some(([n]) => n === 'slug'));
  const createProject = parseForms((await owner.get(`/studio/${ORG}`)).text).find((f) => f.fields.some(([n]) => n === 'slug'));
  for (const [page, f] of [['/studio', createOrg], [`/studio/${ORG}`, createProject]]) {
    assert.ok(f, `${page} has a create form`);
    // (The forms trim what is typed, so " spaced" is the valid "spaced" there.)
    for (const slug of BAD_SLUGS.filter((x) => x !== ' spaced')) {
      const fields = f.fields.map(([n, v]) => [n, n === 'slug' ? slug : n === 'name' ? 'x' : v]);
      out.push({ method: 'POST', path: f.action ?? page, name: `${page} create with slug ${JSON.stringify(slug)}`, expect: 'html', headers: { cookie: owner.cookieHeader(), origin: w.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    }
  }
  // Sign-in and sign-up, without a session.
  const anon = (path, body, extra = {}) => ({ method: 'POST', path, expect: 'html', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url, 'cf-connecting-ip': freshIp(), ...extra }, body });
  for (const [name, body] of [['empty', ''], ['invalid percent', 'email=%zz&password=%'], ['invalid UTF-8', 'email=%ff&password=%fe'], ['arrays', 'email=a&email=b&password=x'],
    ['SQL', new URLSearchParams({ email: "' OR '1'='1' --", password: "' OR '1'='1" }).toString()], ['HTML', new URLSearchParams({ email: '<script>alert(1)</script>', password: 'x' }).toString()],
    ['overlong', new URLSearchParams({ email: 'e'.repeat(100_000), password: 'p' }).toString()], ['2 MiB', `email=a&password=${'p'.repeat(2 * 1024 * 1024)}`]]) {
    out.push({ ...anon('/studio/login', body), name: `login ${name}` });
    out.push({ ...anon('/studio/signup', body), name: `signup ${name}` });
  }
  out.push({ ...anon('/studio/login', 'email=a&password=b', { origin: 'https://evil.example' }), name: 'login foreign Origin' });
  out.push({ ...anon('/studio/login', '{"email":"a","password":"b"}', { 'content-type': 'application/json' }), name: 'login JSON' });
  out.push({ ...anon('/studio/signup', new URLSearchParams({ invitation: "inv_' OR 1=1", name: '<b>x</b>', email: 'x@example.test', password: 'long enough password' }).toString()), name: 'signup forged invitation' });
  // Unknown and traversal paths under /studio are HTML 404s.
  for (const [name, seg] of HOSTILE_SEGMENTS.filter(([n]) => !/dotdot/.test(n))) out.push({ method: 'GET', path: `/studio/${seg}/x/y/z`, name: `GET /studio/<${name}>/x/y/z`, expect: 'html', headers: { cookie: owner.cookieHeader() } });
  return out;
}

/** What only a raw socket sends; workerd's parser refuses most of it before the Worker runs. */
function wireCases() {
  const host = `Host: 127.0.0.1:${w.port}`;
  const req = (name, text) => ({ name, expect: 'wire', raw: text });
  // A body the Worker refuses (422), so a request the parser lets through (a bare LF
  // ends a header line: RFC 9112 2.2 allows it) still changes nothing.
  const body = '{"slug":"../wire","name":"x"}';
  const post = (extraHeader) => `POST /api/v1/orgs HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${extraHeader}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
  return [
    req('CR inside a header value', post('X-A: a\rInjected: 1\r\n')),
    req('LF inside a header value', post('X-A: a\nInjected: 1\r\n')),
    req('NUL in a header value', post('X-A: a\u0000b\r\n')),
    req('obs-fold continuation', post('X-A: a\r\n  folded\r\n')),
    req('space before colon', post('X-A : a\r\n')),
    req('header name with slash', post('X/A: a\r\n')),
    req('CRLF in Authorization', `GET /api/v1/me HTTP/1.1\r\n${host}\r\nAuthorization: Bearer x\rSet-Cookie: a=b\r\nConnection: close\r\n\r\n`),
    req('non-ASCII header bytes', Buffer.concat([Buffer.from(`GET /api/v1/me HTTP/1.1\r\n${host}\r\nX-A: `), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\r\nConnection: close\r\n\r\n')])),
    req('100 KiB header', `GET /api/v1/me HTTP/1.1\r\n${host}\r\nX-A: ${'a'.repeat(100 * 1024)}\r\nConnection: close\r\n\r\n`),
    req('bad request line', `G ET /api/v1/me HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`),
    req('no HTTP version', `GET /api/v1/me\r\n\r\n`),
    // wrangler dev's proxy in front of workerd answers a broken chunked body with a
    // plain-text 500 "Network connection lost." while it forwards it (the Worker logs
    // nothing: the panic check below stays clean); the edge refuses it in production.
    { ...req('bad chunk size', `POST /api/v1/orgs HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`), proxy500: true },
    req('chunked and Content-Length', `POST /api/v1/orgs HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n`),
    req('two Content-Lengths', `POST /api/v1/orgs HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`),
    req('Content-Length longer than the body', `POST /api/v1/orgs HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"slug":`),
    req('path with raw space', `GET /api/v1/orgs/hos tile HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`),
    req('raw dot-dot path', `GET /api/v1/orgs/../../../etc/passwd HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`),
    req('absolute-form target to another host', `GET http://evil.example/api/v1/me HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`),
  ];
}

/** Every path of the spec answers an unlisted method with 405 and exactly the spec's methods in Allow. */
function allowCases(spec) {
  const out = [];
  for (const s of specRoutes(spec)) {
    if (s.raw === '/api/v1/openapi.json') continue;
    const path = s.raw.replace('{org}', ORG).replace('{project}', PROJECT).replace(/\{[^}]+\}/g, 'zz');
    const method = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].find((m) => !s.methods.includes(m));
    out.push({ method, path, name: `${method} ${s.raw} (Allow: ${s.methods.join(', ')})`, expect: 'api', headers: bearer(), allow: s.methods });
  }
  return out;
}
