// Figures to tables: medians over rounds, ratios against floor + one DO hop
// measured in the same run, the PASS/FAIL rows of issue 14's targets.

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The median of each figure over a scenario's rounds; errors are summed. */
export function summarize(rounds) {
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    ok: rounds.reduce((n, r) => n + r.ok, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    errorKinds: rounds.reduce((k, r) => {
      for (const [kind, n] of Object.entries(r.errorKinds ?? {})) k[kind] = (k[kind] ?? 0) + n;
      return k;
    }, {}),
    sample: rounds.find((r) => r.sample)?.sample,
    rounds: rounds.length,
  };
}

const f = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

export function table(headers, rows) {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** The main table: one row per scenario (pending hooks included) with its ratios against floor + hop. */
export function mainTable(scenarios, results) {
  const rows = scenarios.map((s) => {
    const r = results[s.id];
    if (s.pending) return [s.label, s.pending, '', '', '', '', ''];
    return [s.label, int(r.rps), f(r.p50), f(r.p99), r.errors ? errorText(r) : '0', f(r.rpsRatio, 2), f(r.p50Ratio, 2)];
  });
  return table(['Scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', '× floor+hop req/s', '× floor+hop p50'], rows);
}

/** "12 errors: 10 timeout, 2 bad" (bad: a wrong status or body; proxy: wrangler dev's 503). */
const errorText = (r) => `${r.errors} errors: ${Object.entries(r.errorKinds ?? {}).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ')}`;

export function sweepTable(scenarios, sweep) {
  const levels = Object.keys(sweep).map(Number).sort((a, b) => a - b);
  const rows = scenarios.filter((s) => !s.pending).map((s) => [s.label,
    ...levels.map((c) => {
      const r = sweep[c][s.id];
      const err = r.errors ? ` (${errorText(r)})` : '';
      if (!r.ok) return `no answer before wrk stopped${err}`;
      return `${int(r.rps)} / ${f(r.p50)} / ${f(r.p99)}${err}`;
    })]);
  return table(['Scenario', ...levels.map((c) => `c=${c}: req/s / p50 / p99`)], rows);
}

/**
 * The target rows of issue 14 that the bench measures now; the others are
 * printed as not measured, with the reason.
 */
/** Per round a/b of one figure, then the median (the rounds alternate, so both saw the same drift). */
export function pairRatio(results, a, b, key) {
  const ra = results[a]?.perRound ?? [];
  const rb = results[b]?.perRound ?? [];
  return median(ra.map((r, i) => r[key] / rb[i]?.[key]));
}

/** Audit on vs off is "within noise" at ≤ 1.1× p50 and ≥ 0.9× throughput (±10 %, less than the rounds' own spread on this machine). */
export const AUDIT_NOISE = 0.1;

export function targets({ results, sizes, cold, sweep, authedIds, pairs = [], audit }) {
  const rows = [];
  for (const [id, label] of authedIds) {
    const { rpsRatio: tp, p50Ratio: p50 } = results[id];
    rows.push({ target: `${label}: throughput ≥ 0.9× floor+hop (c=8)`, value: `${f(tp, 2)}×`, pass: tp >= 0.9 });
    rows.push({ target: `${label}: p50 ≤ 1.2× floor+hop (c=8)`, value: `${f(p50, 2)}×`, pass: p50 <= 1.2 });
  }
  const kib = sizes.dockyardWasmGzip / 1024;
  rows.push({ target: 'release wasm gzip ≤ 512 KiB', value: `${f(kib, 0)} KiB`, pass: kib <= 512 });
  if (cold) {
    rows.push({
      target: 'cold start: first response ≤ the TypeScript stack\'s',
      value: `${f(cold.dockyard, 1)} ms vs ${f(cold.anchor, 1)} ms`, pass: cold.dockyard <= cold.anchor,
    });
  }
  if (sweep && Object.keys(sweep).length) {
    // An error, or a level where a scenario got no answer at all before wrk
    // stopped (every request slower than the round), both fail the row.
    let errors = 0;
    let silent = 0;
    for (const level of [...Object.values(sweep), results]) {
      for (const [id] of authedIds) {
        errors += level[id].errors;
        if (!level[id].ok) silent++;
      }
    }
    rows.push({
      target: '1, 8, 32, 128 connections: no errors (Dockyard scenarios)',
      value: `${errors} errors${silent ? `, ${silent} scenario × level without an answer in time` : ''}`,
      pass: errors === 0 && silent === 0,
    });
  }
  for (const [id, ref, label] of pairs) {
    const p50 = pairRatio(results, id, ref, 'p50');
    rows.push({ target: label, value: `${f(p50, 2)}× (c=8)`, pass: p50 <= 1.2 });
  }
  if (audit) {
    const [on, off] = audit;
    const p50 = pairRatio(results, on, off, 'p50');
    const rps = pairRatio(results, on, off, 'rps');
    rows.push({
      target: `audit on vs off within noise (private tools/call, c=8: p50 ≤ ${1 + AUDIT_NOISE}×, req/s ≥ ${1 - AUDIT_NOISE}×)`,
      value: `p50 ${f(p50, 2)}×, req/s ${f(rps, 2)}×`, pass: p50 <= 1 + AUDIT_NOISE && rps >= 1 - AUDIT_NOISE,
    });
  }
  rows.push({ target: 'workerd memory', value: 'reported in the memory table', pass: null });
  return rows;
}

export function targetTable(rows) {
  return table(['Target (issue 14)', 'Measured', 'Result'],
    rows.map((r) => [r.target, r.value, r.pass === null ? '–' : r.pass ? 'PASS' : 'FAIL']));
}
