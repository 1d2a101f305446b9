// The demo `npm run dev` seeds (scripts/seed.mjs, content in scripts/demo/):
// run twice against a fresh worker, it creates everything once; a host that
// connects to production without a token sees the released tools at once; the
// draft needs a member's token and shows the unpublished change; and each
// tool's MCP Apps page, loaded in Chromium inside a host frame that speaks the
// extension's postMessage protocol, renders the real tools/call result.
//
// The browser here is Debian's Chromium through playwright-core (see GUIDE:
// Playwright's own download cannot work offline). Without /usr/bin/chromium
// the browser tests fail with that message; they never skip.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startWorkerWithRetry } from '../harness.mjs';
import { modern } from '../mcp-fixtures.mjs';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { DEMO, banner, seedDemo } from '../../scripts/seed.mjs';
import { EXAMPLES } from '../../scripts/demo/project.mjs';

const PASSWORD = 'demo owner password 1';
const SHOW_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
const P = `/api/v1/orgs/${DEMO.org}/projects/${DEMO.project}`;

let w;
let first;
let second;
let owner;
let before2; // the management API's view between the two runs
let after2;

/** What the owner sees of the demo through the API: orgs, projects, versions, draft. */
async function state() {
  const orgs = (await owner.get('/api/v1/orgs')).body.orgs.map((o) => o.slug);
  const projects = (await owner.get(`/api/v1/orgs/${DEMO.org}/projects`)).body.projects.map((p) => p.slug);
  const versions = (await owner.get(`${P}/versions`)).body.versions.map((v) => [v.version, v.production]);
  const draft = (await owner.get(`${P}/draft`)).body;
  const project = (await owner.get(P)).body;
  return { orgs, projects, versions, draft, visibility: project.project?.visibility ?? project.visibility };
}

const seed = () => seedDemo({ server: w.url, publicUrl: w.url, password: PASSWORD, bootstrapSecret: w.settings.BOOTSTRAP_SECRET });
const prodUrl = () => `${w.url}/${DEMO.org}/${DEMO.project}`;
const draftUrl = () => `${prodUrl()}/draft`;

before(async () => {
  w = await startWorkerWithRetry();
  first = await seed();
  owner = w.client();
  await owner.login(DEMO.email, PASSWORD);
  before2 = await state();
  second = await seed();
  after2 = await state();
});
after(async () => { await w?.stop(); });

describe('seeding the demo', () => {
  test('the first run creates the owner, org, project, release 1.0.0 (public) and the draft change', () => {
    assert.deepEqual(first.seeded, [
      `owner ${DEMO.email}`,
      'org acme',
      'project acme/demo',
      'release 1.0.0 (show_order, show_tasks), public',
      'draft change (+ show_metric, Instructions)',
    ]);
    assert.deepEqual(before2.versions, [['1.0.0', true]]);
    assert.equal(before2.visibility, 'public');
    assert.deepEqual(before2.draft.types.map((t) => t.name).sort(), ['show_metric', 'show_order', 'show_tasks']);
    assert.match(before2.draft.instructions, /show_metric/);
  });

  test('a second run creates nothing and changes nothing', () => {
    assert.deepEqual(second.seeded, []);
    assert.deepEqual(after2, before2, 'orgs, projects, versions and the draft (with its revision) are unchanged');
    assert.deepEqual(after2.orgs.filter((o) => o === 'acme'), ['acme']);
    assert.deepEqual(after2.projects, ['demo']);
  });

  test('the banner names both URLs, what each serves, and the owner login', () => {
    const text = banner(second);
    assert.ok(text.includes(`Draft endpoint       ${draftUrl()}\n`), text);
    assert.ok(text.includes(`Production endpoint  ${prodUrl()}\n`), text);
    assert.match(text, /1\.0\.0, public: show_order, show_tasks/);
    assert.match(text, /tools: show_metric, show_order, show_tasks \(unpublished: show_metric\)/);
    assert.ok(text.includes(`Owner login          ${DEMO.email} / ${PASSWORD}`), text);
    assert.match(text, /Nothing to seed: the demo was already there\./);
    assert.match(banner(first), /Seeded now: owner owner@acme\.test; org acme; project acme\/demo; release 1\.0\.0/);
  });
});

