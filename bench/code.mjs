// A `code` tool call, cold and warm (bench/README.md, "Code tools"):
//   - warm: the same handler called again and again (its isolate is loaded);
//   - cold: every call the first of a new source (a fresh content hash, so
//     the loader builds a new isolate: parse, evaluate, first RPC);
//   - for scale, an interactive call on the same endpoint (no sandbox).
// Sequential calls from one client over MCP with an OAuth token, on the
// draft endpoint; p50 and p99 of the whole round trip.
// Usage: npm run build && node bench/code.mjs [warm calls, default 300] [cold calls, default 40]
import { startWorker } from '../tests/harness.mjs';
import { createOrg, createProject, putType, interactiveType, uniq } from '../tests/mcp-fixtures.mjs';
import { getTokens, mcp } from '../tests/oauth-helpers.mjs';

const warmCalls = Number(process.argv[2] ?? 300);
const coldCalls = Number(process.argv[3] ?? 40);
process.env.DOCKYARD_SKIP_BUILD = '1';

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms (n=${xs.length})`;

const source = (tag) => `// ${tag}
export default { async run(args) { return { value: args.value * 1000, unit: 'm' }; } };`;
const codeType = (name, tag) => ({
  name, description: 'Converts km to m.', kind: 'code', input_schema: { type: 'object' }, code: { source: source(tag) },
});

const w = await startWorker();
try {
  const owner = await w.bootstrapOwner();
  const org = await createOrg(owner, uniq('bench'));
  const project = await createProject(owner, org, uniq('code'));
  // The per-project data-tool rate window (60/min by default) would cap the run.
  const rate = await owner.patch(`/api/v1/orgs/${org}/projects/${project}`, { data_tool_rate_per_minute: 10000 });
  if (rate.status !== 200) throw new Error(`rate setting: ${rate.status} ${rate.text}`);
  await putType(owner, org, project, codeType('convert', 'warm'));
  await putType(owner, org, project, interactiveType('card'));
  const url = `${w.url}/${org}/${project}/draft`;
  const { access_token: token } = await getTokens(w, owner, { resource: url });

  const timed = async (name, args) => {
    const t0 = performance.now();
    const r = await mcp(url, token, 'tools/call', { name, arguments: args });
    const ms = performance.now() - t0;
    if (r.status !== 200 || r.json?.result?.isError) throw new Error(`${name}: ${r.status} ${r.text.slice(0, 300)}`);
    return ms;
  };

  for (let i = 0; i < 20; i++) await timed('convert', { value: i }); // warm-up
  const interactive = [];
  const warm = [];
  for (let i = 0; i < warmCalls; i++) {
    // Alternating, so that drift on a shared machine hits both alike.
    warm.push(await timed('convert', { value: i }));
    interactive.push(await timed('card', {}));
  }
  const cold = [];
  for (let i = 0; i < coldCalls; i++) {
    // A new source (the trial load at save time already parsed it, in its
    // own isolate; the call's isolate is still new).
    await putType(owner, org, project, codeType('convert', `cold-${i}-${Date.now()}`));
    cold.push(await timed('convert', { value: i }));
  }
  console.log(`interactive call (no sandbox): ${fmt(interactive)}`);
  console.log(`code call, warm:               ${fmt(warm)}`);
  console.log(`code call, cold (new isolate): ${fmt(cold)}`);
} finally {
  await w.stop();
}
