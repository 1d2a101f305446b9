// Shared setup of the project suites (tests/projects/*.test.mjs): the one
// worker each suite starts, with its owner and the organization every project
// lives in, and the helpers that write and read drafts and versions. Each suite
// works in its own project(s) and each suite file is its own process with its
// own worker, so suites do not depend on one another's order.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';

// Live bindings, set by the before() hook that `useWorker()` adds.
export let w; // the worker
export let owner; // the instance's first account, owner of `org`
export let org; // the organization every project lives in

let seq = 0;
/** A unique, slug-safe name: `tag-<n>`. */
export const uniq = (tag) => `${tag}-${++seq}`;

/** Starts the suite's worker, signs up its owner and creates `org`; stops the worker after the tests. */
export function useWorker() {
  before(async () => {
    w = await startWorkerWithRetry();
    owner = await w.bootstrapOwner();
    org = uniq('acme');
    const r = await owner.post('/api/v1/orgs', { slug: org, name: 'Acme' });
    assert.equal(r.status, 201, r.text);
  });
  after(async () => { await w?.stop(); });
}

/** Creates a project in `org` (as the owner); returns its API path. */
export async function newProject(tag = 'proj') {
  const slug = uniq(tag);
  const r = await owner.post(`/api/v1/orgs/${org}/projects`, { slug, name: `Project ${slug}` });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.project.visibility, 'private', 'new projects are private');
  // httpDoc signs with SIGNING, which must exist in the project when a Type names it.
  const s = await owner.put(`/api/v1/orgs/${org}/projects/${slug}/secrets/SIGNING`, { value: 'projects-test-signing' });
  assert.equal(s.status, 200, s.text);
  return `/api/v1/orgs/${org}/projects/${slug}`;
}

/** A valid interactive Type document (the API.md example), with `extra` merged over it. */
export function typeDoc(name, extra = {}) {
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
export function httpDoc(name, http = {}) {
  return typeDoc(name, { kind: 'http', ui: null, http: { url: 'https://api.example.com/hook', timeout_ms: 5000, secret: 'SIGNING', ...http } });
}

export const putType = (client, P, name, doc, opts) => client.put(`${P}/draft/types/${name}`, doc, opts);

/** GET the draft (asserting 200). */
export async function readDraft(P, client = owner) {
  const r = await client.get(`${P}/draft`);
  assert.equal(r.status, 200, `GET draft: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}
export const typeNames = (draft) => draft.types.map((t) => t.name);

/** GET the versions list (asserting 200). */
export async function readVersions(P, query = '', client = owner) {
  const r = await client.get(`${P}/versions${query}`);
  assert.equal(r.status, 200, `GET versions: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

/** Publishes as `client` and asserts 201; returns the version body. */
export async function publish(P, body = {}, client = owner) {
  const r = await client.post(`${P}/publish`, body);
  assert.equal(r.status, 201, `publish: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

/** Asserts `fn` (a refused request) left the draft exactly as it was. */
export async function assertDraftUnchanged(P, before, label) {
  const after = await readDraft(P);
  assert.deepEqual(after, before, `${label}: the draft must not change`);
}
