// OAuth flow driver for the e2e suites (tests/oauth/*.test.mjs and any later
// suite that needs an access token): the real flow over plain HTTP, the way a
// browser and an MCP client would drive it.
//
//   const t = await getTokens(w, member, { resource: `${w.url}/acme/shop/draft` });
//   await mcp(t.resource, t.access_token, 'tools/list');      // 200, tools
//   const again = await refresh(w, { refreshToken: t.refresh_token, clientId: t.clientId });
//
// Building blocks, each returning what the server said (nothing here asserts):
//   registerClient   POST /oauth/register (DCR), from a fresh fake IP by default
//   pkcePair         an S256 verifier/challenge pair
//   authorize        GET /oauth/authorize -> (sign-in form -> POST /studio/login)
//                    -> consent form -> POST allow/deny -> the redirect Location
//   openConsent / submitConsent   the two halves, for tests that tamper in between
//   exchangeCode / refresh / revokeToken   /oauth/token and /oauth/revoke (form-encoded)
//   mcp              a JSON-RPC request to an endpoint with `Authorization: Bearer`
//   decodeJwt / signJwt / seedKeys         JWT inspection and forging (Ed25519 seeds)
//   startCimdFixture  an HTTPS server on 127.0.0.1 serving Client ID Metadata
//                     Documents (call it BEFORE startWorker: it makes workerd
//                     trust its throwaway CA through NODE_EXTRA_CA_CERTS)
//
// `user` (who is at the browser) is either a harness Client that is already
// signed in (its cookie jar is the browser's), or `{ email, password }`: a fresh
// browser that meets the sign-in form and fills it in.
import {
  constants as cryptoConstants, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID,
  sign as edSign,
} from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from './harness.mjs';
import assert from 'node:assert/strict';
import {
  modern, orderCard, interactiveType, uniq, createOrg, createProject, putType, putInstructions, publish, deleteType, ownerOf,
  startMcpWorker,
} from './mcp-fixtures.mjs';

export const BASE_SCOPES = 'tools:read tools:call';
export const DEFAULT_REDIRECT = 'https://app.example.test/oauth/callback';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

// ------------------------------------------------------------------ misc --

let ipSeq = 0;
/** A fake client IP no other call uses (198.19.0.0/16), so per-IP limiters never couple tests. */
export const freshIp = () => { const n = ++ipSeq; return `198.19.${(n >> 8) & 255}.${n & 255}`; };

/** An S256 PKCE pair. */
export function pkcePair() {
  const verifier = b64u(randomBytes(48)); // 64 characters of [A-Za-z0-9-_]
  return { verifier, challenge: b64u(createHash('sha256').update(verifier).digest()), method: 'S256' };
}

export const randomState = () => b64u(randomBytes(12));

/** Decodes the HTML escapes `http::html::escape` produces (plus numeric ones). */
export function unescapeHtml(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The forms of an HTML page: `[{ action, method, fields: [[name, value]], buttons: [[name, value, label]] }]`.
 * Hidden and visible inputs both land in `fields` (in document order).
 */
export function parseForms(html) {
  const forms = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attr = (tag, name) => {
      const a = tag.match(new RegExp(`\\b${name}="([^"]*)"`, 'i'));
      return a ? unescapeHtml(a[1]) : undefined;
    };
    const fields = [];
    for (const i of m[2].matchAll(/<input\b([^>]*)>/gi)) {
      const name = attr(i[1], 'name');
      if (name !== undefined) fields.push([name, attr(i[1], 'value') ?? '', attr(i[1], 'type') ?? 'text']);
    }
    const buttons = [];
    for (const b of m[2].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      buttons.push([attr(b[1], 'name'), attr(b[1], 'value'), unescapeHtml(b[2].trim())]);
    }
    forms.push({
      action: attr(m[1], 'action'), method: (attr(m[1], 'method') ?? 'get').toLowerCase(),
      fields: fields.map(([n, v]) => [n, v]), hidden: fields.filter((f) => f[2] === 'hidden').map(([n, v]) => [n, v]), buttons,
    });
  }
  return forms;
}

