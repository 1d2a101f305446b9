// Dockyard for the bench: the release build in build/ (scripts/build.sh) under
// the tests' wrangler config (no [build] step), its D1 migrations applied to
// the server's own state dir, and the seed the scenarios need:
//
//   bench-public/cards    public project, `show_card` published
//   bench-private/cards   private project, `show_card` published and in the draft;
//                         OAuth tokens through the real flow (DCR, sign-in + consent,
//                         code exchange with PKCE) for its production and draft URLs,
//                         and one more grant whose refresh token the refresh scenario rotates;
//   bench-big/cards       public project of 1,000 Types (`show_card` and 999 small
//                         interactive Types), published (issue 14's "a project of 1,000 Types")
//   bench-grants/cards    private project whose hub holds 10,000 live grants of the
//                         bench user besides the token's own ("an org of 10,000 grants"),
//                         seeded by the bench-only hub command (src/endpoint/bench_seed.rs,
//                         on only with DOCKYARD_FAULTS=bench.seed)
// `{ scale: false }` seeds only the first two (the audit-off server).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client, ROOT, testConfig, testSettings } from '../../tests/harness.mjs';
import { interactiveType, putType, seedPublicProject } from '../../tests/mcp-fixtures.mjs';
import { getTokens, refresh } from '../../tests/oauth-helpers.mjs';
import { callCard, showCard } from './requests.mjs';
import { WRANGLER, startServer, wranglerEnv } from './server.mjs';

const run = promisify(execFile);

/**
 * Prepares a Dockyard server (config, settings, migrated state) without
 * starting it: `start()` can then be called again on the same port and state.
 */
export async function prepareDockyard({ port, inspectorPort, persistTo, vars = {}, name = 'dockyard', editConfig = null }) {
  const config = await testConfig();
  // A bench-only config variant (bench/run.mjs CONFIG_VARIANTS) edits the file's text.
  if (editConfig) await writeFile(config, editConfig(await readFile(config, 'utf8')));
  await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo, '-c', config], { cwd: ROOT, env: wranglerEnv() });
  const url = `http://127.0.0.1:${port}`;
  const settings = testSettings(url, { DOCKYARD_FAULTS: 'bench.seed', ...vars });
  return {
    name, url, config, settings,
    start: (port_ = port) => startServer({ name, config, port: port_, inspectorPort, persistTo, vars: settings }),
  };
}

/** Seeds the projects and runs the OAuth flows; returns the URLs and tokens. */
export const BIG_TYPES = 1000;
export const SEEDED_GRANTS = 10000;

/** 1,000 Types: `show_card` first by name, then t0001 ... t0999 (small UIs). */
async function seedBigProject(d, owner) {
  const big = await seedPublicProject(d, { owner, org: 'bench-big', project: 'cards', types: [showCard()], publishIt: false });
  const names = Array.from({ length: BIG_TYPES - 1 }, (_, i) => `t${String(i + 1).padStart(4, '0')}`);
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body><p>t</p></body></html>';
  for (let i = 0; i < names.length; i += 8) {
    await Promise.all(names.slice(i, i + 8).map((n) => putType(owner, big.org, big.project, interactiveType(n, {
      title: `Card ${n}`, description: `Shows card ${n}.`,
      input_schema: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'], additionalProperties: false },
      ui: { html, csp: { connectDomains: [] }, prefers_border: true },
    }))));
  }
  const pub = await owner.post(`/api/v1/orgs/${big.org}/projects/${big.project}/publish`, {});
  if (pub.status !== 201) throw new Error(`dockyard publish of ${BIG_TYPES} Types: ${pub.status} ${pub.text.slice(0, 300)}`);
  const vis = await owner.patch(`/api/v1/orgs/${big.org}/projects/${big.project}`, { visibility: 'public' });
  if (vis.status !== 200) throw new Error(`dockyard visibility: ${vis.status} ${vis.text}`);
  return big.url;
}

/** A private project whose hub holds SEEDED_GRANTS more grants; returns its URL and token. */
async function seedManyGrants(d, owner) {
  const p = await seedPublicProject(d, { owner, org: 'bench-grants', project: 'cards', types: [showCard()], visibility: 'private' });
  const { access_token: token } = await getTokens({ url: d.url }, owner, { resource: p.url });
  const request = callCard(token);
  for (let start = 0; start < SEEDED_GRANTS; start += 2000) {
    const res = await fetch(p.url, { method: 'POST', headers: { ...request.headers, 'dockyard-bench-seed-grants': `${start}+2000` }, body: request.body });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('"written":2000')) throw new Error(`dockyard grant seed at ${start}: ${res.status} ${text.slice(0, 300)}`);
  }
  return { url: p.url, token };
}

export async function seedDockyard(d, { scale = true } = {}) {
  const owner = new Client(d.url);
  const email = 'bench@example.test';
  const password = 'bench password 123';
  const r = await owner.post('/api/v1/signup', { email, password, name: 'Bench', bootstrap_secret: d.settings.BOOTSTRAP_SECRET });
  if (r.status !== 201) throw new Error(`dockyard signup: ${r.status} ${r.text}`);
  await owner.login(email, password);
  const pub = await seedPublicProject(d, { owner, org: 'bench-public', project: 'cards', types: [showCard()] });
  const priv = await seedPublicProject(d, { owner, org: 'bench-private', project: 'cards', types: [showCard()], visibility: 'private' });
  const w = { url: d.url };
  const prod = await getTokens(w, owner, { resource: priv.url });
  const draft = await getTokens(w, owner, { resource: priv.draftUrl });
  const rotating = await getTokens(w, owner, { resource: priv.url });
  let refreshToken = rotating.refresh_token;
  const bigUrl = scale ? await seedBigProject(d, owner) : null;
  const grants = scale ? await seedManyGrants(d, owner) : null;
  return {
    bigUrl, grantsUrl: grants?.url, grantsToken: grants?.token,
    publicUrl: pub.url, privateUrl: priv.url, draftUrl: priv.draftUrl,
    token: prod.access_token, draftToken: draft.access_token,
    /** One refresh_token grant (rotation in the hub, a new access token). */
    async refreshOnce() {
      const res = await refresh(w, { refreshToken, clientId: rotating.clientId });
      if (res.status !== 200) throw new Error(`dockyard refresh: ${res.status} ${res.text}`);
      refreshToken = res.body.refresh_token;
    },
  };
}
