// Studio journeys 5 and 6 in Chromium: an admin revokes a client's grant in
// Authorized apps and the client's next call fails; then, in the Audit log,
// finds the call and the denial, filters by tool, opens a record, and
// exports CSV (the downloaded file is read back).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { getTokens, mcp } from '../oauth-helpers.mjs';
import { useBrowser, checkPage, studioSignIn, confirm, fillByLabel, clickButton, shots } from '../browser.mjs';
import { useStudioWorld, w, org, project, dev, devEmail, owner, prodUrl, OWNER, eventually } from './world.mjs';

useStudioWorld('apps');
const b = useBrowser();

let tokens;

describe('journey 5: Authorized apps', () => {
  test('the admin revokes the client grant; the next call with its token fails', async (t) => {
    tokens = await getTokens(w, dev, { resource: prodUrl(), clientMetadata: { client_name: 'Journey Five App' } });
    const call = await mcp(prodUrl(), tokens.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: 'A-1' } });
    assert.equal(call.status, 200, call.text);
    assert.equal(call.json?.error, undefined, call.text);

    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/settings/authorized-apps`);
    assert.equal(new URL(page.url()).pathname, `/studio/${org}/settings/authorized-apps`);
    await checkPage(page, 'authorized-apps', { heading: 'Authorized apps' });

    const row = page.getByRole('row').filter({ hasText: 'Journey Five App' });
    assert.equal(await row.count(), 1, 'one row for the grant');
    const text = await row.textContent();
    assert.match(text, new RegExp(devEmail.replace(/[.]/g, '\\.')), 'the row names the member');
    assert.match(text, new RegExp(project), 'the row names the project');
    assert.match(text, /Production/);
    assert.match(text, /tools:call/);
    // Bulk actions are outside the rows: the row's only button is its Revoke.
    assert.deepEqual(await row.getByRole('button').allTextContents(), ['Revoke']);

    // Filter by member: the bulk button appears above the table, not in it.
    const member = page.getByLabel('Member');
    await member.selectOption(await member.locator('option', { hasText: devEmail }).getAttribute('value'));
    await clickButton(page, 'Filter');
    await page.getByRole('button', { name: 'Revoke all matching' }).waitFor();
    assert.equal(await page.getByRole('table').getByRole('button', { name: 'Revoke all matching' }).count(), 0);
    await shots(page, 'authorized-apps-filtered');

    await clickButton(page, 'Revoke', page.getByRole('row').filter({ hasText: 'Journey Five App' }));
    await shots(page, 'authorized-apps-confirm');
    await confirm(page);
    const flash = page.getByRole('status').filter({ hasText: 'takes effect on the next request' });
    await flash.waitFor();
    assert.match(await flash.textContent(), /Journey Five App/);
    assert.equal(await page.getByRole('row').filter({ hasText: 'Journey Five App' }).count(), 0, 'no longer listed as active');
    await checkPage(page, 'authorized-apps-revoked', { heading: 'Authorized apps' });

    const after = await mcp(prodUrl(), tokens.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: 'A-2' } });
    assert.equal(after.status, 401, `the revoked grant's token is refused: ${after.status} ${after.text}`);

    await page.getByLabel('Status').selectOption('revoked');
    await clickButton(page, 'Filter');
    await page.getByRole('row').filter({ hasText: 'Journey Five App' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'Journey Five App' }).getByRole('button').count(), 0);
  });

  test('a member without org.manage gets no Authorized apps page and sees no settings tabs', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, devEmail, 'member password 1', `/studio/${org}`);
    const tabs = await page.getByRole('navigation', { name: 'Organization' }).getByRole('link').allTextContents();
    assert.ok(!tabs.includes('Authorized apps') && !tabs.includes('Members') && !tabs.includes('Settings'), tabs.join(', '));
    const r = await page.goto(`${w.url}/studio/${org}/settings/authorized-apps`);
    assert.equal(r.status(), 403);
    assert.match(await page.getByRole('alert').textContent(), /org\.manage/);
    assert.equal(r.headers()['content-type'], 'text/html; charset=utf-8', 'a page, not a JSON body');
    await checkPage(page, 'authorized-apps-forbidden', { heading: 'Not allowed' });
  });
});