/** A browser-like form POST (urlencoded) with `client`'s cookies and Origin. */
export function postForm(client, path, fields, headers = {}) {
  return client.request('POST', path, {
    raw: true,
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

// ------------------------------------------------------------ registration --

/**
 * DCR. `metadata` is sent as is (an object is JSON-encoded; a string is sent
 * raw). Defaults: a public client with one https redirect URI.
 * Returns `{ status, body, headers, text, clientId, clientSecret }`.
 */
export async function registerClient(w, metadata = {}, { ip = freshIp(), raw = false } = {}) {
  const doc = raw ? metadata : {
    client_name: 'Dockyard test client',
    redirect_uris: [DEFAULT_REDIRECT],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...metadata,
  };
  const res = await fetch(`${w.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: typeof doc === 'string' ? doc : JSON.stringify(doc),
  });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.status, headers: res.headers, text, body, clientId: body?.client_id, clientSecret: body?.client_secret };
}

// --------------------------------------------------------------- authorize --

/**
 * The `/oauth/authorize` query for `opts`:
 * `{ clientId, redirectUri, resource, scope, state, pkce, challengeMethod, responseType, extra, omit }`.
 * `pkce` defaults to a fresh pair (returned in `.pkce`); `omit` drops parameters;
 * `extra` adds or overrides (array of pairs or object).
 */
export function authorizeQuery(opts) {
  const pkce = opts.pkce ?? pkcePair();
  const params = new URLSearchParams();
  const set = (k, v) => { if (v !== undefined && v !== null && !(opts.omit ?? []).includes(k)) params.set(k, v); };
  set('response_type', opts.responseType ?? 'code');
  set('client_id', opts.clientId);
  set('redirect_uri', opts.redirectUri ?? DEFAULT_REDIRECT);
  set('code_challenge', pkce.challenge);
  set('code_challenge_method', opts.challengeMethod ?? 'S256');
  set('resource', opts.resource);
  set('scope', opts.scope ?? BASE_SCOPES);
  set('state', opts.state === undefined ? randomState() : opts.state);
  const extra = Array.isArray(opts.extra) ? opts.extra : Object.entries(opts.extra ?? {});
  for (const [k, v] of extra) params.append(k, v);
  return { query: params.toString(), pkce, state: params.get('state') };
}

/** A browser for `user`: its own jar for a signed-in Client, a fresh one for credentials. */
function browserFor(w, user) {
  if (user instanceof Client) return { browser: user, creds: null };
  return { browser: w.client(), creds: user ?? null };
}

const isSignIn = (page) => page.status === 200 && /action="\/studio\/login"/.test(page.text);
const isConsent = (page) => page.status === 200 && /action="\/oauth\/authorize"/.test(page.text);

/**
 * GET /oauth/authorize and, if the sign-in form comes back and `user` carries
 * credentials, sign in through it (POST /studio/login with its hidden `next`,
 * then follow the 303). Returns
 * `{ browser, query, pkce, state, signIn, page, consent }` where `page` is the
 * last response (consent form, refusal page or redirect), `signIn` the sign-in
 * page if one was shown (with `.next` and `.login`: the login POST's response),
 * and `consent` the parsed consent form (or null).
 */
export async function openConsent(w, user, opts) {
  const q = authorizeQuery(opts);
  return { ...q, ...(await openPath(w, user, `/oauth/authorize?${q.query}`, opts.headers)) };
}

async function openPath(w, user, path, headers) {
  const { browser, creds } = browserFor(w, user);
  let page = await browser.get(path, { headers });
  let signIn = null;
  if (isSignIn(page) && creds) {
    signIn = page;
    const form = parseForms(page.text).find((f) => f.action === '/studio/login');
    const next = form.fields.find(([n]) => n === 'next')?.[1];
    signIn.next = next;
    signIn.login = await postForm(browser, '/studio/login', [['next', next], ['email', creds.email], ['password', creds.password]]);
    const to = signIn.login.headers.get('location');
    if (signIn.login.status !== 303 || !to) return { browser, path, signIn, page: signIn.login, consent: null };
    page = await browser.get(to);
  }
  const consent = isConsent(page) ? parseForms(page.text).find((f) => f.action === '/oauth/authorize') : null;
  return { browser, path, signIn, page, consent };
}

/**
 * POSTs the consent form back with `decision` ("allow"/"deny"). `mutate(fields)`
 * may return changed fields (drop csrf, alter a parameter); `headers` overrides
 * request headers (e.g. a foreign Origin).
 */
export async function submitConsent(browser, consent, decision = 'allow', { mutate, headers = {} } = {}) {
  let fields = consent.fields.filter(([n]) => n !== 'decision');
  fields.push(['decision', decision]);
  if (mutate) fields = mutate(fields);
  return postForm(browser, '/oauth/authorize', fields, headers);
}

/** The authorization response in a redirect Location: `{ url, params, code, state, iss, error, error_description }`. */
export function parseRedirect(location) {
  if (!location) return null;
  const url = new URL(location);
  const p = url.searchParams;
  return {
    url, params: p, code: p.get('code'), state: p.get('state'), iss: p.get('iss'),
    error: p.get('error'), error_description: p.get('error_description'),
  };
}

/**
 * The whole browser leg: open (signing in if needed), then Authorize or Deny.
 * Returns `openConsent`'s result plus `response` (the POST's answer, when the
 * consent form was reached), `redirect` (the parsed Location of the final
 * redirect, if any — also when `/oauth/authorize` redirected straight away —
 * or, for an error, the Continue link of the interstitial page) and
 * `interstitial` (true when the error was offered on that page).
 */
export async function authorize(w, user, opts = {}) {
  return finish(await openConsent(w, user, opts), opts.decision);
}

/**
 * The browser leg from an authorization URL a client built (an MCP SDK's
 * `redirectToAuthorization(url)`): same result shape as `authorize`.
 */
export async function followAuthorization(w, user, authorizationUrl, { decision = 'allow' } = {}) {
  const u = new URL(authorizationUrl);
  if (u.origin !== w.url) throw new Error(`authorization URL on another origin: ${u}`);
  return finish(await openPath(w, user, u.pathname + u.search), decision);
}

/**
 * The Continue link of the interstitial an authorization error for an
 * untrusted client is shown on (RFC 9700 4.11.2), unescaped; null for any
 * other page.
 */
export function continueLink(page) {
  if (page.status !== 400 || !/could not be authorized: /.test(page.text ?? '')) return null;
  const m = page.text.match(/<a class="button" href="([^"]*)">Continue<\/a>/);
  return m ? unescapeHtml(m[1]) : null;
}

/**
 * Where the browser ends up: a 302's Location, or the Continue link of the
 * error interstitial (what a person clicks), with `interstitial` telling which.
 */
function landing(r) {
  if (r.status === 302) return { redirect: parseRedirect(r.headers.get('location')), interstitial: false };
  const link = continueLink(r);
  return { redirect: parseRedirect(link), interstitial: Boolean(link) };
}

async function finish(open, decision = 'allow') {
  if (!open.consent) return { ...open, response: null, ...landing(open.page) };
  const response = await submitConsent(open.browser, open.consent, decision);
  return { ...open, response, ...landing(response) };
}

// ------------------------------------------------------------- token calls --

/** Every /oauth/token and /oauth/revoke response seen, for the Cache-Control check. */
export const tokenLog = [];

async function formPost(w, path, fields, headers = {}) {
  const res = await fetch(`${w.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)).toString(),
  });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  const out = { status: res.status, headers: res.headers, text, body };
  tokenLog.push({ path, status: res.status, cacheControl: res.headers.get('cache-control'), grant: fields.grant_type });
  return out;
}

/** POST /oauth/token, grant_type=authorization_code. `extra` adds/overrides fields. */
export function exchangeCode(w, { code, verifier, clientId, redirectUri = DEFAULT_REDIRECT, resource, clientSecret, extra = {}, headers } = {}) {
  return formPost(w, '/oauth/token', {
    grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId,
    redirect_uri: redirectUri, resource, client_secret: clientSecret, ...extra,
  }, headers);
}

/** POST /oauth/token, grant_type=refresh_token. */
export function refresh(w, { refreshToken, clientId, clientSecret, resource, scope, extra = {}, headers } = {}) {
  return formPost(w, '/oauth/token', {
    grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId,
    client_secret: clientSecret, resource, scope, ...extra,
  }, headers);
}

/** POST /oauth/revoke (RFC 7009). */
export function revokeToken(w, { token, clientId, hint, clientSecret } = {}) {
  return formPost(w, '/oauth/revoke', { token, client_id: clientId, token_type_hint: hint, client_secret: clientSecret });
}

// ------------------------------------------------------- the whole thing --

/**
 * "Authorize this client as this user and return tokens": registers a public
 * DCR client unless `opts.clientId` is given, runs the browser leg with
 * Authorize, and exchanges the code. Throws (with what the server said) when
 * any step does not succeed. Returns the token response fields plus
 * `{ clientId, redirectUri, resource, verifier, claims, header, grantId, state, iss }`.
 */
export async function getTokens(w, user, opts = {}) {
  let { clientId } = opts;
  const redirectUri = opts.redirectUri ?? DEFAULT_REDIRECT;
  if (!clientId) {
    const reg = await registerClient(w, { redirect_uris: [redirectUri], ...(opts.clientMetadata ?? {}) });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
    clientId = reg.clientId;
  }
  const a = await authorize(w, user, { ...opts, clientId, redirectUri, decision: 'allow' });
  if (!a.redirect?.code) {
    const where = a.response ?? a.page;
    throw new Error(`authorize did not yield a code: ${where.status} ${where.headers.get('location') ?? where.text.slice(0, 600)}`);
  }
  const t = await exchangeCode(w, { code: a.redirect.code, verifier: a.pkce.verifier, clientId, redirectUri, resource: opts.resource });
  if (t.status !== 200) throw new Error(`token exchange: ${t.status} ${t.text}`);
  const { header, payload } = decodeJwt(t.body.access_token);
  return {
    ...t.body, clientId, redirectUri, resource: opts.resource, verifier: a.pkce.verifier,
    header, claims: payload, grantId: payload.grant_id, state: a.redirect.state, iss: a.redirect.iss, browser: a.browser,
  };
}

// --------------------------------------------------------------------- MCP --

/** A stateless (2026-07-28) JSON-RPC request to `url` with a bearer token (null: none). */
export function mcp(url, token, method, params = {}, { headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  return modern(url, method, params, { headers: h });
}

/** Parses `Bearer k="v", k2="v2"` into `{ scheme, k: v, ... }`. */
export function parseChallenge(header) {
  if (!header) return null;
  const m = header.match(/^(\S+)\s+(.*)$/);
  const out = { scheme: m?.[1] };
  for (const p of (m?.[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)) out[p[1]] = p[2].replace(/\\(.)/g, '$1');
  return out;
}

// --------------------------------------------------------------------- JWT --

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

/** A random Ed25519 seed, base64url (what JWT_SIGNING_KEY holds). */
export const newSeed = () => b64u(randomBytes(32));

/**
 * The keys of a base64url Ed25519 seed: `{ privateKey, publicKey, x, kid }`
 * (`kid` as Dockyard computes it: first 16 base64url characters of SHA-256 of
 * the raw public key).
 */
export function seedKeys(seedB64u) {
  const seed = Buffer.from(seedB64u, 'base64url');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'jwk' }).x; // base64url of the 32 raw bytes
  const kid = b64u(createHash('sha256').update(Buffer.from(raw, 'base64url')).digest()).slice(0, 16);
  return { privateKey, publicKey, x: raw, kid };
}

/** Signs `payload` with `header` (alg EdDSA by default) using an Ed25519 private KeyObject. */
export function signJwt(privateKey, payload, header = {}) {
  const h = b64u(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', ...header }));
  const p = b64u(JSON.stringify(payload));
  const sig = edSign(null, Buffer.from(`${h}.${p}`), privateKey);
  return `${h}.${p}.${b64u(sig)}`;
}

// ------------------------------------------- private_key_jwt (RFC 7523) --

/** `client_assertion_type` of RFC 7523 §2.2. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A client signing key made with node:crypto: `{ alg, kid, privateKey, jwk }`
 * (`jwk` is the public JWK with `kid`, `alg` and `use: "sig"`). RS256 and
 * PS256: RSA 2048; ES256: P-256. `kid: null` leaves the JWK without a kid.
 */
export function assertionKey(alg = 'RS256', kid = `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`) {
  const { privateKey, publicKey } = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), alg, use: 'sig' };
  if (kid) jwk.kid = kid;
  return { alg, kid, privateKey, jwk };
}

