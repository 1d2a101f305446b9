// What the audit suites (tests/audit/*.test.mjs) share: reading the log
// through its API until ingestion has drained, and a seeded org.
//
// A record is acknowledged once it is readable through the API (docs/AUDIT.md):
// the queue consumer runs after the response, so every helper here polls the
// API until the expected records are there or a deadline passes, and never
// sleeps a fixed time.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sleep, orderCard, interactiveType, uniq, createOrg, createProject, putType, publish, setVisibility } from '../mcp-fixtures.mjs';

/** The record keys, in order (the CSV header). */
export const FIELDS = ['id', 'at', 'duration_ms', 'org', 'project', 'channel', 'version', 'method', 'tool', 'tool_kind',
  'era', 'protocol_version', 'status', 'error_code', 'user_id', 'user_email', 'client_id', 'client_name', 'grant_id',
  'host_name', 'host_version', 'args_sha256', 'args_bytes', 'result_sha256', 'result_bytes'];

export const REQUEST_ID = /^req_[0-9a-f]{32}$/;

/** GET a listing path as `client`; asserts 200. */
export async function list(client, path) {
  const r = await client.get(path);
  assert.equal(r.status, 200, `${path}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.body;
}

/** Polls `GET .../audit/<id>` until the record is there; returns `{ record, payload }`. */
export async function record(client, org, id, { timeoutMs = 20_000 } = {}) {
  assert.match(id ?? '', REQUEST_ID, 'a Dockyard-Request-Id');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.get(`/api/v1/orgs/${org}/audit/${id}`);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 404, `audit/${id}: ${r.status} ${r.text.slice(0, 300)}`);
    if (Date.now() > deadline) throw new Error(`the record ${id} did not become readable in ${timeoutMs} ms`);
    await sleep(150);
  }
}

/** Every record of `path` (a listing, paged through), once at least `n` are there. */
export async function drained(client, path, n, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await pages(client, path);
    if (all.length >= n) return all;
    if (Date.now() > deadline) throw new Error(`${path}: ${all.length} of ${n} records after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Pages through a JSON listing with its cursors. */
export async function pages(client, path) {
  const out = [];
  let cursor = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const body = await list(client, `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...body.records);
    cursor = body.next_cursor;
  } while (cursor);
  return out;
}

/** SHA-256 hex of the canonical JSON (sorted keys, compact) of `value`, redacted as the server does. */
export function digest(value) {
  const canon = canonical(value);
  return { sha256: createHash('sha256').update(canonical(redact(value))).digest('hex'), bytes: Buffer.byteLength(canon) };
}

export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const SECRET = /token|secret|password|authorization/i;
export function redact(v) {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET.test(k) ? '[redacted]' : redact(x)]));
  }
  return v;
}

/** Asserts every key of the record list is there, in order, and `expected` matches. */
export function assertRecord(rec, expected, label = '') {
  assert.deepEqual(Object.keys(rec), FIELDS, `${label}: the record keys, in order`);
  for (const [k, v] of Object.entries(expected)) {
    if (v instanceof RegExp) assert.match(String(rec[k]), v, `${label}: ${k} = ${rec[k]}`);
    else assert.deepEqual(rec[k], v, `${label}: ${k}`);
  }
  assert.ok(Number.isInteger(rec.at) && rec.at > 1.7e12, `${label}: at is Unix ms`);
  assert.ok(Number.isInteger(rec.duration_ms) && rec.duration_ms >= 0, `${label}: duration_ms`);
}

/** Types of the audit world: an order card (with a secret-looking argument), a data tool, a mismatching output. */
export function auditTypes() {
  const card = orderCard('show_order');
  card.input_schema.properties.api_token = { type: 'string' };
  return [
    card,
    interactiveType('fetch_stock', {
      kind: 'http', ui: null,
      http: { url: 'https://stock.example.com/api', timeout_ms: 2000, headers: {}, secret: 'SIGNING' },
      input_schema: { type: 'object', properties: { sku: { type: 'string' } }, additionalProperties: false },
    }),
    interactiveType('quote', {
      output_schema: { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] },
      input_schema: { type: 'object', properties: { sku: { type: 'string' } }, additionalProperties: false },
    }),
    interactiveType('orders_report', { scopes: ['orders:read'] }),
  ];
}

/** An org with a private published project of `auditTypes()` (and a public one, `open`, with its `show_order`). */
export async function seedOrg(w, owner, { org = uniq('aud') } = {}) {
  await createOrg(owner, org);
  const project = 'shop';
  await createProject(owner, org, project);
  // fetch_stock signs with SIGNING, which must exist when it is saved.
  const signing = await owner.put(`/api/v1/orgs/${org}/projects/${project}/secrets/SIGNING`, { value: 'audit-test-signing' });
  assert.equal(signing.status, 200, signing.text);
  for (const t of auditTypes()) await putType(owner, org, project, t);
  const version = (await publish(owner, org, project)).version.version;
  await createProject(owner, org, 'open');
  await putType(owner, org, 'open', auditTypes()[0]);
  const openVersion = (await publish(owner, org, 'open')).version.version;
  await setVisibility(owner, org, 'open', 'public');
  return {
    org, project, version, openVersion,
    url: `${w.url}/${org}/${project}`, draftUrl: `${w.url}/${org}/${project}/draft`, openUrl: `${w.url}/${org}/open`,
  };
}
