// The web app in Debian's Chromium against the real API binary on SQLite. Run by
// scripts/test-frontend after `npm run build`; see frontend/README.md.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, before, test as nodeTest } from 'node:test';
import { SCREENSHOTS, startStack } from './harness.mjs';

const ADMIN = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery staple 42';
const NEW_ADMIN_PASSWORD = 'a much longer passphrase 2026';
const VIEWER = 'viewer@example.com';
const VIEWER_PASSWORD = 'viewer passphrase 9981';
const OPERATOR = 'ops@example.com';

let stack;
let context;
let page;
let current = null;
const FAILURES = process.env.PB_E2E_FAILURES ?? join(tmpdir(), 'pb-e2e-failures');

/** A test that, when it fails, saves a screenshot of the page it was on. */
function test(name, fn) {
  nodeTest(name, async () => {
    try {
      await fn();
    } catch (error) {
      const target = current ?? page;
      if (target && !target.isClosed()) {
        mkdirSync(FAILURES, { recursive: true });
        const file = join(FAILURES, `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
        await target.screenshot({ path: file, fullPage: true }).catch(() => {});
        console.error(`# failure screenshot: ${file} (url ${target.url()})`);
      }
      throw error;
    } finally {
      current = null;
    }
  });
}

const url = (path) => `${stack.webUrl}${path}`;
const shot = (name, target = page) => target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
const nav = (target = page) => target.getByRole('navigation', { name: /Main|主导航/ });

async function newPage(locale = 'en-US') {
  const ctx = await stack.browser.newContext({ locale, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15_000);
  current = p;
  return { ctx, p };
}

async function signIn(p, email, password) {
  await p.goto(url('/signin'));
  await p.getByLabel('Email', { exact: true }).fill(email);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
}

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startStack({ adminEmail: ADMIN, adminPassword: ADMIN_PASSWORD });
  ({ ctx: context, p: page } = await newPage('en-US'));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.webUrl });
});

after(async () => {
  await stack?.close();
});

test('signs in through the form (wrong password first)', async () => {
  await page.goto(url('/'));
  await page.waitForURL('**/signin');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot('sign-in');

  await page.getByLabel('Email', { exact: true }).fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();

  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
  assert.match(page.url(), /\/tenants$/);
  for (const link of ['Tenants', 'Users', 'API tokens', 'Account']) {
    assert.ok(await nav().getByRole('link', { name: link }).isVisible(), `nav link ${link}`);
  }
  await page.getByText(ADMIN).first().waitFor();
  // The access token is never written to storage; only the refresh token to sessionStorage.
  const stored = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
  assert.deepEqual(Object.keys(stored.session), ['pb.refreshToken']);
  assert.ok(!JSON.stringify(stored).includes('eyJ'), 'no JWT in web storage');
});