describe('journey 6: Audit log', () => {
  test('find the call and the denial, filter by tool, open a record, export CSV', async (t) => {
    // A denial: the same endpoint without a token (a 401, recorded as denied).
    const denied = await mcp(prodUrl(), null, 'tools/call', { name: 'show_order', arguments: { order_id: 'X' } });
    assert.equal(denied.status, 401);
    // A second tool name, so the tool filter has something to leave out.
    const list = await mcp(prodUrl(), null, 'tools/list', {});
    assert.equal(list.status, 401);
    await eventually(async () => {
      const r = await owner.get(`/api/v1/orgs/${org}/audit?status=denied`);
      return r.body.records?.length >= 2;
    }, 20_000, 'the denials in the audit log');

    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const okRow = page.getByRole('row').filter({ hasText: 'tools/call show_order' }).filter({ hasText: /\bok\b/ });
    const deniedRow = page.getByRole('row').filter({ hasText: 'tools/call show_order' }).filter({ hasText: 'denied' });
    assert.ok(await okRow.count() >= 1, 'the successful call is listed');
    assert.ok(await deniedRow.count() >= 1, 'the denial is listed');
    assert.match(await okRow.first().textContent(), new RegExp(devEmail.replace(/[.]/g, '\\.')), 'the call names its member');
    assert.ok(await page.getByRole('row').filter({ hasText: 'tools/list' }).count() >= 1);
    // Per-tool aggregates and the chart.
    const toolRow = page.getByRole('table').filter({ hasText: 'Error rate' }).getByRole('row').filter({ hasText: 'show_order' });
    assert.ok(await toolRow.count() === 1, 'show_order has an aggregate row');
    await page.getByRole('img', { name: /Calls over time/ }).waitFor();
    await checkPage(page, 'audit-log', { heading: 'Audit log' });

    // Newest first: the denial (made last) comes before the call.
    const calls = await page.getByRole('row').filter({ hasText: 'tools/call show_order' }).allTextContents();
    assert.match(calls[0], /denied/, 'the newest record is first');

    await fillByLabel(page, { Tool: 'show_order' });
    await clickButton(page, 'Filter');
    await page.waitForURL(/tool=show_order/);
    assert.equal(await page.getByRole('row').filter({ hasText: 'tools/list' }).count(), 0, 'tools/list is filtered out');
    assert.ok(await page.getByRole('row').filter({ hasText: 'tools/call show_order' }).count() >= 2);
    assert.equal(await page.getByLabel('Tool').inputValue(), 'show_order', 'the filter stays filled');
    await shots(page, 'audit-log-filtered');

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.match(lines[0], /^id,at,/, `a CSV header: ${lines[0]}`);
    assert.ok(lines.length >= 3, `the call and the denial: ${csv}`);
    assert.ok(lines.slice(1).every((l) => l.includes('show_order')), 'only show_order records');
    assert.ok(lines.some((l) => l.includes(',denied,')) && lines.some((l) => l.includes(',ok,')), csv);
    const ndjson = page.getByRole('link', { name: 'Export NDJSON' });
    assert.match(await ndjson.getAttribute('href'), /format=ndjson/);
    assert.match(await ndjson.getAttribute('href'), /tool=show_order/);

    await page.getByRole('row').filter({ hasText: 'tools/call show_order' }).filter({ hasText: /\bok\b/ }).first()
      .getByRole('link', { name: /Details/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit record' }).waitFor();
    assert.match(await page.getByRole('main').textContent(), /show_order/);
    assert.match(await page.getByRole('main').textContent(), new RegExp(devEmail.replace(/[.]/g, '\\.')));
    await checkPage(page, 'audit-record', { heading: 'Audit record' });
  });
});
