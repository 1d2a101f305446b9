// The OAuth authorization request, end to end over plain HTTP
// (tests/oauth-helpers.mjs drives the real sign-in and consent forms): the
// request's two error tiers (an error page for client and redirect errors, a
// redirect for the rest), sign-in on the way to consent, membership and role
// refusals, and the consent page (escaping, framing, CSP, CSRF, Deny). Every
// refusal is followed by a check that nothing was issued. The world (worker,
// org, projects, members) is ./setup.mjs.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { uniq, createOrg, createProject } from '../mcp-fixtures.mjs';
import {
  BASE_SCOPES, DEFAULT_REDIRECT, authorize, openConsent, submitConsent, registerClient, exchangeCode, getTokens, mcp,
  parseForms, parseRedirect, pkcePair, postForm, unescapeHtml,
} from '../oauth-helpers.mjs';
import {
  PASSWORD, w, fx, owner, org, shop, users, creds, useWorld,
  assertNothingIssued, assertErrorPage, assertErrorRedirect, assertTools, assertCallOk, callOrder,
} from './setup.mjs';

useWorld();

// ----------------------------------------------------- the authorize request --

describe('/oauth/authorize: client and redirect errors are shown, never redirected', () => {
  let client;
  before(async () => { client = (await registerClient(w, { redirect_uris: [DEFAULT_REDIRECT, 'https://app.example.test/cb?tenant=1'] })).clientId; });

  test('an unknown client_id gets an error page', async () => {
    for (const clientId of ['dcr_00000000000000000000000000000000', 'nobody', '']) {
      const o = await openConsent(w, users.developer, { clientId, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, clientId ? /unknown client_id/ : /client_id/, `client ${clientId || '(empty)'}`);
    }
  });

  test('a redirect_uri that differs by a trailing slash, a query, case or host gets an error page', async () => {
    for (const redirectUri of [
      `${DEFAULT_REDIRECT}/`, `${DEFAULT_REDIRECT}?x=1`, `${DEFAULT_REDIRECT}?`, 'https://app.example.test/cb?tenant=2',
      'https://app.example.test/cb', 'https://APP.example.test/oauth/callback', 'https://evil.example/oauth/callback',
      'http://app.example.test/oauth/callback',
    ]) {
      const o = await openConsent(w, users.developer, { clientId: client, redirectUri, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /redirect_uri is not registered/, redirectUri);
    }
    const missing = await openConsent(w, users.developer, { clientId: client, resource: shop.draftUrl, omit: ['redirect_uri'] });
    assertErrorPage(missing.page, 400, /redirect_uri/, 'missing redirect_uri');
    await assertNothingIssued(client, 'redirect mismatch');
  });

  test('missing PKCE, plain PKCE and a malformed challenge go back as invalid_request (with state and iss)', async () => {
    const cases = [
      ['no code_challenge', { omit: ['code_challenge'] }, /PKCE is required/],
      ['plain', { challengeMethod: 'plain', pkce: { verifier: 'x', challenge: 'a'.repeat(43) } }, /plain|S256/],
      ['no method', { omit: ['code_challenge_method'] }, /S256 is required/],
      ['short challenge', { pkce: { verifier: 'x', challenge: 'abc' } }, /43 base64url/],
    ];
    for (const [label, extra, description] of cases) {
      const o = await openConsent(w, users.developer, { clientId: client, resource: shop.draftUrl, state: `s-${label}`, ...extra });
      assertErrorRedirect(o.page, { error: 'invalid_request', state: `s-${label}`, description }, label);
    }
    await assertNothingIssued(client, 'PKCE');
  });

  test('resource: missing is invalid_request, not one of ours is invalid_target; response_type=token is refused', async () => {
    const missing = await openConsent(w, users.developer, { clientId: client, omit: ['resource'], state: 's1' });
    assertErrorRedirect(missing.page, { error: 'invalid_request', state: 's1', description: /resource/ }, 'missing');
    for (const resource of [`${shop.draftUrl}/`, `${shop.url}?x=1`, `https://evil.example/${org}/${shop.slug}`, `${w.url}/${org}`]) {
      const o = await openConsent(w, users.developer, { clientId: client, resource, state: 's2' });
      assertErrorRedirect(o.page, { error: 'invalid_target', state: 's2' }, resource);
    }
    const twice = await openConsent(w, users.developer, { clientId: client, resource: shop.url, extra: [['resource', shop.draftUrl]], state: 's3' });
    assertErrorRedirect(twice.page, { error: 'invalid_target', state: 's3' }, 'two resources');
    const implicit = await openConsent(w, users.developer, { clientId: client, resource: shop.url, responseType: 'token', state: 's4' });
    assertErrorRedirect(implicit.page, { error: 'unsupported_response_type', state: 's4' }, 'response_type=token');
    const ghost = await openConsent(w, users.developer, { clientId: client, resource: `${w.url}/${org}/no-such-project`, state: 's5' });
    assertErrorRedirect(ghost.page, { error: 'invalid_target', state: 's5' }, 'unknown project');
    await assertNothingIssued(client, 'resource');
  });

  test('a loopback http redirect URI matches on any port, nothing else may differ', async () => {
    const reg = await registerClient(w, { redirect_uris: ['http://127.0.0.1/callback'] });
    const ok = await authorize(w, users.developer, { clientId: reg.clientId, redirectUri: 'http://127.0.0.1:49152/callback', resource: shop.draftUrl });
    assert.ok(ok.redirect?.code, `${ok.response?.status} ${ok.response?.text}`);
    assert.equal(ok.redirect.url.origin, 'http://127.0.0.1:49152');
    const t = await exchangeCode(w, { code: ok.redirect.code, verifier: ok.pkce.verifier, clientId: reg.clientId, redirectUri: 'http://127.0.0.1:49152/callback' });
    assert.equal(t.status, 200, t.text);
    for (const bad of ['http://127.0.0.1:49152/callback/', 'http://localhost:49152/callback', 'http://127.0.0.1:49152/other']) {
      const o = await openConsent(w, users.developer, { clientId: reg.clientId, redirectUri: bad, resource: shop.draftUrl });
      assertErrorPage(o.page, 400, /redirect_uri is not registered/, bad);
    }
  });
});

// ------------------------------------------------------------------ sign-in --

describe('sign-in on the way to consent', () => {
  let client;
  before(async () => { client = (await registerClient(w, { client_name: 'Sign-in App' })).clientId; });

  test('without a session: the sign-in form (Email, Password, Sign in) returning to this very request', async () => {
    const o = await openConsent(w, null, { clientId: client, resource: shop.draftUrl });
    assert.equal(o.page.status, 200);
    assert.match(o.page.text, /<label for="email">Email<\/label>/);
    assert.match(o.page.text, /<label for="password">Password<\/label>/);
    assert.match(o.page.text, /<button type="submit">Sign in<\/button>/);
    assert.match(o.page.text, /Sign-in App/, 'names the client');
    const signUp = o.page.text.match(/<a href="([^"]*)">Sign up if invited<\/a>/);
    assert.ok(signUp, 'a way to sign up by invitation');
    const signUpUrl = new URL(unescapeHtml(signUp[1]), w.url);
    assert.equal(signUpUrl.pathname, '/studio/signup');
    assert.equal(signUpUrl.searchParams.get('next'), `/oauth/authorize?${o.query}`, 'sign-up returns to this request too');
    const form = parseForms(o.page.text).find((f) => f.action === '/studio/login');
    assert.equal(form.method, 'post');
    assert.equal(new Map(form.fields).get('next'), `/oauth/authorize?${o.query}`);
    assert.equal(o.page.headers.get('x-frame-options'), 'DENY');
  });

  test('signing in through the form continues to consent; a wrong password stays on the form', async () => {
    const dev = users.developer;
    const wrong = await authorize(w, { email: dev.email, password: 'not the password!' }, { clientId: client, resource: shop.draftUrl });
    assert.equal(wrong.page.status, 401, wrong.page.text.slice(0, 300));
    assert.equal(wrong.redirect, null);
    assert.equal(new Map(parseForms(wrong.page.text)[0].fields).get('next'), wrong.signIn.next, 'the form keeps next');
    await assertNothingIssued(client, 'wrong password');
    const ok = await authorize(w, creds(dev), { clientId: client, resource: shop.draftUrl, state: 'after-login' });
    assert.equal(ok.signIn.login.status, 303);
    assert.equal(ok.signIn.login.headers.get('location'), ok.signIn.next);
    assert.ok(ok.consent, 'consent after sign-in');
    assert.equal(ok.redirect.state, 'after-login');
    assert.ok(ok.redirect.code);
  });

  test('a request for a project with the longest legal slugs still returns to consent after sign-in', async () => {
    // Slugs may have 63 characters; real clients send a 43-character state and
    // (CIMD) a URL client_id. After signing in, the browser must come back to
    // this authorization request, not land on /studio.
    const pad = (s) => `${s}-${'x'.repeat(62 - s.length)}`;
    const longOrg = await createOrg(owner, pad(uniq('long')));
    const longProject = await createProject(owner, longOrg, pad(uniq('p')));
    assert.equal(longOrg.length, 63);
    const id = fx.serve('/apps/long-client.json', (url) => ({ client_id: url, client_name: 'Long', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] }));
    const resource = `${w.url}/${longOrg}/${longProject}/draft`;
    const o = await authorize(w, { email: owner.email, password: 'correct horse battery' },
      { clientId: id, redirectUri: 'https://claude.ai/api/mcp/auth_callback', resource, state: 'S'.repeat(43) });
    assert.equal(o.signIn.login.status, 303);
    assert.equal(o.signIn.login.headers.get('location'), `/oauth/authorize?${o.query}`,
      `POST /studio/login sends the browser back to the authorization request (${o.signIn.next.length} characters)`);
    assert.ok(o.redirect?.code);
  });
});

