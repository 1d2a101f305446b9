// The org's upstream allowlist (`upstream_hosts`): set, normalized, shown and
// cleared through PATCH/GET /api/v1/orgs/<org> (org.manage), bad entries
// refused with nothing changed, audited; an http Type's URL must pass it at
// save, and a Type saved before the list changed is refused at call time
// (an isError result naming the allowlist); a code Type's allowed_hosts are
// checked as entries.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject, putType, publish, setVisibility } from '../mcp-fixtures.mjs';
import { startUpstream, httpType, putSecret, callTool, textOf, auditRecord } from './http-setup.mjs';
import { drained } from '../audit/setup.mjs';

let w;
let up;
let owner;
let org;
let project;
let O;
let P;

before(async () => {
  up = await startUpstream();
  w = await startMcpWorker();
  owner = await ownerOf(w);
  org = await createOrg(owner, uniq('aorg'));
  project = await createProject(owner, org, uniq('aproj'));
  O = `/api/v1/orgs/${org}`;
  P = `${O}/projects/${project}`;
  await putSecret(owner, org, project, 'SIGNING', up.secret);
});

after(async () => {
  await w?.stop();
  await up?.stop();
});

const hosts = async () => {
  const r = await owner.get(O);
  assert.equal(r.status, 200, r.text);
  return r.body.upstream_hosts;
};
const setHosts = (list) => owner.patch(O, { upstream_hosts: list });

describe('the setting', () => {
  test('absent by default (null: no org allowlist)', async () => {
    assert.equal(await hosts(), null);
  });

  test('set: normalized (case, trailing dot, duplicates), shown by PATCH and GET, audited', async () => {
    const r = await setHosts(['API.Example.com.', 'api.example.com', 'pay.example.com:8443', `127.0.0.1:${up.port}`]);
    assert.equal(r.status, 200, r.text);
    const want = ['api.example.com', 'pay.example.com:8443', `127.0.0.1:${up.port}`];
    assert.deepEqual(r.body.upstream_hosts, want);
    assert.deepEqual(await hosts(), want);
    const [rec] = await drained(owner, `${O}/audit/actions?action=org.upstream_hosts`, 1);
    assert.equal(rec.target, org);
    assert.deepEqual(rec.details, { upstream_hosts: want });
  });

  test('bad entries are each named; nothing changes', async () => {
    const before = await hosts();
    const r = await setHosts(['ok.example.com', 'https://a.example.com', '10.0.0.1', '*.example.com', 'a.example.com/p', 'intranet', 5]);
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.body.fields.map((f) => f.field).sort(),
      ['upstream_hosts[1]', 'upstream_hosts[2]', 'upstream_hosts[3]', 'upstream_hosts[4]', 'upstream_hosts[5]', 'upstream_hosts[6]'].sort());
    for (const bad of ['not a list', { a: 1 }, 7]) {
      const x = await setHosts(bad);
      assert.equal(x.status, 422, `${JSON.stringify(bad)}: ${x.text}`);
    }
    const many = await setHosts(Array.from({ length: 101 }, (_, i) => `h${i}.example.com`));
    assert.equal(many.status, 422, many.text);
    assert.deepEqual(await hosts(), before);
  });

  test('a member without org.manage is refused and nothing changes; members see the list', async () => {
    const dev = await w.addMember(owner, org, `${uniq('dev')}@example.test`, 'developer');
    const r = await dev.patch(O, { upstream_hosts: [] });
    assert.equal(r.status, 403, r.text);
    const seen = await dev.get(O);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body.upstream_hosts, await hosts());
  });
});

describe('at save and at call', () => {
  test('an http URL outside the list is refused at save with its path; inside is stored', async () => {
    const outside = await owner.put(`${P}/draft/types/other`, httpType('other', 'https://other.example.com/x'));
    assert.equal(outside.status, 422, outside.text);
    assert.deepEqual(outside.body.fields.map((f) => f.field), ['/http/url']);
    assert.match(outside.body.fields[0].message, /other\.example\.com is not in the organization's upstream_hosts/);
    const port = await owner.put(`${P}/draft/types/pay`, httpType('pay', 'https://pay.example.com/x'));
    assert.equal(port.status, 422, 'pay.example.com is allowed on 8443 only');
    const inside = await owner.put(`${P}/draft/types/pay`, httpType('pay', 'https://pay.example.com:8443/x'));
    assert.equal(inside.status, 201, inside.text);
    await owner.delete(`${P}/draft/types/pay`);
  });

  test('a Type saved before the list changed is refused at call time, and works again when allowed', async () => {
    await putType(owner, org, project, httpType('get_order', `${up.base}/ok`));
    await publish(owner, org, project);
    await setVisibility(owner, org, project, 'public');
    const url = `${w.url}/${org}/${project}`;
    const ok = await callTool(url, 'get_order', { order_id: 'A-1' });
    assert.notEqual(ok.result.isError, true, textOf(ok.result));

    assert.equal((await setHosts(['api.example.com'])).status, 200);
    const before = up.requests.length;
    const refused = await callTool(url, 'get_order', { order_id: 'A-2' });
    assert.equal(refused.result.isError, true);
    assert.match(textOf(refused.result), /allowlist/i);
    assert.equal(up.requests.length, before, 'the backend was not called');
    const rec = await auditRecord(owner, org, refused.requestId);
    assert.equal(rec.error_code, 'upstream_refused');

    assert.equal((await owner.patch(O, { upstream_hosts: null })).status, 200, 'null clears the list');
    assert.equal(await hosts(), null);
    const again = await callTool(url, 'get_order', { order_id: 'A-3' });
    assert.notEqual(again.result.isError, true, `the next call sees the change: ${textOf(again.result)}`);
  });

  test('[] allows no upstream at all', async () => {
    assert.equal((await setHosts([])).status, 200);
    assert.deepEqual(await hosts(), []);
    const r = await owner.put(`${P}/draft/types/any`, httpType('any', 'https://api.example.com/x'));
    assert.equal(r.status, 422, r.text);
    assert.equal((await owner.patch(O, { upstream_hosts: null })).status, 200);
  });
});
