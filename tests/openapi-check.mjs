// Every /api/v1 answer a test receives through the harness's `Client` is checked
// against docs/openapi.yaml (as scripts/build-openapi.mjs builds it), so that the
// spec and the code cannot drift apart unnoticed: the e2e suites make thousands of
// real calls with real data, which finds a mismatch deterministically where a
// time-bounded random smoke (schemathesis) finds it by luck.
//
// The rules, for a request to /api/v1/... (query string ignored):
// - the path and method are an operation of the spec. A request the spec does not
//   route (an unknown path, a wrong method) must get the generic error answer the
//   spec's `info.description` promises for it: 404 or 405 with an `Error` body;
// - the status is one of the operation's responses (exact, `4XX`-style range, or
//   `default`);
// - the media type of `Content-Type` is one the response documents, and a response
//   documented without content has an empty body;
// - a JSON body validates against the documented schema (ajv 2020-12, all errors).
// A violation throws an AssertionError naming the operation, status, ajv errors and
// the body (truncated), so the test that made the request fails. Validators are
// compiled once per process, on first use.
import { AssertionError } from 'node:assert';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { buildOpenApi } from '../scripts/build-openapi.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const DOC_ID = 'urn:dockyard:openapi';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let state = null;

/** Checked responses and time spent, for measuring the check's overhead. */
export const stats = { checked: 0, ms: 0, loadMs: 0 };
// DOCKYARD_OPENAPI_STATS=1 prints them when the process ends (one line per suite file).
if (process.env.DOCKYARD_OPENAPI_STATS) {
  process.on('exit', () => {
    process.stderr.write(`openapi-check: ${stats.checked} responses, ${stats.ms.toFixed(0)} ms (of which ${stats.loadMs.toFixed(0)} ms building the document and ${state?.validators.size ?? 0} validators compiled)\n`);
  });
}

function load() {
  if (state) return state;
  const t0 = performance.now();
  const doc = builtDocument();
  // Formats are not checked (the one in the spec is `uri`): ajv-formats is not a
  // dependency of ours, only a transitive one.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, validateSchema: false, logger: false });
  // tests/hostile/openapi.test.mjs checks the document against the meta-schemas.
  ajv.addSchema({ ...doc, $id: DOC_ID });
  // Literal segments before templated ones, so /projects/{project}/draft beats a
  // sibling template, and longer literal prefixes win.
  const ops = Object.entries(doc.paths).map(([template, item]) => {
    const segs = template.split('/');
    const re = new RegExp(`^${segs.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : escapeRe(s))).join('/')}$`);
    return { template, item, re, literals: segs.filter((s) => !s.startsWith('{')).length };
  }).sort((a, b) => b.literals - a.literals);
  state = { doc, ajv, ops, validators: new Map() };
  stats.loadMs = performance.now() - t0;
  return state;
}

/**
 * The built document, cached in .tmp/ under the hash of its sources: parsing the
 * YAML costs seconds on a busy machine, once per test file otherwise.
 */
