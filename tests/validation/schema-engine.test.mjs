// JSON Schema validation in the Worker, end to end: Dockyard's own 2020-12
// validator (src/schema/) with `pattern` run by workerd's ECMA-262 RegExp.
// The keyword logic is covered natively by the official test suite
// (src/schema/suite_tests.rs); what only the Worker can show is checked here:
//  - patterns behave as ECMA-262 says, not as a Rust engine would: `\d` is
//    ASCII-only, `\p{L}` and `.` work on code points (the `u` flag),
//    lookahead works, legacy escapes such as `\-` are still accepted, and
//    Rust-only syntax such as `(?i)` is refused when the Type is saved;
//  - an invalid pattern is a 422 naming its JSON Pointer, and nothing is saved;
//  - 2020-12 applicators that need annotations (`unevaluatedProperties`
//    across `allOf`) and `$ref` to `$defs` work on a real tools/call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, fieldNames } from '../harness.mjs';
import * as F from '../mcp-fixtures.mjs';

const patterns = F.interactiveType('patterns', {
  input_schema: {
    type: 'object',
    properties: {
      word: { type: 'string', pattern: '^\\p{L}+$' },
      digits: { type: 'string', pattern: '^\\d+$' },
      secret: { type: 'string', pattern: '^(?=.*[0-9])(?=.*[a-z]).{8,}$' },
      dashed: { type: 'string', pattern: '^a\\-b$' },
      one: { type: 'string', pattern: '^.$' },
    },
    patternProperties: { '^x-\\p{Lu}': { type: 'integer' } },
  },
});

const closed = F.interactiveType('closed', {
  input_schema: {
    type: 'object',
    $defs: { id: { type: 'string', minLength: 2 } },
    allOf: [{ properties: { id: { $ref: '#/$defs/id' } }, required: ['id'] }, { properties: { note: { type: 'string' } } }],
    unevaluatedProperties: false,
  },
});

let w;
let p;

before(async () => {
  w = await F.startMcpWorker();
  p = await F.seedPublicProject(w, { types: [patterns, closed] });
});
after(async () => { await w?.stop(); });

async function call(name, args) {
  const r = await F.modern(p.url, 'tools/call', { name, arguments: args });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json?.result, r.text);
  return r.json.result;
}

/** The JSON Pointers named in an isError result's text, sorted. */
function failedPaths(result) {
  assert.equal(result.isError, true, JSON.stringify(result));
  return [...new Set([...result.content[0].text.matchAll(/^- (\S+): /gm)].map((m) => m[1]))].sort();
}

test('ECMA-262 patterns: code points, \\p{..}, lookahead and legacy escapes', async () => {
  const ok = await call('patterns', { word: 'Ünïcödé', digits: '0123', secret: 'abc12345', dashed: 'a-b', one: '😀', 'x-Ä': 3 });
  assert.notEqual(ok.isError, true, JSON.stringify(ok));
  assert.equal(ok.structuredContent.one, '😀');
  const bad = await call('patterns', { word: 'abc1', secret: 'abcdefgh', dashed: 'ab', one: '😀😀', 'x-Ä': 'three' });
  assert.deepEqual(failedPaths(bad), ['/dashed', '/one', '/secret', '/word', '/x-Ä'].sort());
});

test('\\d is ASCII-only, as in JavaScript (a Unicode-aware engine would accept Arabic-Indic digits)', async () => {
  assert.deepEqual(failedPaths(await call('patterns', { digits: '٣' })), ['/digits']);
  assert.notEqual((await call('patterns', { digits: '3' })).isError, true);
});

test('unevaluatedProperties sees the properties of allOf branches; $ref reaches $defs', async () => {
  assert.notEqual((await call('closed', { id: 'A1', note: 'x' })).isError, true);
  const extra = await call('closed', { id: 'A1', colour: 'red' });
  assert.equal(extra.isError, true);
  assert.match(extra.content[0].text, /Unevaluated properties are not allowed \('colour' was unexpected\)/);
  assert.deepEqual(failedPaths(await call('closed', { id: 'A' })), ['/id']);
});

test('a pattern JavaScript cannot compile is a 422 at its JSON Pointer, and nothing is saved', async () => {
  const path = `/api/v1/orgs/${p.org}/projects/${p.project}/draft`;
  const before = await p.owner.get(path);
  for (const [pattern, label] of [['((', 'unbalanced'], ['(?i)abc', 'a Rust-only inline flag']]) {
    const doc = F.interactiveType('bad_pattern', { input_schema: { type: 'object', properties: { a: { type: 'string', pattern } } } });
    const r = await p.owner.put(`${path}/types/bad_pattern`, doc);
    assertError(r, 422, 'invalid_request', { fields: ['/input_schema/properties/a/pattern'], message: /input_schema does not compile/ }, label);
    assert.match(r.body.fields[0].message, /not a valid regular expression/, label);
  }
  const doc = F.interactiveType('bad_key', { input_schema: { type: 'object', patternProperties: { '[': {} } } });
  const r = await p.owner.put(`${path}/types/bad_key`, doc);
  assert.deepEqual(fieldNames(r), ['/input_schema/patternProperties/['], r.text);
  const afterwards = await p.owner.get(path);
  assert.deepEqual(afterwards.body, before.body, 'the draft is unchanged');
});
