// Sandbox module 1 of 3 (src/tools/code.rs loads it with runner.mjs and the
// handler's source). It is evaluated before the handler's module, so the
// handler only ever sees these wrappers:
// - `fetch` works only while `run()` runs, counts the call's subrequests
//   against its cap, and turns the gateway's refusal (a 403 with
//   `Dockyard-Refused: 1`, src/js/main.mjs) into a TypeError naming why. The
//   gateway enforces the hosts and the SSRF guard whatever happens here.
// - `console.*` lines go to the current call's bounded log (the audit
//   record), not to the Worker's log.
// The current call is found through AsyncLocalStorage, so two calls running
// at once in one isolate keep their counts and logs apart.
import { AsyncLocalStorage } from 'node:async_hooks';

export const current = new AsyncLocalStorage();

const upstream = globalThis.fetch;
globalThis.fetch = async function fetch(input, init) {
  const call = current.getStore();
  if (!call) throw new TypeError('dockyard: fetch is only available while run() is running');
  if (call.subrequests >= call.limits.subrequests) {
    throw new TypeError(`dockyard: fetch refused: more than ${call.limits.subrequests} subrequests in one call`);
  }
  call.subrequests += 1;
  const response = await upstream(input, init);
  if (response.status === 403 && response.headers.get('Dockyard-Refused') === '1') {
    throw new TypeError(`dockyard: fetch refused: ${await response.text()}`);
  }
  return response;
};

function show(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    const call = current.getStore();
    if (!call) return;
    const { lines, bytes } = call.limits;
    if (call.logs.length >= lines || call.logBytes >= bytes) {
      call.droppedLogs += 1;
      return;
    }
    const line = `${level}: ${args.map(show).join(' ')}`.slice(0, bytes - call.logBytes);
    call.logBytes += line.length;
    call.logs.push(line);
  };
}