describe('what a host sees', () => {
  test('production answers tools/list without a token: the two released tools, each with a title, description, all three hints and a UI', async () => {
    const r = await modern(prodUrl(), 'tools/list');
    assert.equal(r.status, 200, r.text);
    const tools = r.json.result.tools;
    assert.deepEqual(tools.map((t) => t.name), ['show_order', 'show_tasks']);
    for (const t of tools) {
      assert.ok(t.title && t.description.length > 40, `${t.name}: title and description`);
      assert.deepEqual(t.annotations, SHOW_ONLY, `${t.name}: annotations`);
      assert.equal(t._meta.ui.resourceUri, `ui://demo/${t.name}`);
    }
    const d = await modern(prodUrl(), 'server/discover');
    assert.match(d.json.result.instructions, /show_order/);
    assert.doesNotMatch(d.json.result.instructions, /show_metric/, 'production has the Instructions of 1.0.0');
  });

  test('the draft refuses a client without a token and, with the owner\'s token, lists the unpublished tool too', async () => {
    const anonymous = await modern(draftUrl(), 'tools/list');
    assert.equal(anonymous.status, 401, anonymous.text);
    const t = await getTokens(w, owner, { resource: draftUrl() });
    const r = await mcp(draftUrl(), t.access_token, 'tools/list');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.result.tools.map((x) => x.name), ['show_metric', 'show_order', 'show_tasks']);
    assert.deepEqual(r.json.result.tools.find((x) => x.name === 'show_metric').annotations, SHOW_ONLY);
    const diff = (await owner.get(`${P}/draft/diff`)).body;
    assert.deepEqual(diff.diff.added, ['show_metric']);
    assert.equal(diff.diff.instructions_changed, true);
    assert.equal(diff.suggested_version, '1.1.0');
  });
});

// ------------------------------------------------------------- the pages --

/**
 * A minimal MCP Apps host page: it puts the app's HTML into a sandboxed
 * iframe, answers `ui/initialize`, and on `ui/notifications/initialized` sends
 * the tool's input and result, as a host does after a tools/call. Every
 * message from the app is kept in `window.appMessages`.
 */
const HOST = `<!doctype html><html><body><iframe id="app" sandbox="allow-scripts" style="width:640px;height:420px;border:0"></iframe>
<script>
window.appMessages = [];
window.startApp = (html, call) => {
  const frame = document.getElementById('app');
  const toApp = (msg) => frame.contentWindow.postMessage({ jsonrpc: '2.0', ...msg }, '*');
  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow) return;
    const msg = event.data;
    window.appMessages.push(msg);
    if (msg.method === 'ui/initialize') {
      toApp({ id: msg.id, result: { protocolVersion: '2026-01-26', hostInfo: { name: 'test host', version: '1' },
        hostCapabilities: {}, hostContext: { theme: 'light', locale: 'en-US' } } });
    } else if (msg.method === 'ui/notifications/initialized') {
      toApp({ method: 'ui/notifications/tool-input', params: { arguments: call.arguments } });
      toApp({ method: 'ui/notifications/tool-result', params: call.result });
    } else if (msg.method === 'ui/message') {
      toApp({ id: msg.id, result: {} });
    }
  });
  frame.srcdoc = html;
};
</script></body></html>`;

/** The page of `name` and the result of calling it with its example, both from `url`. */
async function pageAndResult(url, name, token) {
  const read = await mcp(url, token, 'resources/read', { uri: `ui://demo/${name}` });
  assert.equal(read.status, 200, read.text);
  const [content] = read.json.result.contents;
  assert.equal(content.mimeType, 'text/html;profile=mcp-app');
  const call = await mcp(url, token, 'tools/call', { name, arguments: EXAMPLES[name] });
  assert.equal(call.status, 200, call.text);
  assert.notEqual(call.json.result.isError, true, call.text);
  assert.deepEqual(call.json.result.structuredContent, EXAMPLES[name]);
  return { html: content.text, call: { arguments: EXAMPLES[name], result: call.json.result } };
}

