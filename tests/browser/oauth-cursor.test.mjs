// Cursor's callback is a private-use scheme (`cursor://…`): after Authorize,
// the consent form's answer is a 302 to it, and Chromium applies the page's
// CSP `form-action` to that redirect. Chromium cannot open cursor:// here, so
// the test reads the redirect `Location` from the form POST's response, and
// checks that Chromium followed it: it makes the request to cursor:// (which
// then aborts, no app handles the scheme here), with no CSP violation. While
// `form-action` named only https and loopback origins, Chromium blocked it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerClient, authorizeQuery, exchangeCode, mcp } from '../oauth-helpers.mjs';
import { useBrowser, signIn, shot, assertAccessible, waitForCallback } from '../browser.mjs';
import { useWorld, w, devEmail, prodUrl, PASSWORD } from './setup.mjs';

useWorld();
const b = useBrowser();

const CURSOR = 'cursor://anysphere.cursor-mcp/oauth/callback';

test('Cursor: Authorize on a cursor:// consent sends the browser to cursor:// with code, state and iss', async (t) => {
  const reg = await registerClient(w, {
    client_name: 'Cursor',
    redirect_uris: [CURSOR, 'https://www.cursor.com/agents/mcp/oauth/callback', 'http://localhost:8787/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  }, { raw: true });
  assert.equal(reg.status, 201, reg.text);
  const q = authorizeQuery({ clientId: reg.clientId, redirectUri: CURSOR, resource: prodUrl(), state: 'cursor-st' });

  const page = await b.page(t);
  const cspErrors = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  const failures = [];
  page.on('requestfailed', (r) => failures.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));

  await page.goto(`${w.url}/oauth/authorize?${q.query}`);
  await signIn(page, devEmail, PASSWORD);
  await page.waitForURL((u) => u.pathname === '/oauth/authorize');
  const authorize = page.getByRole('button', { name: 'Authorize' });
  await authorize.waitFor();
  await assertAccessible(page, 'cursor consent');
  await shot(page, 'cursor-consent');
  await assert.doesNotReject(
    page.getByText('After you authorize, you are sent back to the app that handles cursor:// links.').waitFor(),
    'the consent page names the app that handles cursor:// links',
  );
  await page.evaluate(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/oauth/authorize');
  // Chromium follows the redirect to cursor:// (a request that then aborts:
  // nothing here handles the scheme). A CSP block would stop it before.
  const callback = waitForCallback(page, CURSOR);
  await authorize.click();
  const response = await posted;
  assert.equal(response.status(), 302);
  const location = response.headers().location;
  assert.ok(location.startsWith(`${CURSOR}?`), location);
  const p = new URL(location).searchParams;
  assert.ok(p.get('code'), location);
  assert.equal(p.get('state'), 'cursor-st');
  assert.equal(p.get('iss'), w.url);
  assert.equal(String(await callback), location, 'Chromium was sent to exactly that Location');

  const violations = await page.evaluate(() => window.__violations);
  assert.deepEqual(violations, [], 'no CSP violation on the redirect');
  assert.deepEqual(cspErrors, [], 'Chromium reported no CSP block');
  assert.deepEqual(failures.filter((f) => /BLOCKED_BY_CSP/.test(f)), [], 'the redirect was not blocked by CSP');

  // The code in the Location is the one Cursor would receive: it works.
  const tokens = await exchangeCode(w, { code: p.get('code'), verifier: q.pkce.verifier, clientId: reg.clientId, redirectUri: CURSOR, resource: prodUrl() });
  assert.equal(tokens.status, 200, tokens.text);
  const list = await mcp(prodUrl(), tokens.body.access_token, 'tools/list');
  assert.equal(list.status, 200, list.text);
});
