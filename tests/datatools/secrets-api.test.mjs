// Project secrets end to end (`/api/v1/orgs/<org>/projects/<p>/secrets`):
// the list with per-channel times, draft and production independent (each
// signs its own channel's calls, a change needs no publish), bad input
// refused with nothing changed, project.publish required, values never echoed
// (list, PUT answers, errors, audit records, the draft), sealed at rest (the
// plaintext is in no byte of the worker's persisted state), and a deleted
// project's secrets gone with it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startMcpWorker, ownerOf, uniq, createOrg, createProject, putType, publish, setVisibility, modern } from '../mcp-fixtures.mjs';
import { startUpstream, httpType, callTool, textOf } from './http-setup.mjs';
import { drained } from '../audit/setup.mjs';
import { getTokens } from '../oauth-helpers.mjs';

let w;
let up;
let owner;
let org;
let project;
let P;

// Values that must never come back: long, unique, easy to search for.
const DRAFT_VALUE = `draft-${'d'.repeat(24)}-${process.pid}`;
const PROD_VALUE = `prod-${'p'.repeat(24)}-${process.pid}`;
const NEW_PROD_VALUE = `rotated-${'r'.repeat(24)}-${process.pid}`;
const seen = []; // every response text of this suite, searched at the end

async function req(client, method, path, body) {
  const r = await client[method](path, body);
  seen.push(r.text);
  return r;
}

const list = async () => {
  const r = await req(owner, 'get', `${P}/secrets`);
  assert.equal(r.status, 200, r.text);
  return r.body.secrets;
};
const entry = async (name) => (await list()).find((s) => s.name === name);

before(async () => {
  up = await startUpstream();
  // The backend checks each channel's calls against that channel's value.
  up.secret = (body) => (body?.caller?.channel === 'draft' ? DRAFT_VALUE : up.prodSecret);
  up.prodSecret = PROD_VALUE;
  w = await startMcpWorker();
  owner = await ownerOf(w);
  org = await createOrg(owner, uniq('sorg'));
  project = await createProject(owner, org, uniq('sproj'));
  P = `/api/v1/orgs/${org}/projects/${project}`;
});

after(async () => {
  await w?.stop();
  await up?.stop();
});

