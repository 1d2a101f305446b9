// The Type document of the data kinds at save time (PUT .../draft/types/<name>):
// every problem in one 422, each with its JSON path in `fields`: a URL the
// guard or the org allowlist refuses, timeouts out of 1..60000, header names
// that are not allowed, secrets the project does not have (in either
// channel), code sources too large or blank, allowed_hosts entries that are
// not hostnames; what passes is stored as sent. The publish and the draft
// diff warn about a secret with no production value.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject, publish } from '../mcp-fixtures.mjs';
import { httpType, putSecret } from './http-setup.mjs';

let w;
let owner;
let org;
let project;
let P;

before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
  org = await createOrg(owner, uniq('torg'));
  project = await createProject(owner, org, uniq('tproj'));
  P = `/api/v1/orgs/${org}/projects/${project}`;
  await putSecret(owner, org, project, 'SIGNING', 'signing value');
  await putSecret(owner, org, project, 'API_TOKEN', 'draft token', 'draft');
});

after(async () => { await w?.stop(); });

const save = (doc) => owner.put(`${P}/draft/types/${doc.name}`, doc);
const fieldsOf = (r) => r.body.fields.map((f) => f.field);

function codeType(name, code) {
  return {
    name, description: `${name} computes.`, kind: 'code', input_schema: { type: 'object' },
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    code: { source: 'export default { async run(args) { return { ok: true }; } }', ...code },
  };
}

async function refused(doc, expected, label) {
  const r = await save(doc);
  assert.equal(r.status, 422, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.deepEqual(fieldsOf(r), expected, `${label}: ${r.text.slice(0, 600)}`);
  const gone = await owner.get(`${P}/draft`);
  assert.ok(!gone.body.types.some((t) => t.name === doc.name), `${label}: nothing stored`);
  return r;
}

describe('http', () => {
  test('a valid document is stored as sent, header secrets and all', async () => {
    const doc = httpType('get_order', 'https://api.example.com/orders', {
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    });
    doc.http.headers = { Authorization: { secret: 'API_TOKEN', prefix: 'Bearer ' }, 'X-Version': '2' };
    doc.http.timeout_ms = 60000;
    const r = await save(doc);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.type.http, doc.http);
  });

  test('a secret that does not exist in the project is refused; one in either channel is enough', async () => {
    const doc = httpType('missing', 'https://api.example.com/x');
    doc.http.secret = 'NOPE';
    doc.http.headers = { 'X-Key': { secret: 'ALSO_NOPE' } };
    const r = await refused(doc, ['/http/headers/X-Key/secret', '/http/secret'], 'missing secrets');
    assert.match(r.body.fields[1].message, /no secret named "NOPE"/);
    // API_TOKEN has only a draft value: it exists.
    doc.http.secret = 'API_TOKEN';
    doc.http.headers = {};
    assert.equal((await save(doc)).status, 201);
    await owner.delete(`${P}/draft/types/missing`);
  });

  test('an http Type needs a signing secret', async () => {
    const doc = httpType('unsigned', 'https://api.example.com/x');
    delete doc.http.secret;
    await refused(doc, ['/http'], 'no secret');
  });

  test('URLs the SSRF guard refuses', async () => {
    for (const url of ['not a url', 'http://api.example.com/x', 'https://user:pw@api.example.com/', 'https://10.0.0.1/',
      'https://169.254.169.254/latest', 'https://[::ffff:127.0.0.1]/', 'https://intranet/']) {
      await refused(httpType('guarded', url), ['/http/url'], url);
    }
  });

  test('timeouts outside 1..60000 ms', async () => {
    for (const t of [0, 60001, 1.5, '100']) {
      const doc = httpType('slow', 'https://api.example.com/x');
      doc.http.timeout_ms = t;
      await refused(doc, ['/http/timeout_ms'], `timeout ${t}`);
    }
  });

  test('header names Dockyard or the connection owns, and a literal Authorization', async () => {
    for (const name of ['Host', 'Content-Type', 'Content-Length', 'Connection', 'Transfer-Encoding', 'Dockyard-Signature',
      'Dockyard-Request-Id', 'X-Dockyard-Anything', 'Authorization']) {
      const doc = httpType('headers', 'https://api.example.com/x');
      doc.http.headers = { [name]: 'value' };
      await refused(doc, [`/http/headers/${name}`], name);
    }
  });

  test('every problem is listed in one answer', async () => {
    const doc = httpType('bad', 'http://user:pw@10.0.0.1/');
    doc.http.secret = 'NOPE';
    doc.http.timeout_ms = 0;
    doc.http.headers = { Host: 'x', 'X-K': { secret: 'MISSING' }, 'X-Bad': 'a\r\nb' };
    await refused(doc, ['/http/headers/Host', '/http/headers/X-Bad', '/http/headers/X-K/secret', '/http/secret',
      '/http/timeout_ms', '/http/url'], 'all at once');
  });
});

describe('code', () => {
  test('a valid handler is stored; allowed_hosts and timeout_ms as sent', async () => {
    const doc = codeType('convert', { allowed_hosts: ['api.example.com', 'rates.example.com:8443'], timeout_ms: 2000 });
    const r = await save(doc);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.type.code, doc.code);
  });

  test('sources over 256 KiB or blank, bad allowed_hosts entries, out-of-bounds timeouts', async () => {
    await refused(codeType('big', { source: `export default {};//${'x'.repeat(256 * 1024)}` }), ['/code/source'], 'big');
    await refused(codeType('blank', { source: '   \n' }), ['/code/source'], 'blank');
    await refused(codeType('empty', { source: '' }), ['/code/source'], 'empty');
    await refused(codeType('slow', { timeout_ms: 60001 }), ['/code/timeout_ms'], 'timeout');
    await refused(codeType('hosts', {
      allowed_hosts: ['ok.example.com', 'https://a.example.com', '10.0.0.1', '*.example.com', 'a.example.com/path', 'intranet'],
    }), ['/code/allowed_hosts/1', '/code/allowed_hosts/2', '/code/allowed_hosts/3', '/code/allowed_hosts/4', '/code/allowed_hosts/5'], 'hosts');
  });

  test('a code Type carries no http or ui, and needs code', async () => {
    const doc = codeType('mixed', {});
    doc.http = { url: 'https://api.example.com', secret: 'SIGNING' };
    await refused(doc, ['/http'], 'mixed');
    const none = codeType('none', {});
    delete none.code;
    await refused(none, ['/code'], 'no code');
  });
});

describe('warnings', () => {
  test('publish and the draft diff warn about a secret with no production value', async () => {
    // get_order (saved above) signs with SIGNING (both channels) and sends
    // API_TOKEN (draft only) as Authorization.
    const diff = await owner.get(`${P}/draft/diff`);
    assert.equal(diff.status, 200, diff.text);
    const want = { type: 'get_order', code: 'secret_missing_in_production', pointer: '/http/headers/Authorization/secret' };
    const pick = (ws) => ws.filter((x) => x.code === 'secret_missing_in_production').map(({ type, code, pointer }) => ({ type, code, pointer }));
    assert.deepEqual(pick(diff.body.warnings), [want]);
    const published = await publish(owner, org, project);
    assert.deepEqual(pick(published.warnings), [want]);
    assert.match(published.warnings.find((x) => x.code === want.code).message, /"API_TOKEN" has no production value/);
    // Once production has a value, the warning is gone (no publish needed for the value itself).
    await putSecret(owner, org, project, 'API_TOKEN', 'production token', 'production');
    assert.deepEqual(pick((await owner.get(`${P}/draft/diff`)).body.warnings), []);
  });
});
