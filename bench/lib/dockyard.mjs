// Dockyard for the bench: the release build in build/ (scripts/build.sh) under
// the tests' wrangler config (no [build] step), its D1 migrations applied to
// the server's own state dir, and the seed the scenarios need:
//
//   bench-public/cards    public project, `show_card` published
//   bench-private/cards   private project, `show_card` published and in the draft;
//                         OAuth tokens through the real flow (DCR, sign-in + consent,
//                         code exchange with PKCE) for its production and draft URLs,
//                         and one more grant whose refresh token the refresh scenario rotates.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, ROOT, testConfig, testSettings } from '../../tests/harness.mjs';
import { seedPublicProject } from '../../tests/mcp-fixtures.mjs';
import { getTokens, refresh } from '../../tests/oauth-helpers.mjs';
import { showCard } from './requests.mjs';
import { WRANGLER, startServer, wranglerEnv } from './server.mjs';

const run = promisify(execFile);

/**
 * Prepares a Dockyard server (config, settings, migrated state) without
 * starting it: `start()` can then be called again on the same port and state.
 */
export async function prepareDockyard({ port, inspectorPort, persistTo }) {
  const config = await testConfig();
  await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo, '-c', config], { cwd: ROOT, env: wranglerEnv() });
  const url = `http://127.0.0.1:${port}`;
  const settings = testSettings(url);
  return {
    name: 'dockyard', url, config, settings,
    start: (port_ = port) => startServer({ name: 'dockyard', config, port: port_, inspectorPort, persistTo, vars: settings }),
  };
}

/** Seeds the projects and runs the OAuth flows; returns the URLs and tokens. */
export async function seedDockyard(d) {
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
  return {
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
