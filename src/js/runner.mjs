// Sandbox module 2 of 3: the isolate's main module and its one RPC
// entrypoint. `setup.mjs` is imported first, so its wrappers are in place
// before the handler's module (`handler.js`, the Type's `code.source`) is
// evaluated; a syntax error in the handler fails the load itself, with its
// `handler.js:<line>:<col>` (src/tools/code_plan.rs maps it to the 422).
//
// The call's wall clock (`payload.deadlineMs`, the Type's timeout_ms) runs
// here too: when the handler has not finished by then, the answer is
// `{kind: 'timeout'}` with the console lines captured so far, which the
// parent's own timer (a little later, src/tools/code.rs) could not keep.
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
    const work = current.run(call, async () => {
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
    let timer;
    const deadline = new Promise((resolve) => {
      if (payload.deadlineMs > 0) timer = setTimeout(() => resolve({ ok: false, kind: 'timeout' }), payload.deadlineMs);
    });
    const reply = await Promise.race([work, deadline]);
    clearTimeout(timer);
    // A copy: a timed-out handler may go on logging into `call.logs`.
    return { ...reply, logs: [...call.logs], droppedLogs: call.droppedLogs, subrequests: call.subrequests };
  }
}
