// schemathesis against a running worker, driven by docs/openapi.yaml as the worker
// serves it (GET /api/v1/openapi.json, a static asset built by scripts/build-openapi.mjs).
//   npm run hostile            the full run (scripts/hostile.sh builds first)
//   node scripts/hostile.mjs --smoke   the bounded smoke .ci/run calls (< ~90 s)
// schemathesis (PyPI, pinned) is installed into the virtualenv .cache/hostile-venv on
// first use. The run authenticates with a personal API token (the `apiToken` bearer
// scheme); the path parameters `org` and `project` are pinned to a seeded org and
// project so that generated requests reach the handlers instead of stopping at the
// membership 404 (every other parameter is generated). `deleteProject` is left out:
// one generated success would delete the seeded project and turn the rest of the run
// into 404s (tests/apps/project-delete.test.mjs covers it); so is `deleteToken`, which
// learns the run's own token id from GET /api/v1/tokens and revokes it (the first run
// did exactly that: every later request was a 401; tests/identity/tokens.test.mjs).
// Checks: not_a_server_error, status_code_conformance, content_type_conformance,
// response_schema_conformance. Afterwards the worker log must hold no panic and
// /healthz must still answer. Exit status: schemathesis's, or 1 for a panic.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWorkerWithRetry, ROOT } from '../tests/harness.mjs';

const SCHEMATHESIS = '4.32.5';
const VENV = join(ROOT, '.cache', 'hostile-venv');
const BIN = join(VENV, 'bin', 'schemathesis');
const smoke = process.argv.includes('--smoke');
const maxExamples = smoke ? 8 : 50;
const maxTime = smoke ? 60 : 600;

function ensureSchemathesis() {
  const have = existsSync(BIN) && spawnSync(BIN, ['--version'], { encoding: 'utf8' }).stdout?.includes(SCHEMATHESIS);
  if (have) return;
  const step = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  };
  if (!existsSync(join(VENV, 'bin', 'pip'))) step('python3', ['-m', 'venv', VENV]);
  step(join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS}`]);
}

export const PANIC = /panicked at|RuntimeError: unreachable|Uncaught|internal error:/;

async function main() {
  ensureSchemathesis();
  const w = await startWorkerWithRetry();
  let status = 1;
  try {
    const owner = await w.bootstrapOwner();
    const must = async (p, want) => { const r = await p; if (r.status !== want) throw new Error(`seed: ${r.status} ${r.text}`); return r; };
    await must(owner.post('/api/v1/orgs', { slug: 'hostile', name: 'Hostile' }), 201);
    await must(owner.post('/api/v1/orgs/hostile/projects', { slug: 'demo', name: 'Demo' }), 201);
    const token = (await must(owner.post('/api/v1/tokens', { name: 'schemathesis' }), 201)).body.token;
    const reports = join(ROOT, '.cache', 'hostile-report');
    mkdirSync(reports, { recursive: true });
    const config = join(w.dir, 'schemathesis.toml');
    writeFileSync(config, [
      '[parameters]', '"path.org" = "hostile"', '"path.project" = "demo"', '',
    ].join('\n'));
    const args = ['--config-file', config, 'run', `${w.url}/api/v1/openapi.json`, '-H', `Authorization: Bearer ${token}`,
      '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--max-examples', String(maxExamples), '--max-time', String(maxTime), '--workers', '1', '--generation-with-security-parameters', 'false', '--seed', '15',
      '--phases', 'examples,coverage,fuzzing', '--exclude-operation-id', 'deleteProject', '--exclude-operation-id', 'deleteToken', ...(process.env.HOSTILE_ARGS ? process.env.HOSTILE_ARGS.split(' ') : []),
      '--request-timeout', '30', '--generation-database', 'none', '--no-color', '--suppress-health-check', 'all',
      '--report', process.env.HOSTILE_REPORT ?? 'junit,json', '--report-dir', reports];
    console.log(`schemathesis ${args.join(' ')}`);
    const child = spawn(BIN, args, { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    status = await new Promise((r) => child.on('exit', (code) => r(code ?? 1)));
    const health = await fetch(`${w.url}/healthz`);
    if (health.status !== 200) { console.error(`after the run /healthz answered ${health.status}`); status = 1; }
    const panics = w.output().split('\n').filter((l) => PANIC.test(l));
    if (panics.length) { console.error(`worker log:\n${panics.slice(0, 20).join('\n')}`); status = 1; }
    const jsonReport = join(reports, 'report.json');
    if (existsSync(jsonReport)) console.log(`report: ${jsonReport} (${readFileSync(jsonReport).length} bytes)`);
  } finally {
    await w.stop();
  }
  process.exit(status);
}

main().catch((e) => { console.error(e); process.exit(1); });
