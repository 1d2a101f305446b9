// The TypeScript stack (bench/anchor-ts) for the bench: its npm packages
// installed from the registry at the versions its lock pins, its OAuth flow
// driven the way a client and a browser would (DCR, the consent page's form
// with its __Host- cookie, Allow, the code exchange with PKCE), and a refresh
// grant to rotate.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, ROOT } from '../../tests/harness.mjs';
import { DEFAULT_REDIRECT, exchangeCode, parseForms, parseRedirect, pkcePair, postForm, randomState, refresh } from '../../tests/oauth-helpers.mjs';
import { startServer } from './server.mjs';

const run = promisify(execFile);
export const ANCHOR_DIR = join(ROOT, 'bench', 'anchor-ts');
const SCOPE = 'tools:read tools:call';

/** `npm ci` in bench/anchor-ts when its node_modules is missing or older than its lock. */
export async function installAnchor() {
  const marker = join(ANCHOR_DIR, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(ANCHOR_DIR, 'package-lock.json')).mtimeMs) return false;
  await run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: ANCHOR_DIR, maxBuffer: 1 << 24 });
  return true;
}

export function prepareAnchor({ port, inspectorPort, persistTo }) {
  const url = `http://127.0.0.1:${port}`;
  const vars = { MCP_RESOURCE: `${url}/mcp` };
  return {
    name: 'anchor-ts', url, mcpUrl: `${url}/mcp`,
    start: () => startServer({ name: 'anchor-ts', config: join(ANCHOR_DIR, 'wrangler.toml'), cwd: ANCHOR_DIR, port, inspectorPort, persistTo, vars }),
  };
}

/** DCR of a public client; returns its client_id. */
async function register(a) {
  const reg = await fetch(`${a.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Dockyard bench client', redirect_uris: [DEFAULT_REDIRECT], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }),
  });
  const client = await reg.json();
  if (reg.status !== 201) throw new Error(`anchor register: ${reg.status} ${JSON.stringify(client)}`);
  return client.client_id;
}

/** The browser leg (consent page, Allow) and the code exchange: the token response. */
async function grant(a, clientId) {
  const pkce = pkcePair();
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: DEFAULT_REDIRECT, state: randomState(),
    code_challenge: pkce.challenge, code_challenge_method: 'S256', scope: SCOPE, resource: a.mcpUrl,
  });
  const browser = new Client(a.url);
  const page = await browser.get(`/authorize?${q}`);
  const form = parseForms(page.text).find((f) => f.method === 'post');
  if (page.status !== 200 || !form) throw new Error(`anchor consent page: ${page.status} ${page.text.slice(0, 400)}`);
  const allow = await postForm(browser, '/authorize', [...form.fields, ['decision', 'approve']]);
  const code = parseRedirect(allow.headers.get('location'))?.code;
  if (allow.status !== 302 || !code) throw new Error(`anchor approve: ${allow.status} ${allow.headers.get('location')} ${allow.text.slice(0, 400)}`);
  const t = await exchangeCode({ url: a.url }, { code, verifier: pkce.verifier, clientId, resource: a.mcpUrl });
  if (t.status !== 200) throw new Error(`anchor token: ${t.status} ${t.text}`);
  return t.body;
}

/**
 * Two clients, one grant each (a new grant of the same user and client
 * revokes the earlier one): `token` for the load, and a refresh token that
 * `refreshOnce()` rotates.
 */
export async function authorizeAnchor(a) {
  const first = await grant(a, await register(a));
  const rotatingClient = await register(a);
  let refreshToken = (await grant(a, rotatingClient)).refresh_token;
  if (!refreshToken) throw new Error('anchor token: no refresh_token');
  return {
    token: first.access_token,
    async refreshOnce() {
      const res = await refresh({ url: a.url }, { refreshToken, clientId: rotatingClient });
      if (res.status !== 200) throw new Error(`anchor refresh: ${res.status} ${res.text}`);
      refreshToken = res.body.refresh_token;
    },
  };
}
