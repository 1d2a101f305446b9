// The Studio's sign-in page in headless Chromium: a person types into the
// labelled fields, clicks "Sign in", lands on /studio, and signs out again.
// The browser sends what it sends (Origin, Sec-Fetch-Site, cookies) under the
// headers the pages set; nothing is faked, except in the two tests that rewrite
// a response header to reproduce another browser's or a hostile page's
// behaviour, and say so.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startMcpWorker, ownerOf, createOrg, uniq } from '../mcp-fixtures.mjs';
import { useBrowser, shot, assertAccessible, signIn } from '../browser.mjs';

const OWNER = { email: 'owner@example.test', password: 'correct horse battery' }; // harness bootstrapOwner

let w;
let org;
const b = useBrowser();

before(async () => {
  w = await startMcpWorker();
  const owner = await ownerOf(w);
  org = await createOrg(owner, uniq('login'));
});
after(async () => { await w?.stop(); });

/** The response to the next POST to `path`, and the headers Chromium sent with it. */
function nextPost(page, path) {
  return page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path)
    .then(async (r) => ({ status: r.status(), sent: await r.request().allHeaders(), text: r.status() < 300 || r.status() >= 400 ? await r.text() : '' }));
}

describe('sign in at /studio/login', () => {
  test('type email and password, click "Sign in", land on /studio; "Sign out" ends the session', async (t) => {
    const page = await b.page(t);
    const login = await page.goto(`${w.url}/studio/login`);
    assert.equal(login.status(), 200);
    await assertAccessible(page, 'sign-in page');
    await shot(page, 'sign-in');

    const posted = nextPost(page, '/studio/login');
    await signIn(page, OWNER.email, OWNER.password);
    const post = await posted;
    assert.equal(post.status, 303, `the sign-in POST: ${post.status} ${post.text}`);
    assert.equal(login.headers()['referrer-policy'], 'same-origin', 'pages let the browser send its Origin same-origin');
    assert.equal(post.sent.origin, w.url, 'Chromium sent the real Origin on the same-origin form POST');
    await page.waitForURL(`${w.url}/studio`);
    await assert.doesNotReject(page.getByText('Signed in as').waitFor());
    await assert.doesNotReject(page.getByText(OWNER.email).waitFor());
    await assert.doesNotReject(page.getByText(org).first().waitFor(), 'the home page lists the org');
    await assertAccessible(page, 'studio home');
    await shot(page, 'studio-home');

    const out = nextPost(page, '/studio/logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    assert.equal((await out).status, 303);
    await page.waitForURL(/\/studio\/login$/);
    // The session is gone: /studio sends the browser back to the sign-in page.
    await page.goto(`${w.url}/studio`);
    assert.match(page.url(), /\/studio\/login\?next=%2Fstudio$/);
    await assert.doesNotReject(page.getByRole('button', { name: 'Sign in' }).waitFor());
    const cookies = await page.context().cookies();
    assert.deepEqual(cookies.filter((c) => c.name.includes('dy_session')), [], 'the session cookie was cleared');
  });

  test('a wrong password shows the error on the page, and no session starts', async (t) => {
    const page = await b.page(t);
    await page.goto(`${w.url}/studio/login`);
    const posted = nextPost(page, '/studio/login');
    await signIn(page, OWNER.email, 'not the password');
    const post = await posted;
    assert.equal(post.status, 401, post.text);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /email or password is not correct/);
    assert.equal(await page.getByLabel('Email').inputValue(), OWNER.email, 'the email is kept');
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not echoed');
    await assertAccessible(page, 'sign-in error');
    await shot(page, 'sign-in-wrong-password');
    assert.deepEqual((await page.context().cookies()).filter((c) => c.name.includes('dy_session')), []);
  });

  test('a browser that sends Origin: null (no-referrer, as Firefox does under it) can still sign in', async (t) => {
    // The login page arrives with Referrer-Policy: no-referrer (as from an
    // older instance or a proxy that adds it): Chromium then sends
    // `Origin: null` with `Sec-Fetch-Site: same-origin` on the form POST.
    const page = await b.page(t);
    await page.route(`${w.url}/studio/login`, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const res = await route.fetch();
      await route.fulfill({ response: res, headers: { ...res.headers(), 'referrer-policy': 'no-referrer' } });
    });
    await page.goto(`${w.url}/studio/login`);
    await page.unroute(`${w.url}/studio/login`); // an intercepted request would not show the headers Chromium adds
    const posted = nextPost(page, '/studio/login');
    await signIn(page, OWNER.email, OWNER.password);
    const post = await posted;
    assert.equal(post.sent.origin, 'null', 'the browser hid its Origin');
    assert.equal(post.sent['sec-fetch-site'], 'same-origin');
    assert.equal(post.status, 303, `the sign-in POST: ${post.status} ${post.text}`);
    await page.waitForURL(`${w.url}/studio`);
    await assert.doesNotReject(page.getByText('Signed in as').waitFor());
  });

  test('a form on another site cannot sign the user out (cross-site POST refused, with or without Origin)', async (t) => {
    // The hostile page is served from `localhost`, a different site than
    // 127.0.0.1; one form sends its Origin, the other hides it (no-referrer).
    const evil = createServer((req, res) => {
      const hide = req.url.includes('hide');
      res.writeHead(200, { 'content-type': 'text/html', ...(hide ? { 'referrer-policy': 'no-referrer' } : {}) });
      res.end(`<!doctype html><form method="post" action="${w.url}/studio/logout"><button>Win a prize</button></form>`);
    });
    await new Promise((r) => evil.listen(0, '127.0.0.1', r));
    t.after(() => new Promise((r) => evil.close(r)));
    const evilUrl = `http://localhost:${evil.address().port}`;

    const page = await b.page(t);
    await page.goto(`${w.url}/studio/login`);
    await signIn(page, OWNER.email, OWNER.password);
    await page.waitForURL(`${w.url}/studio`);
    for (const path of ['/show', '/hide']) {
      await page.goto(evilUrl + path);
      const posted = nextPost(page, '/studio/logout');
      await page.getByRole('button', { name: 'Win a prize' }).click();
      const post = await posted;
      assert.equal(post.sent['sec-fetch-site'], 'cross-site', path);
      assert.equal(post.sent.origin, path === '/hide' ? 'null' : evilUrl, path);
      assert.equal(post.status, 403, `${path}: ${post.status} ${post.text}`);
      assert.match(post.text, /cross-site request refused/, path);
    }
    await shot(page, 'cross-site-logout-refused');
    await page.goto(`${w.url}/studio`);
    assert.equal(new URL(page.url()).pathname, '/studio', 'still signed in');
    await assert.doesNotReject(page.getByText('Signed in as').waitFor());
  });
});
