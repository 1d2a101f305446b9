// Draft size: a published version is one D1 row (snapshot + diff + notes),
// and a D1 row holds at most 2 MB. So every Type is bounded (1 MiB) and so is
// the whole draft, Types and Instructions together, counted as the published
// snapshot will store them (`GET .../draft` reports `size: {bytes, limit}`).
// A save that would take the draft past the limit is refused with 413 naming
// the limit and changes nothing; a draft filled exactly to the limit
// publishes (201) and production serves it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';
import * as F from '../mcp-fixtures.mjs';

const HTML_BYTES = 500_000;
const page = (n, fill = 'x') => `<!doctype html><p>${fill.repeat(n)}</p>`;
const bigType = (name, htmlBytes = HTML_BYTES) => F.interactiveType(name, { ui: { html: page(htmlBytes) } });

describe('draft size limit', () => {
  let w; let owner; let org; let project; let base; let limit;

  const draft = async () => {
    const r = await owner.get(`${base}/draft`);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    return r.body;
  };
  const assertRefused = (r, label) => {
    assert.equal(r.status, 413, `${label}: ${r.status} ${r.text.slice(0, 400)}`);
    assert.equal(r.body.error, 'draft_too_large', label);
    assert.match(r.body.message, new RegExp(`${limit}`), `${label}: the message names the limit`);
    assert.equal(r.body.limit, limit, label);
  };

  before(async () => {
    w = await startWorkerWithRetry();
    owner = await F.ownerOf(w);
    org = await F.createOrg(owner, F.uniq('size'));
    project = await F.createProject(owner, org, 'big');
    base = `/api/v1/orgs/${org}/projects/${project}`;
  });
  after(() => w?.stop());

  test('an empty draft reports its size and the limit', async () => {
    const d = await draft();
    assert.equal(typeof d.size?.bytes, 'number', JSON.stringify(d.size));
    limit = d.size.limit;
    assert.ok(limit >= 1_000_000 && limit < 2_000_000, `the limit leaves room in a 2 MB row: ${limit}`);
  });

  test('Types and Instructions fill the draft up to exactly the limit', async () => {
    const instructions = 'Use these tools carefully.\n'.repeat(2000); // ~54 KB, escaped newlines count
    assert.equal((await owner.put(`${base}/draft/instructions`, { instructions })).status, 200);
    await F.putType(owner, org, project, bigType('alpha'));
    await F.putType(owner, org, project, bigType('bravo'));
    // A small third Type, then grown by exactly the bytes that are left.
    await F.putType(owner, org, project, bigType('charlie', 1));
    const left = limit - (await draft()).size.bytes;
    assert.ok(left > 0 && left < HTML_BYTES, `room left for charlie to grow: ${left}`);
    await F.putType(owner, org, project, bigType('charlie', 1 + left));
    const full = await draft();
    assert.equal(full.size.bytes, limit, 'the draft is exactly at the limit');
    assert.deepEqual(full.types.map((t) => t.name), ['alpha', 'bravo', 'charlie']);
  });

  test('the next save is refused with 413 naming the limit, and changes nothing', async () => {
    const before = await draft();
    assertRefused(await owner.put(`${base}/draft/types/delta`, F.interactiveType('delta')), 'a new Type');
    assertRefused(await owner.put(`${base}/draft/types/charlie`, bigType('charlie', HTML_BYTES)), 'growing a Type');
    assertRefused(await owner.put(`${base}/draft/instructions`, { instructions: `${before.instructions}!` }), 'longer Instructions');
    assert.deepEqual(await draft(), before, 'the draft (and its revision) is unchanged');
  });

  test('a save that does not grow the draft is still accepted at the limit', async () => {
    const before = await draft();
    const same = await owner.put(`${base}/draft/types/alpha`, bigType('alpha'));
    assert.equal(same.status, 200, same.text.slice(0, 300));
    assert.equal((await draft()).size.bytes, before.size.bytes);
  });

  test('the full draft publishes (201) and production serves it', async () => {
    const r = await owner.post(`${base}/publish`, { notes: 'a full draft' });
    assert.equal(r.status, 201, r.text.slice(0, 400));
    const v = await owner.get(`${base}/versions/${r.body.version.version}`);
    assert.equal(v.status, 200, v.text.slice(0, 300));
    assert.deepEqual(v.body.snapshot.types.map((t) => t.name), ['alpha', 'bravo', 'charlie']);
    await F.setVisibility(owner, org, project, 'public');
    const list = await F.modern(`${w.url}/${org}/${project}`, 'tools/list');
    assert.equal(list.status, 200, list.text.slice(0, 300));
    assert.deepEqual(list.json.result.tools.map((t) => t.name), ['alpha', 'bravo', 'charlie']);
  });

  test('deleting a Type makes room again', async () => {
    assert.equal((await owner.delete(`${base}/draft/types/charlie`)).status, 200);
    const r = await owner.put(`${base}/draft/types/delta`, F.interactiveType('delta'));
    assert.equal(r.status, 201, r.text.slice(0, 300));
    assert.ok((await draft()).size.bytes < limit);
  });
});
