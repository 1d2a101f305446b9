// The official MCP conformance suites against a public project's production
// endpoint:
//   - mcp-conformance      = @modelcontextprotocol/conformance@0.1.16 (2025-11-25, legacy wire);
//   - mcp-conformance-next = @modelcontextprotocol/conformance@0.2.0-alpha.12 with
//     --spec-version 2026-07-28 (modern, stateless wire).
// Both run `server --suite all` (active + pending scenarios) with results in a
// temporary directory; each scenario's checks.json is parsed. A scenario fails
// when one of its checks has status FAILURE (as the CLI's summary counts it).
//
// Every failing check must be excused by tests/conformance/expected-failures.json
// (whole scenario or `scenario:check-id`, with a reason and an error pattern the
// failure must match); every excused entry must still fail ("remove it from the
// expected failures" otherwise). Pass counts are printed as test diagnostics.
//
// The project is seeded with Types mirroring the suites' fixture tools wherever
// a Type can express what the scenario checks (see FIXTURE_TYPES).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../harness.mjs';
import { interactiveType, seedPublicProject, ownerOf, startMcpWorker, HTML } from '../mcp-fixtures.mjs';

const EXPECTED = JSON.parse(await readFile(join(ROOT, 'tests', 'conformance', 'expected-failures.json'), 'utf8'));
const SUITE_TIMEOUT_MS = 170_000;

/**
 * Fixture tools of the conformance "everything server", as far as a Type can
 * express what the scenarios check. Interactive Types answer with their
 * arguments as structuredContent plus a text block; http Types POST upstream.
 */
const FIXTURE_TYPES = [
  // tools-call-simple-text: any text content. The fixture's exact sentence is
  // not checked (and a Type cannot choose its text).
  interactiveType('test_simple_text', {
    title: null,
    description: 'Conformance fixture: returns text content (a summary, plus the empty arguments as JSON).',
    ui: { html: HTML },
  }),
  // tools-call-error: no arguments, every call is an isError result with
  // text. An http Type whose upstream does not answer here (no internet;
  // `.invalid` names are refused at save by the outbound guard) is exactly
  // that: today "data tools are not available yet", once data tools ship an
  // upstream failure; both are isError with text.
  {
    name: 'test_error_handling',
    title: null,
    description: 'Conformance fixture: always fails (its upstream never answers) with an isError result.',
    kind: 'http',
    input_schema: { type: 'object', properties: {} },
    output_schema: null,
    annotations: null,
    scopes: [],
    ui: null,
    http: { url: 'https://always-fails.example.com/conformance', timeout_ms: 1000, headers: null, secret: 'SIGNING' },
  },
  // json-schema-2020-12 (0.1.16 and 0.2.0): the suite's inputSchema verbatim
  // (0.2.0's SEP-2106 version, a superset of 0.1.16's).
  interactiveType('json_schema_2020_12_tool', {
    title: null,
    description: 'Tool with JSON Schema 2020-12 features',
    input_schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          $anchor: 'addressDef',
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
    ui: { html: HTML },
  }),
  // http-custom-header-server-validation (2026-07-28): a tool whose string
  // argument is mirrored into Mcp-Param-Region (x-mcp-header), as in the
  // suite's own test_custom_headers fixture.
  interactiveType('test_custom_headers', {
    title: null,
    description: 'A tool with x-mcp-header annotations to test custom header mirroring and encoding',
    input_schema: {
      type: 'object',
      properties: {
        region: { type: 'string', description: 'Plain ASCII string value', 'x-mcp-header': 'Region' },
        priority: { type: 'integer', description: 'Integer numeric value', 'x-mcp-header': 'Priority' },
        verbose: { type: 'boolean', description: 'Boolean value', 'x-mcp-header': 'Verbose' },
        query: { type: 'string', description: 'No x-mcp-header annotation - should not be mirrored' },
      },
      required: ['region', 'priority', 'query'],
    },
    ui: { html: HTML },
  }),
];

let w;
let project;
const tmpDirs = [];

before(async () => {
  w = await startMcpWorker();
  project = await seedPublicProject(w, {
    owner: await ownerOf(w),
    org: 'conformance',
    project: 'everything',
    types: FIXTURE_TYPES,
    instructions: 'Conformance fixture project: Types mirroring the MCP conformance suite tools.',
  });
});
after(async () => {
  await w?.stop();
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

/** Runs one conformance CLI; resolves with its stdout/stderr whatever the exit code. */
function runCli(pkg, args) {
  const cli = join(ROOT, 'node_modules', pkg, 'dist', 'index.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { cwd: ROOT, timeout: SUITE_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && (err.killed || err.signal)) reject(new Error(`${pkg} did not finish in ${SUITE_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
        else resolve({ code: err?.code ?? 0, stdout, stderr });
      });
  });
}

