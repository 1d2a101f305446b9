// The MCP requests the bench sends, the same bytes to every server: the
// 2026-07-28 stateless wire (the `_meta` envelope and the SEP-2243 headers,
// built by tests/mcp-fixtures.mjs), a `tools/call` of the interactive
// `show_card` tool and a `tools/list`. `expect` is what a correct answer
// contains; wrk's Lua script counts every other answer as an error.
import { ACCEPT, interactiveType, modernHeaders, modernMeta, readReply } from '../../tests/mcp-fixtures.mjs';

export const CARD_ARGS = { id: 'card-1' };

/** Dockyard's Type for the call: the anchor's zod schema says the same. */
export const showCard = () => interactiveType('show_card', {
  title: 'Card',
  description: 'Shows one card as an interactive card.',
  input_schema: {
    type: 'object',
    properties: { id: { type: 'string', minLength: 1 } },
    required: ['id'],
    additionalProperties: false,
  },
});

function rpc(method, params, token) {
  const headers = { 'content-type': 'application/json', accept: ACCEPT, ...modernHeaders(method, params) };
  if (token) headers.authorization = `Bearer ${token}`;
  const meta = { ...modernMeta(), 'io.modelcontextprotocol/clientInfo': { name: 'dockyard-bench', version: '1.0.0' } };
  return { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } }) };
}

/** `tools/call show_card {id: "card-1"}`; the answer carries the arguments back. */
export const callCard = (token) => ({
  ...rpc('tools/call', { name: 'show_card', arguments: CARD_ARGS }, token),
  expect: '"structuredContent":{"id":"card-1"}',
});

/** `tools/list`; the answer names the tool. */
export const listTools = (token) => ({ ...rpc('tools/list', {}, token), expect: '"name":"show_card"' });

/** Sends one request with fetch; throws with what the server said unless it is a correct answer. */
export async function probe(label, url, request) {
  const t0 = performance.now();
  const res = await fetch(url, { method: request.method, headers: request.headers, body: request.body });
  const reply = await readReply(res);
  const ms = performance.now() - t0;
  if (reply.status !== 200 || !reply.text.includes(request.expect)) {
    throw new Error(`${label}: ${reply.status} ${reply.text.slice(0, 600)} (expected ${request.expect})`);
  }
  return ms;
}