// --------------------------------------------------- membership and roles --

describe('who may authorize what', () => {
  test('a non-member signs in: a refusal page (403) and nothing is issued', async () => {
    const reg = await registerClient(w);
    const o = await openConsent(w, { email: users.outsider.user.email, password: PASSWORD }, { clientId: reg.clientId, resource: shop.draftUrl });
    assert.equal(o.signIn?.login.status, 303, 'the sign-in itself works');
    assertErrorPage(o.page, 403, new RegExp(`not a member of the organization ${org}`));
    // A hand-made consent POST (the csrf of the outsider's own session) is refused too.
    const forged = await postForm(o.browser, '/oauth/authorize', [
      ['response_type', 'code'], ['client_id', reg.clientId], ['redirect_uri', DEFAULT_REDIRECT],
      ['code_challenge', pkcePair().challenge], ['code_challenge_method', 'S256'], ['resource', shop.draftUrl],
      ['scope', BASE_SCOPES], ['csrf', 'x'], ['decision', 'allow']]);
    assertErrorPage(forged, 403, /not a member/, 'forged consent POST');
    await assertNothingIssued(reg.clientId, 'non-member');
  });

  test('a member without endpoint.draft asking for the draft: refusal naming the roles that allow it', async () => {
    const reg = await registerClient(w);
    for (const role of ['mcp_user', 'viewer']) {
      const o = await openConsent(w, users[role], { clientId: reg.clientId, resource: shop.draftUrl });
      assertErrorPage(o.page, 403, /endpoint\.draft/, role);
      assert.match(o.page.text, /mcp_developer/, `${role}: names a role that would allow it`);
      assert.match(o.page.text, new RegExp(`&quot;${role}&quot;|${role}`), `${role}: names their role`);
    }
    await assertNothingIssued(reg.clientId, 'no draft permission');
    // The same member may connect to production.
    const prod = await getTokens(w, users.mcp_user, { clientId: reg.clientId, resource: shop.url });
    assertTools(await mcp(shop.url, prod.access_token, 'tools/list'), ['show_order'], 'mcp_user on production');
    assertCallOk(await callOrder(shop.url, prod.access_token), 'mcp_user calls on production');
  });

  test('consent grants only the scopes the role has; none at all is invalid_scope', async () => {
    const reg = await registerClient(w);
    const o = await openConsent(w, users.mcp_developer, { clientId: reg.clientId, resource: shop.draftUrl, scope: 'tools:read tools:call orders:read' });
    assert.ok(o.consent);
    assert.deepEqual([...o.page.text.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]), ['tools:call', 'tools:read']);
    const t = await getTokens(w, users.mcp_developer, { clientId: reg.clientId, resource: shop.draftUrl, scope: 'tools:read tools:call orders:read' });
    assert.equal(t.scope, 'tools:call tools:read');
    assert.equal(t.claims.scope, 'tools:call tools:read');
    const viewer = await openConsent(w, users.viewer, { clientId: reg.clientId, resource: shop.url, scope: 'tools:call', state: 'v' });
    assertErrorRedirect(viewer.page, { error: 'invalid_scope', state: 'v' }, 'viewer asking only for tools:call');
  });
});

