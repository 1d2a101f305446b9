// Times one password verification (POST /api/v1/login) and one session check
// (GET /api/v1/me with the cookie) against the release build under wrangler
// dev (local workerd). Requests run one at a time, so wall time per request
// approximates the worker's CPU time plus loopback and local D1 overhead.
// Usage: npm run build && node bench/auth.mjs [iterations]
import { startWorker } from '../tests/harness.mjs';

const n = Number(process.argv[2] ?? 30);
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `p50 ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, min ${s[0].toFixed(1)} ms (n=${s.length})`;
};
async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

process.env.DOCKYARD_SKIP_BUILD = '1';
const w = await startWorker();
try {
  const owner = await w.bootstrapOwner('bench@example.test', 'bench password 123');
  const logins = [];
  for (let i = 0; i < n; i++) {
    const c = w.client({ ip: `198.51.100.${i % 200}` });
    logins.push(await time(() => c.login('bench@example.test', 'bench password 123')));
  }
  const checks = [];
  for (let i = 0; i < n * 5; i++) {
    checks.push(await time(async () => {
      const r = await owner.get('/api/v1/me');
      if (r.status !== 200) throw new Error(`me: ${r.status}`);
    }));
  }
  console.log(`login (Argon2id verify + session insert): ${stats(logins)}`);
  console.log(`session check (GET /api/v1/me):           ${stats(checks)}`);
} finally {
  await w.stop();
}
