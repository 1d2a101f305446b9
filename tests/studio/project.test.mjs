// The Studio's project pages in Chromium, as one person's day (the tests run
// in order and share one worker):
//   1. sign in, create an org and a project, add an interactive Type whose
//      input schema has an error (shown at Input schema), fix it, preview the
//      UI (the sandboxed frame gets sample arguments over the MCP Apps
//      bridge), save it; a stale save keeps what was typed;
//   2. the Server tab: choose Draft, copy the URL, connect the official SDK
//      client to it (OAuth consent in the same browser), call the tool;
//   the Instructions with a markdown preview;
//   4. publish with notes: the version appears and production serves it;
//   an editor sees no Publish; Settings: the kill switch, deletion by typed name.
// Every page passes axe-core and gets laptop and phone screenshots (checkPage).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { startMcpWorker, ownerOf, uniq, modern } from '../mcp-fixtures.mjs';
import { useBrowser, studioSignIn, fillByLabel, clickButton, checkPage, confirm, shot, setCode } from '../browser.mjs';
import { SdkProvider, authorizeInBrowser } from '../browser/setup.mjs';

const OWNER = { email: 'owner@example.test', password: 'correct horse battery' };
const NO_RECONNECT = { maxRetries: 0, initialReconnectionDelay: 60_000, maxReconnectionDelay: 60_000, reconnectionDelayGrowFactor: 1 };
const REDIRECT = 'http://127.0.0.1:33419/oauth/callback';

let w;
let owner;
let page;
const org = uniq('jorg');
const project = uniq('jshop');
const b = useBrowser();
const base = () => `${w.url}/studio/${org}/${project}`;

before(async () => {
  w = await startMcpWorker({});
  owner = await ownerOf(w);
});
after(async () => { await w?.stop(); });

const BAD_SCHEMA = '{"type": "object", "properties": {"city": {"type": "strin"}}}';
const GOOD_SCHEMA = '{"type": "object", "properties": {"city": {"type": "string", "examples": ["Lisbon"]}}, "required": ["city"]}';
// A tiny MCP App: asks the host to initialize, then draws the tool input it is sent.
// One line: CodeMirror indents inserted newlines, and the stored text must equal what was typed.
const UI = '<!doctype html><html><head><meta charset="utf-8"><title>City</title></head><body><h1 id="out">waiting</h1><script>'
  + "addEventListener('message', (e) => { const m = e.data || {};"
  + " if (m.id === 1 && m.result) parent.postMessage({ jsonrpc: '2.0', method: 'ui/notifications/initialized' }, '*');"
  + " if (m.method === 'ui/notifications/tool-input') document.getElementById('out').textContent = 'City: ' + m.params.arguments.city; });"
  + " parent.postMessage({ jsonrpc: '2.0', id: 1, method: 'ui/initialize', params: { protocolVersion: '2026-01-26', appInfo: { name: 'city', version: '1' }, appCapabilities: {} } }, '*');"
  + '</script></body></html>';

