// Sandbox module 2 of 3: the isolate's main module and its one RPC
// entrypoint. `setup.mjs` is imported first, so its wrappers are in place
// before the handler's module (`handler.js`, the Type's `code.source`) is
// evaluated; a syntax error in the handler fails the load itself, with its
// `handler.js:<line>:<col>` (src/tools/code_plan.rs maps it to the 422).
//
// Secrets and the caller arrive with each call (`run(payload)`), never in
// the isolate's `env`, so a cached isolate holds no secret and a changed
// secret is seen on the next call. The answer goes back as JSON text:
// src/tools/code_plan.rs decides what it means.
import { current } from './setup.js';
import * as handler from './handler.js';
import { WorkerEntrypoint } from 'cloudflare:workers';

const entry = handler.default;

export default class Runner extends WorkerEntrypoint {
  /** What the save check needs to know: is there a default export with run()? */
  describe() {
    return { hasDefault: entry !== undefined && entry !== null, hasRun: typeof entry?.run === 'function' };
  }

  async run(payload) {
    const call = { limits: payload.limits, subrequests: 0, logs: [], logBytes: 0, droppedLogs: 0 };
    const reply = await current.run(call, async () => {
      if (typeof entry?.run !== 'function') return { ok: false, kind: 'no_run' };
      try {
        const value = await entry.run(payload.args, payload.env);
        try {
          return { ok: true, json: JSON.stringify(value) ?? null };
        } catch (e) {
          return { ok: false, kind: 'unserializable', message: String(e?.message ?? e) };
        }
      } catch (e) {
        const name = typeof e?.name === 'string' ? e.name : 'Error';
        return { ok: false, kind: 'threw', name, message: String(e?.message ?? e) };
      }
    });
    return { ...reply, logs: call.logs, droppedLogs: call.droppedLogs, subrequests: call.subrequests };
  }
}
