// Studio pages outside a project, in Chromium: the orgs list and Create
// organization (an error shows at its field), an org's projects and Create
// project, and journey 7: invite a member on the Members page, sign up
// through the invitation in a second browser context, and check that the
// new member's role limits show in the UI. Every page: axe-core at laptop
// and phone width, and both screenshots.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { uniq } from '../mcp-fixtures.mjs';
import { useBrowser, checkPage, studioSignIn, confirm, fillByLabel, clickButton, shots } from '../browser.mjs';
import { useStudioWorld, w, org, dev, devEmail, OWNER, MEMBER_PASSWORD } from './world.mjs';

useStudioWorld('pages');
const b = useBrowser();

describe('organizations and projects', () => {
  test('the orgs list, Create organization with a field error, then an org and Create project', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password);
    assert.equal(new URL(page.url()).pathname, '/studio');
    await page.getByRole('link', { name: org }).waitFor().catch(() => {});
    await checkPage(page, 'orgs', { heading: 'Organizations' });

    await fillByLabel(page, { Name: 'Acme Studio', Slug: 'settings' });
    await clickButton(page, 'Create organization');
    const slugError = page.locator('#slug-error');
    await slugError.waitFor();
    assert.match(await slugError.textContent(), /reserved/);
    assert.equal(await page.getByLabel('Slug').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Name').inputValue(), 'Acme Studio', 'what was typed is kept');
    await checkPage(page, 'orgs-create-error', { heading: 'Organizations' });

    const slug = uniq('acme');
    await fillByLabel(page, { Slug: slug });
    await clickButton(page, 'Create organization');
    await page.waitForURL(`${w.url}/studio/${slug}`);
    await page.getByRole('status').filter({ hasText: 'Created the organization Acme Studio' }).waitFor();
    await page.getByText('This organization has no projects yet').waitFor();
    await checkPage(page, 'org-empty', { heading: 'Projects' });
    assert.match(await page.getByRole('banner').textContent(), /Acme Studio/, 'the header names the org');

    await fillByLabel(page, { Name: 'Shop', Slug: 'Not A Slug' });
    await clickButton(page, 'Create project');
    await page.locator('#slug-error').waitFor();
    assert.match(await page.locator('#slug-error').textContent(), /a-z, 0-9/);
    await shots(page, 'org-create-project-error');
    await fillByLabel(page, { Slug: 'shop' });
    await clickButton(page, 'Create project');
    // A new project opens on its Server tab (the project root redirects there).
    await page.waitForURL(`${w.url}/studio/${slug}/shop/server`);
    await page.goto(`${w.url}/studio/${slug}`);
    await page.getByRole('link', { name: 'Shop' }).waitFor();
    await checkPage(page, 'org-projects', { heading: 'Projects' });
  });

  test('an unknown page is an HTML page, not JSON', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password);
    const r = await page.goto(`${w.url}/studio/no-such-org-here`);
    assert.equal(r.status(), 404);
    assert.equal(r.headers()['content-type'], 'text/html; charset=utf-8');
    await checkPage(page, 'not-found', { heading: 'Not found' });
  });
});

describe('journey 7: invite a member', () => {
  test('invite as editor, sign up through the link in a second context, the role limits show', async (t) => {
    const admin = await b.page(t);
    await studioSignIn(admin, w.url, OWNER.email, OWNER.password, `/studio/${org}/settings/members`);
    await checkPage(admin, 'members', { heading: 'Members' });
    assert.ok(await admin.getByRole('row').filter({ hasText: devEmail }).count() === 1, 'the developer is listed');

    const email = `${uniq('ed')}@example.test`;
    const invite = admin.getByRole('region', { name: 'Invite a member' });
    await fillByLabel(admin, { Email: email, Role: 'editor' }, invite);
    await clickButton(admin, 'Invite', invite);
    const link = await admin.getByLabel('Invitation link').inputValue();
    assert.match(link, new RegExp(`^${w.url}/studio/signup\\?invitation=inv_`));
    await admin.getByRole('row').filter({ hasText: email }).waitFor();
    await checkPage(admin, 'members-invited', { heading: 'Members' });

    const other = await b.page(t);
    await other.goto(link);
    await checkPage(other, 'signup-invited', { heading: 'Sign up', signedIn: false });
    assert.ok((await other.getByLabel('Invitation link or code').inputValue()).startsWith('inv_'));
    await fillByLabel(other, { Name: 'Eddie Editor', Email: email, Password: 'editor password 1' });
    await clickButton(other, 'Sign up');
    await other.waitForURL(`${w.url}/studio`);
    await other.getByRole('link', { name: new RegExp(org) }).first().click().catch(async () => {
      await other.goto(`${w.url}/studio/${org}`);
    });
    await other.waitForURL(`${w.url}/studio/${org}`);
    const tabs = await other.getByRole('navigation', { name: 'Organization' }).getByRole('link').allTextContents();
    assert.ok(tabs.includes('Projects'), tabs.join(', '));
    for (const hidden of ['Members', 'Authorized apps', 'Roles', 'Settings']) {
      assert.ok(!tabs.includes(hidden), `an editor sees no ${hidden} tab: ${tabs.join(', ')}`);
    }
    await checkPage(other, 'editor-org', { heading: 'Projects' });
    const denied = await other.goto(`${w.url}/studio/${org}/settings/members`);
    assert.equal(denied.status(), 403);
    await checkPage(other, 'editor-members-forbidden', { heading: 'Not allowed' });

    // The admin sees the new member and changes their role in their row.
    await admin.goto(`${w.url}/studio/${org}/settings/members`);
    const row = admin.getByRole('row').filter({ hasText: email });
    await row.getByLabel('Role').selectOption('viewer');
    await confirm(admin);
    await admin.getByRole('status').filter({ hasText: 'role is now viewer' }).waitFor();
    assert.equal(await admin.getByRole('row').filter({ hasText: email }).getByLabel('Role').inputValue(), 'viewer');

    await clickButton(admin, 'Remove', admin.getByRole('row').filter({ hasText: email }));
    await confirm(admin);
    await admin.getByRole('status').filter({ hasText: 'Removed the member' }).waitFor();
    assert.equal(await admin.getByRole('row').filter({ hasText: email }).count(), 0);
    await shots(admin, 'members-removed');
  });
});

