// A small closed-loop load generator (Node fetch, no wrk; bench/audit.mjs): `concurrency` workers send requests
// back to back for `seconds`, then report throughput and latency percentiles.
// It runs on the same 2-core machine as workerd, so absolute numbers are
// pessimistic; compare rows measured in the same run.
export async function load(url, init, { concurrency = 8, seconds = 10, check = (r) => r.ok } = {}) {
  const latencies = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const r = await fetch(url, init);
        await r.arrayBuffer();
        if (!check(r)) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { requests: latencies.length, errors, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99) };
}

export function row(name, r) {
  return `| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`;
}