// ------------------------------------------------------------------ consent --

describe('the consent page', () => {
  test('shows client, redirect host, org, project, Draft/Production and scopes; framing is denied', async () => {
    const reg = await registerClient(w, { client_name: 'Consent Check' });
    for (const [url, channel] of [[shop.draftUrl, 'Draft'], [shop.url, 'Production']]) {
      const o = await openConsent(w, users.developer, { clientId: reg.clientId, resource: url });
      const h = o.page.headers;
      assert.equal(o.page.status, 200);
      assert.equal(h.get('x-frame-options'), 'DENY');
      assert.match(h.get('content-security-policy'), /frame-ancestors 'none'/);
      assert.equal(h.get('cache-control'), 'no-store');
      assert.match(o.page.text, /<strong>Consent Check<\/strong>/);
      assert.match(o.page.text, /sent back to <strong>app\.example\.test<\/strong>/);
      assert.match(o.page.text, new RegExp(`<strong>${channel}</strong> endpoint of <strong>${org}/${shop.slug}</strong>`));
      assert.match(o.page.text, /<code>tools:read<\/code>/);
      assert.match(o.page.text, new RegExp(users.developer.email.replace(/[.]/g, '\\.')));
      assert.deepEqual(o.consent.buttons, [['decision', 'allow', 'Authorize'], ['decision', 'deny', 'Deny']]);
      assert.ok(o.consent.hidden.some(([n, v]) => n === 'csrf' && v.length >= 32));
    }
  });

  test('the CSP lets the browser follow the redirect back to the client (form-action)', async () => {
    // Chrome and Safari apply `form-action` to the redirect that answers a form
    // POST as well: with `form-action 'self'` the 302 to the client's
    // redirect_uri is blocked and the user is stuck after clicking Authorize.
    const reg = await registerClient(w, { redirect_uris: ['http://127.0.0.1/callback', DEFAULT_REDIRECT] });
    for (const redirectUri of [DEFAULT_REDIRECT, 'http://127.0.0.1:53682/callback']) {
      const o = await openConsent(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl, redirectUri });
      const csp = o.page.headers.get('content-security-policy');
      const fa = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('form-action'));
      if (fa) {
        const sources = fa.split(/\s+/).slice(1);
        const origin = new URL(redirectUri).origin;
        const allowed = sources.some((s) => s === '*' || s === origin || s === `${new URL(redirectUri).protocol}`
          || (s.endsWith('*') && origin.startsWith(s.slice(0, -1))) || origin.startsWith(`${s}:`) || s === `${origin}/`);
        assert.ok(allowed, `consent CSP "${fa}" blocks the redirect to ${origin}`);
      }
    }
  });

  test('a client_name carrying <script> is escaped on the sign-in and consent pages', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)> "Evil" & \'Co\'';
    const reg = await registerClient(w, { client_name: evil });
    assert.equal(reg.status, 201, reg.text);
    assert.equal(reg.body.client_name, evil, 'stored verbatim');
    const anon = await openConsent(w, null, { clientId: reg.clientId, resource: shop.draftUrl });
    const o = await openConsent(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl });
    for (const [label, page] of [['sign-in', anon.page], ['consent', o.page]]) {
      assert.equal(page.status, 200, label);
      assert.ok(!page.text.includes('<script>alert(1)'), `${label}: no live script`);
      assert.ok(!page.text.includes('<img src=x'), `${label}: no live img`);
      assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &quot;Evil&quot; &amp; &#x27;Co&#x27;'), label);
    }
  });

  test('a consent POST without its csrf token, with a wrong one or from another origin: 403, nothing issued', async () => {
    const reg = await registerClient(w);
    const regB = await registerClient(w);
    const dev = users.developer;
    const o = await openConsent(w, dev, { clientId: reg.clientId, resource: shop.draftUrl });
    assert.ok(o.consent);
    const csrfOf = (c) => new Map(c.fields).get('csrf');
    const otherSession = await openConsent(w, users.mcp_developer, { clientId: reg.clientId, resource: shop.draftUrl });
    const otherClient = await openConsent(w, dev, { clientId: regB.clientId, resource: shop.draftUrl });
    const setCsrf = (v) => (f) => f.map(([n, x]) => [n, n === 'csrf' ? v : x]);
    const attempts = [
      ['no csrf', { mutate: (f) => f.filter(([n]) => n !== 'csrf') }],
      ['empty csrf', { mutate: setCsrf('') }],
      ['a made-up csrf', { mutate: setCsrf('A'.repeat(43)) }],
      ['another session\'s csrf', { mutate: setCsrf(csrfOf(otherSession.consent)) }],
      ['the csrf of this session for another client', { mutate: setCsrf(csrfOf(otherClient.consent)) }],
      ['foreign Origin', { headers: { origin: 'https://evil.example' } }],
      ['no Origin', { noOrigin: true }],
    ];
    for (const [label, opts] of attempts) {
      let browser = o.browser;
      if (opts.noOrigin) {
        browser = w.client({ origin: null });
        browser.cookies = o.browser.cookies;
      }
      const r = await submitConsent(browser, o.consent, 'allow', opts);
      assert.equal(r.status, 403, `${label}: ${r.status} ${r.headers.get('location') ?? r.text.slice(0, 200)}`);
      assert.equal(r.headers.get('location'), null, `${label}: no redirect`);
    }
    await assertNothingIssued(reg.clientId, 'csrf');
    const good = await submitConsent(o.browser, o.consent, 'allow');
    assert.equal(good.status, 302, 'the untouched form still works');
    assert.ok(parseRedirect(good.headers.get('location')).code);
  });

  test('Deny: redirect with error=access_denied, state and iss; nothing issued', async () => {
    const reg = await registerClient(w);
    const a = await authorize(w, users.developer, { clientId: reg.clientId, resource: shop.draftUrl, state: 'deny-state', decision: 'deny' });
    assertErrorRedirect(a.response, { error: 'access_denied', state: 'deny-state' }, 'deny');
    await assertNothingIssued(reg.clientId, 'deny');
  });
});
