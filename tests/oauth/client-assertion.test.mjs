// private_key_jwt (RFC 7523) for Client ID Metadata Document clients, the
// way ChatGPT connects (issue 10): its document declares
// `token_endpoint_auth_method: "private_key_jwt"` (and lists
// ["none", "private_key_jwt"]) with a `jwks_uri`, and it authenticates at
// /oauth/token with a signed client assertion.
//
// The documents and JWKS are served by the HTTPS loopback fixture
// (tests/oauth-helpers.mjs startCimdFixture), the keys are made and the
// assertions signed with node:crypto, and the consent is the real form. Each
// client has its own document URL: the worker caches a document for an hour.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  assertionClaims, assertionFields, assertionKey, authorize, exchangeCode, freshIp, mcp, openConsent, refresh,
  registerClient, revokeToken, signAssertion,
} from '../oauth-helpers.mjs';
import { sleep } from '../mcp-fixtures.mjs';
import { securityWorld } from '../security/setup.mjs';

/** src/authz/clients.rs JWKS_REFETCH_SECS: an unknown kid refetches the keys at most this often. */
const REFETCH_SECS = 60;

let world; let fx; let dev; let asm;
const rotation = {}; // prepared in before(), checked by the last test
let seq = 0;

/** A ChatGPT-shaped document at a fresh path, with `keys` at a same-origin jwks_uri. */
function keyedClient(keys, extra = {}) {
  const n = ++seq;
  const jwksUri = keys ? fx.serveJwks(`/chatgpt/${n}/jwks.json`, keys) : undefined;
  const redirect = `https://chatgpt.com/connector/oauth/c${n}`;
  const id = fx.serve(`/chatgpt/${n}/client.json`, (url) => ({
    client_id: url, client_name: 'ChatGPT', redirect_uris: [redirect],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
    jwks_uri: jwksUri, ...extra,
  }));
  return { id, redirect, jwksPath: `/chatgpt/${n}/jwks.json` };
}

/** Authorize as the developer; the code and what the token call needs. */
async function codeFor(client) {
  const a = await authorize(world.w, dev, { clientId: client.id, redirectUri: client.redirect, resource: world.project.url });
  assert.ok(a.redirect?.code, `authorize: ${a.page.status} ${a.page.text?.slice(0, 400)}`);
  assert.equal(a.redirect.url.origin + a.redirect.url.pathname, client.redirect);
  return { code: a.redirect.code, verifier: a.pkce.verifier };
}

const claims = (client, over) => assertionClaims(client.id, asm.token_endpoint, over);

function exchange(client, grant, fields, { clientId = client.id } = {}) {
  return exchangeCode(world.w, {
    code: grant.code, verifier: grant.verifier, clientId, redirectUri: client.redirect, resource: world.project.url, extra: fields,
  });
}

/** 401 invalid_client, the one generic description, nothing else said. */
function refusedClient(r, label) {
  const ctx = `${label}: ${r.status} ${r.text}`;
  assert.equal(r.status, 401, ctx);
  assert.equal(r.body?.error, 'invalid_client', ctx);
  assert.equal(r.body?.error_description, 'client authentication failed', ctx);
  assert.equal(r.headers.get('cache-control'), 'no-store', ctx);
}

/** The authorize refusal page for a document that cannot be used: its text. */
async function refusalPage(clientId, redirect) {
  const open = await openConsent(world.w, dev, {
    clientId, redirectUri: redirect, resource: world.project.url, headers: { 'cf-connecting-ip': freshIp() },
  });
  const ctx = `${clientId}: ${open.page.status} ${open.page.text.slice(0, 400)}`;
  assert.equal(open.page.status, 400, ctx);
  assert.equal(open.page.headers.get('location'), null, ctx);
  assert.equal(open.consent, null, ctx);
  return open.page.text;
}

before(async () => {
  world = await securityWorld({ cimd: true });
  fx = world.fx;
  dev = await world.member('developer');
  asm = (await (await fetch(`${world.w.url}/.well-known/oauth-authorization-server`)).json());
  // Key rotation: the document and its keys are fetched now; the last test
  // rotates the key once the refetch interval has passed.
  rotation.old = assertionKey('RS256');
  rotation.client = keyedClient([rotation.old]);
  await codeFor(rotation.client);
  rotation.at = Date.now();
});
after(() => world?.stop());

