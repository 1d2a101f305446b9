// The TypeScript stack a user would pick instead of Dockyard, written from the
// packages' own docs (agents/docs/mcp-servers.md and securing-mcp-servers.md,
// workers-oauth-provider's docs/consent-page.md, ext-apps' server helpers):
//
// - `OAuthProvider` (@cloudflare/workers-oauth-provider) is the authorization
//   server (DCR, token, refresh rotation) and validates the Bearer token of
//   every request to /mcp against its KV store;
// - `createMcpHandler` (agents/mcp/server) serves a stateless MCP SDK v2
//   `McpServer` (@modelcontextprotocol/server), both protocol eras;
// - `show_card` is an MCP Apps tool (registerAppTool + registerAppResource),
//   the same interactive tool the bench calls on Dockyard: a required string
//   `id`, the arguments returned as structuredContent.
//
// The /authorize page is the docs' minimal consent page. It has no sign-in: a
// bench has one user, so the browser that approves is that user. Everything
// else is the library's. bench/run.mjs drives the flow: register, open the
// consent page, approve, exchange the code.
import {
  AuthorizationError,
  OAuthProvider,
  insufficientScope,
  type ConsentDescription,
  type OAuthHelpers,
  type OAuthResourceContext,
} from '@cloudflare/workers-oauth-provider';
import { RESOURCE_MIME_TYPE, registerAppResource, registerAppTool } from '@modelcontextprotocol/ext-apps/server';
import { McpServer } from '@modelcontextprotocol/server';
import { createMcpHandler } from 'agents/mcp/server';
import { env } from 'cloudflare:workers';
import { z } from 'zod';

interface Env {
  OAUTH_KV: KVNamespace;
  OAUTH_PROVIDER: OAuthHelpers;
  MCP_RESOURCE: string;
}

type Props = { userId: string };

const SCOPES = ['tools:read', 'tools:call'];
const CARD_URI = 'ui://bench/show_card';
const CARD_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>Card</title></head>'
  + '<body><main id="card">card</main><script>/* mcp-app */</script></body></html>';

function createServer() {
  const server = new McpServer({ name: 'bench-anchor-ts', version: '1.0.0' });
  registerAppTool(
    server,
    'show_card',
    {
      title: 'Card',
      description: 'Shows one card as an interactive card.',
      inputSchema: z.object({ id: z.string().min(1) }).strict(),
      annotations: { readOnlyHint: true },
      _meta: { ui: { resourceUri: CARD_URI } },
    },
    async (args) => ({
      content: [{
        type: 'text',
        text: 'Displayed "Card" (show_card) to the user with the given arguments; the data is in structuredContent.',
      }],
      structuredContent: args,
    }),
  );
  registerAppResource(server, 'Card', CARD_URI, {}, async () => ({
    contents: [{ uri: CARD_URI, mimeType: RESOURCE_MIME_TYPE, text: CARD_HTML }],
  }));
  return server;
}

const mcpHandler = createMcpHandler(createServer);

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function consentPage(details: ConsentDescription, handle: string): string {
  const name = escape(details.clientName);
  const scopes = details.scope
    .map((s) => `<label><input type="checkbox" name="scope" value="${escape(s)}" checked> ${escape(s)}</label>`)
    .join('<br>');
  return `<!doctype html>
<meta charset="utf-8">
<title>Authorize ${name}</title>
<h1>Allow ${name} to access your account?</h1>
<p>Access will be sent to <strong>${escape(details.redirectHost)}</strong>.</p>
<form method="post">
  <input type="hidden" name="handle" value="${escape(handle)}">
  ${scopes}
  <p><button name="decision" value="approve">Allow</button> <button name="decision" value="deny">Deny</button></p>
</form>`;
}

const authHandler: ExportedHandler<Env> = {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/authorize') return new Response('not found', { status: 404 });
    const oauth = env.OAUTH_PROVIDER;
    try {
      if (request.method === 'GET') {
        const authRequest = await oauth.parseAuthRequest(request);
        const details = await oauth.describeConsent(authRequest);
        const consent = await oauth.beginConsent(authRequest);
        consent.headers.set('Content-Type', 'text/html; charset=utf-8');
        return new Response(consentPage(details, consent.handle), { headers: consent.headers });
      }
      const form = await request.formData();
      const handle = String(form.get('handle'));
      if (form.get('decision') !== 'approve') {
        const denied = await oauth.denyConsent(request, handle);
        return new Response(null, { status: 302, headers: denied.headers });
      }
      const approved = await oauth.approveConsent(request, handle, { scope: form.getAll('scope').map(String) });
      const userId = 'bench-user';
      const { redirectTo } = await oauth.completeAuthorization({
        request: approved.request,
        userId,
        metadata: {},
        scope: approved.request.scope,
        props: { userId } satisfies Props,
      });
      approved.headers.set('Location', redirectTo);
      return new Response(null, { status: 302, headers: approved.headers });
    } catch (error) {
      if (error instanceof AuthorizationError && error.redirectTo) return Response.redirect(error.redirectTo, 302);
      if (error instanceof AuthorizationError) {
        return new Response(escape(error.description), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      }
      throw error;
    }
  },
};

export default new OAuthProvider<Env>({
  authorizeEndpoint: '/authorize',
  tokenEndpoint: '/oauth/token',
  clientRegistrationEndpoint: '/oauth/register',
  scopesSupported: SCOPES,
  requiredScopes: SCOPES,
  apiRoute: '/mcp',
  apiHandler: {
    fetch(request: Request, env: Env, ctx: OAuthResourceContext<Props>) {
      if (!SCOPES.every((s) => ctx.auth.scope.includes(s))) return insufficientScope(ctx.auth, SCOPES);
      return mcpHandler(request, env, ctx);
    },
  },
  defaultHandler: authHandler,
  // The URL MCP clients connect to. Every token is bound to it.
  resourceMetadata: { resource: (env as unknown as Env).MCP_RESOURCE },
});