/** An SDK v1 client connected to `url`, authorized by the person in `page`'s browser. */
async function connectSdk(t, url, name) {
  const provider = new SdkProvider({ redirectUrl: REDIRECT, name: `Journey ${name}` });
  const t1 = new V1Transport(new URL(url), { authProvider: provider, reconnectionOptions: NO_RECONNECT });
  await assert.rejects(new V1Client({ name: 'journey', version: '1.0.0' }).connect(t1), (e) => e instanceof V1UnauthorizedError);
  const callback = await authorizeInBrowser(page, provider.authorizationUrl, { user: OWNER, redirectUri: REDIRECT, name: `journey-${name}` });
  assert.ok(callback.searchParams.get('code'), String(callback));
  await t1.finishAuth(callback.searchParams.get('code'));
  const client = new V1Client({ name: 'journey', version: '1.0.0' });
  client.onerror = () => {};
  await client.connect(new V1Transport(new URL(url), { authProvider: provider, reconnectionOptions: NO_RECONNECT }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

// The origin the preview frame's document runs in, once it shows `text`. A live
// refresh that was already on its way may load the frame once more: then the
// evaluation meets a destroyed context, and it is asked again of the new document.
async function frameOrigin(frame, text) {
  for (let attempt = 1; ; attempt++) {
    await frame.getByText(text).waitFor();
    try {
      return await frame.locator('body').evaluate(() => origin);
    } catch (e) {
      if (attempt >= 5 || !/context was destroyed|navigat/i.test(e.message)) throw e;
    }
  }
}

test('journey 1: create an org, a project and an interactive Type; the schema error shows at its field; preview; save', async () => {
  page = await b.page();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: w.url });
  await studioSignIn(page, w.url, OWNER.email, OWNER.password);
  await fillByLabel(page, { Name: 'Journey Org', Slug: org });
  await clickButton(page, 'Create organization');
  await page.waitForURL(`${w.url}/studio/${org}`);
  await fillByLabel(page, { Name: 'Journey Shop', Slug: project });
  await clickButton(page, 'Create project');
  await page.waitForURL(`${base()}/server`);

  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Types' }).click();
  await checkPage(page, 'types-empty', { heading: 'Types' });
  assert.match(await page.locator('.empty').innerText(), /no Types yet/);
  await page.getByRole('link', { name: 'New Type' }).click();
  await page.waitForURL(`${base()}/types/new`);
  await page.getByRole('heading', { level: 1, name: 'New Type' }).waitFor();
  await page.locator('.cm-content').first().waitFor();
  const kind = page.getByLabel('Kind', { exact: true });
  assert.deepEqual(await kind.locator('option').allInnerTexts(), ['interactive', 'http', 'code']);
  await fillByLabel(page, { Name: 'show_city', Title: 'City card', Description: 'Shows a city.', Scopes: '' });
  await setCode(page, 'Input schema', 'input_schema', BAD_SCHEMA);
  await setCode(page, 'UI HTML', 'ui_html', UI);
  await clickButton(page, 'Save');

  // Refused with the API's 422: the error is at Input schema, and the typed text is kept.
  const error = page.locator('#input_schema-error');
  await error.waitFor();
  assert.match(await error.innerText(), /\/input_schema\/properties\/city\/type/);
  const editor = page.getByLabel('Input schema', { exact: true });
  assert.match(await editor.getAttribute('aria-describedby'), /input_schema-error/, 'the editor is described by its error');
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('textarea#input_schema').inputValue(), BAD_SCHEMA, 'nothing typed is lost');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'show_city');
  await checkPage(page, 'editor-schema-error', { heading: 'New Type' });

  // Fix it and preview: the sandboxed frame (no allow-same-origin) draws the sample argument.
  await setCode(page, 'Input schema', 'input_schema', GOOD_SCHEMA);
  const frame = page.locator('iframe#ui-preview');
  assert.equal(await frame.getAttribute('sandbox'), 'allow-scripts');
  const previewResponse = page.waitForResponse((r) => r.url().endsWith('/types/new/preview') && r.request().method() === 'POST');
  await clickButton(page, 'Preview');
  const csp = (await previewResponse).headers()['content-security-policy'];
  assert.match(csp, /sandbox allow-scripts/);
  assert.match(csp, /frame-ancestors 'self'/);
  const origin = await frameOrigin(page.frameLocator('iframe#ui-preview'), 'City: Lisbon');
  assert.equal(origin, 'null', 'the preview runs in an opaque origin');
  assert.equal(page.url(), `${base()}/types/new`, 'previewing does not leave the editor');

  await clickButton(page, 'Save');
  await page.waitForURL(`${base()}/types/show_city`);
  assert.match(await page.getByRole('status').first().innerText(), /Created the Type show_city/);
  await checkPage(page, 'editor-saved', { heading: 'Type show_city' });
  const stored = await owner.get(`/api/v1/orgs/${org}/projects/${project}/draft`);
  const doc = stored.body.types.find((x) => x.name === 'show_city');
  assert.deepEqual(doc.input_schema, JSON.parse(GOOD_SCHEMA));
  assert.equal(doc.ui.html, UI);

  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Types' }).click();
  const row = page.getByRole('row', { name: /show_city/ });
  assert.match(await row.innerText(), /interactive/);
  assert.match(await row.innerText(), /new/);
  await checkPage(page, 'types', { heading: 'Types' });
});

test('a stale save is refused with a note to reload, and keeps what was typed', async () => {
  await page.goto(`${base()}/types/show_city`);
  await page.locator('.cm-content').first().waitFor();
  // Someone else saves meanwhile (through the API).
  const draft = await owner.get(`/api/v1/orgs/${org}/projects/${project}/draft`);
  const doc = draft.body.types.find((x) => x.name === 'show_city');
  const r = await owner.put(`/api/v1/orgs/${org}/projects/${project}/draft/types/show_city`, { ...doc, description: 'Theirs.' });
  assert.equal(r.status, 200, r.text);
  await fillByLabel(page, { Title: 'My new title' });
  await clickButton(page, 'Save');
  await page.getByRole('alert').filter({ hasText: 'reload the page' }).waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'My new title', 'the typed title is kept');
  const after = await owner.get(`/api/v1/orgs/${org}/projects/${project}/draft`);
  assert.equal(after.body.types.find((x) => x.name === 'show_city').description, 'Theirs.', 'their save stands');
  await shot(page, 'editor-stale');
});