describe('the API', () => {
  test('an empty project lists no secrets', async () => {
    assert.deepEqual(await list(), []);
  });

  test('PUT without a channel sets both; PUT with one sets only it; times are unix seconds', async () => {
    const before = Math.floor(Date.now() / 1000) - 5;
    const both = await req(owner, 'put', `${P}/secrets/SIGNING`, { value: DRAFT_VALUE });
    assert.equal(both.status, 200, both.text);
    assert.deepEqual(both.body.set, ['draft', 'production']);
    assert.equal(both.body.secret.name, 'SIGNING');
    for (const ch of ['draft', 'production']) {
      const t = both.body.secret.channels[ch];
      assert.ok(t.created_at >= before && t.created_at <= before + 120, `${ch} created_at ${t.created_at}`);
      assert.equal(t.updated_at, t.created_at);
      assert.equal(t.last_used_at, null, 'never used yet');
      assert.deepEqual(Object.keys(t).sort(), ['created_at', 'last_used_at', 'updated_at'], 'times only, no value');
    }
    const prod = await req(owner, 'put', `${P}/secrets/SIGNING`, { value: PROD_VALUE, channel: 'production' });
    assert.equal(prod.status, 200, prod.text);
    assert.deepEqual(prod.body.set, ['production']);
    const only = await req(owner, 'put', `${P}/secrets/DRAFT_ONLY`, { value: 'x', channel: 'draft' });
    assert.equal(only.status, 200, only.text);
    const listed = await list();
    assert.deepEqual(listed.map((s) => s.name), ['DRAFT_ONLY', 'SIGNING'], 'sorted by name');
    assert.equal(listed[0].channels.production, null);
    assert.ok(listed[0].channels.draft);
    const signing = listed[1];
    assert.ok(signing.channels.production.updated_at >= signing.channels.production.created_at);
    assert.deepEqual(Object.keys(signing).sort(), ['channels', 'name']);
  });

  test('draft and production sign their own calls, and a change takes effect on the next call without a publish', async () => {
    await putType(owner, org, project, httpType('get_order', `${up.base}/ok`));
    await publish(owner, org, project);
    await setVisibility(owner, org, project, 'public');
    const prodCall = await callTool(`${w.url}/${org}/${project}`, 'get_order', { order_id: 'A-1' });
    assert.notEqual(prodCall.result.isError, true, textOf(prodCall.result));
    assert.equal(up.last().verified, true, 'production signed with the production value');
    assert.equal(up.last().body.caller.channel, 'production');

    // The draft endpoint (members only, through OAuth) signs with the draft value.
    const t = await getTokens(w, owner, { resource: `${w.url}/${org}/${project}/draft`, scope: 'tools:read tools:call' });
    const auth = { headers: { authorization: `Bearer ${t.access_token}` } };
    const draftCall = await callTool(`${w.url}/${org}/${project}/draft`, 'get_order', { order_id: 'D-1' }, auth);
    assert.notEqual(draftCall.result.isError, true, textOf(draftCall.result));
    assert.equal(up.last().body.caller.channel, 'draft');
    assert.equal(up.last().verified, true, 'draft signed with the draft value');
    assert.equal(up.verify(PROD_VALUE, up.last().headers['dockyard-signature'], up.last().raw), false, 'not the production one');

    up.prodSecret = NEW_PROD_VALUE;
    const stale = await callTool(`${w.url}/${org}/${project}`, 'get_order', { order_id: 'A-2' });
    assert.equal(stale.result.isError, true, 'the backend refuses the old signature (401)');
    const rotated = await req(owner, 'put', `${P}/secrets/SIGNING`, { value: NEW_PROD_VALUE, channel: 'production' });
    assert.equal(rotated.status, 200, rotated.text);
    const fresh = await callTool(`${w.url}/${org}/${project}`, 'get_order', { order_id: 'A-3' });
    assert.notEqual(fresh.result.isError, true, `no publish needed: ${textOf(fresh.result)}`);
    assert.equal(up.last().verified, true);

    const s = await entry('SIGNING');
    assert.ok(s.channels.production.last_used_at >= s.channels.production.created_at, 'production last_used_at set');
    assert.ok(s.channels.draft.last_used_at >= s.channels.draft.created_at, 'draft last_used_at set');
    assert.equal((await entry('DRAFT_ONLY')).channels.draft.last_used_at, null, 'a secret no Type names is never used');
  });

  test('DELETE one channel keeps the other; DELETE without one removes the rest; again is 404', async () => {
    await req(owner, 'put', `${P}/secrets/TEMP`, { value: 'temp value 1' });
    const d = await req(owner, 'delete', `${P}/secrets/TEMP?channel=draft`);
    assert.equal(d.status, 200, d.text);
    assert.deepEqual(d.body, { deleted: 'TEMP', channels: ['draft'] });
    const t = await entry('TEMP');
    assert.equal(t.channels.draft, null);
    assert.ok(t.channels.production);
    const rest = await req(owner, 'delete', `${P}/secrets/TEMP`);
    assert.equal(rest.status, 200, rest.text);
    assert.deepEqual(rest.body.channels, ['production'], 'only the channel that had a value');
    assert.equal(await entry('TEMP'), undefined);
    const again = await req(owner, 'delete', `${P}/secrets/TEMP`);
    assert.equal(again.status, 404, again.text);
    const draftOnly = await req(owner, 'delete', `${P}/secrets/DRAFT_ONLY?channel=production`);
    assert.equal(draftOnly.status, 404, 'no production value to delete');
    assert.ok(await entry('DRAFT_ONLY'), 'and the draft one is untouched');
  });
});

describe('bad input changes nothing', () => {
  test('names, channels, values and bodies', async () => {
    const snapshot = JSON.stringify(await list());
    const cases = [
      ['put', 'bad-name', { value: 'v' }, 422, 'name'],
      ['put', '1abc', { value: 'v' }, 422, 'name'],
      ['put', 'x'.repeat(65), { value: 'v' }, 422, 'name'],
      ['put', 'OK', { value: 'v', channel: 'both' }, 422, 'channel'],
      ['put', 'OK', { value: 'v', channel: 7 }, 422, 'channel'],
      ['put', 'OK', { value: 'v'.repeat(4097) }, 422, 'value'],
      ['put', 'OK', { value: 42 }, 422, 'value'],
      ['put', 'OK', { value: '' }, 422, 'value'],
      ['put', 'OK', {}, 422, 'value'],
      ['put', 'OK', { value: 'v', extra: true }, 422, '/'],
      ['put', 'SIGNING', { value: 'v', channel: 'nope' }, 422, 'channel'],
      ['delete', 'bad-name', undefined, 422, 'name'],
    ];
    for (const [method, name, body, status, field] of cases) {
      const r = await req(owner, method, `${P}/secrets/${encodeURIComponent(name)}`, body);
      assert.equal(r.status, status, `${method} ${name} ${JSON.stringify(body)?.slice(0, 60)}: ${r.text.slice(0, 200)}`);
      assert.ok(r.body.fields.some((f) => f.field === field), `${name}: ${r.text.slice(0, 300)}`);
    }
    const badChannel = await req(owner, 'delete', `${P}/secrets/SIGNING?channel=prod`);
    assert.equal(badChannel.status, 400, badChannel.text);
    // Malformed JSON, a non-object, an empty body, a huge body (raw requests).
    const huge = JSON.stringify({ value: 'x'.repeat(40_000) });
    for (const [raw, status] of [['{"value":', 400], ['["v"]', 400], ['', 400], ['"v"', 400], [huge, 413]]) {
      const r = await owner.put(`${P}/secrets/SIGNING`, raw, { raw: true, headers: { 'content-type': 'application/json' } });
      seen.push(r.text);
      assert.equal(r.status, status, `${raw.slice(0, 20)}: ${r.text.slice(0, 200)}`);
    }
    assert.equal(JSON.stringify(await list()), snapshot, 'nothing changed');
  });

  test('a role without project.publish is refused (403) and changes nothing; a non-member gets 404', async () => {
    const editor = await w.addMember(owner, org, `${uniq('ed')}@example.test`, 'editor');
    for (const [method, path, body] of [
      ['get', `${P}/secrets`],
      ['put', `${P}/secrets/SIGNING`, { value: 'taken over' }],
      ['delete', `${P}/secrets/SIGNING`],
    ]) {
      const r = await req(editor, method, path, body);
      assert.equal(r.status, 403, `${method}: ${r.text}`);
      assert.match(r.body.message, /project\.publish/);
    }
    const stranger = w.client();
    const r = await req(stranger, 'get', `${P}/secrets`);
    assert.equal(r.status, 401, r.text);
    assert.ok((await entry('SIGNING')).channels.production, 'still there');
  });
});

