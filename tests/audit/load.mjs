// A bounded loopback load whose audit record count must equal its request
// count once ingestion has drained. Used by tests/audit/load.test.mjs (3 s,
// in `npm test`) and scripts/load-audit.mjs (`npm run load:audit`, 32
// clients for 20 s). Nothing here times anything for a verdict: the only
// assertion is "every request has exactly one record"; the timings printed
// by the script are for information.
//
//   const report = await runLoad(w, owner, { seconds: 3, concurrency: 32 });
//   // { requests, records, missing, extra, byKind, statuses, seconds, drainMs }
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { modern, sleep } from '../mcp-fixtures.mjs';
import { seedOrg, pages } from './setup.mjs';

/** The mix: list (public), call (private, with a token), denied (private, no token). */
const KINDS = ['list', 'call', 'denied'];

export async function runLoad(w, owner, { seconds = 3, concurrency = 32, drainTimeoutMs = 120_000 } = {}) {
  const s = await seedOrg(w, owner);
  const tokens = await getTokens(w, owner, { resource: s.url });
  const ids = [];
  const byKind = { list: 0, call: 0, denied: 0 };
  const statuses = {};
  let unlabelled = 0;
  const from = Date.now();
  const stopAt = from + seconds * 1000;
  let n = 0;
  const one = async (kind) => {
    let r;
    if (kind === 'list') r = await modern(s.openUrl, 'tools/list');
    else if (kind === 'call') r = await mcp(s.url, tokens.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: `L${n}` } });
    else r = await modern(s.url, 'tools/list');
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const id = r.headers.get('dockyard-request-id');
    if (id) ids.push(id); else unlabelled++;
    byKind[kind]++;
  };
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < stopAt) {
      const kind = KINDS[n++ % KINDS.length];
      try { await one(kind); } catch (e) { statuses[`error: ${e.message}`] = (statuses[`error: ${e.message}`] ?? 0) + 1; }
    }
  }));
  const sent = Date.now();
  const path = `/api/v1/orgs/${s.org}/audit?limit=500`;
  let records = [];
  const deadline = sent + drainTimeoutMs;
  while (Date.now() < deadline) {
    records = await pages(owner, path);
    if (records.length >= ids.length) break;
    await sleep(500);
  }
  const drainMs = Date.now() - sent;
  const got = new Set(records.map((r) => r.id));
  const want = new Set(ids);
  return {
    requests: ids.length + unlabelled,
    labelled: ids.length,
    unlabelled,
    records: records.length,
    missing: ids.filter((id) => !got.has(id)).length,
    extra: records.filter((r) => !want.has(r.id)).length,
    byKind,
    statuses,
    seconds: (sent - from) / 1000,
    drainMs,
  };
}
