// A crash keeps what was acknowledged. docs/AUDIT.md: a record counts as
// acknowledged once it is readable through the API. This suite makes calls,
// waits until every record is readable, SIGKILLs wrangler and workerd (no
// shutdown, nothing flushed), restarts them on the same persisted state and
// checks that every acknowledged record is still there, that the grant behind
// the token survived too, and that ingestion works again after the restart.
//
// Messages sent and not yet consumed when the process dies are lost locally
// (wrangler's queue broker is in memory): that is why the kill comes after
// the drain. The longer kill-in-the-middle-of-load run belongs to the
// reliability suites.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMcpWorker, ownerOf, uniq } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { seedOrg, drained, record, REQUEST_ID } from './setup.mjs';

let w;
let owner;
let s;
let tokens;

before(async () => {
  w = await startMcpWorker();
  owner = await ownerOf(w);
  s = await seedOrg(w, owner);
  const dev = await w.addMember(owner, s.org, `${uniq('dev')}@example.test`, 'developer');
  tokens = await getTokens(w, dev, { resource: s.url });
});
after(async () => { await w?.stop(); });

async function call(orderId) {
  const r = await mcp(s.url, tokens.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: orderId } });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json?.result?.isError, undefined, r.text.slice(0, 300));
  const id = r.headers.get('dockyard-request-id');
  assert.match(id ?? '', REQUEST_ID);
  return id;
}

test('acknowledged audit records and the grant survive a SIGKILL of workerd', async () => {
  const ids = [];
  for (let i = 0; i < 12; i++) ids.push(await call(`o-${i}`));
  const path = `/api/v1/orgs/${s.org}/audit?project=${s.project}&tool=show_order`;
  const before = await drained(owner, path, ids.length);
  const acknowledged = new Set(before.map((r) => r.id));
  for (const id of ids) assert.ok(acknowledged.has(id), `${id} was readable before the kill`);

  await w.crashAndRestart();

  // The owner's Studio session lives in D1 too: it survives, so no new sign-in.
  const after = await drained(owner, path, acknowledged.size);
  const survived = new Set(after.map((r) => r.id));
  for (const id of acknowledged) assert.ok(survived.has(id), `${id} survived the kill`);
  assert.equal(after.length, before.length, 'no record was duplicated or invented by the restart');
  const one = await record(owner, s.org, ids[0]);
  assert.equal(one.record.status, 'ok');

  // The grant (hub storage) survived: the same access token still calls, and
  // ingestion works again after the restart.
  const fresh = await call('after-restart');
  const again = await record(owner, s.org, fresh);
  assert.equal(again.record.id, fresh);
});
