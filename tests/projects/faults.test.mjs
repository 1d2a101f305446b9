// Publish atomicity under injected failures (DOCKYARD_FAULTS):
//  - publish.pointer: the production pointer move fails after the version row
//    and its history entry were written to D1; publish must delete them again.
//  - publish.d1: the D1 batch fails before anything is written.
// Either way the caller sees a 5xx (our side failed), production does not move,
// and no trace of the failed version is left: not in the list, not by number,
// not in the history, and a retry with the same number does not hit "exists".
//
// The fault stays on for the worker's lifetime, so no publish can succeed on
// these workers: "production is unchanged" means it still has no version.
// One worker per fault, started one after the other.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';



const typeDoc = (name, extra = {}) => ({
  name,
  description: `The ${name} tool.`,
  kind: 'interactive',
  input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  scopes: [],
  ui: { html: `<!doctype html><p>${name}</p>` },
  ...extra,
});

for (const fault of ['publish.pointer', 'publish.d1']) {
  describe(`publish with DOCKYARD_FAULTS=${fault}`, () => {
    let w;
    let owner;
    let P;
    let draftBefore;

    before(async () => {
      w = await startWorkerWithRetry({ vars: { DOCKYARD_FAULTS: fault } });
      owner = await w.bootstrapOwner();
      assert.equal((await owner.post('/api/v1/orgs', { slug: 'faulty', name: 'Faulty' })).status, 201);
      assert.equal((await owner.post('/api/v1/orgs/faulty/projects', { slug: 'demo', name: 'Demo' })).status, 201);
      P = '/api/v1/orgs/faulty/projects/demo';
      assert.equal((await owner.put(`${P}/draft/types/lookup`, typeDoc('lookup'))).status, 201);
      assert.equal((await owner.put(`${P}/draft/instructions`, { instructions: 'Look orders up.' })).status, 200);
      draftBefore = (await owner.get(`${P}/draft`)).body;
    });
    after(async () => { await w?.stop(); });

    /** Asserts nothing of a failed publish is visible anywhere. */
    async function assertNothingPublished(label) {
      const list = await owner.get(`${P}/versions`);
      assert.equal(list.status, 200, `${label}: ${list.text}`);
      assert.deepEqual(list.body.versions, [], `${label}: no version is listed`);
      assert.equal(list.body.production, null, `${label}: production did not move`);
      assert.deepEqual(list.body.history, [], `${label}: no history entry was left`);
      assert.equal(list.body.next_cursor, null);
      const byNumber = await owner.get(`${P}/versions/1.0.0`);
      assert.equal(byNumber.status, 404, `${label}: versions/1.0.0 does not exist: ${byNumber.text}`);
      const diff = await owner.get(`${P}/draft/diff`);
      assert.equal(diff.status, 200, diff.text);
      assert.equal(diff.body.production, null, `${label}: the diff still sees no production version`);
      assert.equal(diff.body.suggested_version, '1.0.0', `${label}: the suggestion still starts at 1.0.0`);
      assert.deepEqual((await owner.get(`${P}/draft`)).body, draftBefore, `${label}: the draft is untouched`);
    }

    test('the publish fails with a 5xx that leaks no internals', async () => {
      const r = await owner.post(`${P}/publish`, { notes: 'doomed' });
      assert.ok(r.status >= 500 && r.status < 600, `${r.status} ${r.text}`);
      assert.equal(r.body?.error, 'internal_error', r.text);
      assert.doesNotMatch(r.text, /injected|fault|D1|publish\.(pointer|d1)/i, 'the detail stays in the log');
    });

    test('afterwards production is unchanged and no trace of the version is left', async () => {
      await assertNothingPublished('after the failed publish');
    });

    test('retries (automatic and explicit 1.0.0) fail the same way, not with "exists already"', async () => {
      for (const body of [{}, { version: '1.0.0' }, { version: '2.5.0', notes: 'explicit' }]) {
        const r = await owner.post(`${P}/publish`, body);
        assert.ok(r.status >= 500 && r.status < 600, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
        assert.notEqual(r.status, 409, 'a left-over row would make the retry a conflict');
      }
      await assertNothingPublished('after the retries');
    });

    test('promoting the failed version is 404: it never existed', async () => {
      const r = await owner.post(`${P}/versions/1.0.0/promote`, {});
      assert.equal(r.status, 404, r.text);
      await assertNothingPublished('after the promote attempt');
    });

    test('the draft stays editable; refusals before the store step are still 4xx', async () => {
      const edit = await owner.put(`${P}/draft/types/second`, typeDoc('second'));
      assert.equal(edit.status, 201, edit.text);
      draftBefore = (await owner.get(`${P}/draft`)).body;
      const bad = await owner.post(`${P}/publish`, { version: 'v1' });
      assert.equal(bad.status, 422, bad.text);
      assert.deepEqual(bad.body.fields.map((f) => f.field), ['version']);
      const again = await owner.post(`${P}/publish`, {});
      assert.ok(again.status >= 500, `${again.status} ${again.text}`);
      await assertNothingPublished('after editing and publishing again');
    });
  });
}
