// Seeds the local demo through the public management API, idempotently: the
// owner owner@acme.test (password from .dev.vars), org `acme`, and project
// `demo` with the tools of scripts/demo/project.mjs, published as 1.0.0, plus
// an unpublished draft change on top. Prints the URLs and the owner's login.
//
// Usage: node scripts/seed.mjs <server-url> <public-url>   (DEV_SERVER_PID: stop waiting when
// that process, wrangler dev, exits)
// (`seedDemo` is also what tests/demo/seed.test.mjs runs, twice.)
//
// Idempotence: every step first looks at what is there and does only what is
// missing, so a re-run creates nothing twice and leaves a person's own edits
// alone:
// - the org and the project: created when the API does not have them (409 = there);
// - release 1.0.0: only while the project has no version at all; its Types and
//   Instructions go into the draft only where the draft lacks them; the
//   project is made public in that same step, once (see below);
// - the draft change: only while 1.0.0 is the one version and the draft is
//   identical to it (a draft someone changed, or a later publish, is left alone).
//
// Why the demo is public: a first user pastes the production URL into a host
// (or the MCP Inspector) and sees tools at once, without an account; the draft
// URL always needs a member's token, so the same demo also walks through the
// real OAuth sign-in and consent with the printed owner login. A private
// production endpoint would teach nothing the draft does not, and would put
// the first contact behind a browser sign-in.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DRAFT_CHANGE, RELEASE } from './demo/project.mjs';

export const DEMO = { email: 'owner@acme.test', org: 'acme', project: 'demo' };