describe('write-only', () => {
  test('changes are audited by name and channel, never by value', async () => {
    const set = await drained(owner, `/api/v1/orgs/${org}/audit/actions?action=secret.set`, 5);
    const signing = set.filter((a) => a.target === `${project}/SIGNING`);
    assert.ok(signing.length >= 3, 'each PUT of SIGNING is recorded');
    assert.deepEqual(signing.at(-1).details, { project, name: 'SIGNING', channels: ['draft', 'production'] });
    assert.deepEqual(signing[0].details.channels, ['production']);
    const deleted = await drained(owner, `/api/v1/orgs/${org}/audit/actions?action=secret.delete`, 2);
    assert.deepEqual(deleted.map((a) => a.details.channels), [['production'], ['draft']]);
    seen.push(JSON.stringify(set), JSON.stringify(deleted));
    // The refused changes above recorded nothing: 3 SIGNING puts, 1 DRAFT_ONLY, 1 TEMP.
    assert.equal(set.length, 5, JSON.stringify(set.map((a) => a.target)));
  });

  test('no answer of this suite, the draft or the MCP endpoint ever held a value', async () => {
    seen.push((await owner.get(`${P}/draft`)).text);
    seen.push((await owner.get(`${P}/draft/diff`)).text);
    seen.push((await modern(`${w.url}/${org}/${project}`, 'tools/list', {})).text);
    const all = seen.join('\n');
    for (const v of [DRAFT_VALUE, PROD_VALUE, NEW_PROD_VALUE, 'temp value 1', 'taken over']) {
      assert.ok(!all.includes(v), `a value came back: ${v}`);
    }
    assert.ok(all.includes('SIGNING'), 'the answers were searched (names do appear)');
  });

  test('at rest the values are sealed: no plaintext in any byte of the persisted state', async () => {
    // wrangler's --persist-to directory: D1, the hub's SQLite and its WAL.
    const files = [];
    const walk = async (dir) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else files.push(p);
      }
    };
    await walk(w.dir);
    const hubFiles = files.filter((f) => /ProjectHub/.test(f));
    assert.ok(hubFiles.length > 0, `the hub's storage is on disk: ${files.join(', ')}`);
    let sawName = false;
    let sawSealed = false;
    for (const f of files) {
      const bytes = await readFile(f);
      for (const v of [DRAFT_VALUE, PROD_VALUE, NEW_PROD_VALUE]) {
        assert.equal(bytes.indexOf(v), -1, `${v} is stored in the clear in ${f}`);
        assert.equal(bytes.indexOf(Buffer.from(v).toString('base64')), -1, `${v} is stored as base64 in ${f}`);
      }
      if (!hubFiles.includes(f)) continue;
      if (bytes.indexOf('DRAFT_ONLY') !== -1) sawName = true;
      if (/v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{40,}/.test(bytes.toString('latin1'))) sawSealed = true;
    }
    assert.ok(sawName, 'the secret names are in the hub\'s files (the search looked at the right place)');
    assert.ok(sawSealed, 'sealed values (v1.<iv>.<ciphertext>) are stored in the hub');
  });
});

test('deleting the project removes its secrets', async () => {
  const r = await owner.delete(P);
  assert.ok([200, 204].includes(r.status), r.text);
  await createProject(owner, org, project);
  assert.deepEqual(await list(), [], 'a project re-created with the slug has no secrets');
});
