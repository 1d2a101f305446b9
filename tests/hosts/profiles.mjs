// The host profiles of the matrix (./matrix.test.mjs): how each popular MCP
// host registers, which redirect it authorizes with, how it authenticates at
// the token endpoint, which protocol era it speaks and what it relies on in
// `tools/list`. Data and small functions only; the suite replays them against
// the running worker. Sources for the host facts: issue 10 (gathered from the
// hosts' public issue trackers and docs) and, for VS Code's redirect list,
// microsoft/vscode#278512 (the DCR payload VS Code sends).
//
// A profile:
//   host, registration ('DCR' | 'CIMD'), authMethod, era ('2026-07-28' |
//     '2025-11-25' | '2025-06-18'), sdk ('client' = @modelcontextprotocol/client,
//     'sdk' = @modelcontextprotocol/sdk v1), scope, refreshes
//   register(ctx)     -> { clientId, clientSecret?, key? } (DCR: POSTs the host's
//                        payload; CIMD: serves the document from the HTTPS fixture)
//   redirectUri(ctx)  -> the redirect_uri of /oauth/authorize
//   tokenAuth(ctx, reg) -> the fields this host adds to each token request
//   expectTools(tools, ctx) -> asserts what the host relies on in tools/list
// `ctx` is { w, fx, as (AS metadata), endpoint, uiUri, port() }.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { registerClient, BASE_SCOPES } from '../oauth-helpers.mjs';

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const CODE_GRANTS = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };

/** DCR with exactly the host's payload; asserts the 201 and the echoed auth method. */
async function dcr(ctx, metadata) {
  const r = await registerClient(ctx.w, metadata, { raw: true });
  assert.equal(r.status, 201, `registration: ${r.status} ${r.text}`);
  assert.equal(r.body.token_endpoint_auth_method, metadata.token_endpoint_auth_method, 'the method asked for is honoured');
  assert.deepEqual(r.body.redirect_uris, metadata.redirect_uris, 'every redirect URI is registered');
  return { clientId: r.clientId, clientSecret: r.clientSecret, response: r.body };
}

/** Every tool has a title; interactive tools point at their UI in the MCP Apps vocabulary. */
function expectTitlesAndUi(tools, { uiUri }) {
  for (const t of tools) assert.ok(typeof t.title === 'string' && t.title.length > 0, `${t.name} has a title`);
  const order = tools.find((t) => t.name === 'show_order');
  assert.equal(order?._meta?.ui?.resourceUri, uiUri, 'show_order: _meta.ui.resourceUri');
  return order;
}

/** The RS256 key and JWKS of a ChatGPT-style confidential CIMD client. */
function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = b64u(randomBytes(8));
  return { privateKey, kid, jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] } };
}

/** An RFC 7523 client assertion: iss = sub = client_id, aud = the token endpoint, a fresh jti, 5 minutes. */
export function clientAssertion({ privateKey, kid }, clientId, audience) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64u(JSON.stringify({ iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat: now, exp: now + 300 }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey); // RSASSA-PKCS1-v1_5
  return `${header}.${payload}.${b64u(signature)}`;
}

