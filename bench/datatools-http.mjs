// The overhead of an `http` data-tool call over the direct round trip to its
// backend (issue 12, "Bench"): the same loopback backend (the tests' fixture,
// tests/datatools/http-setup.mjs: it verifies the signature with the README's
// snippet) is called (a) directly by Node with the same JSON body and (b)
// through Dockyard's `tools/call` on a public production endpoint (MCP
// parsing, the one hub hop for the rate window and the secrets, signing, the
// bounded outbound fetch, result mapping, the audit record). An interactive
// `tools/call` (no backend, no hub hop) is the third row, for scale. One
// client, back to back, rounds alternating A B C so drift hits all alike.
//
//   npm run build && node bench/datatools-http.mjs [seconds per round] [rounds]
// Also run at the end of `npm run bench` (the hook line in bench/run.mjs).
import { startWorker } from '../tests/harness.mjs';
import { orderCard } from '../tests/mcp-fixtures.mjs';
import { startUpstream, httpType, seedDataProject } from '../tests/datatools/http-setup.mjs';
import { load } from './lib/load.mjs';

const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'dockyard-bench', version: '1.0.0' },
};

function toolsCall(name, args) {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json', accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: meta } }),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the measurement; returns the markdown section. */
export async function httpOverheadSection({ seconds = 5, rounds = 3, smoke = false } = {}) {
  if (smoke) { seconds = 1; rounds = 1; }
  process.env.DOCKYARD_SKIP_BUILD = '1';
  const up = await startUpstream();
  const w = await startWorker();
  try {
    const seed = await seedDataProject(w, {
      secrets: { SIGNING: up.secret },
      types: [httpType('get_order', `${up.base}/ok`), orderCard('show_order')],
    });
    await seed.owner.patch(`/api/v1/orgs/${seed.org}/projects/${seed.project}`, { data_tool_rate_per_minute: 10000 });
    // The body Dockyard sends, signed the way it signs (so the fixture's /ok answers 200 directly too).
    const { createHmac } = await import('node:crypto');
    const body = JSON.stringify({ tool: 'get_order', arguments: { order_id: 'A-1' },
      caller: { org: seed.org, project: seed.project, channel: 'production', user_id: null, client_id: null }, request_id: 'req_bench' });
    const direct = () => {
      const t = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', up.secret).update(`${t}.${body}`).digest('hex');
      return { method: 'POST', headers: { 'content-type': 'application/json', 'dockyard-signature': `t=${t},v1=${v1}` }, body };
    };
    const isResult = async (r) => r.ok;
    const scenarios = {
      'direct POST to the backend': () => load(`${up.base}/ok`, direct(), { concurrency: 1, seconds }),
      'Dockyard tools/call, http kind': () => load(seed.url, toolsCall('get_order', { order_id: 'A-1' }), { concurrency: 1, seconds, check: isResult }),
      'Dockyard tools/call, interactive (no backend)': () => load(seed.url, toolsCall('show_order', { order_id: 'A-1' }), { concurrency: 1, seconds, check: isResult }),
    };
    // Warm-up, discarded.
    for (const run of Object.values(scenarios)) await run();
    const got = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
    for (let i = 0; i < rounds; i++) for (const [k, run] of Object.entries(scenarios)) got[k].push(await run());
    const med = (k, f) => median(got[k].map((r) => r[f]));
    const [d, h, i] = Object.keys(scenarios);
    const lines = [`\n### Data tools: http call overhead (bench/datatools-http.mjs), ${rounds} rounds of ${seconds} s, 1 client${smoke ? ' (SMOKE)' : ''}\n`,
      '| Path | req/s | p50 ms | p99 ms | errors |', '|---|---|---|---|---|'];
    for (const k of Object.keys(scenarios)) {
      lines.push(`| ${k} | ${med(k, 'rps').toFixed(0)} | ${med(k, 'p50').toFixed(2)} | ${med(k, 'p99').toFixed(2)} | ${got[k].reduce((n, r) => n + r.errors, 0)} |`);
    }
    lines.push(`\nOverhead of the http kind over the direct round trip: p50 +${(med(h, 'p50') - med(d, 'p50')).toFixed(2)} ms, `
      + `p99 +${(med(h, 'p99') - med(d, 'p99')).toFixed(2)} ms (over an interactive call: p50 +${(med(h, 'p50') - med(i, 'p50')).toFixed(2)} ms).`);
    return lines.join('\n');
  } finally {
    await w.stop();
    await up.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await httpOverheadSection({ seconds: Number(process.argv[2] ?? 5), rounds: Number(process.argv[3] ?? 3) }));
}
