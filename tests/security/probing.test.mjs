// Anonymous probing of MCP endpoints and of the token endpoint.
//  - An unknown /<org>/<project> answers exactly like a private project (401
//    with the same challenge and body): without a token nobody can tell a
//    private project from a missing one. Malformed slugs stay a plain 404.
//  - Probes of made-up projects (MCP requests and forged codes at
//    /oauth/token) create no Durable Object storage.
//  - A draft request without a token never loads the draft: with the
//    test-only fault `hub.draft` every draft read fails, yet the anonymous
//    request still gets its clean 401 (an authorized one hits the fault).
//  - A body without Content-Length is bounded while it streams: an endless
//    chunked body gets a 413 instead of being read forever.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { startWorkerWithRetry } from '../harness.mjs';
import * as F from '../mcp-fixtures.mjs';
import { getTokens, mcp, freshIp } from '../oauth-helpers.mjs';

/** Every file under `dir` whose path names the ProjectHub class (its SQLite storage). */
async function hubFiles(dir) {
  const out = [];
  const walk = async (d) => {
    let entries;
    try { entries = await readdir(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (p.includes('ProjectHub')) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * POSTs a chunked body (no Content-Length) that never ends: 3 MiB of 64 KiB
 * chunks, then the client waits with the body still open. An answer can
 * only come from a server that bounds the body while it streams; one that
 * waits for the end never answers. (Writing tens of MiB instead made wrangler
 * dev 4.164's local proxy stall under the backpressure of an abandoned body,
 * a local-dev artifact.) Returns the status and how many chunks were written.
 */
function endlessPost(url, headers) {
  const total = 48;
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`no answer after ${written} chunks`)); }, 60_000);
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode, written, total });
      req.destroy();
    });
    req.on('error', () => { /* the server stopped reading; the answer (if any) resolves */ });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!answered && written < total) {
        written++;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      // Never req.end(): the body stays open until the server answers.
    };
    pump();
  });
}

describe('anonymous probing', () => {
  let w; let owner; let org; let privateProject;

  before(async () => {
    w = await startWorkerWithRetry({ vars: { DOCKYARD_FAULTS: 'hub.draft' } });
    owner = await F.ownerOf(w);
    org = await F.createOrg(owner, F.uniq('probe'));
    privateProject = await F.createProject(owner, org, 'secret-plans');
  });
  after(() => w?.stop());

  test('an unknown project answers exactly like a private one; malformed paths are 404', async () => {
    for (const draft of [false, true]) {
      const suffix = draft ? '/draft' : '';
      const real = await F.modern(`${w.url}/${org}/${privateProject}${suffix}`, 'tools/list');
      const ghost = await F.modern(`${w.url}/${org}/no-such-project${suffix}`, 'tools/list');
      const ghostOrg = await F.modern(`${w.url}/no-such-org-zz/no-such-project${suffix}`, 'tools/list');
      for (const [label, r, project, o] of [['unknown project', ghost, 'no-such-project', org],
        ['unknown org', ghostOrg, 'no-such-project', 'no-such-org-zz']]) {
        assert.equal(r.status, real.status, `${label}${suffix}: ${r.text}`);
        assert.equal(r.status, 401);
        assert.equal(r.text, real.text, `${label}${suffix}: the same body as a private project`);
        assert.equal(r.headers.get('www-authenticate'), F.expectedChallenge(w, o, project, draft), label);
        assert.equal(real.headers.get('www-authenticate'), F.expectedChallenge(w, org, privateProject, draft));
      }
    }
    for (const path of ['/Bad_Org/x', `/${org}/${'p'.repeat(80)}`, `/${org}/-dash`]) {
      assert.equal((await F.modern(`${w.url}${path}`, 'tools/list')).status, 404, path);
    }
  });

  test('probes of made-up projects leave no Durable Object storage behind', async () => {
    const before = await hubFiles(w.dir);
    assert.ok(before.length >= 1, `the real project's hub has storage (${before.length} files under ${w.dir})`);
    for (let i = 0; i < 12; i++) {
      const path = `/${org}/ghost-${i}${i % 2 ? '/draft' : ''}`;
      assert.equal((await F.modern(`${w.url}${path}`, 'tools/list')).status, 401, path);
      assert.equal((await F.legacy(`${w.url}${path}`, 'initialize', {})).status, 401, path);
    }
    // Forged codes and refresh tokens that name made-up hubs.
    for (let i = 0; i < 6; i++) {
      const key = Buffer.from(`${org}/forged-${i}`).toString('base64url');
      for (const [grant, field, prefix] of [['authorization_code', 'code', 'dyc_'], ['refresh_token', 'refresh_token', 'dyr_']]) {
        const body = new URLSearchParams({ grant_type: grant, [field]: `${prefix}${key}.${'A'.repeat(43)}`,
          client_id: 'dcr_unknown', redirect_uri: 'https://app.example.test/cb', code_verifier: 'v'.repeat(64) });
        const r = await fetch(`${w.url}/oauth/token`, { method: 'POST', body, headers: { 'cf-connecting-ip': freshIp() } });
        assert.ok(r.status >= 400 && r.status < 500, `${grant}: ${r.status}`);
      }
    }
    assert.deepEqual(await hubFiles(w.dir), before, 'no new ProjectHub storage');
  });

  test('a draft request without a token never loads the draft', async () => {
    const draftUrl = `${w.url}/${org}/${privateProject}/draft`;
    const anonymous = await F.modern(draftUrl, 'tools/list');
    assert.equal(anonymous.status, 401, `with every draft read failing, the anonymous request is still a clean 401: ${anonymous.text}`);
    // The fault is live: an authorized request that does read the draft fails.
    const t = await getTokens(w, owner, { resource: draftUrl });
    const authorized = await mcp(draftUrl, t.access_token, 'tools/list');
    assert.equal(authorized.status, 500, `an authorized draft read meets the injected fault: ${authorized.text}`);
    // Production needs no draft read and keeps working.
    const prodUrl = `${w.url}/${org}/${privateProject}`;
    const p = await getTokens(w, owner, { resource: prodUrl });
    assert.equal((await mcp(prodUrl, p.access_token, 'tools/list')).status, 200);
  });

  test('a body without Content-Length is cut off with 413 while it streams', async () => {
    // One such request per worker: after a client abandons a streaming body,
    // wrangler dev's local proxy answers the next POST with its own 503
    // ("worker restarted mid-request"), a local-dev artifact. The management
    // API reads bodies through the same bounded reader (Incoming::bytes).
    const r = await endlessPost(`${w.url}/${org}/${privateProject}`,
      { 'content-type': 'application/json', accept: F.ACCEPT, 'mcp-protocol-version': F.MODERN });
    assert.equal(r.status, 413, 'the unfinished body over 1 MiB is refused while it streams');
    const health = await fetch(`${w.url}/healthz`);
    assert.equal(health.status, 200, 'the worker still serves');
  });
});
