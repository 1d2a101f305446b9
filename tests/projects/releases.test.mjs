// Project releases, end to end: the draft diff and its semver suggestions,
// publish, immutable versions and their pagination, and rollback (promote).
// Every refused write is followed by a read showing nothing changed. The
// worker, owner and org are ./setup.mjs; publish under injected store failures
// is ./faults.test.mjs (it needs workers started with DOCKYARD_FAULTS).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from '../harness.mjs';
import { owner, org, useWorker, newProject, typeDoc, httpDoc, putType, readDraft, readVersions, publish } from './setup.mjs';

/** GET the draft diff (asserting 200). */
async function readDiff(P) {
  const r = await owner.get(`${P}/draft/diff`);
  assert.equal(r.status, 200, `GET diff: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

useWorker();

// ---------------------------------------------------------------- diff & semver --

describe('diff and semver suggestions', () => {
  // The baseline: `lookup` (id required; note optional; qty integer or string),
  // `helper`, and Instructions "v1", published as 1.0.0.
  const lookupSchema = () => ({
    type: 'object',
    properties: {
      id: { type: 'string' },
      note: { type: 'string', maxLength: 200 },
      qty: { type: ['integer', 'string'] },
    },
    required: ['id'],
    additionalProperties: false,
  });
  const lookup = (extra = {}) => typeDoc('lookup', { input_schema: lookupSchema(), ...extra });
  const withSchema = (edit) => { const s = lookupSchema(); edit(s); return lookup({ input_schema: s }); };

  async function baselineProject() {
    const P = await newProject('diff');
    assert.equal((await putType(owner, P, 'lookup', lookup())).status, 201);
    assert.equal((await putType(owner, P, 'helper', typeDoc('helper'))).status, 201);
    assert.equal((await owner.put(`${P}/draft/instructions`, { instructions: 'v1' })).status, 200);
    const v = await publish(P);
    assert.equal(v.version.version, '1.0.0');
    return P;
  }

  function assertDiff(body, { added = [], removed = [], changed = [], instructions = false, bump, version, reason }, label) {
    const ctx = `${label}: ${JSON.stringify(body)}`;
    assert.deepEqual(body.diff.added, added, ctx);
    assert.deepEqual(body.diff.removed, removed, ctx);
    assert.deepEqual(body.diff.changed.map((c) => [c.name, c.fields, c.bump]), changed, ctx);
    assert.equal(body.diff.instructions_changed, instructions, ctx);
    assert.equal(body.diff.suggested_bump, bump, ctx);
    assert.equal(body.suggested_version, version, ctx);
    if (reason) assert.ok(body.diff.reasons.some((r) => reason.test(r)), `${ctx}\nno reason matches ${reason}`);
  }

  test('before the first publish everything is added and 1.0.0 is suggested', async () => {
    const P = await newProject('diff-first');
    const empty = await readDiff(P);
    assert.equal(empty.production, null);
    assert.equal(empty.diff.suggested_bump, null, 'an empty draft has nothing to publish');
    assert.equal(empty.suggested_version, null);
    await putType(owner, P, 'one', typeDoc('one'));
    const d = await readDiff(P);
    assertDiff(d, { added: ['one'], bump: 'major', version: '1.0.0', reason: /^first published version \(1\.0\.0\)$/ }, 'first');
    assert.equal(d.revision, 1);
  });

  test('an unchanged draft (even re-saved with identical content) shows no change and no suggestion', async () => {
    const P = await baselineProject();
    await putType(owner, P, 'lookup', lookup());
    const d = await readDiff(P);
    assertDiff(d, { bump: null, version: null }, 'unchanged');
    assert.equal(d.production.version, '1.0.0');
    assert.deepEqual(d.diff.reasons, []);
  });

  const crafted = [
    { label: 'an added Type is minor',
      apply: (P) => putType(owner, P, 'zeta', typeDoc('zeta')),
      expect: { added: ['zeta'], bump: 'minor', version: '1.1.0', reason: /^zeta: Type added$/ } },
    { label: 'a description-only change is patch',
      apply: (P) => putType(owner, P, 'lookup', lookup({ description: 'Looks an order up.' })),
      expect: { changed: [['lookup', ['description'], 'patch']], bump: 'patch', version: '1.0.1', reason: /^lookup: description changed$/ } },
    { label: 'a ui-only change is patch',
      apply: (P) => putType(owner, P, 'lookup', lookup({ ui: { html: '<p>new look</p>' } })),
      expect: { changed: [['lookup', ['ui'], 'patch']], bump: 'patch', version: '1.0.1' } },
    { label: 'an Instructions change is flagged and patch',
      apply: (P) => owner.put(`${P}/draft/instructions`, { instructions: 'v2' }),
      expect: { instructions: true, bump: 'patch', version: '1.0.1', reason: /^Instructions changed$/ } },
    { label: 'a new optional property is minor',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { s.properties.extra = { type: 'boolean' }; })),
      expect: { changed: [['lookup', ['input_schema'], 'minor']], bump: 'minor', version: '1.1.0', reason: /property \/extra added/ } },
    { label: 'a removed property is major',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { delete s.properties.note; })),
      expect: { changed: [['lookup', ['input_schema'], 'major']], bump: 'major', version: '2.0.0', reason: /property \/note removed/ } },
    { label: 'a newly required property is major',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { s.required = ['id', 'note']; })),
      expect: { changed: [['lookup', ['input_schema'], 'major']], bump: 'major', version: '2.0.0', reason: /property \/note newly required/ } },
    { label: 'a property no longer required is minor',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { s.required = []; })),
      expect: { changed: [['lookup', ['input_schema'], 'minor']], bump: 'minor', version: '1.1.0', reason: /\/id no longer required/ } },
    { label: 'a narrowed type is major',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { s.properties.qty.type = 'integer'; })),
      expect: { changed: [['lookup', ['input_schema'], 'major']], bump: 'major', version: '2.0.0', reason: /type narrowed/ } },
    { label: 'a widened type is minor',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { s.properties.qty.type = ['integer', 'string', 'null']; })),
      expect: { changed: [['lookup', ['input_schema'], 'minor']], bump: 'minor', version: '1.1.0', reason: /type widened/ } },
    { label: 'a tightened bound is major',
      apply: (P) => putType(owner, P, 'lookup', withSchema((s) => { s.properties.note.maxLength = 100; })),
      expect: { changed: [['lookup', ['input_schema'], 'major']], bump: 'major', version: '2.0.0', reason: /maxLength 200 -> 100/ } },
    { label: 'a removed Type is major',
      apply: (P) => owner.delete(`${P}/draft/types/helper`),
      expect: { removed: ['helper'], bump: 'major', version: '2.0.0', reason: /^helper: Type removed$/ } },
    { label: 'an added scope is major',
      apply: (P) => putType(owner, P, 'lookup', lookup({ scopes: ['orders:read', 'orders:admin'] })),
      expect: { changed: [['lookup', ['scopes'], 'major']], bump: 'major', version: '2.0.0', reason: /scope orders:admin now required/ } },
    { label: 'a changed kind is major',
      apply: (P) => putType(owner, P, 'helper', httpDoc('helper')),
      expect: { changed: [['helper', ['kind', 'ui', 'http'], 'major']], bump: 'major', version: '2.0.0', reason: /kind changed/ } },
    { label: 'several changes take the largest bump',
      apply: async (P) => {
        await putType(owner, P, 'lookup', lookup({ description: 'patch-level' }));
        await putType(owner, P, 'zeta', typeDoc('zeta'));
        await owner.put(`${P}/draft/instructions`, { instructions: 'v3' });
      },
      expect: { added: ['zeta'], changed: [['lookup', ['description'], 'patch']], instructions: true, bump: 'minor', version: '1.1.0' } },
  ];

  for (const c of crafted) {
    test(`diff against production: ${c.label}`, async () => {
      const P = await baselineProject();
      const r = await c.apply(P);
      if (r) assert.ok(r.status < 300, `${c.label}: the edit itself: ${r.status} ${r.text.slice(0, 300)}`);
      const d = await readDiff(P);
      assert.equal(d.production.version, '1.0.0');
      assertDiff(d, c.expect, c.label);
      assert.equal(d.revision, (await readDraft(P)).revision, 'the diff is of the current draft');
    });
  }

  test('the suggested version follows the latest version, and publish without `version` uses it', async () => {
    const P = await baselineProject();
    await putType(owner, P, 'zeta', typeDoc('zeta'));
    assert.equal((await readDiff(P)).suggested_version, '1.1.0');
    assert.equal((await publish(P)).version.version, '1.1.0', 'publish takes the suggestion');
    await putType(owner, P, 'zeta', typeDoc('zeta', { description: 'better words' }));
    assert.equal((await readDiff(P)).suggested_version, '1.1.1');
    await publish(P, { version: '4.2.0' });
    await owner.put(`${P}/draft/instructions`, { instructions: 'after 4.2.0' });
    assert.equal((await readDiff(P)).suggested_version, '4.2.1');
    await owner.delete(`${P}/draft/types/zeta`);
    const d = await readDiff(P);
    assert.equal(d.suggested_version, '5.0.0');
    assert.equal(d.production.version, '4.2.0');
    assert.ok(d.warnings.length > 0 && d.warnings.every((w) => w.code === 'annotation_unset'), JSON.stringify(d.warnings));
  });

  test('the diff endpoint is read-only (405 for other methods)', async () => {
    const P = await newProject('diff-ro');
    const r = await owner.post(`${P}/draft/diff`, {});
    assertError(r, 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'GET');
  });
});

// ------------------------------------------------------------------- publish --

describe('publish and versions', () => {
  let P;
  before(async () => {
    P = await newProject('pub');
    await putType(owner, P, 'show_order', typeDoc('show_order'));
    await owner.put(`${P}/draft/instructions`, { instructions: 'Use show_order to show an order.' });
  });

  test('the first publish is 201 with version 1.0.0, its notes, author and diff', async () => {
    const r = await owner.post(`${P}/publish`, { notes: 'first release' });
    assert.equal(r.status, 201, r.text);
    const v = r.body.version;
    assert.equal(v.version, '1.0.0');
    assert.equal(v.seq, 1);
    assert.equal(v.notes, 'first release');
    assert.equal(v.author_id, owner.user.id);
    assert.match(v.content_hash, /^[0-9a-f]{64}$/);
    assert.equal(r.body.previous, null);
    assert.deepEqual(r.body.diff.added, ['show_order']);
    // Only readOnlyHint is set: the other two hints are warned about, not refused.
    const unset = [['show_order', 'annotation_unset', '/annotations/destructiveHint'], ['show_order', 'annotation_unset', '/annotations/openWorldHint']];
    assert.deepEqual(r.body.warnings.map((w) => [w.type, w.code, w.pointer]), unset);
    assert.ok(r.body.warnings.every((w) => /is not set: hosts assume/.test(w.message)), JSON.stringify(r.body.warnings));
    const list = await readVersions(P);
    assert.equal(list.production.version, '1.0.0');
    assert.deepEqual(list.versions.map((x) => [x.version, x.production]), [['1.0.0', true]]);
  });

  test('publishing an unchanged draft is 409 naming the production version, and writes nothing', async () => {
    const before = await readVersions(P);
    const r = await owner.post(`${P}/publish`, {});
    assertError(r, 409, 'conflict', { message: /nothing to publish.*identical to production version 1\.0\.0/ });
    const again = await owner.post(`${P}/publish`, { version: '9.0.0', notes: 'still nothing' });
    assertError(again, 409, 'conflict', { message: /nothing to publish/ }, 'with an explicit version');
    assert.deepEqual(await readVersions(P), before);
  });

  test('re-saving identical content still counts as unchanged (content hash, not revision)', async () => {
    const before = await readVersions(P);
    await putType(owner, P, 'show_order', typeDoc('show_order'));
    assertError(await owner.post(`${P}/publish`, {}), 409, 'conflict', { message: /nothing to publish/ });
    assert.deepEqual(await readVersions(P), before);
  });

  test('an explicit version that is not greater than the latest is 422 on `version`, and writes nothing', async () => {
    await putType(owner, P, 'show_order', typeDoc('show_order', { description: 'Shows an order (v2).' }));
    const before = await readVersions(P);
    for (const version of ['1.0.0', '0.9.9', '0.0.1']) {
      const r = await owner.post(`${P}/publish`, { version });
      assertError(r, 422, 'invalid_request', { fields: ['version'], message: /greater than the latest version 1\.0\.0/ }, version);
    }
    assert.deepEqual(await readVersions(P), before);
  });

  test('an invalid semantic version is 422 on `version`, and writes nothing', async () => {
    const before = await readVersions(P);
    for (const version of ['v2.0.0', '2.0', '02.0.0', '2.0.0-rc.1', '2.0.0+build', ' 2.0.0', 'latest', '']) {
      const r = await owner.post(`${P}/publish`, { version });
      assertError(r, 422, 'invalid_request', { fields: ['version'], message: /semantic version/ }, JSON.stringify(version));
    }
    assertError(await owner.post(`${P}/publish`, { version: 2 }), 422, 'invalid_request', { fields: ['version'] }, 'a number');
    assert.deepEqual(await readVersions(P), before);
  });

  test('notes over 2000 characters and unknown fields are 422; a non-JSON body is 415', async () => {
    const before = await readVersions(P);
    assertError(await owner.post(`${P}/publish`, { notes: 'n'.repeat(2001) }), 422, 'invalid_request', { fields: ['notes'] });
    assertError(await owner.post(`${P}/publish`, { force: true }), 422, 'invalid_request', { fields: ['force'], message: /not a known field/ });
    const form = await owner.request('POST', `${P}/publish`, { raw: true, body: 'version=2.0.0', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assertError(form, 415, 'unsupported_media_type');
    assert.deepEqual(await readVersions(P), before);
  });

  test('an explicit greater version is used; the next automatic one follows it', async () => {
    const r = await publish(P, { version: '3.0.0', notes: 'jump' });
    assert.equal(r.version.version, '3.0.0');
    assert.equal(r.version.seq, 2);
    assert.equal(r.previous, '1.0.0');
    await owner.put(`${P}/draft/instructions`, { instructions: 'Instructions, reworded.' });
    assert.equal((await publish(P)).version.version, '3.0.1');
  });

  test('GET versions/<v> returns the immutable snapshot of that publish', async () => {
    const r = await owner.get(`${P}/versions/1.0.0`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.version, '1.0.0');
    assert.equal(r.body.notes, 'first release');
    assert.equal(r.body.snapshot.instructions, 'Use show_order to show an order.');
    assert.deepEqual(r.body.snapshot.types.map((t) => [t.name, t.description]),
      [['show_order', typeDoc('show_order').description]], 'the snapshot is the draft as it was at 1.0.0');
    assert.deepEqual(r.body.snapshot.types[0].input_schema, typeDoc('show_order').input_schema);
    assert.deepEqual(r.body.diff.added, ['show_order']);
    const latest = await owner.get(`${P}/versions/3.0.1`);
    assert.equal(latest.body.snapshot.instructions, 'Instructions, reworded.');
    assert.equal(latest.body.snapshot.types[0].description, 'Shows an order (v2).');
    assertError(await owner.get(`${P}/versions/9.9.9`), 404, 'not_found', { message: /9\.9\.9/ });
  });

  test('versions are immutable: PUT, PATCH, DELETE and POST on a version are 405 and it stays the same', async () => {
    const before = await owner.get(`${P}/versions/1.0.0`);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      const r = await owner.request(method, `${P}/versions/1.0.0`, method === 'DELETE' ? {} : { body: { notes: 'rewritten' } });
      assertError(r, 405, 'method_not_allowed', {}, method);
      assert.equal(r.headers.get('allow'), 'GET', method);
    }
    for (const method of ['PUT', 'DELETE']) {
      assertError(await owner.request(method, `${P}/versions`), 405, 'method_not_allowed', {}, `${method} versions`);
    }
    const after = await owner.get(`${P}/versions/1.0.0`);
    assert.deepEqual(after.body, before.body);
  });

  test('later edits of the draft never change a published snapshot', async () => {
    const before = (await owner.get(`${P}/versions/3.0.1`)).body;
    await putType(owner, P, 'show_order', typeDoc('show_order', { description: 'draft-only change' }));
    await owner.put(`${P}/draft/instructions`, { instructions: 'draft-only instructions' });
    assert.deepEqual((await owner.get(`${P}/versions/3.0.1`)).body, before);
  });

  test('the versions list is newest first with production: true on the current one only', async () => {
    const list = await readVersions(P);
    assert.deepEqual(list.versions.map((v) => v.version), ['3.0.1', '3.0.0', '1.0.0']);
    assert.deepEqual(list.versions.map((v) => v.production), [true, false, false]);
    assert.deepEqual(list.versions.map((v) => v.seq), [3, 2, 1]);
    assert.equal(list.production.version, '3.0.1');
    assert.equal(list.next_cursor, null);
    assert.ok(list.versions.every((v) => !('snapshot' in v)), 'the list carries summaries, not snapshots');
  });

  test('pagination with limit and next_cursor walks every version exactly once', async () => {
    const Q = await newProject('pages');
    for (let i = 0; i < 7; i++) {
      await owner.put(`${Q}/draft/instructions`, { instructions: `release ${i}` });
      await publish(Q, { notes: `n${i}` });
    }
    const full = (await readVersions(Q)).versions.map((v) => v.version);
    assert.deepEqual(full, ['1.0.6', '1.0.5', '1.0.4', '1.0.3', '1.0.2', '1.0.1', '1.0.0']);
    const seen = [];
    const pages = [];
    let cursor = null;
    do {
      const page = await readVersions(Q, `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.ok(page.versions.length <= 3);
      pages.push(page.versions.length);
      seen.push(...page.versions.map((v) => v.version));
      for (const v of page.versions) assert.equal(v.production, v.version === '1.0.6', v.version);
      cursor = page.next_cursor;
    } while (cursor && pages.length < 10);
    assert.deepEqual(pages, [3, 3, 1]);
    assert.deepEqual(seen, full);
    const exact = await readVersions(Q, '?limit=7');
    assert.equal(exact.versions.length, 7);
    assert.equal(exact.next_cursor, null, 'no cursor when the page holds the rest');
    for (const q of ['?limit=0', '?limit=101', '?limit=x']) assertError(await owner.get(`${Q}/versions${q}`), 400, 'invalid_limit', {}, q);
    for (const q of ['?cursor=abc', '?cursor=-1', '?cursor=0']) assertError(await owner.get(`${Q}/versions${q}`), 400, 'invalid_cursor', {}, q);
  });

  test('publish and versions of an unknown project are 404', async () => {
    const X = `/api/v1/orgs/${org}/projects/no-such-project`;
    assertError(await owner.post(`${X}/publish`, {}), 404, 'not_found');
    assertError(await owner.get(`${X}/versions`), 404, 'not_found');
    assertError(await owner.post(`${X}/versions/1.0.0/promote`, {}), 404, 'not_found');
  });
});