test('tenants: shows the tree and creates child tenants, with field errors from the API', async () => {
  await page.getByText('1 tenant', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('tenant-row').count(), 1);
  await page.getByTestId('tenant-row').filter({ hasText: 'Platform' }).waitFor();

  await page.getByRole('button', { name: 'New tenant' }).click();
  const form = page.getByRole('form', { name: 'Create a tenant' });
  await form.getByRole('button', { name: 'Create tenant' }).click();
  // VALIDATION with extensions.field = "name" shows next to the Name field.
  await form.getByText('Name must be 1 to 200 characters').waitFor();
  assert.equal(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');

  await form.getByLabel('Kind', { exact: true }).selectOption({ label: 'Distributor' });
  await form.getByLabel('Name', { exact: true }).fill('Acme Distribution');
  await form.getByRole('button', { name: 'Create tenant' }).click();
  await page.getByText('Tenant “Acme Distribution” created.').waitFor();
  await page.getByText('2 tenants', { exact: true }).waitFor();

  await page.getByRole('button', { name: 'Add a child tenant to Acme Distribution' }).click();
  const childForm = page.getByRole('form', { name: 'Create a tenant' });
  assert.equal(await childForm.getByLabel('Parent tenant', { exact: true }).inputValue() !== '', true);
  const kinds = await childForm.getByLabel('Kind', { exact: true }).locator('option').allTextContents();
  assert.deepEqual(kinds, ['Reseller', 'Customer']);
  await childForm.getByLabel('Name', { exact: true }).fill('Globex Reseller');
  await childForm.getByRole('button', { name: 'Create tenant' }).click();
  await page.getByText('3 tenants', { exact: true }).waitFor();

  await page.getByRole('button', { name: 'Add a child tenant to Globex Reseller' }).click();
  await page.getByRole('form', { name: 'Create a tenant' }).getByLabel('Name', { exact: true }).fill('Initech Customer');
  await page.getByRole('form', { name: 'Create a tenant' }).getByRole('button', { name: 'Create tenant' }).click();
  await page.getByText('4 tenants', { exact: true }).waitFor();

  // Nested: Platform > Acme > Globex > Initech.
  const nested = page.locator('.tree > li > ul > li > ul > li > ul > li .tenant-name');
  assert.deepEqual(await nested.allTextContents(), ['Initech Customer']);
  await shot('tenants');
});

test('users: creates users with a role on a tenant and disables one after confirming', async () => {
  await nav().getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByText('1 user', { exact: true }).waitFor();

  await page.getByRole('button', { name: 'Create user' }).click();
  let form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Email', { exact: true }).fill(VIEWER);
  await form.getByLabel('Display name', { exact: true }).fill('Vera Viewer');
  await form.getByLabel('Initial password', { exact: true }).fill('short');
  await form.getByLabel('Role', { exact: true }).selectOption('VIEWER');
  await form.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0\u00a0\u00a0Globex Reseller (Reseller)' });
  await form.getByRole('button', { name: 'Create user' }).click();
  await form.getByText('Initial password must be at least 12 characters').waitFor();
  await form.getByLabel('Initial password', { exact: true }).fill(VIEWER_PASSWORD);
  await form.getByRole('button', { name: 'Create user' }).click();
  await page.getByText(`User ${VIEWER} created.`).waitFor();
  await page.getByText('2 users', { exact: true }).waitFor();
  const viewerRow = page.getByTestId('user-row').filter({ hasText: VIEWER });
  assert.match(await viewerRow.innerText(), /Viewer\s+Globex Reseller \(Reseller\)/);
  assert.match(await viewerRow.innerText(), /Active/);

  await page.getByRole('button', { name: 'Create user' }).click();
  form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Email', { exact: true }).fill(OPERATOR);
  await form.getByLabel('Initial password', { exact: true }).fill('operator passphrase 5521');
  await form.getByLabel('Role', { exact: true }).selectOption('OPERATOR');
  await form.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0Acme Distribution (Distributor)' });
  await form.getByRole('button', { name: 'Create user' }).click();
  await page.getByText('3 users', { exact: true }).waitFor();

  // The same email again: CONFLICT is a form-level error.
  await page.getByRole('button', { name: 'Create user' }).click();
  form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Email', { exact: true }).fill(OPERATOR);
  await form.getByLabel('Initial password', { exact: true }).fill('operator passphrase 5521');
  await form.getByRole('button', { name: 'Create user' }).click();
  await form.getByRole('alert').filter({ hasText: 'a user with this email already exists' }).waitFor();
  await form.getByRole('button', { name: 'Cancel' }).click();

  const opsRow = page.getByTestId('user-row').filter({ hasText: OPERATOR });
  await page.getByRole('button', { name: `Disable ${OPERATOR}` }).click();
  let dialog = page.getByRole('dialog', { name: `Disable ${OPERATOR}?` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.match(await opsRow.innerText(), /Active/);

  await page.getByRole('button', { name: `Disable ${OPERATOR}` }).click();
  dialog = page.getByRole('dialog', { name: `Disable ${OPERATOR}?` });
  await dialog.getByRole('button', { name: 'Disable user' }).click();
  await page.getByText(`${OPERATOR} is disabled.`).waitFor();
  await opsRow.getByText('Disabled', { exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: `Disable ${OPERATOR}` }).count(), 0);
  await shot('users');
});

test('memberships: grants and revokes a role', async () => {
  await page.getByRole('link', { name: `Manage roles of ${VIEWER}` }).click();
  await page.getByRole('heading', { level: 1, name: `Roles of ${VIEWER}` }).waitFor();
  assert.equal(await page.getByTestId('membership-row').count(), 1);

  const grant = page.getByRole('form', { name: 'Grant a role' });
  await grant.getByLabel('Role', { exact: true }).selectOption('VIEWER');
  await grant.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0Initech Customer (Customer)' });
  await grant.getByRole('button', { name: 'Grant role' }).click();
  await page.getByText('Role granted.').waitFor();
  await page.getByTestId('membership-row').nth(1).waitFor();
  assert.equal(await page.getByTestId('membership-row').count(), 2);
  await shot('user-roles');

  await page.getByRole('button', { name: 'Revoke Viewer on Initech Customer (Customer)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this role?' });
  await dialog.getByText(`${VIEWER} loses the Viewer role on Initech Customer (Customer).`).waitFor();
  await dialog.getByRole('button', { name: 'Revoke role' }).click();
  await page.getByText('Role revoked.').waitFor();
  assert.equal(await page.getByTestId('membership-row').count(), 1);
  assert.match(await page.getByTestId('membership-row').innerText(), /Globex Reseller/);
});

test('API tokens: creates one, shows its secret once with a copy button, revokes it', async () => {
  await nav().getByRole('link', { name: 'API tokens' }).click();
  await page.getByText('No API tokens yet.').waitFor();

  await page.getByRole('button', { name: 'Create token' }).click();
  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Name', { exact: true }).fill('Billing export');
  await form.getByLabel('Role', { exact: true }).selectOption('VIEWER');
  await form.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0Acme Distribution (Distributor)' });
  // Two years ahead: the API refuses it, next to the date field.
  const twoYears = new Date();
  twoYears.setFullYear(twoYears.getFullYear() + 2);
  await form.getByLabel('Expires on', { exact: true }).fill(twoYears.toISOString().slice(0, 10));
  await form.getByRole('button', { name: 'Create token' }).click();
  await form.getByText('Expires on must be within 366 days').waitFor();
  const soon = new Date();
  soon.setDate(soon.getDate() + 30);
  await form.getByLabel('Expires on', { exact: true }).fill(soon.toISOString().slice(0, 10));
  await form.getByRole('button', { name: 'Create token' }).click();

  const secretBox = page.getByRole('region', { name: 'Token “Billing export” created' });
  await secretBox.getByText('Copy this secret now. It is shown only once and cannot be recovered.').waitFor();
  const secret = await secretBox.getByLabel('Secret', { exact: true }).inputValue();
  assert.match(secret, /^pbt_[A-Za-z0-9_-]{20,}$/);
  await secretBox.getByRole('button', { name: 'Copy' }).click();
  await secretBox.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

  await page.getByText('1 token', { exact: true }).waitFor();
  const row = page.getByTestId('token-row').filter({ hasText: 'Billing export' });
  const prefix = (await row.locator('code').innerText()).replace('…', '');
  assert.ok(secret.startsWith(prefix), `${secret} starts with ${prefix}`);
  assert.match(await row.innerText(), /Viewer\s+Acme Distribution/);
  await shot('api-token-secret');

  // The token works against the API.
  const asToken = await stack.graphql('{ me { email } }', {}, secret);
  assert.equal(asToken.data?.me?.email, ADMIN);

  // Once dismissed, the secret is gone from the page for good.
  await secretBox.getByRole('button', { name: 'I have stored it' }).click();
  await secretBox.waitFor({ state: 'detached' });
  await nav().getByRole('link', { name: 'Tenants' }).click();
  await nav().getByRole('link', { name: 'API tokens' }).click();
  await page.getByText('1 token', { exact: true }).waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
  await shot('api-tokens');

  await page.getByRole('button', { name: 'Revoke token Billing export' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke token “Billing export”?' });
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await page.getByText('Token “Billing export” revoked.').waitFor();
  await row.getByText('Revoked', { exact: true }).waitFor();
  const refused = await stack.graphql('{ me { email } }', {}, secret);
  assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
});

test('refresh is transparent: an UNAUTHENTICATED answer is refreshed once and retried', async () => {
  const operations = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/graphql') && request.method() === 'POST') operations.push(request.postDataJSON()?.operationName);
  });
  let rejected = 0;
  await page.route('**/graphql', async (route) => {
    const body = route.request().postDataJSON();
    if (body?.operationName === 'Users' && rejected === 0) {
      rejected += 1;
      await route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ data: null, errors: [{ message: 'invalid or expired access token', extensions: { code: 'UNAUTHENTICATED' } }] }),
      });
      return;
    }
    await route.continue();
  });
  await nav().getByRole('link', { name: 'Users' }).click();
  await page.getByText('3 users', { exact: true }).waitFor();
  await page.unroute('**/graphql');
  assert.equal(rejected, 1);
  assert.equal(operations.filter((o) => o === 'RefreshSession').length, 1);
  // Users was sent twice: rejected, then retried with the new token.
  assert.equal(operations.filter((o) => o === 'Users').length, 2);
  assert.match(page.url(), /\/users$/);
});