describe('private_key_jwt for metadata document clients', () => {
  test('the AS metadata advertises private_key_jwt and its algorithms', () => {
    assert.ok(asm.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
    assert.ok(asm.token_endpoint_auth_methods_supported.includes('none'));
    assert.deepEqual(asm.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'PS256', 'ES256']);
    assert.equal(asm.client_id_metadata_document_supported, true);
  });

  test('ChatGPT\'s shape: RS256 assertion, code then refresh, then the MCP endpoint answers', async () => {
    const key = assertionKey('RS256');
    const client = keyedClient([key]);
    const grant = await codeFor(client);
    const t = await exchange(client, grant, assertionFields(signAssertion(key, claims(client))));
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.token_type, 'Bearer');
    assert.ok(t.body.refresh_token);
    const list = await mcp(world.project.url, t.body.access_token, 'tools/list');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.result.tools.some((tool) => tool.name === 'show_order'), list.text);
    // Refresh: a new assertion (and no client_id in the form: the assertion's sub names the client).
    const jwt = signAssertion(key, claims(client, { aud: asm.issuer }));
    const r = await refresh(world.w, { refreshToken: t.body.refresh_token, extra: { ...assertionFields(jwt), client_id: undefined } });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.body.refresh_token, t.body.refresh_token);
    // The same assertion again: a replayed jti.
    const again = await refresh(world.w, { refreshToken: r.body.refresh_token, clientId: client.id, extra: assertionFields(jwt) });
    refusedClient(again, 'replayed jti');
    // The refused replay changed nothing: the current refresh token still works with a fresh assertion.
    const fresh = await refresh(world.w, {
      refreshToken: r.body.refresh_token, clientId: client.id, extra: assertionFields(signAssertion(key, claims(client))),
    });
    assert.equal(fresh.status, 200, fresh.text);
    // Revocation authenticates the same way.
    const rv = await revokeToken(world.w, { token: fresh.body.refresh_token, clientId: client.id });
    refusedClient(rv, 'revoke without an assertion');
    const revoke = await fetch(`${world.w.url}/oauth/revoke`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: fresh.body.refresh_token, client_id: client.id, ...assertionFields(signAssertion(key, claims(client))),
      }).toString(),
    });
    assert.equal(revoke.status, 200, await revoke.text());
    const dead = await refresh(world.w, {
      refreshToken: fresh.body.refresh_token, clientId: client.id, extra: assertionFields(signAssertion(key, claims(client))),
    });
    assert.equal(dead.body?.error, 'invalid_grant', dead.text);
  });

  test('ES256 (raw r||s signature, no kid, the only key) and PS256', async () => {
    for (const alg of ['ES256', 'PS256']) {
      const key = assertionKey(alg, null);
      const client = keyedClient([key]);
      const grant = await codeFor(client);
      const t = await exchange(client, grant, assertionFields(signAssertion(key, claims(client))));
      assert.equal(t.status, 200, `${alg}: ${t.text}`);
      const r = await refresh(world.w, {
        refreshToken: t.body.refresh_token, clientId: client.id, extra: assertionFields(signAssertion(key, claims(client))),
      });
      assert.equal(r.status, 200, `${alg} refresh: ${r.text}`);
    }
  });

  test('a document that only lists its methods gets the strongest: private_key_jwt', async () => {
    const key = assertionKey('ES256');
    const client = keyedClient([key], { token_endpoint_auth_method: undefined });
    const grant = await codeFor(client);
    refusedClient(await exchange(client, grant, {}), 'no assertion');
    const t = await exchange(client, grant, assertionFields(signAssertion(key, claims(client))));
    assert.equal(t.status, 200, t.text);
  });

  test('bad assertions are invalid_client and leave the code redeemable', async () => {
    const key = assertionKey('RS256');
    const es = assertionKey('ES256');
    const stranger = assertionKey('RS256', key.kid); // same kid, another key
    const client = keyedClient([key, es]);
    const grant = await codeFor(client);
    const now = Math.floor(Date.now() / 1000);
    const h = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
    const body = h(claims(client));
    const hs256 = `${h({ alg: 'HS256', kid: key.kid })}.${body}`;
    const cases = [
      ['wrong aud', signAssertion(key, claims(client, { aud: 'https://other.example.com/oauth/token' }))],
      ['aud also names another server', signAssertion(key, claims(client, { aud: [asm.token_endpoint, 'https://other.example.com'] }))],
      ['expired', signAssertion(key, claims(client, { iat: now - 400, exp: now - 120 }))],
      ['exp too far ahead', signAssertion(key, claims(client, { exp: now + 3600 }))],
      ['no exp', signAssertion(key, claims(client, { exp: undefined }))],
      ['no jti', signAssertion(key, claims(client, { jti: undefined }))],
      ['iss is not sub', signAssertion(key, claims(client, { iss: fx.url('/chatgpt/other/client.json') }))],
      ['unknown kid', signAssertion({ ...key, kid: 'no-such-kid' }, claims(client))],
      ['signed by another key', signAssertion(stranger, claims(client))],
      ['ES256 header on the RSA key', signAssertion(key, claims(client), { alg: 'ES256' })],
      ['DER-encoded ES256 signature', signAssertion(es, claims(client), {}, { der: true })],
      ['alg none', `${h({ alg: 'none', kid: key.kid })}.${body}.`],
      ['HS256 keyed with the public modulus', `${hs256}.${createHmac('sha256', key.jwk.n).update(hs256).digest('base64url')}`],
      ['not a JWT', 'not-a-jwt'],
    ];
    for (const [label, jwt] of cases) {
      refusedClient(await exchange(client, grant, assertionFields(jwt)), label);
    }
    refusedClient(await exchange(client, grant, {}), 'no assertion at all');
    refusedClient(await exchange(client, grant, { client_secret: 'guess' }), 'a secret instead of an assertion');
    const other = await exchange(client, grant, {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: signAssertion(key, claims(client)),
    });
    assert.equal(other.status, 400, other.text);
    assert.equal(other.body.error, 'invalid_request');
    // None of that touched the code.
    const t = await exchange(client, grant, assertionFields(signAssertion(key, claims(client))));
    assert.equal(t.status, 200, t.text);
  });

  test('a client registered with none may not send an assertion', async () => {
    const key = assertionKey('RS256');
    const client = keyedClient([key], { token_endpoint_auth_method: 'none', token_endpoint_auth_methods_supported: undefined });
    const grant = await codeFor(client);
    refusedClient(await exchange(client, grant, assertionFields(signAssertion(key, claims(client)))), 'assertion from a none client');
    const t = await exchange(client, grant, {});
    assert.equal(t.status, 200, t.text);
  });

  test('DCR refuses private_key_jwt (metadata documents only)', async () => {
    const reg = await registerClient(world.w, { token_endpoint_auth_method: 'private_key_jwt' });
    assert.equal(reg.status, 400, reg.text);
    assert.equal(reg.body.error, 'invalid_client_metadata');
    assert.match(reg.body.error_description, /Client ID Metadata Document clients only/);
  });

  test('documents whose keys cannot be used are refused, with no upstream detail', async () => {
    const key = assertionKey('RS256');
    const cases = [
      ['another origin', { jwks_uri: 'https://example.com/jwks.json' }, /jwks_uri must be on the same origin as the client id/],
      ['a private address', { jwks_uri: 'https://10.0.0.1/jwks.json' }, /jwks_uri points at a non-public address/],
      ['the metadata address', { jwks_uri: 'https://169.254.169.254/latest/meta-data' }, /jwks_uri points at a non-public address/],
      ['inline jwks', { jwks_uri: undefined, jwks: { keys: [key.jwk] } }, /inline jwks is not supported/],
      ['no keys at all', { jwks_uri: undefined }, /private_key_jwt needs a jwks_uri/],
      ['a shared-secret method', { token_endpoint_auth_method: 'client_secret_basic' }, /no shared secret/],
    ];
    for (const [label, extra, message] of cases) {
      const client = keyedClient([key], extra);
      const text = await refusalPage(client.id, client.redirect);
      assert.match(text, message, label);
      refusedClient(await exchangeCode(world.w, {
        code: 'dyc_x.y', verifier: 'v'.repeat(43), clientId: client.id, redirectUri: client.redirect,
        extra: assertionFields(signAssertion(key, claims(client))),
      }), label);
    }
    const served = [
      ['oversized', { body: { keys: [key.jwk], padding: 'x'.repeat(20 * 1024) } }, /keys \(jwks_uri\) could not be fetched: the answer is larger than 16384 bytes/],
      ['a redirect to the metadata address', { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }, /redirects are not followed/],
      ['a server error', { status: 500, headers: { 'x-internal': 'SECRET-HEADER' }, body: 'SECRET-BODY stack trace' }, /HTTP 500/],
      ['no usable key', { body: { keys: [{ kty: 'oct', k: 'U0VDUkVU' }] } }, /no RS256, PS256 or ES256 signing key/],
    ];
    for (const [label, answer, message] of served) {
      const client = keyedClient([key]);
      fx.route(client.jwksPath, answer);
      const text = await refusalPage(client.id, client.redirect);
      assert.match(text, message, label);
      assert.doesNotMatch(text, /SECRET|169\.254|stack|U0VDUkVU/, label);
    }
  });

  test('key rotation: an unknown kid refetches the keys, at most once a minute', async () => {
    const { client, old } = rotation;
    let grant = await codeFor(client); // codes live 60 s: a fresh one, from the cached document
    const rotated = assertionKey('RS256');
    fx.serveJwks(client.jwksPath, [rotated]);
    assert.equal(fx.hits(client.jwksPath), 1, 'fetched once, with the document');
    // Within the minute the new kid is unknown and nothing is fetched.
    if (Date.now() - rotation.at < (REFETCH_SECS - 5) * 1000) {
      refusedClient(await exchange(client, grant, assertionFields(signAssertion(rotated, claims(client)))), 'new kid, too soon');
      assert.equal(fx.hits(client.jwksPath), 1, 'no refetch within the minute');
    }
    const wait = rotation.at + (REFETCH_SECS + 2) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    grant = await codeFor(client);
    const t = await exchange(client, grant, assertionFields(signAssertion(rotated, claims(client))));
    assert.equal(t.status, 200, t.text);
    assert.equal(fx.hits(client.jwksPath), 2, 'refetched once');
    // The old key is gone from the refetched set.
    const r = await refresh(world.w, {
      refreshToken: t.body.refresh_token, clientId: client.id, extra: assertionFields(signAssertion(old, claims(client))),
    });
    refusedClient(r, 'the retired key');
  });
});
