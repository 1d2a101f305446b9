// The SSRF matrix of the http kind: what a Type may name at save time (422,
// the URL problem at /http/url) with and without the dev flag, and what a
// backend may redirect to at call time (isError upstream_refused, the next
// call still working). Two workers: the usual test one (ALLOW_LOOPBACK_UPSTREAMS
// true) and one started with the flag off.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject } from '../mcp-fixtures.mjs';
import { startUpstream, httpType, putSecret, seedDataProject, callTool, textOf, auditRecord } from './http-setup.mjs';

let w; // the dev flag on
let strict; // the dev flag off
let up;

before(async () => {
  up = await startUpstream();
  [w, strict] = await Promise.all([
    startMcpWorker(),
    startMcpWorker({ vars: { ALLOW_LOOPBACK_UPSTREAMS: 'false' } }),
  ]);
});

after(async () => {
  await Promise.all([w?.stop(), strict?.stop()]);
  await up?.stop();
});

/** A project with the secret SIGNING, ready for Types. */
async function emptyProject(worker) {
  const owner = await ownerOf(worker);
  const org = await createOrg(owner, uniq('sorg'));
  const project = await createProject(owner, org, uniq('sproj'));
  await putSecret(owner, org, project, 'SIGNING', 'whsec_x');
  return { owner, org, project };
}

/** PUT a Type with `url`; returns the response. */
async function save(p, url, name = 'probe') {
  return p.owner.put(`/api/v1/orgs/${p.org}/projects/${p.project}/draft/types/${name}`, httpType(name, url));
}

function assertUrlRefused(r, url) {
  assert.equal(r.status, 422, `${url}: ${r.status} ${r.text.slice(0, 300)}`);
  const fields = (r.body.fields ?? []).map((f) => f.field);
  assert.ok(fields.includes('/http/url'), `${url}: the problem is at /http/url: ${JSON.stringify(r.body.fields)}`);
}

describe('at save time', () => {
  const everywhere = (port) => [
    `http://10.0.0.7:${port}/ok`,
    'https://10.1.2.3/ok',
    'https://192.168.1.10/ok',
    'https://169.254.169.254/latest/meta-data/',
    `http://[::ffff:127.0.0.1]:${port}/ok`,
    `https://[::ffff:127.0.0.1]:${port}/ok`,
    'https://[::ffff:10.0.0.1]/ok',
    'https://[fd00::1]/ok',
    'http://api.example.com/ok',
    'https://user:pw@api.example.com/ok',
    `http://user:pw@127.0.0.1:${port}/ok`,
  ];

  test('with the dev flag: private, link-local, metadata, mapped loopback, http:// and credentials are 422', async () => {
    const p = await emptyProject(w);
    for (const url of everywhere(up.port)) assertUrlRefused(await save(p, url), url);
    const ok = await save(p, `${up.base}/ok`);
    assert.ok(ok.status === 201 || ok.status === 200, `loopback with the flag: ${ok.status} ${ok.text}`);
  });

  test('without the dev flag: loopback (127.0.0.1, [::1], localhost) is 422 too', async () => {
    const p = await emptyProject(strict);
    const loopback = [`http://127.0.0.1:${up.port}/ok`, `https://127.0.0.1:${up.port}/ok`, `http://[::1]:${up.port}/ok`,
      `http://localhost:${up.port}/ok`, 'https://127.0.0.2/ok'];
    for (const url of [...loopback, ...everywhere(up.port)]) assertUrlRefused(await save(p, url), url);
    const draft = await p.owner.get(`/api/v1/orgs/${p.org}/projects/${p.project}/draft`);
    assert.deepEqual(draft.body.types, [], 'nothing was saved');
  });
});

describe('at call time: redirects are re-checked', () => {
  let seed;
  const to = (target) => `${up.base}/to?url=${encodeURIComponent(target)}`;
  const cases = [
    ['to_private', () => 'http://10.0.0.7/ok'],
    ['to_metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['to_mapped', () => `http://[::ffff:127.0.0.1]:${up.port}/ok`],
    ['to_credentials', () => `http://user:pw@127.0.0.1:${up.port}/ok`],
    ['to_plain_http', () => 'http://api.example.com/ok'],
  ];

  before(async () => {
    seed = await seedDataProject(w, {
      secrets: { SIGNING: up.secret },
      types: [httpType('get_order', `${up.base}/ok`), ...cases.map(([name, target]) => httpType(name, to(target())))],
    });
  });

  for (const [name, target] of cases) {
    test(`${name}: isError upstream_refused, nothing fetched there, the next call works`, async () => {
      const { result, requestId } = await callTool(seed.url, name, {});
      assert.equal(result.isError, true, JSON.stringify(result));
      assert.match(textOf(result), new RegExp(`^The tool "${name}" failed: the call was refused: it redirects to an address that is not allowed`),
        `${target()}: ${textOf(result)}`);
      const rec = await auditRecord(seed.owner, seed.org, requestId);
      assert.deepEqual([rec.status, rec.error_code], ['upstream_error', 'upstream_refused']);
      const next = await callTool(seed.url, 'get_order', { order_id: 'X' });
      assert.notEqual(next.result.isError, true, textOf(next.result));
    });
  }
});

describe('the org allowlist', () => {
  test('an http Type whose host is not in upstream_hosts is refused at call time, and allowed once listed', async () => {
    const seed = await seedDataProject(w, { secrets: { SIGNING: up.secret }, types: [httpType('get_order', `${up.base}/ok`)] });
    const set = (hosts) => seed.owner.patch(`/api/v1/orgs/${seed.org}`, { upstream_hosts: hosts });
    let r = await set(['api.example.com']);
    assert.equal(r.status, 200, r.text);
    const refused = await callTool(seed.url, 'get_order', { order_id: 'X' });
    assert.equal(refused.result.isError, true, JSON.stringify(refused.result));
    assert.match(textOf(refused.result), /not in the organization's upstream allowlist/);
    assert.equal((await auditRecord(seed.owner, seed.org, refused.requestId)).error_code, 'upstream_refused');
    r = await set(['api.example.com', `127.0.0.1:${up.port}`]);
    assert.equal(r.status, 200, r.text);
    const allowed = await callTool(seed.url, 'get_order', { order_id: 'X' });
    assert.notEqual(allowed.result.isError, true, textOf(allowed.result));
  });
});

