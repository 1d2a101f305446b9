// The settings pages of issue 13 in Chromium, and a sweep of the Studio's
// contract (what the other Studio suites do not assert yet):
//   - project Settings: the data-tool rate limit (a refused value at its
//     field, then a saved one, read back from the API and the page); secrets,
//     write-only (set on Draft, its name and times shown, its value nowhere
//     in the HTML, not even after a refusal; replaced; deleted through the
//     Confirm dialog); an editor's read-only view;
//   - org Settings: the upstream allowlist in its own form (a bad host
//     refused at its field; saving the audit form keeps the list; turned off);
//   - the contract: every page's heading and Sign out, the shared <dialog>,
//     the Server tab, the Audit log's filters, exports, aggregates and chart,
//     Authorized apps' columns, reserved slugs and Type names, HTML (not
//     JSON) pages for 4xx.
// Every settings page passes axe-core and gets laptop and phone screenshots.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { uniq, interactiveType } from '../mcp-fixtures.mjs';
import { useBrowser, checkPage, studioSignIn, confirm, fillByLabel, clickButton, shots } from '../browser.mjs';
import { useStudioWorld, w, org, project, owner, prodUrl, OWNER, MEMBER_PASSWORD } from './world.mjs';

useStudioWorld('sett');
const b = useBrowser();

const settings = () => `/studio/${org}/${project}/settings`;
const projectApi = () => `/api/v1/orgs/${org}/projects/${project}`;
const TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/;

