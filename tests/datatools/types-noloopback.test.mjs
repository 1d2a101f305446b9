// Without ALLOW_LOOPBACK_UPSTREAMS (a worker started with it set to false, as
// in production), loopback is refused everywhere a Type or an org can name a
// host: an http Type's URL, a code Type's allowed_hosts, the org's
// upstream_hosts. Each refusal names the setting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject } from '../mcp-fixtures.mjs';
import { httpType, putSecret } from './http-setup.mjs';

let w;
let owner;
let org;
let P;

before(async () => {
  w = await startMcpWorker({ vars: { ALLOW_LOOPBACK_UPSTREAMS: 'false' } });
  owner = await ownerOf(w);
  org = await createOrg(owner, uniq('norg'));
  const project = await createProject(owner, org, uniq('nproj'));
  P = `/api/v1/orgs/${org}/projects/${project}`;
  await putSecret(owner, org, project, 'SIGNING', 'v');
});

after(async () => { await w?.stop(); });

test('an http Type at a loopback URL is refused, naming the dev setting', async () => {
  for (const url of ['http://127.0.0.1:8787/x', 'https://127.0.0.1/x', 'https://localhost:8443/x', 'http://[::1]:9000/x', 'https://app.localhost/x']) {
    const r = await owner.put(`${P}/draft/types/local`, httpType('local', url));
    assert.equal(r.status, 422, `${url}: ${r.text}`);
    assert.deepEqual(r.body.fields.map((f) => f.field), ['/http/url'], url);
    assert.match(r.body.fields[0].message, /ALLOW_LOOPBACK_UPSTREAMS/, url);
  }
  const fine = await owner.put(`${P}/draft/types/remote`, httpType('remote', 'https://api.example.com/x'));
  assert.equal(fine.status, 201, fine.text);
});

test('a code Type may not list loopback hosts', async () => {
  const doc = {
    name: 'conv', description: 'Converts.', kind: 'code', input_schema: { type: 'object' },
    code: { source: 'export default { async run() { return {}; } }', allowed_hosts: ['api.example.com', '127.0.0.1:8787', 'localhost:9000'] },
  };
  const r = await owner.put(`${P}/draft/types/conv`, doc);
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.body.fields.map((f) => f.field), ['/code/allowed_hosts/1', '/code/allowed_hosts/2']);
  assert.match(r.body.fields[0].message, /ALLOW_LOOPBACK_UPSTREAMS/);
});

test('the org allowlist may not list loopback hosts', async () => {
  const r = await owner.patch(`/api/v1/orgs/${org}`, { upstream_hosts: ['api.example.com', '127.0.0.1:8787'] });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.body.fields.map((f) => f.field), ['upstream_hosts[1]']);
  assert.match(r.body.fields[0].message, /ALLOW_LOOPBACK_UPSTREAMS/);
  assert.equal((await owner.get(`/api/v1/orgs/${org}`)).body.upstream_hosts, null, 'nothing changed');
});
