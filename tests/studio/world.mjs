// The world the Studio suites share: one worker, the instance owner, an org
// with a PRIVATE project whose published version has `show_order`, and a
// developer member. `useStudioWorld()` adds the before()/after() hooks; the
// exported `let`s are live bindings, set once before() has run.
import { before, after } from 'node:test';
import { startMcpWorker, ownerOf, createOrg, createProject, putType, publish, orderCard, uniq } from '../mcp-fixtures.mjs';

export const OWNER = { email: 'owner@example.test', password: 'correct horse battery' }; // harness bootstrapOwner
export const MEMBER_PASSWORD = 'member password 1'; // harness addMember

export let w;
export let owner;
export let org;
export let project;
export let dev;
export let devEmail;

export const prodUrl = () => `${w.url}/${org}/${project}`;

export function useStudioWorld(prefix) {
  before(async () => {
    w = await startMcpWorker();
    owner = await ownerOf(w);
    org = await createOrg(owner, uniq(prefix));
    project = await createProject(owner, org, uniq('shop'));
    await putType(owner, org, project, orderCard());
    await publish(owner, org, project);
    devEmail = `${uniq('dev')}@example.test`;
    dev = await w.addMember(owner, org, devEmail, 'developer');
  });
  after(async () => { await w?.stop(); });
}

/** Polls `check` (async, truthy when done) every 300 ms for up to `ms`. */
export async function eventually(check, ms = 15_000, what = 'the condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
