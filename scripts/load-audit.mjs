#!/usr/bin/env node
// `npm run load:audit [seconds] [concurrency]` (default 20 s, 32 clients):
// the bounded loopback audit load against a fresh worker (release build in
// build/). Exits non-zero unless every request has exactly one audit record
// once ingestion has drained. Prints the counts and, for information only,
// the throughput and the drain time.
import { startWorker } from '../tests/harness.mjs';
import { runLoad } from '../tests/audit/load.mjs';

const seconds = Number(process.argv[2] ?? 20);
const concurrency = Number(process.argv[3] ?? 32);
const w = await startWorker();
let ok = false;
try {
  const owner = await w.bootstrapOwner();
  const r = await runLoad(w, owner, { seconds, concurrency });
  ok = r.unlabelled === 0 && r.missing === 0 && r.extra === 0 && r.records === r.requests;
  console.log(JSON.stringify({ ...r, rps: Math.round(r.requests / r.seconds), ok }, null, 2));
} finally {
  await w.stop();
}
process.exit(ok ? 0 : 1);
