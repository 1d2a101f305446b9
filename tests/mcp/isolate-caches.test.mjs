// What the endpoint keeps per isolate (issue 14's hot path) never serves
// something stale: the draft is cached by (project id, revision), compiled
// argument schemas by content, and a tools/call maps only the called Type.
// Each of these answers must change on the very next request after the
// change, through the draft endpoint with a real OAuth token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createOrg, createProject, deleteType, interactiveType, modern, ownerOf, putInstructions, putType, startMcpWorker, uniq,
} from '../mcp-fixtures.mjs';
import { getTokens } from '../oauth-helpers.mjs';

let w;
let owner;
before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
});
after(async () => { await w?.stop(); });

const card = (name, schema) => interactiveType(name, {
  input_schema: schema ?? { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
});

async function draftProject(org, slug, types) {
  await createProject(owner, org, slug);
  for (const t of types) await putType(owner, org, slug, t);
  const url = `${w.url}/${org}/${slug}/draft`;
  const { access_token: token } = await getTokens(w, owner, { resource: url });
  const auth = { headers: { authorization: `Bearer ${token}` } };
  return {
    url,
    list: async () => {
      const r = await modern(url, 'tools/list', {}, auth);
      assert.equal(r.status, 200, r.text);
      return r.json.result.tools.map((t) => t.name).sort();
    },
    call: async (name, args) => {
      const r = await modern(url, 'tools/call', { name, arguments: args }, auth);
      assert.equal(r.status, 200, r.text);
      return r.json;
    },
    discover: async () => (await modern(url, 'server/discover', {}, auth)).json.result,
  };
}

test('every draft save reaches the draft endpoint on the next request (list, call, schema, instructions)', async () => {
  const org = await createOrg(owner, uniq('cache'));
  const p = await draftProject(org, 'cards', [card('alpha')]);
  assert.deepEqual(await p.list(), ['alpha']);
  assert.deepEqual((await p.call('alpha', { id: 'x' })).result.structuredContent, { id: 'x' });

  await putType(owner, org, 'cards', card('beta'));
  assert.deepEqual(await p.list(), ['alpha', 'beta'], 'a new Type is listed at once');
  assert.deepEqual((await p.call('beta', { id: 'y' })).result.structuredContent, { id: 'y' });

  // The same Type with another schema: the call validates against the new one.
  await putType(owner, org, 'cards', card('alpha', {
    type: 'object', properties: { id: { type: 'string', minLength: 3 } }, required: ['id'], additionalProperties: false,
  }));
  const refused = await p.call('alpha', { id: 'x' });
  assert.equal(refused.result.isError, true, `the new minLength applies: ${JSON.stringify(refused)}`);
  assert.deepEqual((await p.call('alpha', { id: 'xyz' })).result.structuredContent, { id: 'xyz' });

  await deleteType(owner, org, 'cards', 'beta');
  assert.deepEqual(await p.list(), ['alpha'], 'a deleted Type is gone at once');
  const gone = await p.call('beta', { id: 'y' });
  assert.equal(gone.error?.code, -32602, `calling the deleted Type: ${JSON.stringify(gone)}`);

  await putInstructions(owner, org, 'cards', 'Say hello first.');
  assert.equal((await p.discover()).instructions, 'Say hello first.');
});

test('a project deleted and created again under its slug never serves the old draft', async () => {
  const org = await createOrg(owner, uniq('cache'));
  const first = await draftProject(org, 'again', [card('old_tool')]);
  assert.deepEqual(await first.list(), ['old_tool']);
  const del = await owner.delete(`/api/v1/orgs/${org}/projects/again`);
  assert.equal(del.status, 200, del.text);
  // The new project is at the same revision (1) as the old one was.
  const second = await draftProject(org, 'again', [card('new_tool')]);
  assert.deepEqual(await second.list(), ['new_tool']);
  const old = await second.call('old_tool', { id: 'x' });
  assert.equal(old.error?.code, -32602, `the old project's Type: ${JSON.stringify(old)}`);
});

test('a call among many Types runs the called one; the others stay listed', async () => {
  const org = await createOrg(owner, uniq('cache'));
  const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
  const p = await draftProject(org, 'many', names.map((n) => card(n)));
  for (const n of names) assert.deepEqual((await p.call(n, { id: n })).result.structuredContent, { id: n });
  assert.deepEqual(await p.list(), names);
});