describe('account', () => {
  test('API token shown once and revoked; password changed (other sessions end); own grants listed', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, devEmail, MEMBER_PASSWORD, '/studio/account');
    await checkPage(page, 'account', { heading: 'Account' });

    await fillByLabel(page, { 'Token name': 'ci deploys' });
    await clickButton(page, 'Create token');
    const token = await page.getByLabel('New API token').inputValue();
    assert.match(token, /^dy_/);
    await checkPage(page, 'account-token-created', { heading: 'Account' });
    const me = await fetch(`${w.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, 'the new token works on the API');
    await page.goto(`${w.url}/studio/account`);
    assert.equal(await page.getByLabel('New API token').count(), 0, 'the token is not shown again');
    assert.equal(await page.getByRole('row').filter({ hasText: 'ci deploys' }).count(), 1, 'only its name is listed');

    await clickButton(page, 'Revoke', page.getByRole('row').filter({ hasText: 'ci deploys' }));
    await confirm(page);
    await page.getByRole('status').filter({ hasText: 'Revoked the API token' }).waitFor();
    const gone = await fetch(`${w.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(gone.status, 401, 'the revoked token is refused');

    await fillByLabel(page, { 'Current password': 'not my password', 'New password': 'a brand new secret' });
    await clickButton(page, 'Change password');
    const err = page.locator('#current-password-error');
    await err.waitFor();
    assert.match(await err.textContent(), /not your current password/);
    await shots(page, 'account-password-error');

    assert.equal((await dev.get('/api/v1/me')).status, 200, 'the harness session works before the change');
    await fillByLabel(page, { 'Current password': MEMBER_PASSWORD, 'New password': 'a brand new secret' });
    await clickButton(page, 'Change password');
    await page.getByRole('status').filter({ hasText: 'Changed your password' }).waitFor();
    assert.equal((await dev.get('/api/v1/me')).status, 401, 'the other session ended');
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await studioSignIn(page, w.url, devEmail, 'a brand new secret', '/studio/account');
    assert.equal(new URL(page.url()).pathname, '/studio/account', 'the new password signs in');
    await page.getByRole('region', { name: 'Your authorized apps' }).waitFor();
  });
});

describe('org settings and roles', () => {
  test('audit settings: a bad retention shows at its field, a good one saves', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/settings`);
    await checkPage(page, 'org-settings', { heading: 'Settings' });
    await fillByLabel(page, { 'Retention (days)': '0', 'SIEM webhook URL': 'http://siem.example.com/in' });
    await clickButton(page, 'Save settings');
    await page.locator('#retention-error').waitFor();
    assert.match(await page.locator('#retention-error').textContent(), /whole number of days from 1/);
    assert.match(await page.locator('#webhook-error').textContent(), /https/);
    await checkPage(page, 'org-settings-error', { heading: 'Settings' });
    await fillByLabel(page, { 'Retention (days)': '45', 'SIEM webhook URL': '' });
    await clickButton(page, 'Save settings');
    await page.getByRole('status').filter({ hasText: 'Saved the settings' }).waitFor();
    assert.equal(await page.getByLabel('Retention (days)').inputValue(), '45');
    const api = await (await import('./world.mjs')).owner.get(`/api/v1/orgs/${org}`);
    assert.equal(api.body.audit.retention_days, 45, 'the API shows the saved value');
  });

  test('roles: built-in listed, a custom role created and deleted', async (t) => {
    const page = await b.page(t);
    await studioSignIn(page, w.url, OWNER.email, OWNER.password, `/studio/${org}/settings/roles`);
    await checkPage(page, 'roles', { heading: 'Roles' });
    assert.ok(await page.getByRole('row').filter({ hasText: 'developer' }).count() >= 1);
    const create = page.getByRole('region', { name: 'Create role' });
    await fillByLabel(page, { Name: 'support', Scopes: 'tools:read' }, create);
    await create.getByLabel('endpoint.production').check();
    await clickButton(page, 'Create role', create);
    await page.getByRole('status').filter({ hasText: 'Created the role support' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'support' });
    assert.match(await row.textContent(), /endpoint\.production/);
    await shots(page, 'roles-created');
    await clickButton(page, 'Delete', row);
    await confirm(page);
    await page.getByRole('status').filter({ hasText: 'Deleted the role support' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'support' }).count(), 0);
  });
});