describe('the MCP Apps pages in Chromium', () => {
  let browser;
  let draftToken;
  before(async () => {
    assert.ok(existsSync('/usr/bin/chromium'), 'Chromium is missing: apt-get install -y chromium (scripts/setup.sh does it)');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    draftToken = (await getTokens(w, owner, { resource: draftUrl() })).access_token;
    await mkdir(join(ROOT, 'tests', 'artifacts'), { recursive: true });
  });
  after(async () => { await browser?.close(); });

  async function show(url, name, token = null) {
    const { html, call } = await pageAndResult(url, name, token);
    const page = await browser.newPage({ locale: 'en-US' });
    page.setDefaultTimeout(20_000);
    await page.setContent(HOST);
    await page.evaluate(([h, c]) => window.startApp(h, c), [html, call]);
    const app = page.frameLocator('#app');
    return { page, app };
  }
  const shot = (page, name) => page.screenshot({ path: join(ROOT, 'tests', 'artifacts', `demo-${name}.png`) });

  test('show_order (production) draws the order, its items and total, and its button puts a message in the conversation', async () => {
    const { page, app } = await show(prodUrl(), 'show_order');
    try {
      await app.getByRole('heading', { name: /Order A-1042/ }).waitFor();
      const text = await app.locator('main').innerText();
      assert.match(text, /shipped/);
      assert.match(text, /for Ada Lovelace/);
      assert.match(text, /Brass compass\s+2\s+€24\.50\s+€49\.00/);
      assert.match(text, /Chart of the Channel\s+1\s+€12\.00\s+€12\.00/);
      assert.match(text, /Total\s+€61\.00/);
      await shot(page, 'show_order');
      await app.getByRole('button', { name: 'Ask about this order' }).click();
      await app.getByText('Sent to the conversation.').waitFor();
      const messages = await page.evaluate(() => window.appMessages);
      const sent = messages.find((m) => m.method === 'ui/message');
      assert.deepEqual(sent.params, { role: 'user', content: [{ type: 'text', text: 'What is the latest on order A-1042?' }] });
      assert.deepEqual(messages[0].params.appInfo, { name: 'Dockyard demo: Order card', version: '1.0.0' });
      assert.ok(messages.some((m) => m.method === 'ui/notifications/size-changed' && m.params.height > 0), 'reports its size');
    } finally {
      await page.close();
    }
  });

  test('show_tasks (production) draws the board with its progress', async () => {
    const { page, app } = await show(prodUrl(), 'show_tasks');
    try {
      await app.getByRole('heading', { name: 'Spring launch' }).waitFor();
      assert.match(await app.locator('main').innerText(), /1 of 3 done/);
      assert.match(await app.getByRole('region', { name: 'Done' }).innerText(), /Done \(1\)\s+Write release notes\s+Ada/);
      assert.match(await app.getByRole('region', { name: 'In progress' }).innerText(), /Record the demo video\s+Grace/);
      assert.match(await app.getByRole('region', { name: 'To do' }).innerText(), /Email the customers/);
      await shot(page, 'show_tasks');
    } finally {
      await page.close();
    }
  });

  test('show_metric (draft only) draws the figure and its change', async () => {
    const { page, app } = await show(draftUrl(), 'show_metric', draftToken);
    try {
      await app.getByRole('heading', { name: 'Weekly revenue' }).waitFor();
      const text = await app.locator('main').innerText();
      assert.match(text, /12,840 EUR/);
      assert.match(text, /▲ 1,640 \(14\.64%\) since 11,200/);
      await shot(page, 'show_metric');
    } finally {
      await page.close();
    }
    const prod = await modern(prodUrl(), 'resources/read', { uri: 'ui://demo/show_metric' });
    assert.equal(prod.json.error?.code, -32602, 'production does not serve the unpublished page');
  });
});