export const PROFILES = [
  {
    host: 'Claude',
    registration: 'DCR',
    authMethod: 'client_secret_post',
    era: '2026-07-28',
    sdk: 'client',
    scope: BASE_SCOPES,
    redirects: ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback'],
    register(ctx) {
      return dcr(ctx, { client_name: 'Claude', redirect_uris: this.redirects, token_endpoint_auth_method: 'client_secret_post', ...CODE_GRANTS });
    },
    redirectUri() { return this.redirects[0]; },
    tokenAuth(ctx, reg) {
      assert.ok(reg.clientSecret, 'a client_secret_post client gets a secret');
      return { client_secret: reg.clientSecret };
    },
    expectTools(tools, ctx) { expectTitlesAndUi(tools, ctx); },
  },
  {
    host: 'Claude Code',
    registration: 'CIMD',
    authMethod: 'none',
    era: '2026-07-28',
    sdk: 'client',
    scope: `${BASE_SCOPES} offline_access`,
    refreshes: true,
    register(ctx) {
      const clientId = ctx.fx.serve('/hosts/claude-code.json', (url) => ({
        client_id: url, client_name: 'Claude Code', token_endpoint_auth_method: 'none', ...CODE_GRANTS,
        redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
      }));
      return { clientId };
    },
    // The document's loopback redirects have no port; Claude Code binds any.
    redirectUri(ctx) { return `http://localhost:${ctx.port()}/callback`; },
    tokenAuth() { return {}; },
    expectTools(tools, ctx) { expectTitlesAndUi(tools, ctx); },
  },
  {
    host: 'ChatGPT',
    registration: 'CIMD',
    authMethod: 'private_key_jwt',
    era: '2025-06-18',
    sdk: 'sdk',
    scope: BASE_SCOPES,
    register(ctx) {
      const key = rsaKey();
      const jwksUri = ctx.fx.serve('/hosts/chatgpt/jwks.json', key.jwks);
      this.callback = `https://chatgpt.com/connector/oauth/${b64u(randomBytes(9))}`;
      const clientId = ctx.fx.serve('/hosts/chatgpt/client.json', (url) => ({
        client_id: url, client_name: 'ChatGPT', redirect_uris: [this.callback], ...CODE_GRANTS,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
        jwks_uri: jwksUri,
      }));
      return { clientId, key };
    },
    redirectUri() { return this.callback; },
    // A fresh assertion per token request: jti is single-use.
    tokenAuth(ctx, reg) {
      return {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion(reg.key, reg.clientId, ctx.as.token_endpoint),
      };
    },
    expectTools(tools, ctx) {
      const order = expectTitlesAndUi(tools, ctx);
      assert.equal(order._meta['openai/outputTemplate'], ctx.uiUri, 'openai/outputTemplate: the same ui:// resource');
      assert.equal(order._meta['openai/widgetAccessible'], true);
      // Developer mode treats a tool without readOnlyHint as a write tool.
      for (const t of tools) {
        for (const hint of ['readOnlyHint', 'destructiveHint', 'openWorldHint']) {
          assert.equal(typeof t.annotations?.[hint], 'boolean', `${t.name}: annotations.${hint}`);
        }
      }
    },
  },
  {
    host: 'Cursor',
    registration: 'DCR',
    authMethod: 'none',
    era: '2025-11-25',
    sdk: 'sdk',
    scope: BASE_SCOPES,
    redirects: [
      'cursor://anysphere.cursor-mcp/oauth/callback',
      'https://www.cursor.com/agents/mcp/oauth/callback',
      'http://localhost:8787/callback',
    ],
    register(ctx) {
      return dcr(ctx, { client_name: 'Cursor', redirect_uris: this.redirects, token_endpoint_auth_method: 'none', ...CODE_GRANTS });
    },
    redirectUri() { return this.redirects[0]; },
    tokenAuth() { return {}; },
    expectTools(tools, ctx) { expectTitlesAndUi(tools, ctx); },
  },
  {
    host: 'VS Code',
    registration: 'DCR',
    authMethod: 'none',
    era: '2025-11-25',
    sdk: 'sdk',
    scope: BASE_SCOPES,
    // microsoft/vscode#278512: what VS Code registers; 33418 is its default port.
    redirects: ['https://insiders.vscode.dev/redirect', 'https://vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'],
    register(ctx) {
      return dcr(ctx, { client_name: 'Visual Studio Code', redirect_uris: this.redirects, token_endpoint_auth_method: 'none', ...CODE_GRANTS });
    },
    // 33418 was taken: VS Code falls back to a random free port.
    redirectUri(ctx) { return `http://127.0.0.1:${ctx.port()}/`; },
    tokenAuth() { return {}; },
    expectTools(tools, ctx) { expectTitlesAndUi(tools, ctx); },
  },
];

// ------------------------------------------------------------ Inspector --

/**
 * The MCP Inspector: a web app on its own origin (http://localhost:6274 in
 * real life; the suite serves a stand-in page on another loopback port) that
 * does discovery, DCR, the token exchange and MCP with `fetch`, so every
 * answer it reads needs CORS, and the headers it reads must be exposed.
 */
export const INSPECTOR = {
  host: 'MCP Inspector',
  registration: 'DCR',
  authMethod: 'none',
  era: '2025-11-25',
  sdk: 'fetch in the page',
  scope: BASE_SCOPES,
  callbackPath: '/oauth/callback',
  metadata: (origin) => ({
    client_name: 'MCP Inspector', redirect_uris: [`${origin}/oauth/callback`, `${origin}/oauth/callback/debug`],
    token_endpoint_auth_method: 'none', ...CODE_GRANTS,
  }),
  /** Response headers a browser host reads, each checked wherever the worker sends it. */
  readHeaders: ['www-authenticate', 'mcp-session-id', 'mcp-protocol-version', 'dockyard-request-id'],
};

/**
 * Runs IN THE PAGE (page.evaluate; self-contained): one request with fetch.
 * Returns what the page's JS could read: `{ status, headers: {name: value
 * or null}, text }`, or `{ error }` when fetch failed (a CORS refusal is a
 * TypeError).
 */
export async function fetchInPage({ url, method = 'GET', headers = {}, body, readHeaders }) {
  try {
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(readHeaders.map((h) => [h, res.headers.get(h)])), text };
  } catch (e) {
    return { error: String(e) };
  }
}
