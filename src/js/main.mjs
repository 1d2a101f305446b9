// The Worker's main module (wrangler.toml `main`). It is worker-build's
// shim (the Rust Worker: fetch, queue, scheduled, the Durable Objects),
// re-exported unchanged, plus one thing workers-rs cannot declare: the
// `Gateway` entrypoint, the `globalOutbound` of every code-tool sandbox
// (src/tools/code.rs). Every decision stays in Rust; this file only moves
// bytes:
// - the Rust side builds the policy (the effective allowed hosts, the dev
//   flag, the deadline) and passes it as the entrypoint's `props` when it
//   loads a sandbox (`ctx.exports.Gateway({ props })`);
// - each fetch a handler makes arrives here and goes to the Rust function
//   `codeGatewayFetch` (src/tools/code_gateway.rs), which checks the URL
//   (allowlist, SSRF guard) and makes the one bounded request;
// - a refusal is a 403 with `Dockyard-Refused: 1`, which the sandbox's own
//   fetch wrapper (src/js/setup.mjs) turns into a TypeError the handler sees.
//
// `codeGatewayFetch` is a wasm-bindgen export, and worker-build makes every
// such export an RPC method of the default entrypoint. It is taken off that
// prototype here so that only this class can call it (a service binding to
// this Worker cannot use it as an open proxy).
import { WorkerEntrypoint } from 'cloudflare:workers';
import RustWorker from '../../build/worker/shim.mjs';

export * from '../../build/worker/shim.mjs';
export default RustWorker;

const gatewayFetch = RustWorker.prototype.codeGatewayFetch;
delete RustWorker.prototype.codeGatewayFetch;

// Statuses whose Response must not carry a body.
const NO_BODY = new Set([101, 204, 205, 304]);

export class Gateway extends WorkerEntrypoint {
  async fetch(request) {
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    const answer = await gatewayFetch(JSON.stringify(this.ctx.props ?? {}), request.method, request.url,
      [...request.headers], body);
    if (answer.refused !== undefined) {
      return new Response(answer.refused, { status: 403, headers: { 'Dockyard-Refused': '1' } });
    }
    const payload = NO_BODY.has(answer.status) ? null : answer.body;
    return new Response(payload, { status: answer.status, headers: answer.headers });
  }
}
