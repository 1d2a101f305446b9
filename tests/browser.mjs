// The browser tier's helper: Debian's Chromium (/usr/bin/chromium, installed by
// scripts/setup.sh) driven by playwright-core. Playwright's own browser
// download cannot work here (no internet), and the flags below keep Chromium
// from reaching for Google's hosts on a closed network.
//
//   const b = useBrowser();                 // one Chromium per suite (before/after hooks)
//   const page = await b.page();            // a fresh context (no cookies) per call
//   await page.goto(`${w.url}/studio/login`);
//   await shot(page, 'login');              // tests/artifacts/<suite>-login.png
//   await assertAccessible(page, 'login');  // axe-core: no serious or critical violations
//
// Contexts opened with `b.page()` are closed by the after() hook, and also by
// each test's end (`t` given to `b.page(t)`), so no state leaks between tests.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { ROOT } from './harness.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launches Chromium. Playwright gives every launch a fresh, empty user-data
 * directory (and removes it on close), so no profile carries over.
 */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
}

/**
 * One browser for the suite: `before` launches it, `after` closes it.
 * `page(t?)` opens a fresh context (its own cookie jar) and a page in it; with
 * the test context `t`, the context closes when that test ends.
 */
export function useBrowser() {
  let browser;
  const open = new Set();
  before(async () => { browser = await launchChromium(); });
  after(async () => {
    for (const c of open) await c.close().catch(() => {});
    await browser?.close();
  });
  return {
    get browser() { return browser; },
    async page(t) {
      const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 800 } });
      context.setDefaultTimeout(20_000);
      open.add(context);
      const close = async () => { open.delete(context); await context.close().catch(() => {}); };
      if (t?.after) t.after(close);
      const page = await context.newPage();
      page.closeContext = close;
      return page;
    },
  };
}

/** The running suite's file name without `.test.mjs`, to prefix screenshots. */
const suiteName = () => basename(process.argv[1] ?? 'suite').replace(/\.test\.mjs$/, '');

/** A full-page screenshot at tests/artifacts/<suite>-<name>.png (git-ignored). Returns the path. */
export async function shot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${suiteName()}-${name.replace(/[^a-z0-9_-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * axe-core on the page as it is now (WCAG 2.x A and AA rules): asserts that no
 * violation is serious or critical, listing each one with its nodes.
 */
export async function assertAccessible(page, label = page.url()) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const describe = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`);
  assert.deepEqual(describe, [], `${label}: accessibility violations\n${describe.join('\n')}`);
  return result;
}

/**
 * Waits for the browser to be sent to `redirectUri` (the OAuth client's
 * callback) and returns that URL. The host need not exist: the request is
 * read as Chromium makes it, whatever the navigation then does.
 * Call before the click that triggers it.
 */
export function waitForCallback(page, redirectUri) {
  return page.waitForRequest((r) => r.url().startsWith(`${redirectUri}?`), { timeout: 20_000 }).then((r) => new URL(r.url()));
}

/** Fills the labelled sign-in fields and clicks "Sign in". */
export async function signIn(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// ---- Studio pages ------------------------------------------------------
//
//   await studioSignIn(page, w.url, email, password);   // lands on /studio
//   await fillByLabel(page, { Name: 'Acme', Slug: 'acme' });
//   await clickButton(page, 'Create organization');
//   await confirm(page);                                 // the <dialog>'s Confirm
//   await checkPage(page, 'org-projects');               // axe + laptop and phone screenshots

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Screenshots at laptop and phone width: <suite>-<name>-laptop.png and -phone.png. Returns both paths. */
export async function shots(page, name) {
  const before = page.viewportSize();
  await page.setViewportSize(LAPTOP);
  const laptop = await shot(page, `${name}-laptop`);
  await page.setViewportSize(PHONE);
  const phone = await shot(page, `${name}-phone`);
  if (before) await page.setViewportSize(before);
  return { laptop, phone };
}

/**
 * What every Studio page must pass: axe-core (no serious or critical
 * violations) at laptop and at phone width, "Sign out" in the header, a
 * heading naming the page (`heading`, when given), then both screenshots.
 */
export async function checkPage(page, name, { heading, signedIn = true } = {}) {
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  if (signedIn) await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).waitFor();
  await page.setViewportSize(LAPTOP);
  await assertAccessible(page, `${name} (laptop)`);
  await page.setViewportSize(PHONE);
  await assertAccessible(page, `${name} (phone)`);
  return shots(page, name);
}

/** Fills fields by their labels: `{ Label: value }` (a <select> gets selectOption). */
export async function fillByLabel(page, fields, scope = page) {
  for (const [label, value] of Object.entries(fields)) {
    const field = scope.getByLabel(label, { exact: true });
    const tag = await field.evaluate((el) => el.tagName);
    if (tag === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

/**
 * Replaces a CodeMirror field's text (found by its label) by typing, and checks the
 * form's textarea `#id` follows: exactly, or with `{ sameWords: true }` word for word
 * (CodeMirror's JavaScript mode may indent inserted lines). Returns what the textarea holds.
 */
export async function setCode(page, label, id, text, { sameWords = false } = {}) {
  const editor = page.getByLabel(label, { exact: true });
  assert.equal(await editor.getAttribute('contenteditable'), 'true', `${label}: the labelled element is the editable one`);
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  const held = await page.locator(`textarea#${id}`).inputValue();
  const words = (x) => (sameWords ? x.replace(/\s+/g, ' ') : x);
  assert.equal(words(held), words(text), `${label}: the posted textarea holds the text`);
  return held;
}

/** Clicks the button named `name` (exactly), in `scope` (a row, a section) or the page. */
export async function clickButton(page, name, scope = page) {
  await scope.getByRole('button', { name, exact: true }).click();
}

/** Confirms the open confirmation <dialog>: types `name` if asked, clicks "Confirm". */
export async function confirm(page, { name } = {}) {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  if (name !== undefined) await dialog.getByLabel('Type the name to confirm').fill(name);
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
}

/** Signs in at /studio/login (with `next`, if given) and waits to leave the sign-in page. */
export async function studioSignIn(page, baseUrl, email, password, next) {
  const url = next ? `${baseUrl}/studio/login?next=${encodeURIComponent(next)}` : `${baseUrl}/studio/login`;
  await page.goto(url);
  await signIn(page, email, password);
  await page.waitForURL((u) => !u.pathname.startsWith('/studio/login'));
}
