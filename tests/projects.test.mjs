// Projects, end to end: the Type validation matrix, draft reads after writes
// and optimistic concurrency, concurrent edits, diff and semver suggestions,
// publish, versions and pagination, rollback, the visibility switch and the
// per-role permission matrix. Every refused write is followed by a read
// showing nothing changed.
//
// One worker (`w`). Each suite works in its own project(s), so suites do not
// depend on one another's order. Publish under injected store failures lives
// in projects-faults.test.mjs (it needs workers started with DOCKYARD_FAULTS).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry, assertError, fieldNames } from './harness.mjs';

// ---------------------------------------------------------------- helpers --



let w; // the worker
let owner; // the instance's first account, owner of `org`
let org; // the organization every project lives in

let seq = 0;
/** A unique, slug-safe name: `tag-<n>`. */
const uniq = (tag) => `${tag}-${++seq}`;

before(async () => {
  w = await startWorkerWithRetry();
  owner = await w.bootstrapOwner();
  org = uniq('acme');
  const r = await owner.post('/api/v1/orgs', { slug: org, name: 'Acme' });
  assert.equal(r.status, 201, r.text);
});
after(async () => { await w?.stop(); });


/** Creates a project in `org` (as the owner); returns its API path. */
async function newProject(tag = 'proj') {
  const slug = uniq(tag);
  const r = await owner.post(`/api/v1/orgs/${org}/projects`, { slug, name: `Project ${slug}` });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.project.visibility, 'private', 'new projects are private');
  return `/api/v1/orgs/${org}/projects/${slug}`;
}

/** A valid interactive Type document (the API.md example), with `extra` merged over it. */
function typeDoc(name, extra = {}) {
  return {
    name,
    title: 'Order card',
    description: 'Shows one order as a card the user can act on.',
    kind: 'interactive',
    input_schema: {
      type: 'object', properties: { order_id: { type: 'string' } },
      required: ['order_id'], additionalProperties: false,
    },
    output_schema: null,
    annotations: { readOnlyHint: true },
    scopes: ['orders:read'],
    ui: { html: '<!doctype html><p>order</p>', csp: { connectDomains: [] }, prefers_border: true },
    http: null,
    ...extra,
  };
}

/** A valid http Type document. */
function httpDoc(name, http = {}) {
  return typeDoc(name, { kind: 'http', ui: null, http: { url: 'https://api.example.com/hook', timeout_ms: 5000, ...http } });
}

const putType = (client, P, name, doc, opts) => client.put(`${P}/draft/types/${name}`, doc, opts);

