// The signature a backend verifies: the README's Node and Python snippets, as
// written there, run against real signed calls from workerd (and refuse a
// tampered body, a wrong secret, a stale timestamp); a secret without a value
// in the caller's channel is an isError naming it (audited secret_missing),
// and the value is never echoed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMcpWorker, putType, publish } from '../mcp-fixtures.mjs';
import {
  startUpstream, httpType, seedDataProject, callTool, textOf, auditRecord, readmeSnippet, putSecret,
} from './http-setup.mjs';

const run = promisify(execFile);
let w;
let up;
let seed;

before(async () => {
  up = await startUpstream({ secret: 'whsec_readme_check' });
  w = await startMcpWorker();
  seed = await seedDataProject(w, {
    secrets: { SIGNING: up.secret, API_KEY: 'sk-never-echoed' },
    types: [httpType('get_order', `${up.base}/ok`)],
    publishIt: false,
  });
  // A header secret with a value in production only (saved before the Type that names it).
  await putSecret(seed.owner, seed.org, seed.project, 'KEY_PROD_ONLY', 'sk-prod', 'production');
  await putType(seed.owner, seed.org, seed.project, httpType('with_key', `${up.base}/ok`, {
    http: { url: `${up.base}/ok`, secret: 'SIGNING', headers: { 'X-Api-Key': { secret: 'KEY_PROD_ONLY' } } },
  }));
  await publish(seed.owner, seed.org, seed.project);
});

after(async () => {
  await w?.stop();
  await up?.stop();
});

/** Runs the README's Python verifier on (secret, header, body): true or false. */
async function python(secret, header, raw) {
  const dir = await mkdtemp(join(tmpdir(), 'dockyard-py-'));
  const file = join(dir, 'verify.py');
  await writeFile(file, `${await readmeSnippet('verify-python')}
import sys
secret, header, body_path = sys.argv[1], sys.argv[2], sys.argv[3]
print("valid" if verify_dockyard_signature(secret, header, open(body_path, "rb").read()) else "invalid")
`);
  const body = join(dir, 'body.json');
  await writeFile(body, raw);
  const { stdout } = await run('python3', [file, secret, header, body]);
  return stdout.trim() === 'valid';
}

test('the README snippets (Node and Python) verify a real signed call and refuse tampering', async () => {
  const { result } = await callTool(seed.url, 'get_order', { order_id: 'A-1' });
  assert.notEqual(result.isError, true, textOf(result));
  const req = up.requests.findLast((r) => r.path === '/ok');
  const header = req.headers['dockyard-signature'];
  assert.equal(up.verify(up.secret, header, req.raw), true, 'Node snippet: valid');
  assert.equal(await python(up.secret, header, req.raw), true, 'Python snippet: valid');
  const tampered = Buffer.from(req.raw.toString('utf8').replace('A-1', 'A-2'));
  assert.equal(up.verify(up.secret, header, tampered), false, 'Node: a changed body');
  assert.equal(await python(up.secret, header, tampered), false, 'Python: a changed body');
  assert.equal(up.verify('whsec_other', header, req.raw), false, 'Node: another secret');
  assert.equal(await python('whsec_other', header, req.raw), false, 'Python: another secret');
  const stale = header.replace(/^t=\d+/, `t=${Math.floor(Date.now() / 1000) - 3600}`);
  assert.equal(up.verify(up.secret, stale, req.raw), false, 'Node: an hour-old timestamp');
  assert.equal(await python(up.secret, stale, req.raw), false, 'Python: an hour-old timestamp');
});

test('a header secret without a value in the channel: isError naming it, audited, never run, never echoed', async () => {
  const prod = await callTool(seed.url, 'with_key', {});
  assert.notEqual(prod.result.isError, true, textOf(prod.result));
  assert.equal(up.requests.at(-1).headers['x-api-key'], 'sk-prod');
  // Delete it from production: the next production call names it.
  const del = await seed.owner.delete(`/api/v1/orgs/${seed.org}/projects/${seed.project}/secrets/KEY_PROD_ONLY?channel=production`);
  assert.ok(del.status === 200 || del.status === 204, `${del.status} ${del.text}`);
  const before = up.requests.length;
  const { result, requestId } = await callTool(seed.url, 'with_key', {});
  assert.equal(result.isError, true);
  assert.match(textOf(result), /^The tool "with_key" failed: the project secret "KEY_PROD_ONLY" has no value in production/);
  assert.equal(up.requests.length, before, 'nothing was sent unsigned or without its header');
  const rec = await auditRecord(seed.owner, seed.org, requestId);
  assert.deepEqual([rec.status, rec.error_code], ['tool_error', 'secret_missing']);
  // No answer of any call shows a secret value.
  const all = JSON.stringify([prod.result, result]);
  for (const v of ['sk-prod', 'sk-never-echoed', up.secret]) assert.ok(!all.includes(v), `${v} is not echoed`);
  // The next call works.
  const next = await callTool(seed.url, 'get_order', { order_id: 'B' });
  assert.notEqual(next.result.isError, true);
});
