// A dump of everything a worker persisted: D1 and every Durable Object's SQLite, read
// straight from wrangler's --persist-to directory with node:sqlite (read-only), so the
// battery can prove that hostile requests changed nothing.
//
// Left out, because they change by design on requests that are refused:
// - audit records and management actions (every MCP request is audited, refused ones too),
//   and their ingestion bookkeeping (`AUDIT_TABLES`);
// - rate-limit windows: the RateLimiter object entirely, and a hub's data-tool window;
// - last-used and last-seen times (`*last_used*`, `*last_seen*`): a session or token that
//   authenticates a refused request is still used.
// - wrangler's own trace and log store (`v3/observability/`): the local runtime's
//   telemetry of every request, not Dockyard's state.
// Everything else, every row of every table of D1 and the Durable Objects, must be
// identical before and after.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const AUDIT_TABLES = /^(audit_|mcp_audit|audit$|actions$|management_actions|dropped|webhook_)/;
const RATE_TABLES = /rate|window/i;
const SKIP_TABLES = /^(sqlite_|_cf_|d1_migrations$)/;
const SKIP_COLUMNS = /last_used|last_seen/i;
const RATE_OBJECTS = /RateLimiter/;

function sqliteFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...sqliteFiles(p));
    else if (name.endsWith('.sqlite')) out.push(p);
  }
  return out.sort();
}

/** {"<file>/<table>": [rows]} for every kept table with at least one row; plus what was left out. */
export function dumpState(persistDir) {
  const state = {};
  const leftOut = new Set();
  for (const file of sqliteFiles(persistDir)) {
    const rel = relative(persistDir, file);
    if (rel.startsWith('v3/observability/')) { leftOut.add('v3/observability/* (wrangler trace store)'); continue; }
    if (RATE_OBJECTS.test(rel)) { leftOut.add(`${rel.split('/').slice(0, -1).join('/')}/* (rate-limit windows)`); continue; }
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
      for (const { name } of tables) {
        if (SKIP_TABLES.test(name)) continue;
        if (AUDIT_TABLES.test(name) || RATE_TABLES.test(name)) { leftOut.add(name); continue; }
        const rows = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all()
          .map((r) => Object.fromEntries(Object.entries(r)
            .filter(([k]) => { if (SKIP_COLUMNS.test(k)) { leftOut.add(`${name}.${k}`); return false; } return true; })
            .map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('base64') : typeof v === 'bigint' ? String(v) : v])))
          .map((r) => JSON.stringify(r))
          .sort();
        if (rows.length) state[`${rel}/${name}`] = rows;
      }
    } finally {
      db.close();
    }
  }
  return { state, leftOut: [...leftOut].sort() };
}

/** The keys whose rows differ, with the rows only one side has (for a readable failure). */
export function diffState(before, after) {
  const diffs = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = new Set(before[key] ?? []);
    const b = new Set(after[key] ?? []);
    const gone = [...a].filter((r) => !b.has(r));
    const added = [...b].filter((r) => !a.has(r));
    if (gone.length || added.length) diffs.push({ table: key, gone: gone.slice(0, 5), added: added.slice(0, 5) });
  }
  return diffs;
}
