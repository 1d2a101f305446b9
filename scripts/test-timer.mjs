// Preloaded into every suite's process by scripts/test.sh (node --import):
// appends the suite's wall time (process start to exit, worker starts and
// hooks included, which the TAP durations leave out) to $DOCKYARD_SUITE_TIMES
// (seconds, suite, start and end in Unix ms),
// so that the run ends with its slowest suites. It measures the test run, not
// the product: nothing here asserts.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const out = process.env.DOCKYARD_SUITE_TIMES;
if (out) {
  const started = Date.now() - performance.now();
  const suite = (process.argv[1] ?? '?').replace(/^.*?\/tests\//, 'tests/');
  process.on('exit', () => {
    try {
      const ended = Date.now();
      appendFileSync(out, `${((ended - started) / 1000).toFixed(1)}\t${suite}\t${Math.round(started)}\t${ended}\n`);
    } catch { /* a missing timing line never fails a suite */ }
  });
}