/** A small JSON client for the management API with the Studio's Origin. */
function api(server, publicUrl) {
  let cookie = null;
  const call = async (method, path, body) => {
    const headers = { 'content-type': 'application/json', origin: publicUrl };
    if (cookie) headers.cookie = cookie;
    const res = await fetch(`${server}${path}`, { method, headers, body: body && JSON.stringify(body) });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch { json = {}; }
    return { status: res.status, body: json, res };
  };
  const expect = async (method, path, body, ok) => {
    const r = await call(method, path, body);
    if (!ok.includes(r.status)) throw new Error(`seed: ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  return { call, expect, signIn: (c) => { cookie = c; } };
}

/** The tool names a client without a token gets from `tools/list` (null: the endpoint wants a token). */
async function anonymousTools(url) {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'dockyard-seed', version: '1.0.0' },
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } }),
  });
  if (res.status === 401) return null;
  const body = await res.json().catch(() => ({}));
  return (body.result?.tools ?? []).map((t) => t.name);
}

/**
 * Seeds the demo on `server` (reached directly) whose canonical origin is
 * `publicUrl`. Returns what it did (`seeded`, empty on a re-run) and what a
 * host will see.
 */
export async function seedDemo({ server, publicUrl, password, bootstrapSecret, email = DEMO.email }) {
  const { org, project } = DEMO;
  const { call, expect, signIn } = api(server, publicUrl);
  const seeded = [];

  // 403: the instance already has its first account.
  const signup = await expect('POST', '/api/v1/signup',
    { email, password, name: 'Acme Owner', bootstrap_secret: bootstrapSecret }, [201, 403]);
  if (signup.status === 201) seeded.push(`owner ${email}`);
  const login = await call('POST', '/api/v1/login', { email, password });
  if (login.status !== 200) {
    throw new Error(`seed: login failed (${login.status}): is .dev.vars from another state dir? ${JSON.stringify(login.body)}`);
  }
  signIn(login.res.headers.get('set-cookie').split(';')[0]);

  if ((await expect('POST', '/api/v1/orgs', { slug: org, name: 'Acme' }, [201, 409])).status === 201) seeded.push(`org ${org}`);
  const P = `/api/v1/orgs/${org}/projects/${project}`;
  if ((await expect('POST', `/api/v1/orgs/${org}/projects`, { slug: project, name: 'Demo' }, [201, 409])).status === 201) {
    seeded.push(`project ${org}/${project}`);
  }

  let versions = (await expect('GET', `${P}/versions`, undefined, [200])).body.versions;
  if (versions.length === 0) {
    const draft = (await expect('GET', `${P}/draft`, undefined, [200])).body;
    const have = new Set(draft.types.map((t) => t.name));
    for (const doc of RELEASE.types) {
      if (!have.has(doc.name)) await expect('PUT', `${P}/draft/types/${doc.name}`, doc, [201]);
    }
    if (draft.instructions === '') await expect('PUT', `${P}/draft/instructions`, { instructions: RELEASE.instructions }, [200]);
    await expect('POST', `${P}/publish`, { version: RELEASE.version, notes: RELEASE.notes }, [201]);
    await expect('PATCH', P, { visibility: 'public' }, [200]);
    seeded.push(`release ${RELEASE.version} (${RELEASE.types.map((t) => t.name).join(', ')}), public`);
    versions = (await expect('GET', `${P}/versions`, undefined, [200])).body.versions;
  }

  if (versions.length === 1 && versions[0].version === RELEASE.version) {
    const { diff } = (await expect('GET', `${P}/draft/diff`, undefined, [200])).body;
    const same = !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.instructions_changed;
    if (same) {
      for (const doc of DRAFT_CHANGE.types) await expect('PUT', `${P}/draft/types/${doc.name}`, doc, [200, 201]);
      await expect('PUT', `${P}/draft/instructions`, { instructions: DRAFT_CHANGE.instructions }, [200]);
      seeded.push(`draft change (+ ${DRAFT_CHANGE.types.map((t) => t.name).join(', ')}, Instructions)`);
    }
  }

  const draftTools = (await expect('GET', `${P}/draft`, undefined, [200])).body.types.map((t) => t.name).sort();
  const productionUrl = `${publicUrl}/${org}/${project}`;
  return {
    seeded,
    email,
    password,
    draftUrl: `${productionUrl}/draft`,
    productionUrl,
    studioUrl: `${publicUrl}/studio`,
    version: versions.find((v) => v.production)?.version ?? null,
    productionTools: await anonymousTools(`${server}/${org}/${project}`),
    draftTools,
  };
}

/** The data-tools demo project (`acme/data`): public, published, no UI. */
export const DATA_DEMO = { project: 'data', secret: 'SIGNING' };

/** `order_status`: an http Type calling the demo backend (scripts/demo-upstream.mjs). */
export function orderStatusType(upstreamUrl) {
  return {
    name: 'order_status',
    title: 'Order status',
    description: 'Looks up an order in the shop backend: its status, carrier and ETA. Known orders: A-1001, A-1002, A-1003.',
    kind: 'http',
    input_schema: {
      type: 'object',
      properties: { order_id: { type: 'string', description: 'The order number, e.g. A-1001' } },
      required: ['order_id'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    scopes: [],
    http: { url: `${upstreamUrl}/orders/status`, secret: DATA_DEMO.secret, timeout_ms: 5000 },
  };
}

/** The handler of `convert_units` (a code Type: it runs in a sandbox isolate). */
export const CONVERT_UNITS_SOURCE = `// Converts a length, mass or temperature between units.
const LINEAR = {
  length: { m: 1, km: 1000, cm: 0.01, mm: 0.001, mi: 1609.344, yd: 0.9144, ft: 0.3048, in: 0.0254 },
  mass: { kg: 1, g: 0.001, lb: 0.45359237, oz: 0.028349523125 },
};
const TEMPERATURE = {
  C: { toK: (v) => v + 273.15, fromK: (k) => k - 273.15 },
  F: { toK: (v) => (v - 32) * 5 / 9 + 273.15, fromK: (k) => (k - 273.15) * 9 / 5 + 32 },
  K: { toK: (v) => v, fromK: (k) => k },
};

export default {
  async run({ value, from, to }) {
    if (TEMPERATURE[from] && TEMPERATURE[to]) {
      return { value: round(TEMPERATURE[to].fromK(TEMPERATURE[from].toK(value))), unit: to, quantity: 'temperature' };
    }
    for (const [quantity, units] of Object.entries(LINEAR)) {
      if (units[from] && units[to]) return { value: round(value * units[from] / units[to]), unit: to, quantity };
    }
    throw new RangeError(\`cannot convert \${from} to \${to}\`);
  },
};

const round = (v) => Math.round(v * 1e6) / 1e6;
`;

/** `convert_units`: a code Type (no upstream, no secret). */
export function convertUnitsType() {
  return {
    name: 'convert_units',
    title: 'Convert units',
    description: 'Converts a length (m, km, cm, mm, mi, yd, ft, in), a mass (kg, g, lb, oz) or a temperature (C, F, K) from one unit to another.',
    kind: 'code',
    input_schema: {
      type: 'object',
      properties: {
        value: { type: 'number', description: 'The amount, e.g. 5' },
        from: { type: 'string', description: 'The unit of value, e.g. km' },
        to: { type: 'string', description: 'The unit wanted, e.g. mi' },
      },
      required: ['value', 'from', 'to'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    scopes: [],
    code: { source: CONVERT_UNITS_SOURCE, allowed_hosts: [], timeout_ms: 2000 },
  };
}

/**
 * Seeds `acme/data` with the data tools (idempotently, like `seedDemo`; it
 * runs after it, signed in the same way): the project secret the backend
 * verifies (set on every run, the same value), the http Type, the first
 * publish, public.
 */
export async function seedDataDemo({ server, publicUrl, password, email = DEMO.email, upstreamUrl, upstreamSecret }) {
  const { call, expect, signIn } = api(server, publicUrl);
  const login = await call('POST', '/api/v1/login', { email, password });
  if (login.status !== 200) throw new Error(`seed: login failed (${login.status})`);
  signIn(login.res.headers.get('set-cookie').split(';')[0]);
  const seeded = [];
  const P = `/api/v1/orgs/${DEMO.org}/projects/${DATA_DEMO.project}`;
  if ((await expect('POST', `/api/v1/orgs/${DEMO.org}/projects`, { slug: DATA_DEMO.project, name: 'Data tools demo' }, [201, 409])).status === 201) {
    seeded.push(`project ${DEMO.org}/${DATA_DEMO.project}`);
  }
  await expect('PUT', `${P}/secrets/${DATA_DEMO.secret}`, { value: upstreamSecret }, [200, 201, 204]);
  const types = [orderStatusType(upstreamUrl)];
  types.push(convertUnitsType());
  const versions = (await expect('GET', `${P}/versions`, undefined, [200])).body.versions;
  if (versions.length === 0) {
    const have = new Set((await expect('GET', `${P}/draft`, undefined, [200])).body.types.map((t) => t.name));
    for (const doc of types) if (!have.has(doc.name)) await expect('PUT', `${P}/draft/types/${doc.name}`, doc, [201]);
    await expect('POST', `${P}/publish`, { version: '1.0.0', notes: 'Data tools demo' }, [201]);
    await expect('PATCH', P, { visibility: 'public' }, [200]);
    seeded.push(`release 1.0.0 of ${DATA_DEMO.project} (${types.map((t) => t.name).join(', ')}), public`);
  }
  return { seeded, dataUrl: `${publicUrl}/${DEMO.org}/${DATA_DEMO.project}`, dataTools: types.map((t) => t.name) };
}

/** The banner `npm run dev` prints. */
export function banner(s) {
  const production = s.productionTools === null
    ? `${s.version ?? 'no version'}, private: connect with OAuth`
    : `${s.version}, public: ${s.productionTools.join(', ') || 'no tools'}`;
  const unpublished = s.draftTools.filter((t) => !(s.productionTools ?? []).includes(t));
  const draft = `${s.draftTools.join(', ') || 'no tools'}${unpublished.length && s.productionTools ? ` (unpublished: ${unpublished.join(', ')})` : ''}`;
  return `
  Dockyard is running (local workerd, D1 and Durable Objects in .wrangler/state)

  Draft endpoint       ${s.draftUrl}
                       sign in with the owner login; tools: ${draft}
  Production endpoint  ${s.productionUrl}
                       ${production}
  Studio               ${s.studioUrl}
  Owner login          ${s.email} / ${s.password}

  ${s.seeded.length ? `Seeded now: ${s.seeded.join('; ')}.` : 'Nothing to seed: the demo was already there.'}
  Ctrl-C stops the server.
`;
}

/**
 * Waits for /healthz. With `serverPid` (wrangler's, from scripts/dev.sh) it
 * waits as long as that process lives (a first build on a busy machine can take
 * many minutes) and stops when it exits; without it, at most 10 minutes.
 */
async function waitForServer(server, serverPid) {
  const deadline = serverPid ? Infinity : Date.now() + 10 * 60 * 1000;
  const alive = () => {
    try { process.kill(serverPid, 0); return true; } catch { return false; }
  };
  for (;;) {
    if (serverPid && !alive()) throw new Error('wrangler dev exited before the worker answered: see its output above');
    try {
      const res = await fetch(`${server}/healthz`);
      if (res.ok) return;
      if (res.status === 503) throw new Error(`server misconfigured: ${await res.text()}`);
    } catch (e) {
      if (String(e.message).startsWith('server misconfigured')) throw e;
    }
    if (Date.now() > deadline) throw new Error('the worker did not start in time');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function readDevVars() {
  return Object.fromEntries(
    readFileSync('.dev.vars', 'utf8')
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [server, publicUrl] = process.argv.slice(2);
  const vars = readDevVars();
  await waitForServer(server, Number(process.env.DEV_SERVER_PID) || null);
  const summary = await seedDemo({ server, publicUrl, password: vars.SEED_OWNER_PASSWORD, bootstrapSecret: vars.BOOTSTRAP_SECRET });
  console.log(banner(summary));
  if (process.env.DEMO_UPSTREAM_URL) {
    const { demoUpstreamSecret } = await import('./demo-upstream.mjs');
    const data = await seedDataDemo({
      server, publicUrl, password: vars.SEED_OWNER_PASSWORD,
      upstreamUrl: process.env.DEMO_UPSTREAM_URL, upstreamSecret: demoUpstreamSecret(vars.SECRETS_KEY),
    });
    console.log(`  Data tools endpoint  ${data.dataUrl}\n                       public; tools: ${data.dataTools.join(', ')} `
      + `(backend ${process.env.DEMO_UPSTREAM_URL}, signed calls)\n`);
  }
}