test('account: changes the password, with field errors', async () => {
  await nav().getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
  await page.getByText(`Signed in as ${ADMIN}`).waitFor();
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password', { exact: true }).fill('wrong current password');
  await form.getByLabel('New password', { exact: true }).fill(NEW_ADMIN_PASSWORD);
  await form.getByLabel('Repeat new password', { exact: true }).fill('something else entirely');
  await form.getByRole('button', { name: 'Change password' }).click();
  await form.getByText('Repeat new password does not match the new password').waitFor();

  await form.getByLabel('Repeat new password', { exact: true }).fill(NEW_ADMIN_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await form.getByText('Current password is not your current password').waitFor();

  await form.getByLabel('Current password', { exact: true }).fill(ADMIN_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await form.getByText('Password changed. Your other sessions were signed out.').waitFor();
  await shot('account');
});

test('switches to 中文: navigation is translated, and the choice and session survive a reload', async () => {
  await nav().getByRole('link', { name: 'Tenants' }).click();
  await page.getByText('4 tenants', { exact: true }).waitFor();
  await page.getByRole('button', { name: '中文' }).click();
  const links = await nav().getByRole('link').allTextContents();
  assert.deepEqual(links, ['租户', '用户', 'API 令牌', '账户']);
  await page.getByRole('heading', { level: 1, name: '租户' }).waitFor();
  await page.getByText('4 个租户').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal(await page.evaluate(() => localStorage.getItem('pb.lang')), 'zh');
  await page.getByRole('button', { name: '退出登录' }).waitFor();
  await shot('tenants-zh');

  await page.reload();
  await page.getByRole('heading', { level: 1, name: '租户' }).waitFor();
  await page.getByText('4 个租户').waitFor();
  await nav().getByRole('link', { name: '用户' }).click();
  await page.getByRole('columnheader', { name: '邮箱' }).waitFor();
  await page.getByText('查看者').first().waitFor();

  await page.getByRole('button', { name: 'English' }).click();
  await nav().getByRole('link', { name: 'Users' }).waitFor();
});

test('signing out clears the session', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  await page.getByText('You have signed out.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.goto(url('/users'));
  await page.waitForURL('**/signin');
  assert.equal(await page.getByText(VIEWER).count(), 0);
  // The old password no longer works; the new one does.
  await page.getByLabel('Email', { exact: true }).fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong email or password.').waitFor();
  await page.getByLabel('Password', { exact: true }).fill(NEW_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back to the page that asked for sign-in.
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  assert.match(page.url(), /\/users$/);
});

test('a viewer sees no write buttons', async () => {
  const { ctx, p } = await newPage('en-US');
  try {
    await signIn(p, VIEWER, VIEWER_PASSWORD);
    await p.getByText('2 tenants', { exact: true }).waitFor(); // Globex and its customer
    await p.getByTestId('tenant-row').filter({ hasText: 'Initech Customer' }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'New tenant' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Add a child tenant/ }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Rename/ }).count(), 0);
    await p.locator('.topbar').getByText('Viewer', { exact: true }).waitFor();
    await shot('viewer-tenants', p);

    await nav(p).getByRole('link', { name: 'Users' }).click();
    await p.getByTestId('user-row').first().waitFor();
    assert.equal(await p.getByRole('button', { name: 'Create user' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Disable/ }).count(), 0);

    await nav(p).getByRole('link', { name: 'API tokens' }).click();
    await p.getByText('No API tokens yet.').waitFor();
    assert.equal(await p.getByRole('button', { name: 'Create token' }).count(), 0);
  } finally {
    await ctx.close();
  }
});