function builtDocument() {
  const sources = ['docs/openapi.yaml', 'schema/type.schema.json', 'scripts/build-openapi.mjs'];
  const hash = createHash('sha256');
  for (const f of sources) hash.update(readFileSync(join(ROOT, f)));
  const cache = join(ROOT, '.tmp', `openapi.${hash.digest('hex').slice(0, 16)}.json`);
  if (existsSync(cache)) {
    return JSON.parse(readFileSync(cache, 'utf8'));
  }
  const doc = buildOpenApi();
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  writeFileSync(`${cache}.${process.pid}`, JSON.stringify(doc));
  renameSync(`${cache}.${process.pid}`, cache); // atomic: a reader sees all of it or nothing
  return doc;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pointerPart = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Follows a local `$ref` chain; returns [object, its JSON pointer]. */
function deref(doc, node, pointer) {
  while (node && typeof node.$ref === 'string') {
    pointer = node.$ref;
    node = node.$ref.slice(2).split('/')
      .reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return [node, pointer];
}

function validator(s, pointer) {
  let v = s.validators.get(pointer);
  if (!v) {
    v = s.ajv.compile({ $ref: `${DOC_ID}${pointer}` });
    s.validators.set(pointer, v);
  }
  return v;
}

function fail(what, { method, path, status, text }, details = '') {
  const body = text.length > 1500 ? `${text.slice(0, 1500)}… (${text.length} chars)` : text;
  throw new AssertionError({
    message: `OpenAPI: ${what}\n  ${method} ${path} -> ${status}${details ? `\n  ${details}` : ''}\n  body: ${body}`,
  });
}

/**
 * Checks one answer. `res` is {status, headers (a Headers), text}. No-op for paths
 * outside /api/v1.
 */
export function checkApiResponse(method, url, res) {
  // The path as the Worker routes it: URL parsing removes `..` and `%2e%2e` segments
  // (the request is for the parent) and the router ignores a trailing slash.
  let path = new URL(url, 'http://check.invalid').pathname;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (!path.startsWith('/api/v1/') && path !== '/api/v1') return;
  const t0 = performance.now();
  try {
    check(method.toLowerCase(), path, res);
  } finally {
    stats.checked++;
    stats.ms += performance.now() - t0;
  }
}

function check(method, path, res) {
  const s = load();
  const info = { method: method.toUpperCase(), path, status: res.status, text: res.text ?? '' };
  const match = s.ops.find((o) => o.re.test(path));
  const op = match?.item[method];
  if (!op) {
    // Not an operation: the router's generic answer, documented in info.description.
    if (res.status === 404 || res.status === 405) {
      return checkBody(s, info, res, '#/components/responses/NotFound', 'no such operation');
    }
    return fail(match ? `method not in the spec for ${match.template}` : 'path not in the spec', info);
  }
  const name = `${op.operationId} (${info.method} ${match.template})`;
  // DOCKYARD_OPENAPI_RECORD=file appends each answer (NDJSON), to see real shapes.
  if (process.env.DOCKYARD_OPENAPI_RECORD) {
    appendFileSync(process.env.DOCKYARD_OPENAPI_RECORD, `${JSON.stringify({ op: op.operationId, status: res.status, body: info.text.slice(0, 4000) })}\n`);
  }
  const code = String(res.status);
  const range = `${code[0]}XX`;
  const key = [code, range, range.toLowerCase(), 'default'].find((k) => op.responses[k]);
  if (!key) {
    return fail(`status ${code} is not documented for ${name} (documented: ${Object.keys(op.responses).join(', ')})`, info);
  }
  const pointer = `#/paths/${pointerPart(match.template)}/${method}/responses/${key}`;
  return checkBody(s, info, res, pointer, name);
}

function checkBody(s, info, res, pointer, name) {
  const [response, at] = deref(s.doc, { $ref: pointer }, pointer);
  const content = response?.content;
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (!content || Object.keys(content).length === 0) {
    if (info.text !== '') fail(`${name}: the response is documented without a body, but it has one (${type || 'no Content-Type'})`, info);
    return;
  }
  const media = Object.keys(content).find((m) => m.toLowerCase() === type)
    ?? Object.keys(content).find((m) => m.endsWith('/*') && type.startsWith(m.slice(0, -1)))
    ?? (content['*/*'] ? '*/*' : undefined);
  if (!media) {
    return fail(`${name}: Content-Type ${type || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`, info);
  }
  if (!/[/+]json$/.test(media) || !content[media].schema) return;
  let body;
  try { body = JSON.parse(info.text); } catch { return fail(`${name}: the body is not JSON`, info); }
  // A schema that is only a $ref compiles as its target: the error responses share Error.
  const schema = content[media].schema;
  const only = typeof schema.$ref === 'string' && Object.keys(schema).length === 1;
  const v = validator(s, only ? schema.$ref : `${at}/content/${pointerPart(media)}/schema`);
  if (!v(body)) {
    const errors = v.errors.slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''} [${e.schemaPath}]`);
    fail(`${name}: the body does not match the documented schema`, info, `ajv: ${errors.join('\n        ')}`);
  }
}
