// What the router answers under /api/v1, read from src/http/route.rs itself (the
// match arms of `api_v1` and `project_routes`, each `[segments] => (&[methods], ...)`),
// so that a route added there without a docs/openapi.yaml entry fails
// tests/hostile/openapi.test.mjs. Path variables become `{}` on both sides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../harness.mjs';

const ARM = /\[([^\]]*)\]\s*=>\s*\{?(?:\s*let [^;]*;)*\s*\(\s*&\[([^\]]*)\]/g;

function arms(body, prefix) {
  const out = [];
  for (const m of body.matchAll(ARM)) {
    const segs = m[1].split(',').map((s) => s.trim()).filter(Boolean);
    if (segs.some((s) => s.includes('@'))) continue;
    const path = segs.map((s) => (s.startsWith('"') ? JSON.parse(s) : '{}'));
    const methods = m[2].split(',').map((s) => JSON.parse(s.trim()));
    out.push({ path: `${prefix}/${path.join('/')}`, methods });
  }
  return out;
}

/** [{path: '/api/v1/orgs/{}/members/{}', methods: ['PATCH', 'DELETE']}, ...] */
export function routerApiRoutes() {
  const src = readFileSync(join(ROOT, 'src/http/route.rs'), 'utf8');
  const between = (a, b) => src.slice(src.indexOf(a), src.indexOf(b));
  const api = between('fn api_v1(', 'fn project_routes(');
  const project = between('fn project_routes(', 'fn pick(');
  const routes = [...arms(api, '/api/v1'), ...arms(project, '/api/v1/orgs/{}/projects/{}')];
  if (routes.length < 30) throw new Error(`only ${routes.length} routes parsed from route.rs: has its shape changed?`);
  return routes;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The spec's operations: [{path: template with `{}`, raw: the spec's path, methods: ['GET', ...]}]. */
export function specRoutes(doc) {
  return Object.entries(doc.paths).map(([raw, item]) => ({
    raw,
    path: raw.replace(/\{[^}]+\}/g, '{}'),
    methods: HTTP_METHODS.filter((m) => item[m]).map((m) => m.toUpperCase()),
  }));
}
