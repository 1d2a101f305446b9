// The repository's secret scan (scripts/secret-scan.mjs): it finds a
// planted secret of every shape it knows, names the file, line and rule,
// fails the run, and leaves ordinary code, references and allowed
// fixtures alone. No worker needed: this suite costs two node starts.
// This file is allowed in .secret-scan-allow (it is made of planted keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanText, entropy, ENTROPY_THRESHOLD } from '../../scripts/secret-scan.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts/secret-scan.mjs');
const b64 = 'Q2hlY2tzIHRoZSBzZWNyZXQgc2Nhbm5lciBjYXRjaGVz'.slice(0, 43);

const PLANTED = {
  'private key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----',
  'Dockyard API token (dy_)': `const token = "dy_${b64}";`,
  'Dockyard secret (dyc_/dyr_/dys_)': `refresh_token=dyr_${b64}`,
  'AWS access key id': 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
  'AWS secret access key': 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'GitHub token': 'GH=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  'Slack token': 'token: xoxb-123456789012-abcdefghijkl',
  'Slack webhook': 'url = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"',
  'high-entropy value for JWT_SIGNING_KEY': 'JWT_SIGNING_KEY=k3J9xQ2vL8mN4pR7tY1wZ6bC5dF0gH+/aE=',
};

for (const [rule, text] of Object.entries(PLANTED)) {
  test(`a planted ${rule} is found`, () => {
    const found = scanText(`// an ordinary line\n${text}\n`);
    assert.deepEqual(found.map((f) => [f.line, f.rule]), [[2, rule]]);
  });
}

test('the command fails on a file with planted secrets, naming each file:line and rule, never a whole secret', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'secret-scan-'));
  const file = path.join(dir, 'planted.txt');
  const texts = Object.values(PLANTED).map((t) => t.split('\n')[0]);
  writeFileSync(file, texts.join('\n') + '\n');
  try {
    const run = spawnSync(process.execPath, [script, file], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    Object.keys(PLANTED).forEach((rule, i) => assert.ok(run.stderr.includes(`${file}:${i + 1}: ${rule}`), run.stderr));
    assert.ok(!run.stderr.includes(b64) && !run.stderr.includes('K7MDENG/bPxRfiCY'), run.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ordinary code, references, placeholders and hashes are not findings', () => {
  const clean = [
    'const key = process.env.SECRETS_KEY;',
    'SECRETS_KEY=$(rand 32)',
    'JWT_SIGNING_KEY = "xxxxxxxxxxxxxxxxxxxxxxxx"',
    'api_key: YOUR_API_KEY_HERE_PLEASE',
    '"integrity": "sha512-abc"',
    'random_token("dy_") -> dy_ + 43 characters',
    'const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";',
  ].join('\n');
  assert.deepEqual(scanText(clean), []);
});

test('the allow-list and the inline marker let a documented fixture through', () => {
  const line = PLANTED['AWS access key id'];
  assert.equal(scanText(line).length, 1);
  assert.deepEqual(scanText(line, { paths: [], values: new Set(['AKIAIOSFODNN7EXAMPLE']) }), []);
  assert.deepEqual(scanText(`${line} // secret-scan: allow (the AWS docs' example key)`), []);
});

test('random values score above the entropy threshold, words below it', () => {
  assert.ok(entropy('k3J9xQ2vL8mN4pR7tY1wZ6bC5dF0gH+/aE=') >= ENTROPY_THRESHOLD);
  assert.ok(entropy('correcthorsebatterystaple') < ENTROPY_THRESHOLD);
});

test('the repository itself has no finding', () => {
  const run = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /secret scan: ok \(\d+ files\)/);
});
