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