/**
 * A compact JWS over `claims` with `key` (header `{alg, kid, typ: "JWT"}`,
 * overridable by `header`). ES256 signatures are raw r||s (ieee-p1363), as
 * JWS requires; `der: true` signs in DER instead (a malformed JWS signature).
 */
export function signAssertion(key, claims, header = {}, { der = false } = {}) {
  const h = b64u(JSON.stringify({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}), typ: 'JWT', ...header }));
  const p = b64u(JSON.stringify(claims));
  const data = Buffer.from(`${h}.${p}`);
  const options = key.alg === 'ES256'
    ? { key: key.privateKey, dsaEncoding: der ? 'der' : 'ieee-p1363' }
    : key.alg === 'PS256'
      ? { key: key.privateKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : key.privateKey;
  return `${h}.${p}.${b64u(edSign('sha256', data, options))}`;
}

/**
 * RFC 7523 claims for `clientId` to the AS whose token endpoint is
 * `audience`: 60 s lifetime, a fresh jti. `over` replaces claims (undefined
 * drops one).
 */
export function assertionClaims(clientId, audience, over = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: clientId, sub: clientId, aud: audience, iat: now, exp: now + 60, jti: randomUUID(), ...over };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims;
}

/** The form fields that carry an assertion. */
export const assertionFields = (jwt) => ({ client_assertion_type: JWT_BEARER, client_assertion: jwt });