describe('project Settings', () => {
  test('the data-tool rate limit: a bad value at its field, then a saved one (API and page agree)', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, settings());
    await checkPage(page, 'project-settings', { heading: 'Settings' });
    const field = page.getByLabel('Data-tool rate limit (calls per minute)');
    assert.equal(await field.getAttribute('type'), 'number');
    assert.equal(await field.inputValue(), '60', 'the default shows');

    await field.fill('0');
    await clickButton(page, 'Save rate limit');
    await page.locator('#data-rate-error').waitFor();
    assert.match(await page.locator('#data-rate-error').textContent(), /integer from 1 to 10000/);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await field.inputValue(), '0', 'what was typed is kept');
    assert.equal((await owner.get(projectApi())).body.project.data_tool_rate_per_minute, 60, 'a refused value changes nothing');
    await checkPage(page, 'project-settings-rate-error', { heading: 'Settings' });

    await field.fill('120');
    await clickButton(page, 'Save rate limit');
    await page.getByRole('status').filter({ hasText: '120 calls per minute' }).waitFor();
    assert.equal(await page.getByLabel('Data-tool rate limit (calls per minute)').inputValue(), '120');
    assert.equal((await owner.get(projectApi())).body.project.data_tool_rate_per_minute, 120, 'the API reads the saved limit');
  });

  test('secrets: set on Draft, never shown back, replaced, deleted through Confirm', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, settings());
    const draft = page.getByRole('table', { name: 'Draft' });
    await page.getByText('No Draft secrets yet').waitFor();
    await page.getByText('No Production secrets yet').waitFor();
    assert.equal(await page.getByLabel('Value', { exact: true }).getAttribute('type'), 'password');

    // A refused name: the error at Name; the value typed is not echoed anywhere.
    const refused = `refused-${uniq('v')}`;
    await fillByLabel(page, { Name: '9lives', Value: refused, Channel: 'draft' });
    await clickButton(page, 'Set secret');
    await page.locator('#secret-name-error').waitFor();
    assert.match(await page.locator('#secret-name-error').textContent(), /not starting with a digit/);
    assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Value', { exact: true }).inputValue(), '', 'the value is not filled back');
    assert.ok(!(await page.content()).includes(refused), 'a refused value is nowhere in the page');
    await checkPage(page, 'project-settings-secret-error', { heading: 'Settings' });

    const first = `first-${uniq('v')}`;
    await fillByLabel(page, { Name: 'API_KEY', Value: first, Channel: 'draft' });
    await clickButton(page, 'Set secret');
    await page.getByRole('status').filter({ hasText: 'Set the secret API_KEY on Draft' }).waitFor();
    const row = draft.getByRole('row').filter({ hasText: 'API_KEY' });
    assert.equal(await row.count(), 1, 'the name is listed under Draft');
    assert.match(await row.textContent(), TIME, 'with its times');
    assert.deepEqual(await row.getByRole('button').allTextContents(), ['Delete'], "the row's only button is its Delete");
    await page.getByText('No Production secrets yet').waitFor();
    assert.ok(!(await page.content()).includes(first), 'the value is nowhere in the page');
    const listed = await owner.get(`${projectApi()}/secrets`);
    assert.equal(listed.status, 200, listed.text);
    assert.ok(!listed.text.includes(first), 'nor in the API');
    const entry = listed.body.secrets.find((s) => s.name === 'API_KEY');
    assert.ok(entry?.channels.draft, 'the API lists it on draft');
    assert.equal(entry.channels.production, null, 'and not on production');
    await checkPage(page, 'project-settings-secret-set', { heading: 'Settings' });

    const second = `second-${uniq('v')}`;
    await fillByLabel(page, { Name: 'API_KEY', Value: second, Channel: 'draft' });
    await clickButton(page, 'Set secret');
    await page.getByRole('status').filter({ hasText: 'Replaced the secret API_KEY on Draft' }).waitFor();
    const html = await page.content();
    assert.ok(!html.includes(first) && !html.includes(second), 'neither value is in the page');

    await clickButton(page, 'Delete', draft.getByRole('row').filter({ hasText: 'API_KEY' }));
    await shots(page, 'project-settings-secret-confirm');
    await confirm(page);
    await page.getByRole('status').filter({ hasText: 'Deleted the secret API_KEY from Draft' }).waitFor();
    await page.getByText('No Draft secrets yet').waitFor();
    const after = await owner.get(`${projectApi()}/secrets`);
    assert.equal(after.body.secrets.find((s) => s.name === 'API_KEY'), undefined, 'the API no longer lists it');
  });

  test("an editor sees the rate limit read-only and no secrets", async (t) => {
    const email = `${uniq('ed')}@example.test`;
    await w.addMember(owner, org, email, 'editor');
    const page = await b.page(t);
    await studioSignIn(page, w.url, email, MEMBER_PASSWORD, settings());
    await checkPage(page, 'project-settings-editor', { heading: 'Settings' });
    const limit = (await (await owner.get(projectApi())).body.project.data_tool_rate_per_minute).toString();
    assert.equal(await page.locator('#data-rate-value').textContent(), limit, 'the limit is shown');
    assert.equal(await page.getByLabel('Data-tool rate limit (calls per minute)').count(), 0, 'no rate input');
    assert.equal(await page.getByRole('button', { name: 'Save rate limit' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Set secret' }).count(), 0, 'no secret form');
    assert.equal(await page.getByLabel('Value', { exact: true }).count(), 0);
    assert.match(await page.locator('main').innerText(), /Secrets need the project\.publish permission/);
  });
});

describe('org Settings: the upstream allowlist', () => {
  test('a bad host is refused at its field; a good list saves; the audit form keeps it; off clears it', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/settings`);
    await checkPage(page, 'org-settings-allowlist', { heading: 'Settings' });
    const hosts = page.getByLabel('Allowed upstream hosts');
    await page.getByLabel('Upstream allowlist').selectOption('on');
    await hosts.fill('api.example.com\n10.0.0.1');
    await clickButton(page, 'Save allowlist');
    const error = page.locator('#upstream-hosts-error');
    await error.waitFor();
    assert.match(await error.textContent(), /10\.0\.0\.1/, 'the error names the bad line');
    assert.equal(await hosts.getAttribute('aria-invalid'), 'true');
    assert.equal(await hosts.inputValue(), 'api.example.com\n10.0.0.1', 'what was typed is kept');
    assert.equal((await owner.get(`/api/v1/orgs/${org}`)).body.upstream_hosts, null, 'a refused list changes nothing');
    await checkPage(page, 'org-settings-allowlist-error', { heading: 'Settings' });

    await hosts.fill('API.example.com\nhooks.example.org:8443');
    await clickButton(page, 'Save allowlist');
    await page.getByRole('status').filter({ hasText: 'Saved the upstream allowlist' }).waitFor();
    const want = ['api.example.com', 'hooks.example.org:8443'];
    assert.deepEqual((await owner.get(`/api/v1/orgs/${org}`)).body.upstream_hosts, want, 'the API reads the normalized list');
    assert.equal(await page.getByLabel('Allowed upstream hosts').inputValue(), want.join('\n'));

    // The audit form sends no hosts: saving it keeps the list.
    await fillByLabel(page, { 'Retention (days)': '31' });
    await clickButton(page, 'Save settings');
    await page.getByRole('status').filter({ hasText: 'Saved the settings' }).waitFor();
    const org1 = (await owner.get(`/api/v1/orgs/${org}`)).body;
    assert.deepEqual(org1.upstream_hosts, want, 'the audit form did not touch the allowlist');
    assert.equal(org1.audit.retention_days, 31);

    await page.getByLabel('Upstream allowlist').selectOption('off');
    await clickButton(page, 'Save allowlist');
    await page.getByRole('status').filter({ hasText: 'allowlist off' }).waitFor();
    const org2 = (await owner.get(`/api/v1/orgs/${org}`)).body;
    assert.equal(org2.upstream_hosts, null, 'off clears the list');
    assert.equal(org2.audit.retention_days, 31, 'and keeps the audit settings');
  });
});

describe('contract sweep', () => {
  test('every page: its heading, Sign out in the header, the shared <dialog> with Confirm', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password);
    const p = `/studio/${org}/${project}`;
    const pages = [
      ['/studio', 'Organizations'], [`/studio/${org}`, 'Projects'], [`/studio/${org}/settings/members`, 'Members'],
      [`/studio/${org}/settings`, 'Settings'], [`/studio/${org}/settings/roles`, 'Roles'],
      [`/studio/${org}/settings/authorized-apps`, 'Authorized apps'], [`/studio/${org}/audit`, 'Audit log'],
      ['/studio/account', 'Account'], [`${p}/server`, 'Server'], [`${p}/types`, 'Types'], [`${p}/types/new`, 'New Type'],
      [`${p}/types/show_order`, 'Type show_order'], [`${p}/instructions`, 'Instructions'], [`${p}/publish`, 'Publish'],
      [`${p}/versions`, 'Versions'], [`${p}/settings`, 'Settings'],
    ];
    for (const [path, heading] of pages) {
      const r = await page.goto(`${w.url}${path}`);
      assert.equal(r.status(), 200, path);
      assert.match(r.headers()['content-type'], /^text\/html/, path);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), heading, `${path}: the heading names the page`);
      assert.equal(await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).count(), 1, `${path}: Sign out`);
      assert.equal(await page.locator('dialog#confirm-dialog').getByRole('button', { name: 'Confirm', exact: true, includeHidden: true }).count(), 1, `${path}: the confirmation <dialog>`);
    }
  });

  test('Server tab: Endpoint (Production first), Endpoint URL, Copy URL, connector names, steps, published version', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/${project}/server`);
    const endpoint = page.getByLabel('Endpoint', { exact: true });
    assert.deepEqual(await endpoint.locator('option').allTextContents(), ['Production', 'Draft']);
    assert.equal(await endpoint.inputValue(), 'production', 'Production is selected at first');
    const url = page.getByLabel('Endpoint URL');
    assert.equal(await url.getAttribute('readonly'), '');
    assert.equal(await url.inputValue(), prodUrl(), 'the production URL from PUBLIC_URL');
    await page.getByRole('button', { name: 'Copy URL' }).waitFor();
    const connections = await page.getByRole('table').textContent();
    assert.ok(connections.includes(`${project}-draft`) && connections.includes(`${prodUrl()}/draft`), connections);
    for (const host of ['Add to Claude Desktop', 'Add to ChatGPT']) {
      const steps = page.locator('section').filter({ has: page.getByRole('heading', { name: host }) });
      assert.ok((await steps.textContent()).includes(prodUrl()), `${host}: the URL is filled in`);
      assert.equal(await steps.getByRole('listitem').count() >= 3, true, `${host}: step by step`);
    }
    await endpoint.selectOption('draft');
    assert.equal(await url.inputValue(), `${prodUrl()}/draft`, 'Draft switches the URL');
    assert.match(await page.locator('section').filter({ has: page.getByRole('heading', { name: 'Published version' }) }).textContent(), new RegExp(`1\\.0\\.0, published ${TIME.source}`));
  });

  test('Audit log filters, exports, aggregates and chart; Authorized apps columns', async (t) => {
    const { getTokens, mcp } = await import('../oauth-helpers.mjs');
    const { dev } = await import('./world.mjs');
    const tokens = await getTokens(w, dev, { resource: prodUrl(), clientMetadata: { client_name: 'Sweep App' } });
    const call = await mcp(prodUrl(), tokens.access_token, 'tools/call', { name: 'show_order', arguments: { order_id: 'S-1' } });
    assert.equal(call.status, 200, call.text);

    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/audit`);
    for (const label of ['Project', 'Channel', 'Tool', 'Status', 'Member', 'Client', 'From', 'To']) {
      assert.equal(await page.getByLabel(label, { exact: true }).count(), 1, `the filter ${label}`);
    }
    for (const [name, format] of [['Export CSV', 'csv'], ['Export NDJSON', 'ndjson']]) {
      const href = await page.getByRole('link', { name }).getAttribute('href');
      assert.match(href, new RegExp(`^/api/v1/orgs/${org}/audit\\?.*format=${format}`), href);
    }
    await page.getByRole('img').filter({ has: page.locator('rect, path, polyline') }).first().waitFor();
    assert.ok(await page.locator('svg.chart').count() === 1, 'a chart of calls over time');
    const perTool = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'p95' }) });
    assert.deepEqual(await perTool.getByRole('columnheader').allTextContents(), ['Tool', 'Calls', 'Error rate', 'p95']);
    assert.match(await perTool.getByRole('row').filter({ hasText: 'show_order' }).textContent(), /show_order\s*\d+/);

    await page.goto(`${w.url}/studio/${org}/settings/authorized-apps`);
    const headers = await page.getByRole('table').getByRole('columnheader').allTextContents();
    for (const h of ['Member', 'App', 'Project', 'Endpoint', 'Scopes', 'Created', 'Last used']) {
      assert.ok(headers.includes(h), `the column ${h}: ${headers}`);
    }
    assert.match(await page.getByRole('row').filter({ hasText: 'Sweep App' }).textContent(), /Production/);
  });

  test('reserved slugs (orgs, projects) and Type names; a Create form shows it at Slug', async (t) => {
    const reserved = ['account', 'audit', 'settings', 'login', 'signup', 'new'];
    for (const slug of reserved) {
      const o = await owner.post('/api/v1/orgs', { slug, name: 'X' });
      assert.equal(o.status, 422, `org ${slug}: ${o.text}`);
      const p = await owner.post(`/api/v1/orgs/${org}/projects`, { slug, name: 'X' });
      assert.equal(p.status, 422, `project ${slug}: ${p.text}`);
      const ty = await owner.put(`/api/v1/orgs/${org}/projects/${project}/draft/types/${slug}`, interactiveType(slug));
      assert.equal(ty.status, 422, `Type ${slug}: ${ty.text}`);
      assert.match(ty.text, /reserved/, `Type ${slug}`);
    }
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}`);
    await fillByLabel(page, { Name: 'Audit', Slug: 'audit' });
    await clickButton(page, 'Create project');
    await page.locator('#slug-error').waitFor();
    assert.match(await page.locator('#slug-error').textContent(), /reserved/);
    assert.equal(await page.getByLabel('Slug').getAttribute('aria-invalid'), 'true');
  });

  test('a 4xx is an HTML page with the header, never a JSON body', async (t) => {
    const email = `${uniq('ed')}@example.test`;
    await w.addMember(owner, org, email, 'editor');
    const page = await b.page(t);
    await studioSignIn(page, w.url, email, MEMBER_PASSWORD);
    for (const [path, status] of [[`/studio/${org}/settings`, 403], [`/studio/${org}/no-such-project/server`, 404], [`/studio/${org}/${project}/nope`, 404]]) {
      const r = await page.goto(`${w.url}${path}`);
      assert.equal(r.status(), status, path);
      assert.match(r.headers()['content-type'], /^text\/html/, path);
      assert.doesNotMatch(await r.text(), /^\s*\{/, `${path}: not JSON`);
      await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).waitFor();
    }
    // A form posted without its token: a 403 page too.
    const r = await page.request.post(`${w.url}/studio/${org}/${project}/settings`, {
      form: { intent: 'data_rate', data_tool_rate_per_minute: '5' }, headers: { origin: w.url }, maxRedirects: 0,
    });
    assert.equal(r.status(), 403);
    assert.match(r.headers()['content-type'], /^text\/html/);
    assert.match(await r.text(), /form expired/);
  });
});
