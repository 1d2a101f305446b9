// Studio journey 3 in Chromium: the Type editor's test panel runs an
// interactive Type on the Draft endpoint. The form is generated from the
// input schema (one field per property, labelled with its name); Run shows
// the JSON result and draws the UI with the real result over the MCP Apps
// bridge; a bad argument comes back as the answer a host would see; the
// call is in the audit log with the client "Dockyard Studio", and the
// Studio's grant is listed in Authorized apps. The same Run works as a plain
// form without JavaScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, checkPage, studioSignIn, clickButton, shots } from '../browser.mjs';
import { useStudioWorld, w, org, project, owner, OWNER, eventually } from './world.mjs';
import { interactiveType } from '../mcp-fixtures.mjs';

useStudioWorld('panel');
const b = useBrowser();

// Draws the tool result's structuredContent once the host sends it.
const UI = '<!doctype html><html><head><meta charset="utf-8"><title>Weather</title></head><body><h1 id="out">waiting</h1><script>'
  + "addEventListener('message', (e) => { const m = e.data || {};"
  + " if (m.id === 1 && m.result) parent.postMessage({ jsonrpc: '2.0', method: 'ui/notifications/initialized' }, '*');"
  + " if (m.method === 'ui/notifications/tool-result') { const s = m.params.structuredContent;"
  + " document.getElementById('out').textContent = 'Weather: ' + s.city + ' for ' + s.days + ' days' + (s.metric ? ' (metric)' : ''); } });"
  + " parent.postMessage({ jsonrpc: '2.0', id: 1, method: 'ui/initialize', params: { protocolVersion: '2026-01-26', appInfo: { name: 'w', version: '1' }, appCapabilities: {} } }, '*');"
  + '</script></body></html>';

const WEATHER = interactiveType('show_weather', {
  input_schema: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'Which city' },
      days: { type: 'integer', minimum: 1 },
      metric: { type: 'boolean' },
      unit: { enum: ['celsius', 'fahrenheit'] },
    },
    required: ['city'],
    additionalProperties: false,
  },
  ui: { html: UI },
});

const editorUrl = () => `${w.url}/studio/${org}/${project}/types/show_weather`;

