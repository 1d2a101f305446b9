// The world the OAuth browser suites (tests/browser/oauth-*.test.mjs) share,
// and the browser leg of an MCP SDK's authorization:
//
// - `startPrivateShop` (tests/oauth-helpers.mjs): one worker (after a CIMD
//   fixture, so workerd trusts its CA), an org with a PRIVATE project: `show_order` and `plain_note` published as the first
//   version, then `plain_note` removed from the draft, so the two endpoints
//   answer differently; a developer member (`devEmail`, `PASSWORD`);
// - `SdkProvider`: an in-memory OAuthClientProvider (the shape both SDK majors
//   accept) whose `redirectToAuthorization(url)` only records the URL, as a
//   host does before it opens the browser;
// - `authorizeInBrowser(page, url, ...)`: opens that URL in Chromium, signs in
//   through the form if it is shown, clicks Authorize or Deny on the consent
//   page and returns the callback URL Chromium was sent to.
//
// `useWorld()` adds the before() and after() hooks; the exported `let`s are
// live bindings, set once the before() hook has run.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPrivateShop, SHOP_INSTRUCTIONS } from '../oauth-helpers.mjs';
import { shot, assertAccessible, signIn, waitForCallback } from '../browser.mjs';

export const PASSWORD = 'member password 1'; // what harness addMember uses
export const INSTRUCTIONS = SHOP_INSTRUCTIONS;

export let w;
export let fx; // CIMD fixture
export let owner;
export let org;
export let project;
export let dev; // developer member (signed-in harness Client, for API checks)
export let devEmail;

export const draftUrl = () => `${w.url}/${org}/${project}/draft`;
export const prodUrl = () => `${w.url}/${org}/${project}`;
export const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

export function useWorld() {
  before(async () => {
    ({ fx, w, owner, org, project, dev, devEmail } = await startPrivateShop('web'));
  });
  after(async () => {
    await w?.stop();
    await fx?.stop();
  });
}

/** The org's grants of `clientId` with `status`, as the owner sees them in the Authorized apps API. */
export async function grantsOf(clientId, status = 'active') {
  const r = await owner.get(`/api/v1/orgs/${org}/grants?client=${encodeURIComponent(clientId)}&status=${status}`);
  assert.equal(r.status, 200, r.text);
  return r.body.grants;
}

/** An OAuthClientProvider in memory; `authorizationUrls` are the URLs the SDK asked to open. */
export class SdkProvider {
  constructor({ redirectUrl, clientMetadataUrl, name = 'Dockyard browser test' }) {
    this._redirectUrl = redirectUrl;
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
    this.name = name;
    this.authorizationUrls = [];
    this._state = null;
  }

  get redirectUrl() { return this._redirectUrl; }
  get clientMetadata() {
    return {
      client_name: this.name, redirect_uris: [this._redirectUrl], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none',
    };
  }

  get lastState() { return this._state; }
  get authorizationUrl() { return this.authorizationUrls.at(-1); }
  state() { this._state = `st-${Math.random().toString(36).slice(2)}`; return this._state; }
  clientInformation() { return this._client; }
  saveClientInformation(info) { this._client = info; }
  tokens() { return this._tokens; }
  saveTokens(t) { this._tokens = t; }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
  saveDiscoveryState(s) { this._discovery = s; }
  discoveryState() { return this._discovery; }
  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'client') this._client = undefined;
    if (scope === 'all' || scope === 'verifier') this._verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discovery = undefined;
  }
  redirectToAuthorization(url) { this.authorizationUrls.push(new URL(url)); }
}

/**
 * The person at the browser: opens `url` (an SDK's authorization URL), signs
 * in with `user` when the sign-in page comes (checking it, with a
 * screenshot), then on the consent page (checked, screenshot) clicks
 * "Authorize" or "Deny". Returns the callback URL Chromium was redirected to.
 * `name` prefixes the screenshots.
 */
export async function authorizeInBrowser(page, url, { user, redirectUri, decision = 'allow', name }) {
  await page.goto(String(url));
  const signInButton = page.getByRole('button', { name: 'Sign in' });
  if (user && await signInButton.isVisible()) {
    await assertAccessible(page, `${name}: OAuth sign-in page`);
    await shot(page, `${name}-sign-in`);
    await signIn(page, user.email, user.password);
    await page.waitForURL((u) => u.pathname === '/oauth/authorize');
  }
  return decide(page, { redirectUri, decision, name });
}

/**
 * On the consent page: checks it, takes its screenshot, clicks `decision`,
 * returns the callback URL. After Deny, the error is offered on the
 * interstitial (RFC 9700 4.11.2: no client is trusted): Continue is clicked
 * there too ([`continueFromInterstitial`]).
 */
export async function decide(page, { redirectUri, decision = 'allow', name }) {
  const authorize = page.getByRole('button', { name: 'Authorize' });
  await authorize.waitFor();
  await assertAccessible(page, `${name}: consent page`);
  await shot(page, `${name}-consent`);
  if (decision !== 'allow') {
    await page.getByRole('button', { name: 'Deny' }).click();
    return continueFromInterstitial(page, { redirectUri, name });
  }
  const callback = waitForCallback(page, redirectUri);
  await authorize.click();
  return callback;
}

/**
 * On the error interstitial: checks that it names where the browser goes
 * (the redirect host) and was not left already, takes its screenshot, clicks
 * Continue and returns the callback URL Chromium was sent to.
 */
export async function continueFromInterstitial(page, { redirectUri, name }) {
  const next = page.getByRole('link', { name: 'Continue' });
  await next.waitFor();
  assert.equal(new URL(page.url()).pathname, '/oauth/authorize', `still on Dockyard, nothing redirected automatically: ${page.url()}`);
  assert.match(await page.locator('main').innerText(), new RegExp(`You are being sent back to ${new URL(redirectUri).host.replace(/[.]/g, '\\.')}`));
  await assertAccessible(page, `${name}: error interstitial`);
  await shot(page, `${name}-error-interstitial`);
  const callback = waitForCallback(page, redirectUri);
  await next.click();
  return callback;
}