// ------------------------------------------------------------ CIMD fixture --

const run = promisify(execFile);

/**
 * An HTTPS server on 127.0.0.1 for Client ID Metadata Documents. CIMD client
 * ids are https URLs (both MCP SDKs refuse anything else), so the fixture
 * gets a certificate for IP 127.0.0.1 from a throwaway CA, and the CA is put
 * in NODE_EXTRA_CA_CERTS, which wrangler's miniflare reads at start-up and
 * hands to workerd as trusted. Call BEFORE `startWorker` (the worker must also
 * run with ALLOW_LOOPBACK_UPSTREAMS=true, the harness default).
 *
 *   const fx = await startCimdFixture();
 *   const id = fx.serve('/app.json', (url) => ({ client_id: url, redirect_uris: [...] }));
 *   fx.route('/moved.json', { status: 302, headers: { location: '...' } });
 *   fx.route('/slow.json', { handler: (req, res) => { ... } })  // write the answer yourself
 *   fx.hits('/app.json')  // how many times the worker fetched it
 *
 * Needs the `openssl` command.
 */
export async function startCimdFixture() {
  const dir = await mkdtemp(join(tmpdir(), 'dockyard-cimd-'));
  const o = (...args) => run('openssl', args, { cwd: dir });
  await writeFile(join(dir, 'leaf.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  await o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key',
    '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Dockyard test CIMD CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  await o('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key',
    '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1');
  await o('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'ca.pem');

  const routes = new Map(); // path -> { status, headers, body } or (req) => that
  const hitCount = new Map();
  const server = createHttpsServer({ key: await readFile(join(dir, 'leaf.key')), cert: await readFile(join(dir, 'leaf.pem')) },
    (req, res) => {
      const path = new URL(req.url, 'https://127.0.0.1').pathname;
      hitCount.set(path, (hitCount.get(path) ?? 0) + 1);
      let r = routes.get(path);
      if (typeof r === 'function') r = r(req);
      if (r?.handler) { r.handler(req, res); return; }
      if (!r) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('no such document'); return; }
      const body = typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body ?? {});
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...(r.headers ?? {}) });
        res.end(r.status >= 300 && r.status < 400 ? undefined : body);
      };
      if (r.delayMs) setTimeout(send, r.delayMs).unref(); else send();
    });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${server.address().port}`;
  return {
    origin,
    /** The client id (URL) of `path`. */
    url: (path) => `${origin}${path}`,
    /** Serves a JWKS (`{keys}`) of `assertionKey` keys (or raw JWKs) at `path`. Returns its URL. */
    serveJwks(path, keys) {
      routes.set(path, { status: 200, body: { keys: keys.map((k) => k.jwk ?? k) } });
      return `${origin}${path}`;
    },
    /** Serves a JSON document at `path`; `doc(url)` builds it from the path's URL. Returns the URL. */
    serve(path, doc) {
      const url = `${origin}${path}`;
      routes.set(path, { status: 200, body: typeof doc === 'function' ? doc(url) : doc });
      return url;
    },
    /**
     * Any answer: `{ status, headers, body, delayMs }`, or `{ handler(req, res) }` that writes the
     * response itself (streamed or stalled bodies), or a function of the request returning one.
     */
    route(path, answer) { routes.set(path, answer); return `${origin}${path}`; },
    hits: (path) => hitCount.get(path) ?? 0,
    async stop() {
      await new Promise((resolve) => { server.close(resolve); server.closeAllConnections?.(); });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The Instructions of the shop that `startPrivateShop` publishes. */
export const SHOP_INSTRUCTIONS = 'Orders live in the shop. Use show_order to display one.';

/**
 * The world of the SDK suites (tests/oauth/sdk.test.mjs and the browser
 * suites of tests/browser/setup.mjs): a CIMD fixture (started before the
 * worker, which must trust its CA), one worker, an org with a PRIVATE project
 * whose first version has `show_order` and `plain_note`, then `plain_note`
 * removed from the draft so the two endpoints answer differently, and a
 * developer member (password: harness addMember's). The caller stops `w`
 * and `fx`. `vars` adds worker settings (e.g. ALLOWED_ORIGINS).
 */
export async function startPrivateShop(prefix, { vars } = {}) {
  const fx = await startCimdFixture();
  const w = await startMcpWorker({ vars });
  const owner = await ownerOf(w);
  const org = await createOrg(owner, uniq(prefix));
  const project = await createProject(owner, org, uniq('shop'));
  await putType(owner, org, project, orderCard());
  await putType(owner, org, project, interactiveType('plain_note', { ui: { html: '<!doctype html><p>note</p>' } }));
  await putInstructions(owner, org, project, SHOP_INSTRUCTIONS);
  await publish(owner, org, project);
  await deleteType(owner, org, project, 'plain_note');
  const devEmail = `${uniq('dev')}@example.test`;
  const dev = await w.addMember(owner, org, devEmail, 'developer');
  const p = await owner.get(`/api/v1/orgs/${org}/projects/${project}`);
  assert.equal(p.body.project?.visibility ?? p.body.visibility, 'private', 'the project is private');
  return { fx, w, owner, org, project, dev, devEmail };
}