/** Map scenario -> checks, from `<out>/server-<scenario>-<timestamp>/checks.json`. */
async function readResults(outDir) {
  const results = new Map();
  for (const name of await readdir(outDir)) {
    const m = name.match(/^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/);
    if (!m) continue;
    const checks = JSON.parse(await readFile(join(outDir, name, 'checks.json'), 'utf8'));
    results.set(m[1], checks);
  }
  return results;
}

/** `✓ name: 3 passed, 0 failed` lines of the CLI summary. */
function parseSummary(stdout) {
  const out = new Map();
  const summary = stdout.slice(stdout.lastIndexOf('=== SUMMARY ==='));
  for (const m of summary.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed/gmu)) {
    out.set(m[1], { passed: Number(m[2]), failed: Number(m[3]) });
  }
  return out;
}

/**
 * Compares the run with the expected failures. Returns the report lines and
 * the problems (unexpected failures, stale entries, wrong reasons).
 */
function judge(results, expected) {
  const problems = [];
  const used = new Set();
  let scenariosPassed = 0;
  let checksPassed = 0;
  let checksFailed = 0;
  for (const [scenario, checks] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
    const failing = checks.filter((c) => c.status === 'FAILURE');
    checksPassed += checks.filter((c) => c.status === 'SUCCESS').length;
    checksFailed += failing.length;
    if (failing.length === 0) scenariosPassed += 1;
    for (const c of failing) {
      const key = expected[`${scenario}:${c.id}`] ? `${scenario}:${c.id}` : expected[scenario] ? scenario : null;
      const msg = `${scenario}:${c.id}: ${c.errorMessage ?? c.description}`;
      if (!key) {
        problems.push(`unexpected failure ${msg}`);
        continue;
      }
      used.add(key);
      const pattern = expected[key].error;
      if (pattern && !new RegExp(pattern).test(c.errorMessage ?? '')) {
        problems.push(`${msg} -- listed in the expected failures as "${key}", but it fails for another reason (expected /${pattern}/)`);
      }
    }
  }
  for (const [key, entry] of Object.entries(expected)) {
    if (typeof entry?.reason !== 'string' || !entry.reason.trim()) problems.push(`expected failure "${key}" has no reason`);
    if (used.has(key)) continue;
    const [scenario, check] = key.split(':');
    if (!results.has(scenario)) {
      problems.push(`expected failure "${key}": scenario ${scenario} did not run; remove it from the expected failures (or fix its name)`);
    } else if (check && !results.get(scenario).some((c) => c.id === check)) {
      problems.push(`expected failure "${key}": the check did not occur; remove it from the expected failures`);
    } else {
      problems.push(`expected failure "${key}" passes now; remove it from the expected failures`);
    }
  }
  return {
    problems,
    counts: { scenarios: results.size, scenariosPassed, checksPassed, checksFailed },
  };
}

const SUITES = [
  {
    name: '@modelcontextprotocol/conformance@0.1.16 (2025-11-25)',
    pkg: 'mcp-conformance',
    key: '2025-11-25',
    args: ['--suite', 'all'],
  },
  {
    name: '@modelcontextprotocol/conformance@0.2.0-alpha.12 (--spec-version 2026-07-28)',
    pkg: 'mcp-conformance-next',
    key: '2026-07-28',
    args: ['--suite', 'all', '--spec-version', '2026-07-28'],
  },
];

for (const suite of SUITES) {
  test(`conformance ${suite.name}: only the expected failures fail`, { timeout: SUITE_TIMEOUT_MS + 10_000 }, async (t) => {
    const out = await mkdtemp(join(tmpdir(), `dockyard-conformance-${suite.key}-`));
    tmpDirs.push(out);
    const started = Date.now();
    const run = await runCli(suite.pkg, ['server', '--url', project.url, ...suite.args, '-o', out]);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const results = await readResults(out);
    assert.ok(results.size > 10, `the suite produced results (exit ${run.code}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);

    // The CLI's own summary agrees with the parsed checks.
    const summary = parseSummary(run.stdout);
    assert.deepEqual([...summary.keys()].sort(), [...results.keys()].sort(), 'every summarized scenario has its checks.json');
    for (const [scenario, { failed }] of summary) {
      const failing = results.get(scenario).filter((c) => c.status === 'FAILURE').length;
      assert.equal(failing, failed, `${scenario}: summary and checks.json agree`);
    }

    const { problems, counts } = judge(results, EXPECTED[suite.key].expected);
    const line = `${suite.name}: ${counts.scenariosPassed}/${counts.scenarios} scenarios pass `
      + `(${counts.checksPassed} checks passed, ${counts.checksFailed} failed; `
      + `${Object.keys(EXPECTED[suite.key].expected).length} expected-failure entries) in ${seconds} s`;
    t.diagnostic(line);
    console.log(`# ${line}`);
    assert.deepEqual(problems, [], `conformance ${suite.key}:\n  ${problems.join('\n  ')}`);
  });
}