/** GET the draft (asserting 200). */
async function readDraft(P, client = owner) {
  const r = await client.get(`${P}/draft`);
  assert.equal(r.status, 200, `GET draft: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}
const typeNames = (draft) => draft.types.map((t) => t.name);

/** GET the versions list (asserting 200). */
async function readVersions(P, query = '', client = owner) {
  const r = await client.get(`${P}/versions${query}`);
  assert.equal(r.status, 200, `GET versions: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

/** GET the draft diff (asserting 200). */
async function readDiff(P) {
  const r = await owner.get(`${P}/draft/diff`);
  assert.equal(r.status, 200, `GET diff: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

/** Publishes as `client` and asserts 201; returns the version body. */
async function publish(P, body = {}, client = owner) {
  const r = await client.post(`${P}/publish`, body);
  assert.equal(r.status, 201, `publish: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

/** Asserts `fn` (a refused request) left the draft exactly as it was. */
async function assertDraftUnchanged(P, before, label) {
  const after = await readDraft(P);
  assert.deepEqual(after, before, `${label}: the draft must not change`);
}

// ------------------------------------------------- Type validation matrix --

describe('Type validation', () => {
  let P;
  before(async () => { P = await newProject('types'); });

  test('a valid interactive Type is created (201), then updated (200), each visible on the next read', async () => {
    const doc = typeDoc('show_order');
    const created = await putType(owner, P, 'show_order', doc);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.revision, 1);
    assert.equal(created.body.type.name, 'show_order');
    assert.deepEqual(created.body.type.input_schema, doc.input_schema);
    let d = await readDraft(P);
    assert.equal(d.revision, 1);
    assert.deepEqual(typeNames(d), ['show_order']);
    assert.equal(d.types[0].description, doc.description);
    assert.deepEqual(d.types[0].ui.html, doc.ui.html);

    const updated = await putType(owner, P, 'show_order', { ...doc, description: 'Shows an order, updated.' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.revision, 2);
    d = await readDraft(P);
    assert.equal(d.revision, 2);
    assert.deepEqual(typeNames(d), ['show_order'], 'an update replaces, it does not add');
    assert.equal(d.types[0].description, 'Shows an order, updated.');
  });

  test('valid edge cases are accepted: 64-character name, http Type with a 30000 ms timeout, exactly 512 KiB of html', async () => {
    const long = 'N'.repeat(64);
    assert.equal((await putType(owner, P, long, typeDoc(long))).status, 201);
    const http = await putType(owner, P, 'fetch.order-v2', httpDoc('fetch.order-v2', { timeout_ms: 30000 }));
    assert.equal(http.status, 201, http.text);
    const big = await putType(owner, P, 'big_ui', typeDoc('big_ui', { ui: { html: 'x'.repeat(512 * 1024) } }));
    assert.equal(big.status, 201, big.text);
    const d = await readDraft(P);
    assert.ok(['big_ui', 'fetch.order-v2', long].every((n) => typeNames(d).includes(n)), typeNames(d).join());
    assert.equal(d.types.find((t) => t.name === 'fetch.order-v2').http.timeout_ms, 30000);
  });

  // Each case: URL name, document, expected field paths (in the API's order:
  // by JSON path, then message) and a pattern one of the messages must match.
  const noDescription = typeDoc('no_desc');
  delete noDescription.description;
  const noUi = typeDoc('no_ui');
  delete noUi.ui;
  const cases = [
    { label: 'bad name characters', name: 'bad!name', doc: typeDoc('bad!name'),
      fields: ['/name'], message: /1-64 characters of A-Z, a-z, 0-9, '_', '.' or '-'/ },
    { label: 'name longer than 64', name: 'n'.repeat(65), doc: typeDoc('n'.repeat(65)),
      fields: ['/name'], message: /1-64 characters/ },
    { label: 'empty name in the body', name: 'empty_name', doc: typeDoc(''),
      fields: ['/name', '/name'], message: /must equal the name in the URL/ },
    { label: 'name differs from the URL', name: 'url_name', doc: typeDoc('body_name'),
      fields: ['/name'], message: /"body_name" must equal the name in the URL \("url_name"\)/ },
    { label: 'blank description', name: 'blank_desc', doc: typeDoc('blank_desc', { description: '   ' }),
      fields: ['/description'], message: /description must say what the tool does/ },
    { label: 'unknown kind', name: 'odd_kind', doc: typeDoc('odd_kind', { kind: 'widget' }),
      fields: ['/kind'], message: /widget/ },
    { label: 'input_schema of another type', name: 'str_input', doc: typeDoc('str_input', { input_schema: { type: 'string' } }),
      fields: ['/input_schema/type'], message: /input_schema must have "type": "object"/ },
    { label: 'input_schema without a type', name: 'untyped_input', doc: typeDoc('untyped_input', { input_schema: { properties: {} } }),
      fields: ['/input_schema'], message: /input_schema must have "type": "object"/ },
    { label: 'input_schema that is not a JSON object', name: 'list_input', doc: typeDoc('list_input', { input_schema: [] }),
      fields: ['/input_schema'], message: /object/ },
    { label: 'input_schema that does not compile', name: 'broken_schema',
      doc: typeDoc('broken_schema', { input_schema: { type: 'object', properties: { a: { type: 'nonsense' } } } }),
      fields: ['/input_schema/properties/a/type'], message: /input_schema does not compile/ },
    { label: 'input_schema of an older dialect', name: 'draft07',
      doc: typeDoc('draft07', { input_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' } }),
      fields: ['/input_schema/$schema'], message: /2020-12/ },
    { label: 'network $ref', name: 'net_ref',
      doc: typeDoc('net_ref', { input_schema: { type: 'object', properties: { a: { $ref: 'https://schemas.example.com/a.json' } } } }),
      fields: ['/input_schema/properties/a/$ref'], message: /only local references starting with '#'/ },
    { label: 'output_schema not an object schema', name: 'arr_output', doc: typeDoc('arr_output', { output_schema: { type: 'array' } }),
      fields: ['/output_schema/type'], message: /output_schema must have "type": "object"/ },
    { label: 'output_schema not a JSON object', name: 'str_output', doc: typeDoc('str_output', { output_schema: 'nope' }),
      fields: ['/output_schema'], message: /object/ },
    { label: 'interactive without ui', name: 'no_ui', doc: noUi,
      fields: ['/ui'], message: /an interactive Type needs ui\.html/ },
    { label: 'interactive with ui: null', name: 'null_ui', doc: typeDoc('null_ui', { ui: null }),
      fields: ['/ui'], message: /needs ui\.html/ },
    { label: 'ui.html over 512 KiB', name: 'huge_ui', doc: typeDoc('huge_ui', { ui: { html: 'x'.repeat(512 * 1024 + 1) } }),
      fields: ['/ui/html'], message: /524289 bytes; the limit is 524288 \(512 KiB\)/ },
    { label: 'interactive with an http section', name: 'mixed', doc: typeDoc('mixed', { http: { url: 'https://api.example.com' } }),
      fields: ['/http'], message: /must not have http/ },
    { label: 'http kind without http', name: 'no_http', doc: typeDoc('no_http', { kind: 'http', ui: null }),
      fields: ['/http'], message: /an http Type needs http\.url/ },
    { label: 'http kind with a plain http URL', name: 'plain_http', doc: httpDoc('plain_http', { url: 'http://api.example.com/hook' }),
      fields: ['/http/url'], message: /must be an https URL/ },
    { label: 'http kind with a private address', name: 'private_http', doc: httpDoc('private_http', { url: 'https://10.0.0.7/hook' }),
      fields: ['/http/url'], message: /private/ },
    { label: 'http timeout over 30000 ms', name: 'slow_http', doc: httpDoc('slow_http', { timeout_ms: 30001 }),
      fields: ['/http/timeout_ms'], message: /30000 \(30 s\) or less/ },
    { label: 'scopes with bad characters', name: 'bad_scopes',
      doc: typeDoc('bad_scopes', { scopes: ['orders:read', 'Orders:Write', 'has space'] }),
      fields: ['/scopes/1', '/scopes/2'], message: /a scope must be 1-64 characters of a-z, 0-9/ },
    { label: 'an unknown top-level field', name: 'extra_field', doc: typeDoc('extra_field', { colour: 'red' }),
      fields: ['/'], message: /colour/ },
    { label: 'three problems at once', name: 'three',
      doc: typeDoc('wrong_name', { description: '', input_schema: { type: 'array' } }),
      fields: ['/description', '/input_schema/type', '/name'], message: /description.*input_schema.*name/ },
  ];

  for (const c of cases) {
    test(`refused with 422 listing the JSON path: ${c.label}`, async () => {
      const before = await readDraft(P);
      const r = await putType(owner, P, c.name, c.doc);
      assertError(r, 422, 'invalid_request', { fields: c.fields, message: c.message }, c.label);
      for (const f of r.body.fields) assert.ok(f.message.length > 0, `${c.label}: every problem has a message`);
      await assertDraftUnchanged(P, before, c.label);
    });
  }

  test('a missing description is 422 naming the field', async () => {
    const before = await readDraft(P);
    const r = await putType(owner, P, 'no_desc', noDescription);
    assertError(r, 422, 'invalid_request', { message: /description/ });
    assert.equal(r.body.fields.length, 1, r.text);
    // A missing member is reported at its parent (the document root) by JSON Schema.
    assert.ok(['/', '', '/description'].includes(r.body.fields[0].field), r.text);
    assert.match(r.body.fields[0].message, /"description" is a required property/);
    await assertDraftUnchanged(P, before, 'missing description');
  });

  test('the message lists every problem with its path, in the same order as fields', async () => {
    const r = await putType(owner, P, 'three', typeDoc('wrong_name', { description: '', input_schema: { type: 'array' } }));
    assert.equal(r.status, 422);
    const parts = r.body.message.split('; ');
    assert.equal(parts.length, 3, r.body.message);
    r.body.fields.forEach((f, i) => assert.ok(parts[i].startsWith(`${f.field}: `), `${parts[i]} names ${f.field}`));
  });

  test('a document over 1 MiB is refused with 413 and changes nothing', async () => {
    const before = await readDraft(P);
    const r = await putType(owner, P, 'too_big', typeDoc('too_big', { title: 't'.repeat(1024 * 1024) }));
    assertError(r, 413, 'payload_too_large', { message: /1048576 bytes/ });
    await assertDraftUnchanged(P, before, '1 MiB');
  });

  test('a body that is not application/json is 415 and changes nothing', async () => {
    const before = await readDraft(P);
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await owner.request('PUT', `${P}/draft/types/plain`, {
        raw: true, body: JSON.stringify(typeDoc('plain')), headers: { 'content-type': ct },
      });
      assertError(r, 415, 'unsupported_media_type', { message: /application\/json/ }, ct);
    }
    await assertDraftUnchanged(P, before, '415');
  });

  test('malformed JSON is 400 invalid_json (like every other route) and changes nothing', async () => {
    const before = await readDraft(P);
    const r = await owner.request('PUT', `${P}/draft/types/broken`, {
      raw: true, body: '{"name": "broken", "description":', headers: { 'content-type': 'application/json' },
    });
    assertError(r, 400, 'invalid_json', { message: /JSON/ });
    await assertDraftUnchanged(P, before, 'malformed JSON');
  });

  test('a JSON body that is not an object is refused (4xx) and changes nothing', async () => {
    const before = await readDraft(P);
    for (const body of [[1, 2], 'show_order', null]) {
      const r = await putType(owner, P, 'not_object', body);
      assert.ok([400, 422].includes(r.status), `${JSON.stringify(body)}: ${r.status} ${r.text}`);
      assert.match(r.body.message, /object/);
    }
    await assertDraftUnchanged(P, before, 'non-object');
  });

  test('a Type for an unknown project or organization is 404', async () => {
    assertError(await putType(owner, `/api/v1/orgs/${org}/projects/nope-404`, 'x', typeDoc('x')), 404, 'not_found');
    assertError(await putType(owner, `/api/v1/orgs/nope-org-404/projects/nope`, 'x', typeDoc('x')), 404, 'not_found');
  });
});

// -------------------------------------------------- draft reads after writes --

describe('draft reads after writes', () => {
  let P;
  before(async () => { P = await newProject('draft'); });

  test('a new project has an empty draft at revision 0 with a matching ETag', async () => {
    const r = await owner.get(`${P}/draft`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { revision: 0, instructions: '', types: [] });
    assert.equal(r.headers.get('etag'), '"0"');
  });

  test('every PUT, DELETE and Instructions save is visible on the very next read, revision +1 each', async () => {
    let rev = (await readDraft(P)).revision;
    const step = async (label, req, expectStatus, check) => {
      const r = await req();
      assert.equal(r.status, expectStatus, `${label}: ${r.text.slice(0, 300)}`);
      assert.equal(r.body.revision, rev + 1, `${label}: the answer carries the new revision`);
      const resp = await owner.get(`${P}/draft`);
      assert.equal(resp.body.revision, rev + 1, `${label}: revision increased by exactly 1`);
      assert.equal(resp.headers.get('etag'), `"${rev + 1}"`, `${label}: ETag follows the revision`);
      check(resp.body);
      rev += 1;
    };
    for (let i = 0; i < 5; i++) {
      const name = `tool_${i}`;
      await step(`create ${name}`, () => putType(owner, P, name, typeDoc(name)), 201,
        (d) => assert.ok(typeNames(d).includes(name)));
      await step(`update ${name}`, () => putType(owner, P, name, typeDoc(name, { description: `v${i}` })), 200,
        (d) => assert.equal(d.types.find((t) => t.name === name).description, `v${i}`));
      await step(`instructions ${i}`, () => owner.put(`${P}/draft/instructions`, { instructions: `# Use\nstep ${i}` }), 200,
        (d) => assert.equal(d.instructions, `# Use\nstep ${i}`));
    }
    await step('delete tool_2', () => owner.delete(`${P}/draft/types/tool_2`), 200,
      (d) => assert.deepEqual(typeNames(d), ['tool_0', 'tool_1', 'tool_3', 'tool_4']));
    await step('empty instructions', () => owner.put(`${P}/draft/instructions`, { instructions: '' }), 200,
      (d) => assert.equal(d.instructions, ''));
    const d = await readDraft(P);
    assert.deepEqual(typeNames(d), [...typeNames(d)].sort(), 'Types are listed by name');
  });

  test('DELETE answers with the deleted name; the Type is gone for the next read', async () => {
    await putType(owner, P, 'short_lived', typeDoc('short_lived'));
    const r = await owner.delete(`${P}/draft/types/short_lived`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.deleted, 'short_lived');
    assert.ok(!typeNames(await readDraft(P)).includes('short_lived'));
  });

  test('If-Match with the current revision succeeds (quoted, bare and weak forms)', async () => {
    for (const form of [(n) => `"${n}"`, (n) => `${n}`, (n) => `W/"${n}"`]) {
      const { revision } = await readDraft(P);
      const r = await putType(owner, P, 'tool_0', typeDoc('tool_0', { title: form('x') }), { headers: { 'if-match': form(revision) } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.revision, revision + 1);
    }
  });

  test('If-Match with a stale revision is 409 on PUT, DELETE and Instructions, and nothing changes', async () => {
    const before = await readDraft(P);
    const stale = { headers: { 'if-match': `"${before.revision - 1}"` } };
    const attempts = [
      ['PUT new Type', () => putType(owner, P, 'stale_new', typeDoc('stale_new'), stale)],
      ['PUT existing Type', () => putType(owner, P, 'tool_0', typeDoc('tool_0', { description: 'stale' }), stale)],
      ['DELETE Type', () => owner.delete(`${P}/draft/types/tool_1`, stale)],
      ['Instructions', () => owner.put(`${P}/draft/instructions`, { instructions: 'stale' }, stale)],
    ];
    for (const [label, send] of attempts) {
      const r = await send();
      assert.equal(r.status, 409, `${label}: ${r.status} ${r.text}`);
      assert.match(r.body?.message ?? '', new RegExp(`revision ${before.revision}\\b`), `${label}: the message names the current revision`);
    }
    await assertDraftUnchanged(P, before, 'stale If-Match');
  });

  test('an If-Match that is not a revision is 400 and changes nothing', async () => {
    const before = await readDraft(P);
    const r = await putType(owner, P, 'tool_0', typeDoc('tool_0', { description: 'x' }), { headers: { 'if-match': '"abc"' } });
    assertError(r, 400, 'invalid_if_match', { message: /draft revision/ });
    await assertDraftUnchanged(P, before, 'bad If-Match');
  });

  test('DELETE of an unknown Type is 404 naming it, and the revision does not move', async () => {
    const before = await readDraft(P);
    const r = await owner.delete(`${P}/draft/types/never_existed`);
    assertError(r, 404, 'not_found', { message: /never_existed/ });
    await assertDraftUnchanged(P, before, 'DELETE unknown');
  });

  test('Instructions of exactly 64 KiB are accepted; one byte more is 422 naming the field', async () => {
    const ok = await owner.put(`${P}/draft/instructions`, { instructions: 'i'.repeat(64 * 1024) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await readDraft(P)).instructions.length, 64 * 1024);
    const before = await readDraft(P);
    const r = await owner.put(`${P}/draft/instructions`, { instructions: 'j'.repeat(64 * 1024 + 1) });
    assertError(r, 422, 'invalid_request', { fields: ['instructions'], message: /64 KiB/ });
    await assertDraftUnchanged(P, before, 'instructions > 64 KiB');
  });

  test('Instructions: a wrong field type, an unknown field and malformed JSON are refused and change nothing', async () => {
    const before = await readDraft(P);
    const wrongType = await owner.put(`${P}/draft/instructions`, { instructions: 42 });
    assertError(wrongType, 422, 'invalid_request', { fields: ['instructions'] }, 'number');
    const unknown = await owner.put(`${P}/draft/instructions`, { instructions: 'x', markdown: true });
    assertError(unknown, 422, 'invalid_request', { fields: ['markdown'], message: /not a known field/ }, 'unknown field');
    const bad = await owner.request('PUT', `${P}/draft/instructions`, { raw: true, body: '{"instructions": ', headers: { 'content-type': 'application/json' } });
    assertError(bad, 400, 'invalid_json', {}, 'malformed');
    await assertDraftUnchanged(P, before, 'bad instructions');
  });
});

// --------------------------------------------------------- concurrent edits --

describe('concurrent edits', () => {
  test('20 parallel PUTs of different Types all succeed: no lost update, revision +20', async () => {
    const P = await newProject('conc');
    await putType(owner, P, 'seed', typeDoc('seed'));
    const r0 = (await readDraft(P)).revision;
    const names = Array.from({ length: 20 }, (_, i) => `par_${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(names.map((n) => putType(owner, P, n, typeDoc(n, { description: `parallel ${n}` }))));
    answers.forEach((r, i) => assert.equal(r.status, 201, `${names[i]}: ${r.status} ${r.text.slice(0, 200)}`));
    const revisions = answers.map((r) => r.body.revision).sort((a, b) => a - b);
    assert.deepEqual(revisions, Array.from({ length: 20 }, (_, i) => r0 + 1 + i), 'each edit got its own revision');
    const d = await readDraft(P);
    assert.equal(d.revision, r0 + 20);
    assert.deepEqual(typeNames(d), ['seed', ...names].sort());
    for (const n of names) assert.equal(d.types.find((t) => t.name === n).description, `parallel ${n}`);
  });

  test('parallel updates, deletes and Instructions saves on one draft are all applied', async () => {
    const P = await newProject('conc-mixed');
    for (const n of ['a', 'b', 'c', 'd']) await putType(owner, P, n, typeDoc(n));
    const r0 = (await readDraft(P)).revision;
    const answers = await Promise.all([
      putType(owner, P, 'a', typeDoc('a', { description: 'a2' })),
      putType(owner, P, 'b', typeDoc('b', { description: 'b2' })),
      owner.delete(`${P}/draft/types/c`),
      owner.delete(`${P}/draft/types/d`),
      putType(owner, P, 'e', typeDoc('e')),
      owner.put(`${P}/draft/instructions`, { instructions: 'together' }),
    ]);
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 201, 200], answers.map((r) => r.text).join('\n'));
    const d = await readDraft(P);
    assert.equal(d.revision, r0 + 6);
    assert.deepEqual(typeNames(d), ['a', 'b', 'e']);
    assert.equal(d.types[0].description, 'a2');
    assert.equal(d.types[1].description, 'b2');
    assert.equal(d.instructions, 'together');
  });

  test('parallel PUTs carrying the same If-Match: exactly one wins, the others get 409', async () => {
    const P = await newProject('conc-ifmatch');
    await putType(owner, P, 'contested', typeDoc('contested'));
    const { revision } = await readDraft(P);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      putType(owner, P, 'contested', typeDoc('contested', { description: `writer ${i}` }), { headers: { 'if-match': `"${revision}"` } })));
    const winners = answers.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, answers.map((r) => r.status).join(' '));
    const d = await readDraft(P);
    assert.equal(d.revision, revision + 1, 'only the winner changed the draft');
    assert.equal(d.types[0].description, winners[0].body.type.description);
    const losers = answers.filter((r) => r.status !== 200).map((r) => r.status);
    assert.deepEqual(losers, Array(9).fill(409), 'the losers are told their revision is stale');
  });

  test('racing publishes and promotes: losers get 409 (never 5xx) and history, versions and production agree', async () => {
    // Whether a race is lost in D1 (unique seq) or at the pointer's
    // compare-and-set varies per run; both must look the same to the caller.
    // (The compare-and-set loss is timing-dependent: it shows up in roughly
    // one run in three with these rounds.)
    const statuses = [];
    for (let round = 0; round < 5; round++) {
      const P = await newProject('race');
      await putType(owner, P, 'a', typeDoc('a'));
      await publish(P);
      await putType(owner, P, 'b', typeDoc('b'));
      await publish(P);
      await putType(owner, P, 'c', typeDoc('c'));
      const before = await readVersions(P);
      const answers = await Promise.all([
        owner.post(`${P}/publish`, { version: '5.0.0' }),
        owner.post(`${P}/versions/1.0.0/promote`, {}),
        owner.post(`${P}/publish`, { version: '6.0.0' }),
        owner.post(`${P}/versions/1.0.0/promote`, {}),
      ]);
      statuses.push(...answers.map((r) => `${r.status} ${r.body?.message ?? ''}`));
      const after = await readVersions(P);
      const published = answers.filter((r, i) => i % 2 === 0 && r.status === 201).map((r) => r.body.version.version);
      const promoted = answers.filter((r, i) => i % 2 === 1 && r.status === 200).length;
      const listed = after.versions.map((v) => v.version);
      const added = listed.slice(0, listed.length - before.versions.length);
      assert.deepEqual([...added].sort(), [...published].sort(), 'exactly the successful publishes were added');
      assert.deepEqual(listed.slice(added.length), before.versions.map((v) => v.version), 'older versions are untouched');
      assert.equal(after.history.length, before.history.length + published.length + promoted,
        'one history entry per successful publish or promote');
      assert.ok(listed.includes(after.production.version), 'production points at a listed version');
      assert.equal(after.history[0].version, after.production.version, 'the newest history entry is production');
      for (const v of listed) {
        assert.equal(after.history.filter((h) => h.action === 'publish' && h.version === v).length, 1, `${v}: one publish entry`);
      }
      assert.ok(after.history.every((h) => listed.includes(h.version)), 'no history entry names a missing version');
    }
    const failures = statuses.filter((s) => !/^(200|201|409) /.test(s));
    assert.deepEqual(failures, [], `every answer is a success or a 409:\n${statuses.join('\n')}`);
  });
});

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

// ---------------------------------------------------- roles, visibility, permissions --

const ROLES = ['owner', 'admin', 'developer', 'editor', 'viewer', 'mcp_user', 'mcp_developer'];
const CAN_EDIT = new Set(['owner', 'admin', 'developer', 'editor']);
const CAN_PUBLISH = new Set(['owner', 'admin', 'developer']);
const CAN_MANAGE = new Set(['owner', 'admin']);
const members = {}; // role -> signed-in client

describe('members', () => {
  before(async () => {
    for (const role of ROLES) members[role] = await w.addMember(owner, org, `${uniq(role)}@example.test`, role);
  });

  describe('visibility switch', () => {
    let P;
    const readProject = async () => {
      const r = await owner.get(P);
      assert.equal(r.status, 200, r.text);
      return r.body.project;
    };
    before(async () => { P = await newProject('vis'); });

    test('an owner switches a project to public', async () => {
      const r = await members.owner.patch(P, { visibility: 'public' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.project.visibility, 'public');
      assert.equal((await readProject()).visibility, 'public');
    });

    test('a developer (project.edit, no org.manage) may not switch it: 403, nothing changes', async () => {
      const before = await readProject();
      const r = await members.developer.patch(P, { visibility: 'private' });
      assertError(r, 403, 'forbidden', { message: /org\.manage/ });
      const both = await members.developer.patch(P, { visibility: 'private', name: 'Renamed by developer' });
      assertError(both, 403, 'forbidden', {}, 'with a rename in the same request');
      assert.deepEqual(await readProject(), before);
    });

    test('an editor may not switch it either; roles without project.edit get 403', async () => {
      const before = await readProject();
      for (const role of ['editor', 'viewer', 'mcp_user', 'mcp_developer']) {
        assertError(await members[role].patch(P, { visibility: 'private' }), 403, 'forbidden', {}, role);
      }
      assert.deepEqual(await readProject(), before);
    });

    test('a value other than private/public is 422 naming the field, nothing changes', async () => {
      const before = await readProject();
      for (const visibility of ['internal', 'PUBLIC', '', 1, true]) {
        const r = await owner.patch(P, { visibility });
        assertError(r, 422, 'invalid_request', { fields: ['visibility'] }, JSON.stringify(visibility));
      }
      assertError(await owner.patch(P, { visbility: 'private' }), 422, 'invalid_request', { fields: ['visbility'] }, 'typo');
      assert.deepEqual(await readProject(), before);
    });

    test('switching back to private works, by an admin too', async () => {
      const r = await members.admin.patch(P, { visibility: 'private' });
      assert.equal(r.status, 200, r.text);
      assert.equal((await readProject()).visibility, 'private');
      const list = await owner.get(`/api/v1/orgs/${org}/projects`);
      assert.equal(list.body.projects.find((p) => P.endsWith(`/${p.slug}`)).visibility, 'private');
    });
  });

  describe('permissions per role', () => {
    for (const role of ROLES) {
      test(`${role}: edit=${CAN_EDIT.has(role)} publish=${CAN_PUBLISH.has(role)}`, async () => {
        const c = members[role];
        const edit = CAN_EDIT.has(role);
        const pub = CAN_PUBLISH.has(role);
        // Setup by the owner: 1.0.0 and 1.1.0 published, production at 1.1.0.
        const P = await newProject(`perm-${role.replace('_', '-')}`);
        await putType(owner, P, 'base', typeDoc('base'));
        await publish(P);
        await putType(owner, P, 'more', typeDoc('more'));
        await publish(P);
        const expectDenied = (r, perm, label) =>
          assertError(r, 403, 'forbidden', { message: new RegExp(`${perm.replace('.', '\\.')}.*"${role}"`) }, `${role} ${label}`);
        const expect = (allowed, okStatus, perm, label) => (r) => {
          if (allowed) assert.equal(r.status, okStatus, `${role} ${label}: ${r.status} ${r.text.slice(0, 300)}`);
          else expectDenied(r, perm, label);
        };

        // Reads and writes of the draft: project.edit.
        expect(edit, 200, 'project.edit', 'GET draft')(await c.get(`${P}/draft`));
        expect(edit, 200, 'project.edit', 'GET diff')(await c.get(`${P}/draft/diff`));
        expect(edit, 200, 'project.edit', 'GET project')(await c.get(P));
        const draftBefore = await readDraft(P);
        expect(edit, 201, 'project.edit', 'PUT Type')(await putType(c, P, 'by_member', typeDoc('by_member')));
        expect(edit, 200, 'project.edit', 'PUT instructions')(await c.put(`${P}/draft/instructions`, { instructions: `by ${role}` }));
        expect(edit, 200, 'project.edit', 'DELETE Type')(await c.delete(`${P}/draft/types/base`));
        const draftAfter = await readDraft(P);
        if (edit) {
          assert.equal(draftAfter.revision, draftBefore.revision + 3);
          assert.deepEqual(typeNames(draftAfter), ['by_member', 'more']);
          assert.equal(draftAfter.instructions, `by ${role}`);
        } else {
          assert.deepEqual(draftAfter, draftBefore, `${role}: refused edits change nothing`);
        }

        // Publishing and history: project.publish.
        const versionsBefore = await readVersions(P);
        const published = await c.post(`${P}/publish`, { notes: `by ${role}` });
        expect(pub, 201, 'project.publish', 'publish')(published);
        expect(pub, 200, 'project.publish', 'GET versions')(await c.get(`${P}/versions`));
        expect(pub, 200, 'project.publish', 'GET version')(await c.get(`${P}/versions/1.0.0`));
        expect(pub, 200, 'project.publish', 'promote')(await c.post(`${P}/versions/1.0.0/promote`, {}));
        const versionsAfter = await readVersions(P);
        if (pub) {
          assert.equal(published.body.version.version, '2.0.0', 'base was removed: major');
          assert.equal(published.body.version.author_id, c.user.id);
          assert.equal(versionsAfter.production.version, '1.0.0');
          assert.deepEqual(versionsAfter.history.map((h) => [h.action, h.actor_id === c.user.id]),
            [['promote', true], ['publish', true], ['publish', false], ['publish', false]]);
        } else {
          assert.deepEqual(versionsAfter, versionsBefore, `${role}: refused releases change nothing`);
        }
      });
    }

    test('without a session every project route is 401; a member of another org gets 404', async () => {
      const P = await newProject('perm-outsider');
      await putType(owner, P, 'base', typeDoc('base'));
      await publish(P);
      const anon = w.client();
      const routes = [
        ['GET', `${P}/draft`], ['PUT', `${P}/draft/types/x`], ['GET', `${P}/draft/diff`],
        ['POST', `${P}/publish`], ['GET', `${P}/versions`], ['POST', `${P}/versions/1.0.0/promote`],
      ];
      const otherOrg = uniq('other');
      assert.equal((await owner.post('/api/v1/orgs', { slug: otherOrg, name: 'Other' })).status, 201);
      const outsider = await w.addMember(owner, otherOrg, `${uniq('outsider')}@example.test`, 'owner');
      const before = await readDraft(P);
      for (const [method, path] of routes) {
        const body = method === 'GET' ? {} : { body: method === 'PUT' ? typeDoc('x') : {} };
        assertError(await anon.request(method, path, body), 401, 'unauthorized', {}, `anonymous ${method} ${path}`);
        assertError(await outsider.request(method, path, body), 404, 'not_found', {}, `outsider ${method} ${path}`);
      }
      await assertDraftUnchanged(P, before, 'outsiders');
      assert.equal((await readVersions(P)).versions.length, 1);
    });
  });
});
