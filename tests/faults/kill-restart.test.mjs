// Kill and restart (issue 15, suite 4): the load mix of scripts/load-mix.mjs
// runs (8 clients: MCP lists, calls and data calls on both endpoints, token
// refreshes, grants revoked and authorized again, draft revisions and
// publishes), and in the middle of it wrangler and its workerd processes are
// SIGKILLed (no shutdown, nothing flushed) and started again on the same
// --persist-to state (`w.crashAndRestart()`). Afterwards:
//   - every acknowledged publish is listed, and the versions list, the
//     production pointer (what the production endpoint serves) and the
//     `versions` rows in D1 agree: a publish caught mid-way happened
//     completely or not at all;
//   - the draft holds the last acknowledged revision (or the one in flight);
//   - every acknowledged grant still works, every revoked one is refused;
//   - every audit record and action that was readable before the kill is
//     still readable.
// Records still in the local queue at the kill are not promised: wrangler
// dev's queue broker is in memory (on Cloudflare, Queues are durable); the
// test prints how many there were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerWithRetry } from '../harness.mjs';
import { mcp } from '../oauth-helpers.mjs';
import { eventually } from '../mcp-fixtures.mjs';
import { pages } from '../audit/setup.mjs';
import { setupWorld, runMix, newState } from '../../scripts/load-mix.mjs';

let w;
let owner;
let world;

before(async () => {
  w = await startWorkerWithRetry();
  owner = await w.bootstrapOwner();
  world = await setupWorld(w, owner, { org: 'crash' });
});
after(async () => {
  await world?.up.stop();
  await w?.stop();
});

const revisionOf = (description) => Number(description.match(/revision 0-(\d+)\)/)?.[1] ?? 0);

test('SIGKILL mid-load, restart on the same state: everything acknowledged is still there', async () => {
  const state = newState();
  const signal = {};
  const load = runMix(world, { seconds: 90, clients: 8, state, signal });
  await eventually(() => state.publishes.length >= 3 && state.revoked.length >= 2 && state.ids.length >= 100,
    { timeoutMs: 60_000, intervalMs: 200, label: 'three publishes, two revocations and 100 MCP requests' });
  assert.deepEqual(state.errors, [], 'no error before the kill');
  const readable = new Set((await pages(owner, `/api/v1/orgs/${world.org}/audit?limit=500`)).map((r) => r.id));
  const actionsReadable = new Set((await pages(owner, `/api/v1/orgs/${world.org}/audit/actions?limit=500`)).map((a) => a.id));
  assert.ok(readable.size > 0 && actionsReadable.size > 0, 'records were readable before the kill');

  const crash = w.crashAndRestart(); // the SIGKILL is sent before this returns a promise
  signal.stop = true;
  const acked = {
    publishes: [...state.publishes], drafts: [...state.drafts], ids: [...state.ids],
    revoked: state.revoked.map((g) => g.grantId), grants: state.grants.map((g) => ({ ...g })),
  };
  // A revocation sent but not acknowledged when the process died may or may not have happened.
  const inFlight = state.revoking.filter((id) => !acked.revoked.includes(id));
  await crash;
  await load;

  // Versions: every acknowledged publish; list, pointer and D1 agree.
  const list = await owner.get(`${world.P}/versions?limit=100`);
  assert.equal(list.status, 200, list.text);
  const listed = list.body.versions.map((v) => v.version);
  for (const v of acked.publishes) assert.ok(listed.includes(v), `acknowledged ${v} is listed: ${listed}`);
  assert.ok(listed.length <= acked.publishes.length + 2, `at most the first, the acknowledged and one in flight: ${listed}`);
  const rows = (await w.d1(`SELECT v.version FROM versions v JOIN projects p ON p.id = v.project_id WHERE p.slug = '${world.project}'`)).map((r) => r.version);
  assert.deepEqual([...rows].sort(), [...listed].sort(), 'the D1 rows are the listed versions');
  const production = list.body.production?.version ?? list.body.production;
  assert.equal(production, listed[0], `production points at the newest version (${listed[0]}): ${JSON.stringify(list.body.production)}`);
  const live = acked.grants.find((g) => g.url === world.prodUrl && !state.revoking.includes(g.grantId));
  assert.ok(live, 'a production grant that was not revoked');
  const served = await mcp(world.prodUrl, live.access, 'tools/list', {});
  assert.equal(served.status, 200, served.text);
  assert.equal(served.json.result._meta?.['io.modelcontextprotocol/serverInfo']?.version, production,
    'the production endpoint serves the pointer\'s version');

  // The draft: the last acknowledged revision, or the one in flight.
  const draft = await owner.get(`${world.P}/draft`);
  assert.equal(draft.status, 200, draft.text);
  const description = draft.body.types.find((t) => t.name === 'show_order').description;
  const last = revisionOf(acked.drafts.at(-1));
  assert.ok([last, last + 1].includes(revisionOf(description)), `draft revision ${description} after ${acked.drafts.at(-1)}`);

  // Grants: acknowledged ones work, revoked ones are refused.
  for (const g of acked.grants) {
    const r = await mcp(g.url, g.access, 'tools/list', {});
    if (acked.revoked.includes(g.grantId)) assert.equal(r.status, 401, `revoked ${g.grantId}: ${r.status}`);
    else if (inFlight.includes(g.grantId)) assert.ok([200, 401].includes(r.status), `revocation in flight for ${g.grantId}: ${r.status}`);
    else assert.equal(r.status, 200, `grant ${g.grantId} survives: ${r.status} ${r.text.slice(0, 200)}`);
  }

  // Audit: what was readable is still readable.
  const after = new Set((await pages(owner, `/api/v1/orgs/${world.org}/audit?limit=500`)).map((r) => r.id));
  const lost = [...readable].filter((id) => !after.has(id));
  assert.deepEqual(lost, [], 'no record that was readable before the kill is gone');
  const actionsAfter = new Set((await pages(owner, `/api/v1/orgs/${world.org}/audit/actions?limit=500`)).map((a) => a.id));
  assert.deepEqual([...actionsReadable].filter((id) => !actionsAfter.has(id)), [], 'no action that was readable is gone');
  const unread = acked.ids.filter((id) => !after.has(id)).length;
  console.log(`kill-restart: ${acked.publishes.length} publishes, ${acked.drafts.length} draft revisions, `
    + `${acked.grants.length} grants (${acked.revoked.length} revoked), ${acked.ids.length} MCP requests acknowledged; `
    + `${readable.size} records readable before the kill, all kept; ${unread} acknowledged requests had no record yet (local queue in memory)`);
});
