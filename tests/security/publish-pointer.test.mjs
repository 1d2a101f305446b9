// Publish under ambiguous failures of the production pointer move.
//
// The pointer moves by a compare-and-set in the project's hub. When that call
// errors, the worker cannot know whether the move happened, so it re-reads
// the pointer: the new version's rows are deleted only when production
// provably does not point at them; otherwise they are kept.
//  - publish.pointer-after: the hub moves the pointer, then the worker sees
//    an error. The re-read proves the move, so the publish is a success (201),
//    the version is listed as production, and production serves it.
//  - publish.pointer-after + publish.reread: the re-read fails too. Nothing
//    is provable, so the rows are kept: the publish reports a 5xx, yet the
//    version is listed and production (which did move) serves it.
// Nothing here ever answers 500 on the MCP endpoint, and no version that
// production points at is ever missing. Should a row go missing anyway (here:
// deleted behind the API's back), production serves no tools and names the
// version `<version>-unavailable` instead of answering 500, and the next
// publish repairs it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';
import * as F from '../mcp-fixtures.mjs';

const P = (org, project) => `/api/v1/orgs/${org}/projects/${project}`;

/** The tool names production lists, asserting the endpoint answered 200. */
async function productionTools(w, org, project, label) {
  const r = await F.modern(`${w.url}/${org}/${project}`, 'tools/list');
  assert.equal(r.status, 200, `${label}: production tools/list: ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.json?.result, `${label}: a JSON-RPC result: ${r.text.slice(0, 300)}`);
  return r.json.result.tools.map((t) => t.name).sort();
}

async function versionsList(owner, org, project) {
  const r = await owner.get(`${P(org, project)}/versions`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

describe('publish with DOCKYARD_FAULTS=publish.pointer-after (the move happened, the worker saw an error)', () => {
  let w; let owner; let org; let project;

  before(async () => {
    w = await startWorkerWithRetry({ vars: { DOCKYARD_FAULTS: 'publish.pointer-after' } });
    owner = await F.ownerOf(w);
    org = await F.createOrg(owner, F.uniq('after'));
    project = await F.createProject(owner, org, 'shop');
    await F.putType(owner, org, project, F.orderCard('lookup'));
    await F.setVisibility(owner, org, project, 'public');
  });
  after(() => w?.stop());

  test('the publish succeeds: the re-read proves production points at the new version', async () => {
    const r = await owner.post(`${P(org, project)}/publish`, { notes: 'first' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.version.version, '1.0.0');
  });

  test('the version is listed, marked as production, and readable by number', async () => {
    const list = await versionsList(owner, org, project);
    assert.deepEqual(list.versions.map((v) => [v.version, v.production]), [['1.0.0', true]]);
    assert.equal(list.production?.version, '1.0.0');
    assert.deepEqual(list.history.map((h) => [h.action, h.version]), [['publish', '1.0.0']]);
    const one = await owner.get(`${P(org, project)}/versions/1.0.0`);
    assert.equal(one.status, 200, one.text);
  });

  test('production serves the new version (no 500 for a missing version row)', async () => {
    assert.deepEqual(await productionTools(w, org, project, 'after 1.0.0'), ['lookup']);
  });

  test('a second publish moves production again, and a repeat is "nothing to publish"', async () => {
    await F.putType(owner, org, project, F.orderCard('refund'));
    const r = await owner.post(`${P(org, project)}/publish`, {});
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.version.version, '1.1.0');
    assert.deepEqual(await productionTools(w, org, project, 'after 1.1.0'), ['lookup', 'refund']);
    const again = await owner.post(`${P(org, project)}/publish`, {});
    assert.equal(again.status, 409, again.text);
    const list = await versionsList(owner, org, project);
    assert.deepEqual(list.versions.map((v) => [v.version, v.production]), [['1.1.0', true], ['1.0.0', false]]);
  });

  test('a promote back to 1.0.0 (same fault on its pointer move) is confirmed the same way', async () => {
    const r = await owner.post(`${P(org, project)}/versions/1.0.0/promote`, {});
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await productionTools(w, org, project, 'after the promote'), ['lookup']);
    const list = await versionsList(owner, org, project);
    assert.equal(list.production?.version, '1.0.0');
    assert.deepEqual(list.history.map((h) => [h.action, h.version]),
      [['promote', '1.0.0'], ['publish', '1.1.0'], ['publish', '1.0.0']]);
  });
});

describe('publish with DOCKYARD_FAULTS=publish.pointer-after,publish.reread (nothing is provable)', () => {
  let w; let owner; let org; let project;

  before(async () => {
    w = await startWorkerWithRetry({ vars: { DOCKYARD_FAULTS: 'publish.pointer-after,publish.reread' } });
    owner = await F.ownerOf(w);
    org = await F.createOrg(owner, F.uniq('unsure'));
    project = await F.createProject(owner, org, 'shop');
    await F.putType(owner, org, project, F.orderCard('lookup'));
    await F.setVisibility(owner, org, project, 'public');
  });
  after(() => w?.stop());

  test('the publish reports a 5xx that leaks no internals', async () => {
    const r = await owner.post(`${P(org, project)}/publish`, {});
    assert.ok(r.status >= 500 && r.status < 600, `${r.status} ${r.text}`);
    assert.doesNotMatch(r.text, /injected|fault|reread/i);
  });

  test('the version rows are kept: listed, readable, and production serves them', async () => {
    const list = await versionsList(owner, org, project);
    assert.deepEqual(list.versions.map((v) => [v.version, v.production]), [['1.0.0', true]]);
    assert.equal((await owner.get(`${P(org, project)}/versions/1.0.0`)).status, 200);
    assert.deepEqual(await productionTools(w, org, project, 'after the unconfirmed publish'), ['lookup']);
  });

  test('publishing the same draft again is "nothing to publish", not a second version', async () => {
    const r = await owner.post(`${P(org, project)}/publish`, {});
    assert.equal(r.status, 409, r.text);
    assert.match(r.body.message, /identical to production version 1\.0\.0/);
  });
});

describe('a production pointer at a missing version row (impossible by the above; if it happens anyway)', () => {
  let w; let owner; let org; let project;

  before(async () => {
    w = await startWorkerWithRetry();
    owner = await F.ownerOf(w);
    org = await F.createOrg(owner, F.uniq('gone'));
    project = await F.createProject(owner, org, 'shop');
    await F.putType(owner, org, project, F.orderCard('lookup'));
    await F.setVisibility(owner, org, project, 'public');
    assert.equal((await F.publish(owner, org, project)).version.version, '1.0.0');
    // Not served yet (nothing cached), then the row is lost behind the API's back.
    await w.d1("DELETE FROM versions WHERE version = '1.0.0'");
  });
  after(() => w?.stop());

  test('production answers 200 with no tools and says the version is unavailable, never 500', async () => {
    assert.deepEqual(await productionTools(w, org, project, 'missing row'), []);
    const init = await F.post(`${w.url}/${org}/${project}`,
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: F.initializeParams() });
    assert.equal(init.status, 200, init.text.slice(0, 300));
    assert.equal(init.json.result.serverInfo.version, '1.0.0-unavailable');
  });

  test('the diff and a new publish still work, and the publish repairs production', async () => {
    const diff = await owner.get(`${P(org, project)}/draft/diff`);
    assert.equal(diff.status, 200, diff.text);
    await F.putType(owner, org, project, F.orderCard('refund'));
    const r = await owner.post(`${P(org, project)}/publish`, {});
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(await productionTools(w, org, project, 'after the repair'), ['lookup', 'refund']);
  });
});