test('a refused refresh ends the session and shows the sign-in page', async () => {
  const { ctx, p } = await newPage('en-US');
  try {
    await signIn(p, VIEWER, VIEWER_PASSWORD);
    await p.route('**/graphql', async (route) => {
      const name = route.request().postDataJSON()?.operationName;
      if (name === 'Users' || name === 'RefreshSession') {
        await route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({ data: null, errors: [{ message: 'session ended; sign in again', extensions: { code: 'UNAUTHENTICATED' } }] }),
        });
        return;
      }
      await route.continue();
    });
    await nav(p).getByRole('link', { name: 'Users' }).click();
    await p.waitForURL('**/signin');
    await p.getByText('Your session has ended. Sign in again.').waitFor();
    assert.equal(await p.evaluate(() => sessionStorage.getItem('pb.refreshToken')), null);
  } finally {
    await ctx.close();
  }
});

test('the first language comes from the browser', async () => {
  const { ctx, p } = await newPage('zh-CN');
  try {
    await p.goto(url('/signin'));
    await p.getByRole('heading', { name: '登录' }).waitFor();
    await p.getByLabel('邮箱', { exact: true }).waitFor();
    await p.getByRole('button', { name: 'English' }).click();
    await p.getByLabel('Email', { exact: true }).waitFor();
    await p.getByRole('button', { name: 'Sign in' }).waitFor();
  } finally {
    await ctx.close();
  }
});