// ------------------------------------------------------------------ rollback --

describe('rollback (promote)', () => {
  let P;
  before(async () => {
    P = await newProject('rollback');
    await putType(owner, P, 'alpha', typeDoc('alpha'));
    assert.equal((await publish(P)).version.version, '1.0.0');
    await putType(owner, P, 'beta', typeDoc('beta'));
    assert.equal((await publish(P)).version.version, '1.1.0');
  });

  test('promoting 1.0.0 points production at it; the history lists publish, publish, promote', async () => {
    const r = await owner.post(`${P}/versions/1.0.0/promote`, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.production.version, '1.0.0');
    assert.equal(r.body.previous, '1.1.0');
    const list = await readVersions(P);
    assert.equal(list.production.version, '1.0.0');
    assert.deepEqual(list.versions.map((v) => [v.version, v.production]), [['1.1.0', false], ['1.0.0', true]]);
    const chronological = [...list.history].sort((a, b) => a.seq - b.seq);
    assert.deepEqual(chronological.map((h) => [h.action, h.version]),
      [['publish', '1.0.0'], ['publish', '1.1.0'], ['promote', '1.0.0']]);
    assert.ok(chronological.every((h) => h.actor_id === owner.user.id));
  });

  test('after a rollback the diff compares the draft with the promoted version', async () => {
    const d = await readDiff(P);
    assert.equal(d.production.version, '1.0.0');
    assert.deepEqual(d.diff.added, ['beta'], 'beta is in the draft but not in production 1.0.0');
    assert.equal(d.suggested_version, '1.2.0', 'the number still follows the latest version, 1.1.0');
  });

  test('promoting the version already in production is 409 and records nothing', async () => {
    const before = await readVersions(P);
    const r = await owner.post(`${P}/versions/1.0.0/promote`, {});
    assertError(r, 409, 'conflict', { message: /1\.0\.0 is already in production/ });
    assert.deepEqual(await readVersions(P), before);
  });

  test('promoting an unknown version is 404 and records nothing', async () => {
    const before = await readVersions(P);
    for (const v of ['9.9.9', 'not-a-version', '1.0']) {
      assertError(await owner.post(`${P}/versions/${v}/promote`, {}), 404, 'not_found', { message: /no version/ }, v);
    }
    assert.deepEqual(await readVersions(P), before);
  });

  test('promote is POST only (405 otherwise)', async () => {
    const r = await owner.get(`${P}/versions/1.1.0/promote`);
    assertError(r, 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'POST');
  });

  test('rolling forward again: promote 1.1.0 back into production', async () => {
    const r = await owner.post(`${P}/versions/1.1.0/promote`, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.previous, '1.0.0');
    const list = await readVersions(P);
    assert.equal(list.production.version, '1.1.0');
    assert.deepEqual(list.history.map((h) => h.action), ['promote', 'promote', 'publish', 'publish'], 'history is newest first');
    assertError(await owner.post(`${P}/publish`, {}), 409, 'conflict', { message: /identical to production version 1\.1\.0/ });
  });
});
