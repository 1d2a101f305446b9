// docs/openapi.yaml -> studio-ui/dist/api/v1/openapi.json, at build time (called by
// scripts/build-ui.sh). Workers static assets ([assets] in wrangler.toml) serve the
// file at GET /api/v1/openapi.json before the Worker runs, without authentication,
// with the headers of studio-ui/_headers: so the wasm carries neither a YAML parser
// nor the document. The Type document's schema is embedded from
// schema/type.schema.json (the one the validator's structural layer uses), its local
// `#/$defs/...` references rewritten to where it lands in the document.
//   node scripts/build-openapi.mjs [out.json]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EMBED = 'x-dockyard-embed';

/** The OpenAPI document as JSON-ready data (exported for tests/hostile/openapi.test.mjs). */
export function buildOpenApi(root = ROOT) {
  const doc = parse(readFileSync(join(root, 'docs/openapi.yaml'), 'utf8'), { uniqueKeys: true });
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    if (!schema[EMBED]) continue;
    const embedded = JSON.parse(readFileSync(join(root, schema[EMBED]), 'utf8'));
    delete embedded.$schema; // the document's dialect (2020-12) already applies
    const base = `#/components/schemas/${name}/$defs/`;
    const text = JSON.stringify(embedded).replaceAll('"#/$defs/', `"${base}`);
    doc.components.schemas[name] = { ...JSON.parse(text), description: schema.description ?? embedded.description };
  }
  return doc;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(ROOT, 'studio-ui/dist/api/v1/openapi.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(buildOpenApi())}\n`);
}