test('journey 2: the Server tab, Draft, Copy URL; an SDK client connects with it and calls the tool', async (t) => {
  await page.goto(`${base()}/server`);
  await checkPage(page, 'server', { heading: 'Server' });
  const select = page.getByLabel('Endpoint', { exact: true });
  assert.equal(await select.inputValue(), 'production', 'Production is selected at first');
  const url = page.getByLabel('Endpoint URL', { exact: true });
  assert.equal(await url.inputValue(), `${w.url}/${org}/${project}`);
  assert.equal(await url.getAttribute('readonly'), '');
  const table = await page.getByRole('table').innerText();
  assert.match(table, new RegExp(`${project}-draft`));
  assert.match(table, new RegExp(`${w.url}/${org}/${project}/draft`));
  assert.match(await page.getByRole('region', { name: 'Add to Claude Desktop' }).innerText(), /Add custom connector/);
  await select.selectOption({ label: 'Draft' });
  const draftUrl = `${w.url}/${org}/${project}/draft`;
  assert.equal(await url.inputValue(), draftUrl);
  assert.match(await page.locator('section', { hasText: 'Add to ChatGPT' }).innerText(), new RegExp(draftUrl.replace(/[.]/g, '\\.')));
  await clickButton(page, 'Copy URL');
  await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, draftUrl);
  await checkPage(page, 'server-draft', { heading: 'Server' });

  const client = await connectSdk(t, copied, 'draft');
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name), ['show_city']);
  const result = await client.callTool({ name: 'show_city', arguments: { city: 'Porto' } });
  assert.notEqual(result.isError, true, JSON.stringify(result));
  assert.deepEqual(result.structuredContent, { city: 'Porto' });
});

test('instructions: a markdown editor with a safe preview, saved to the draft', async () => {
  await page.goto(`${base()}/instructions`);
  await page.getByRole('heading', { level: 1, name: 'Instructions' }).waitFor();
  const text = '# City cards\n\nUse **show_city** for a city.\n\n<script>alert(1)</script>\n\n[docs](https://example.com/cards) and [bad](javascript:alert(1))';
  await fillByLabel(page, { Instructions: text });
  await clickButton(page, 'Preview');
  const preview = page.getByRole('region', { name: 'Preview' });
  await preview.getByRole('heading', { name: 'City cards' }).waitFor();
  assert.match(await preview.innerText(), /<script>alert\(1\)<\/script>/, 'raw HTML shows as text');
  assert.equal(await preview.locator('script').count(), 0);
  assert.equal(await preview.getByRole('link', { name: 'docs' }).getAttribute('href'), 'https://example.com/cards');
  assert.equal(await preview.locator('a[href^="javascript"]').count(), 0, 'an unsafe URL is never a link');
  assert.equal(await page.getByLabel('Instructions', { exact: true }).inputValue(), text, 'the preview keeps the text');
  await clickButton(page, 'Save');
  await page.getByRole('status').filter({ hasText: 'Saved the Instructions' }).waitFor();
  const draft = await owner.get(`/api/v1/orgs/${org}/projects/${project}/draft`);
  assert.equal(draft.body.instructions, text);
  await checkPage(page, 'instructions', { heading: 'Instructions' });
});