test('journey 3: run an interactive Type in the test panel, see the JSON and the rendered UI, find the call in the audit log', async (t) => {
  const put = await owner.put(`/api/v1/orgs/${org}/projects/${project}/draft/types/show_weather`, WEATHER);
  assert.ok(put.status === 201 || put.status === 200, put.text);

  const page = await b.page(t);
  await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/${project}/types/show_weather`);
  const panel = page.getByRole('region', { name: 'Test panel' });
  await panel.waitFor();
  // One field per property, labelled with the property's name.
  const city = panel.getByLabel('city', { exact: true });
  assert.equal(await city.evaluate((e) => e.tagName), 'INPUT');
  assert.equal(await panel.getByLabel('metric', { exact: true }).getAttribute('type'), 'checkbox');
  assert.deepEqual(await panel.getByLabel('unit', { exact: true }).locator('option').allInnerTexts(), ['(not set)', 'celsius', 'fahrenheit']);
  await checkPage(page, 'test-panel', { heading: 'Type show_weather' });

  await city.fill('Lisbon');
  await panel.getByLabel('days', { exact: true }).fill('3');
  await panel.getByLabel('metric', { exact: true }).check();
  await panel.getByLabel('unit', { exact: true }).selectOption({ label: 'celsius' });
  await clickButton(page, 'Run', panel);
  const summary = panel.locator('[data-test-summary]');
  await summary.waitFor();
  assert.match(await summary.innerText(), /The tool answered\./);
  const result = JSON.parse(await panel.getByLabel('Result JSON').innerText());
  assert.deepEqual(result.structuredContent, { city: 'Lisbon', days: 3, metric: true, unit: 'celsius' });
  assert.notEqual(result.isError, true);
  // The rendered UI gets the real result over the bridge, in the sandbox.
  const frame = page.locator('iframe#test-ui');
  assert.equal(await frame.getAttribute('sandbox'), 'allow-scripts');
  await page.frameLocator('iframe#test-ui').getByText('Weather: Lisbon for 3 days (metric)').waitFor();
  assert.equal(page.url(), editorUrl(), 'Run with JavaScript stays on the editor');
  assert.equal(await panel.getByLabel('city', { exact: true }).inputValue(), 'Lisbon', 'the fields keep what was typed');
  await checkPage(page, 'test-panel-result', { heading: 'Type show_weather' });

  // A bad argument: the answer a host would see, shown in the panel (no JSON page).
  await panel.getByLabel('days', { exact: true }).fill('0');
  await clickButton(page, 'Run', panel);
  await page.waitForFunction(() => /error|refused/i.test(document.querySelector('[data-test-summary]')?.textContent ?? ''));
  assert.match(await panel.getByLabel('Result JSON').innerText(), /days/);
  assert.equal(await page.locator('iframe#test-ui').count(), 0, 'no UI is drawn for a refused call');
  await shots(page, 'test-panel-invalid');

  // The calls are audited on the draft, as the owner, with the client "Dockyard Studio".
  const records = await eventually(async () => {
    const r = await owner.get(`/api/v1/orgs/${org}/audit?tool=show_weather`);
    const mine = (r.body.records ?? []).filter((x) => x.client_name === 'Dockyard Studio');
    return mine.length >= 2 ? mine : null;
  }, 20_000, 'the test panel calls in the audit log');
  assert.ok(records.every((x) => x.channel === 'draft' && x.user_email === OWNER.email), JSON.stringify(records));
  assert.ok(records.some((x) => x.status === 'ok'), JSON.stringify(records));
  await page.goto(`${w.url}/studio/${org}/audit?tool=show_weather`);
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  assert.ok(await page.getByRole('row').filter({ hasText: 'Dockyard Studio' }).count() >= 2, 'the audit page names the client');
  await shots(page, 'test-panel-audit');

  // The Studio's grant is a grant like any other: listed in Authorized apps.
  await page.goto(`${w.url}/studio/${org}/settings/authorized-apps`);
  const row = page.getByRole('row').filter({ hasText: 'Dockyard Studio' });
  assert.equal(await row.count(), 1, 'one Studio grant for the member and the draft, reused by every Run');
  assert.match(await row.textContent(), /Draft/);
  await shots(page, 'test-panel-authorized-apps');
});

test('the test panel works as a plain form without JavaScript', async () => {
  const context = await b.browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  try {
    const page = await context.newPage();
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/${project}/types/show_weather`);
    const panel = page.getByRole('region', { name: 'Test panel' });
    await panel.getByLabel('city', { exact: true }).fill('Porto');
    await clickButton(page, 'Run', panel);
    await page.waitForURL(`${editorUrl()}/run`);
    const result = JSON.parse(await page.getByLabel('Result JSON').innerText());
    assert.deepEqual(result.structuredContent, { city: 'Porto', metric: false });
    assert.equal(await page.getByRole('region', { name: 'Test panel' }).getByLabel('city', { exact: true }).inputValue(), 'Porto');
  } finally {
    await context.close();
  }
});

test('OAuth refuses the Studio client id: nobody can authorize an app as "Dockyard Studio"', async () => {
  const q = new URLSearchParams({
    response_type: 'code', client_id: 'dockyard-studio', redirect_uri: 'https://evil.example/cb',
    code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', resource: `${w.url}/${org}/${project}/draft`,
  });
  const r = await fetch(`${w.url}/oauth/authorize?${q}`, { redirect: 'manual' });
  assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  assert.doesNotMatch(r.headers.get('location') ?? '', /evil\.example/, 'never redirects to the given URI');
  assert.match(await r.text(), /test panel client|cannot be authorized/);
});
