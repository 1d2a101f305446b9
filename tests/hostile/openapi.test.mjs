// docs/openapi.yaml, checked without a worker (tests/hostile/battery.test.mjs checks
// the served copy and asks the running router about every path):
// - the built document (scripts/build-openapi.mjs) is valid OpenAPI 3.1 against the
//   official meta-schema (tests/hostile/oas-3.1.schema.json), and every Schema Object
//   in it compiles as JSON Schema 2020-12 with every $ref resolved;
// - every /api/v1 route of src/http/route.rs is described, with exactly its methods,
//   and the spec describes no route the router lacks (openapi.json itself is the one
//   static asset);
// - every path template variable is declared as a path parameter, every operation has
//   an operationId (unique) and a success response, and both security schemes exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { ROOT } from '../harness.mjs';
import { buildOpenApi } from '../../scripts/build-openapi.mjs';
import { routerApiRoutes, specRoutes, HTTP_METHODS } from './routes.mjs';

const doc = buildOpenApi();
const ASSET_ONLY = new Set(['/api/v1/openapi.json']);

test('the built document is valid OpenAPI 3.1 (official meta-schema)', () => {
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  // ajv does not count properties evaluated through `$dynamicRef` for
  // `unevaluatedProperties`; in this variant of the meta-schema `#meta` is only ever
  // `$defs/schema` (an object or a boolean), so a plain `$ref` to it is the same rule.
  const text = readFileSync(join(ROOT, 'tests/hostile/oas-3.1.schema.json'), 'utf8')
    .replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"');
  const meta = JSON.parse(text);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false });
  const validate = ajv.compile(meta);
  assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 10), null, 1));
});

test('every schema in the document compiles, every $ref resolves', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false });
  ajv.addSchema({ ...doc, $id: 'urn:dockyard:openapi' });
  for (const name of Object.keys(doc.components.schemas)) {
    ajv.compile({ $ref: `urn:dockyard:openapi#/components/schemas/${name}` });
  }
  // Non-schema references (parameters, responses) resolve to an object too.
  const walk = (node, where) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') {
      assert.match(node.$ref, /^#\//, `${where}: only local references`);
      const target = node.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
      assert.ok(target && typeof target === 'object', `${where}: ${node.$ref} does not resolve`);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
  };
  walk(doc, '#');
  // Each request and response schema compiles in place (with the document's refs).
  let compiled = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of HTTP_METHODS.filter((x) => item[x])) {
      const op = item[m];
      const ptr = `urn:dockyard:openapi#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${m}`;
      if (op.requestBody?.content?.['application/json']) {
        ajv.compile({ $ref: `${ptr}/requestBody/content/application~1json/schema` });
        compiled++;
      }
      for (const [status, r] of Object.entries(op.responses)) {
        if (r.content?.['application/json']) {
          ajv.compile({ $ref: `${ptr}/responses/${status}/content/application~1json/schema` });
          compiled++;
        }
      }
    }
  }
  assert.ok(compiled > 40, `compiled ${compiled} schemas`);
});

test('every /api/v1 route of the router is described, with exactly its methods', () => {
  const router = routerApiRoutes();
  const spec = specRoutes(doc);
  const specByPath = new Map(spec.map((s) => [s.path, s]));
  const missing = [];
  for (const r of router) {
    const s = specByPath.get(r.path);
    if (!s) { missing.push(`${r.methods.join(',')} ${r.path}`); continue; }
    assert.deepEqual([...s.methods].sort(), [...r.methods].sort(), `methods of ${s.raw}`);
  }
  assert.deepEqual(missing, [], 'routes of src/http/route.rs missing from docs/openapi.yaml');
  const routerPaths = new Set(router.map((r) => r.path));
  const extra = spec.filter((s) => !routerPaths.has(s.path) && !ASSET_ONLY.has(s.raw)).map((s) => s.raw);
  assert.deepEqual(extra, [], 'paths in docs/openapi.yaml the router does not answer');
  assert.equal(spec.length, router.length + ASSET_ONLY.size);
});

test('path variables are declared; operations are named and have a success response', () => {
  const ids = new Set();
  for (const [path, item] of Object.entries(doc.paths)) {
    const vars = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const m of HTTP_METHODS.filter((x) => item[x])) {
      const op = item[m];
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
        p.$ref ? p.$ref.split('/').pop() : p).map((p) => (typeof p === 'string' ? doc.components.parameters[p] : p));
      const declared = params.filter((p) => p.in === 'path').map((p) => p.name).sort();
      assert.deepEqual(declared, [...vars].sort(), `${m} ${path}: path parameters`);
      assert.ok(op.operationId && !ids.has(op.operationId), `${m} ${path}: a unique operationId`);
      ids.add(op.operationId);
      assert.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${m} ${path}: a 2xx response`);
    }
  }
  const schemes = doc.components.securitySchemes;
  assert.equal(schemes.apiToken.type, 'http');
  assert.equal(schemes.apiToken.scheme, 'bearer');
  assert.equal(schemes.sessionCookie.in, 'cookie');
  assert.match(schemes.sessionCookie.description, /Origin/);
  assert.deepEqual(doc.paths['/api/v1/openapi.json'].get.security, []);
});
