// Sign-up by invitation in Chromium, on its own and in the middle of an OAuth
// flow:
//   - the admin's link (/studio/signup?invitation=...) opens a filled-in form;
//     signing up lands on /studio, member of the org;
//   - a person invited while an MCP host is connecting meets the sign-in page,
//     follows "Sign up if invited", pastes the invitation link, signs up, is
//     back on the consent page of the same authorization request, clicks
//     Authorize, and the SDK client connects.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { uniq } from '../mcp-fixtures.mjs';
import { decodeJwt } from '../oauth-helpers.mjs';
import { useBrowser, shot, assertAccessible } from '../browser.mjs';
import { useWorld, w, owner, org, draftUrl, SdkProvider, decide } from './setup.mjs';

const NEW_PASSWORD = 'a new member password';

useWorld();
const b = useBrowser();

/** An invitation by the owner (API), as an admin sends it: `{ token, link, email }`. */
async function invite(role = 'developer') {
  const email = `${uniq('invited')}@example.test`;
  const r = await owner.post(`/api/v1/orgs/${org}/invitations`, { email, role });
  assert.equal(r.status, 201, r.text);
  return { email, token: r.body.token, link: r.body.link };
}

async function members() {
  const r = await owner.get(`/api/v1/orgs/${org}/members`);
  assert.equal(r.status, 200, r.text);
  return r.body.members;
}

/** Fills the sign-up form (Name, Email, Password; the invitation if given) and clicks "Sign up". */
async function fillSignUp(page, { name, email, invitation }) {
  if (invitation !== undefined) await page.getByLabel('Invitation link or code').fill(invitation);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

describe('sign up by invitation', () => {
  test('the admin\'s link opens the form with the invitation filled in; signing up lands on /studio', async (t) => {
    const inv = await invite('viewer');
    const page = await b.page(t);
    await page.goto(inv.link);
    assert.equal(await page.getByLabel('Invitation link or code').inputValue(), inv.token);
    await assertAccessible(page, 'sign-up page');
    await shot(page, 'sign-up-from-link');
    await fillSignUp(page, { name: 'Vera Viewer', email: inv.email });
    await page.waitForURL(`${w.url}/studio`);
    await assert.doesNotReject(page.getByText('Signed in as').waitFor());
    await assert.doesNotReject(page.getByText(inv.email).waitFor());
    await shot(page, 'sign-up-done');
    const m = (await members()).find((x) => x.email === inv.email);
    assert.equal(m?.role, 'viewer', 'a member with the invited role');
  });

  test('something that is not an invitation shows the error on the page; no account is created', async (t) => {
    const page = await b.page(t);
    await page.goto(`${w.url}/studio/signup`);
    const email = `${uniq('nobody')}@example.test`;
    await fillSignUp(page, { name: 'Nobody', email, invitation: 'https://example.test/no-invitation-here' });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Paste the invitation link/);
    assert.equal(new URL(page.url()).pathname, '/studio/signup');
    assert.equal(await page.getByLabel('Email').inputValue(), email, 'typed values are kept');
    await assertAccessible(page, 'sign-up error');
    await shot(page, 'sign-up-not-an-invitation');
    // A well-formed but unknown code is refused by the server, also on the page.
    await fillSignUp(page, { name: 'Nobody', email, invitation: 'inv_doesnotexist' });
    await assert.doesNotReject(page.getByText('is not a valid invitation').waitFor());
    assert.ok(!(await members()).some((x) => x.email === email));
  });
});

describe('sign up if invited, in the middle of an OAuth flow', () => {
  const redirectUrl = 'http://127.0.0.1:33419/oauth/callback';

  test('sign-in page -> "Sign up if invited" -> paste the link -> back on consent -> Authorize -> the client connects', async (t) => {
    const inv = await invite('developer');
    const provider = new SdkProvider({ redirectUrl, name: 'Invited host' });
    const t1 = new V1Transport(new URL(draftUrl()), { authProvider: provider });
    await assert.rejects(new V1Client({ name: 'dockyard-browser-invited', version: '1.0.0' }).connect(t1),
      (e) => e instanceof V1UnauthorizedError);
    const authUrl = provider.authorizationUrl;

    const page = await b.page(t);
    await page.goto(String(authUrl));
    await assert.doesNotReject(page.getByText('Invited host').waitFor(), 'the sign-in page names the app');
    await page.getByRole('link', { name: 'Sign up if invited' }).click();
    await page.waitForURL((u) => u.pathname === '/studio/signup');
    assert.equal(new URL(page.url()).searchParams.get('next'), authUrl.pathname + authUrl.search, 'the request rides along');
    assert.equal(await page.getByLabel('Invitation link or code').inputValue(), '', 'nothing to prefill');
    await assertAccessible(page, 'sign-up page in an OAuth flow');
    await shot(page, 'oauth-sign-up');

    await fillSignUp(page, { name: 'Ivy Invited', email: inv.email, invitation: inv.link });
    await page.waitForURL((u) => u.pathname === '/oauth/authorize');
    assert.equal(page.url(), String(authUrl), 'back on the very authorization request');
    await assert.doesNotReject(page.getByText(inv.email).first().waitFor(), 'consent as the new member');
    const callback = await decide(page, { redirectUri: redirectUrl, name: 'oauth-sign-up' });
    assert.ok(callback.searchParams.get('code'), String(callback));
    assert.equal(callback.searchParams.get('state'), provider.lastState);

    await t1.finishAuth(callback.searchParams.get('code'));
    const client = new V1Client({ name: 'dockyard-browser-invited', version: '1.0.0' });
    client.onerror = () => {};
    await client.connect(new V1Transport(new URL(draftUrl()), { authProvider: provider }));
    t.after(() => client.close().catch(() => {}));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['show_order']);
    const result = await client.callTool({ name: 'show_order', arguments: { order_id: 'invited' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const m = (await members()).find((x) => x.email === inv.email);
    assert.equal(m?.role, 'developer');
    assert.equal(decodeJwt(provider.tokens().access_token).payload.sub, m.user_id);
  });
});
