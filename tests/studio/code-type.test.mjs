// Studio journey 8 in Chromium: create a `code` Type in the editor (Source
// in the JavaScript editor, Allowed hosts, Timeout (ms)); a bad host and a
// syntax error show inline at their fields (the syntax error names its
// line); fix them and save (a reload shows exactly what was saved); run it
// in the test panel (the result and the captured console.log lines); publish
// it on the Publish page; and call it on the production endpoint with a
// real OAuth client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { useBrowser, checkPage, studioSignIn, clickButton, fillByLabel, shots, setCode } from '../browser.mjs';
import { useStudioWorld, w, org, project, owner, dev, prodUrl, OWNER } from './world.mjs';

useStudioWorld('code');
const b = useBrowser();

const SCHEMA = '{"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}';
// Line 3 misses a comma: a syntax error on line 3.
const BROKEN = [
  'export default {',
  'async run(args) {',
  "console.log('adding', args.a args.b);",
  'return { sum: args.a + args.b };',
  '},',
  '};',
].join('\n');
const FIXED = BROKEN.replace('args.a args.b', 'args.a, args.b');

test('journey 8: create a code Type, fix its errors inline, save, test it, publish it, call it on production', async (t) => {
  const page = await b.page(t);
  await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/${project}/types/new`);
  await page.getByRole('heading', { level: 1, name: 'New Type' }).waitFor();
  await page.locator('.cm-content').first().waitFor();
  // CodeMirror's theme passes the CSP (its <style> carries the page's nonce): the editor is laid out.
  assert.equal(await page.locator('.cm-editor').first().evaluate((e) => getComputedStyle(e).display), 'flex', 'CodeMirror is styled');
  await page.getByLabel('Kind', { exact: true }).selectOption('code');
  // The code fields show; the UI HTML does not; one Timeout (ms) field for the page.
  assert.equal(await page.getByLabel('UI HTML', { exact: true }).isVisible(), false);
  assert.equal(await page.getByLabel('Timeout (ms)', { exact: true }).count(), 1);
  assert.equal(await page.getByText('no fields for the code kind').count(), 0, 'the old note is gone');
  await fillByLabel(page, { Name: 'add_numbers', Title: 'Add numbers', Description: 'Adds a and b.' });
  await setCode(page, 'Input schema', 'input_schema', SCHEMA, { sameWords: true });
  await setCode(page, 'Source', 'source', BROKEN, { sameWords: true });
  await fillByLabel(page, { 'Allowed hosts': 'https://api.example.com/x\ndata.example.org', 'Timeout (ms)': '5000' });
  await clickButton(page, 'Save');

  const sourceError = page.locator('#source-error');
  await sourceError.waitFor();
  assert.match(await sourceError.innerText(), /\/code\/source: .*SyntaxError.*\(line 3\)/);
  assert.match(await page.locator('#allowed_hosts-error').innerText(), /\/code\/allowed_hosts\/0: .*not a URL/);
  assert.equal(await page.getByLabel('Source', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Allowed hosts', { exact: true }).inputValue(), 'https://api.example.com/x\ndata.example.org', 'nothing typed is lost');
  await checkPage(page, 'code-errors', { heading: 'New Type' });

  const source = await setCode(page, 'Source', 'source', FIXED, { sameWords: true });
  await fillByLabel(page, { 'Allowed hosts': 'api.example.com data.example.org' });
  await clickButton(page, 'Save');
  await page.waitForURL(`${w.url}/studio/${org}/${project}/types/add_numbers`);
  assert.match(await page.getByRole('status').first().innerText(), /Created the Type add_numbers/);

  // Saving round-trips: the API holds what was typed, and a reload shows it.
  const draft = await owner.get(`/api/v1/orgs/${org}/projects/${project}/draft`);
  const doc = draft.body.types.find((x) => x.name === 'add_numbers');
  assert.deepEqual(doc.code, { source, allowed_hosts: ['api.example.com', 'data.example.org'], timeout_ms: 5000 });
  await page.reload();
  await page.locator('.cm-content').first().waitFor();
  assert.equal(await page.getByLabel('Kind', { exact: true }).inputValue(), 'code');
  assert.equal(await page.locator('textarea#source').inputValue(), source);
  assert.equal(await page.getByLabel('Allowed hosts', { exact: true }).inputValue(), 'api.example.com\ndata.example.org');
  assert.equal(await page.getByLabel('Timeout (ms)', { exact: true }).inputValue(), '5000');
  await checkPage(page, 'code-saved', { heading: 'Type add_numbers' });

  // The test panel: the result and the captured console.log lines.
  const panel = page.getByRole('region', { name: 'Test panel' });
  await panel.getByLabel('a', { exact: true }).fill('2');
  await panel.getByLabel('b', { exact: true }).fill('3');
  await clickButton(page, 'Run', panel);
  await panel.locator('[data-test-summary]').waitFor();
  assert.match(await panel.locator('[data-test-summary]').innerText(), /The tool answered\./);
  const result = JSON.parse(await panel.getByLabel('Result JSON').innerText());
  assert.deepEqual(result.structuredContent, { sum: 5 }, JSON.stringify(result));
  assert.match(await panel.getByLabel('Captured logs').innerText(), /adding 2 3/);
  await checkPage(page, 'code-test-panel', { heading: 'Type add_numbers' });

  // Publish it on the Publish page.
  await page.goto(`${w.url}/studio/${org}/${project}/publish`);
  assert.match(await page.locator('section', { hasText: 'Changes' }).first().innerText(), /added\s+add_numbers/);
  await fillByLabel(page, { 'Release notes': 'Adds add_numbers.' });
  await clickButton(page, 'Publish');
  await page.waitForURL(`${w.url}/studio/${org}/${project}/versions`);
  await shots(page, 'code-published');

  // Production serves it to a real OAuth client.
  const tokens = await getTokens(w, dev, { resource: prodUrl(), clientMetadata: { client_name: 'Journey Eight App' } });
  const call = await mcp(prodUrl(), tokens.access_token, 'tools/call', { name: 'add_numbers', arguments: { a: 20, b: 22 } });
  assert.equal(call.status, 200, call.text);
  assert.deepEqual(call.json.result?.structuredContent, { sum: 42 }, call.text);
});
