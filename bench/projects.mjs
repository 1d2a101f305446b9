// Project figures outside the MCP hot path: the publish of a project with 200
// Types, and one read of that draft (GET .../draft), sequential.
// Usage: npm run build && node bench/projects.mjs   (Node 22: PATH=$PWD/node_modules/.bin:$PATH)
import { startWorker } from '../tests/harness.mjs';
import { createOrg, createProject, interactiveType, putType } from '../tests/mcp-fixtures.mjs';

process.env.DOCKYARD_SKIP_BUILD = '1';
const w = await startWorker();
try {
  const owner = await w.bootstrapOwner('bench@example.test', 'bench password 123');
  await createOrg(owner, 'bench');
  await createProject(owner, 'bench', 'big');
  for (let i = 0; i < 200; i++) await putType(owner, 'bench', 'big', interactiveType(`t${i}`));
  let t = performance.now();
  const pub = await owner.post('/api/v1/orgs/bench/projects/big/publish', {});
  const publishMs = performance.now() - t;
  if (pub.status !== 201) throw new Error(`publish: ${pub.status} ${pub.text}`);
  const reads = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    const r = await owner.get('/api/v1/orgs/bench/projects/big/draft');
    if (r.status !== 200) throw new Error(`draft: ${r.status}`);
    reads.push(performance.now() - t);
  }
  reads.sort((a, b) => a - b);
  console.log(`publish of 200 Types: ${publishMs.toFixed(0)} ms; draft read of 200 Types: p50 ${reads[10].toFixed(1)} ms (n=20)`);
} finally {
  await w.stop();
}
