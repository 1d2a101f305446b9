// Shared setup of the identity suites (tests/identity/*.test.mjs): the one
// worker each suite starts, the instance owner, and the small request helpers
// every identity suite uses. Each suite file is its own process with its own
// worker, so the suites never depend on one another's order.
//
// Failed logins always come from a fresh fake IP (`freshIp()`, sent as
// CF-Connecting-IP, which does reach the worker under wrangler dev) so the
// per-IP limiter never couples tests.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../harness.mjs';

export const OWNER = { email: 'owner@example.test', password: 'correct horse battery' };
export const MEMBER_PASSWORD = 'member password 1'; // what harness addMember uses

/** The suite's worker: set by the before() hook that `useWorker()` adds (a live binding). */
export let w;

/** Starts the suite's worker (default settings) before its tests and stops it after them. */
export function useWorker() {
  before(async () => { w = await startWorker(); });
  after(async () => { await w?.stop(); });
}

let seq = 0;
/** A unique, slug-safe name: `tag-<n>`. */
export const uniq = (tag) => `${tag}-${++seq}`;
export const newEmail = (tag) => `${uniq(tag)}@example.test`;
let ipSeq = 0;
/** A fake client IP no other test uses (198.18.0.0/15, benchmarking range). */
export const freshIp = () => { const n = ++ipSeq; return `198.18.${n >> 8}.${n & 255}`; };

export const fieldMessage = (r, field) => r.body?.fields?.find((f) => f.field === field)?.message;

/** Signs in on `worker` and returns the client. */
export async function signIn(worker, email, password) {
  const c = worker.client();
  await c.login(email, password);
  return c;
}

/** The instance owner's session (bootstraps the account if an earlier test did not). */
export async function ownerClient(worker = w) {
  const c = worker.client();
  const r = await c.post('/api/v1/login', { email: OWNER.email, password: OWNER.password });
  if (r.status === 200) return c;
  return worker.bootstrapOwner(OWNER.email, OWNER.password);
}

/** Creates an org owned by `owner`; returns its slug. */
export async function newOrg(owner, tag) {
  const slug = uniq(tag);
  const r = await owner.post('/api/v1/orgs', { slug, name: `Org ${slug}` });
  assert.equal(r.status, 201, r.text);
  return slug;
}

/** GET `path` and return `body[key]` (asserting 200). */
export async function list(client, path, key) {
  const r = await client.get(path);
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text}`);
  return r.body[key];
}

/** A login attempt from a fresh IP (so only the per-account counter moves). */
export const tryLogin = (worker, email, password, ip = freshIp()) =>
  worker.client({ ip }).post('/api/v1/login', { email, password });

/** A browser-like form POST (application/x-www-form-urlencoded). */
export const postForm = (client, path, fields, headers = {}) => client.request('POST', path, {
  raw: true,
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
});