test('journey 4: publish with notes; the version appears and production serves it', async (t) => {
  await page.goto(`${base()}/publish`);
  await checkPage(page, 'publish', { heading: 'Publish' });
  const changes = await page.locator('section', { hasText: 'Changes' }).first().innerText();
  assert.match(changes, /added\s+show_city/);
  assert.match(changes, /Instructions/);
  const version = page.getByLabel('Version', { exact: true });
  const suggested = await version.inputValue();
  assert.match(suggested, /^\d+\.\d+\.\d+$/);
  await fillByLabel(page, { 'Release notes': 'First release: the city card.' });
  await clickButton(page, 'Publish');
  await page.waitForURL(`${base()}/versions`);
  assert.match(await page.getByRole('status').first().innerText(), new RegExp(`Published version ${suggested.replace(/\./g, '\\.')}`));
  const row = page.getByRole('row', { name: new RegExp(suggested.replace(/\./g, '\\.')) });
  assert.match(await row.innerText(), /production/);
  assert.match(await row.innerText(), /First release: the city card\./);
  assert.match(await row.innerText(), /Owner/);
  await checkPage(page, 'versions', { heading: 'Versions' });

  await page.goto(`${base()}/server`);
  assert.match(await page.locator('section', { hasText: 'Published version' }).last().innerText(), new RegExp(`version ${suggested.replace(/\./g, '\\.')}`));
  await page.goto(`${base()}/types`);
  assert.match(await page.getByRole('row', { name: /show_city/ }).innerText(), /published/);

  const client = await connectSdk(t, `${w.url}/${org}/${project}`, 'production');
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name), ['show_city'], 'production serves the new version');
  const result = await client.callTool({ name: 'show_city', arguments: { city: 'Faro' } });
  assert.deepEqual(result.structuredContent, { city: 'Faro' });
});

test('versions: Promote asks for confirmation and moves production back', async () => {
  // A second version, then promote the first back.
  await page.goto(`${base()}/types/show_city`);
  await page.locator('.cm-content').first().waitFor();
  await fillByLabel(page, { Description: 'Shows a city, now bigger.' });
  await clickButton(page, 'Save');
  await page.getByRole('status').filter({ hasText: 'Saved the Type' }).waitFor();
  await page.goto(`${base()}/publish`);
  const second = await page.getByLabel('Version', { exact: true }).inputValue();
  await clickButton(page, 'Publish');
  await page.waitForURL(`${base()}/versions`);
  const rows = page.getByRole('row');
  const first = rows.filter({ hasNotText: second }).filter({ has: page.getByRole('button', { name: 'Promote' }) });
  await first.getByRole('button', { name: 'Promote', exact: true }).click();
  await confirm(page);
  await page.getByRole('status').filter({ hasText: 'promoted' }).waitFor();
  const pointer = await owner.get(`/api/v1/orgs/${org}/projects/${project}/versions`);
  assert.notEqual(pointer.body.production.version, second, 'production moved off the second version');
  await shot(page, 'versions-promoted');
});

test('role limits: an editor sees no Publish', async (t) => {
  const email = `${uniq('ed')}@example.test`;
  await w.addMember(owner, org, email, 'editor');
  const ed = await b.page(t);
  await studioSignIn(ed, w.url, email, 'member password 1', `/studio/${org}/${project}/types`);
  const tabs = ed.getByRole('navigation', { name: 'Project' });
  await tabs.getByRole('link', { name: 'Types' }).waitFor();
  assert.equal(await tabs.getByRole('link', { name: 'Publish' }).count(), 0, 'no Publish tab');
  await ed.goto(`${base()}/publish`);
  assert.match(await ed.locator('main').innerText(), /cannot publish/);
  assert.equal(await ed.getByRole('button', { name: 'Publish' }).count(), 0, 'no Publish button');
  await checkPage(ed, 'editor-role-publish', { heading: 'Publish' });
});

test('settings: make public, the kill switch makes it private at once, then delete with the typed name', async () => {
  const prod = `${w.url}/${org}/${project}`;
  await page.goto(`${base()}/settings`);
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  assert.equal((await modern(prod, 'tools/list')).status, 401, 'private: no anonymous call');
  await clickButton(page, 'Make public');
  await confirm(page);
  await page.getByRole('status').filter({ hasText: 'public now' }).waitFor();
  const open = await modern(prod, 'tools/list');
  assert.equal(open.status, 200, open.text);
  await checkPage(page, 'settings-public', { heading: 'Settings' });
  await clickButton(page, 'Make private now');
  await page.getByRole('status').filter({ hasText: 'private now' }).waitFor();
  assert.equal((await modern(prod, 'tools/list')).status, 401, 'the kill switch closed production');

  await clickButton(page, 'Delete project');
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Type the name to confirm').fill('wrong');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.getByText(`Type ${project} exactly`).waitFor();
  assert.equal((await owner.get(`/api/v1/orgs/${org}/projects/${project}`)).status, 200, 'a wrong name deletes nothing');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await clickButton(page, 'Delete project');
  await confirm(page, { name: project });
  await page.waitForURL(`${w.url}/studio/${org}`);
  assert.match(await page.getByRole('status').first().innerText(), new RegExp(`Deleted the project ${project}`));
  assert.equal((await owner.get(`/api/v1/orgs/${org}/projects/${project}`)).status, 404);
});
