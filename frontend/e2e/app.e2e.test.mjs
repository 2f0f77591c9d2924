// The web app in Debian's Chromium against the real API binary on SQLite. Run by
// scripts/test-frontend after `npm run build`; see frontend/README.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const CUSTOMER = 'customer@initech.example';
const CUSTOMER_PASSWORD = 'customer passphrase 7713';

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
/** `YYYY-MM` of the month `offset` months from this one (UTC, as billing periods are). */
const monthAt = (offset) => {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};
/** "December 2026", as the pages name a month. */
const monthName = (month) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
const shot = (name, target = page) => target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
const nav = (target = page) => target.getByRole('navigation', { name: /Main|主导航/ });

async function newPage(locale = 'en-US') {
  const ctx = await stack.browser.newContext({ locale, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15_000);
  current = p;
  return { ctx, p };
}

/** The top bar at the page's width (1,280 px): nothing overflows, every item on one line, all visible. */
async function assertTopbarFits(p) {
  assert.equal(p.viewportSize().width, 1280);
  const bar = await p.evaluate(() => {
    const el = document.querySelector('.topbar');
    const items = [...el.querySelectorAll('nav a, .topbar-user > *, .brand')].map((e) => e.getBoundingClientRect());
    return {
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      right: Math.max(...items.map((r) => r.right)),
      tops: [...new Set([...el.querySelectorAll('nav a')].map((a) => Math.round(a.getBoundingClientRect().top)))],
    };
  });
  assert.ok(bar.scrollWidth <= bar.clientWidth, `the top bar overflows: ${JSON.stringify(bar)}`);
  assert.ok(bar.right <= 1280, `an item of the top bar ends at ${bar.right}px`);
  assert.equal(bar.tops.length, 1, `the navigation wraps: ${JSON.stringify(bar)}`);
  assert.ok(await p.getByRole('button', { name: /Sign out|退出登录/ }).isVisible());
}

/** The tab's title, which a page sets in an effect once it has rendered. */
async function expectTitle(p, title) {
  await p.waitForFunction((t) => document.title === t, title, { timeout: 5_000 }).catch(() => {});
  assert.equal(await p.title(), title);
}

async function signIn(p, email, password) {
  await p.goto(url('/signin'));
  await p.getByLabel('Email', { exact: true }).fill(email);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  // A partner lands on the cost overview, not on tenants.
  await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
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

test('the production build: favicon, no source maps, a title per page', async () => {
  const html = await (await fetch(url('/'))).text();
  assert.match(html, /<link rel="icon" href="\/favicon\.svg"/);
  const icon = await fetch(url('/favicon.svg'));
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get('content-type') ?? '', /svg/);
  assert.match(await icon.text(), /<svg/);
  // No source maps are built or served: no script names one, and asking for one gets no map.
  const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  assert.ok(scripts.length > 0, 'the entry script');
  for (const script of scripts) {
    const js = await (await fetch(url(script))).text();
    assert.ok(!js.includes('sourceMappingURL'), `${script} names a source map`);
    const map = await fetch(url(`${script}.map`));
    assert.ok(!(map.ok && (await map.text()).includes('"sources"')), `${script}.map is served`);
  }
});

test('signs in through the form (wrong password first)', async () => {
  await page.goto(url('/'));
  await page.waitForURL('**/signin');
  // The page sets its title once it renders (after the redirect, when its chunk has loaded).
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await expectTitle(page, 'Sign in · Partner Billing');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await shot('sign-in');

  await page.getByLabel('Email', { exact: true }).fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();

  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // A partner lands on the overview (#19: not on tenants).
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  assert.match(page.url(), /\/overview$/);
  for (const link of ['Overview', 'Payers', 'Jobs', 'Notifications', 'Webhooks', 'Audit log', 'Tenants', 'Users', 'API tokens', 'Account']) {
    assert.ok(await nav().getByRole('link', { name: link }).isVisible(), `nav link ${link}`);
  }
  await page.getByText(ADMIN).first().waitFor();
  await expectTitle(page, 'Overview · Partner Billing');
  // The whole navigation, the user and Sign out fit on one line at 1,280 px.
  await assertTopbarFits(page);
  // The access token is never written to storage; only the refresh token to sessionStorage.
  const stored = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
  assert.deepEqual(Object.keys(stored.session), ['pb.refreshToken']);
  assert.ok(!JSON.stringify(stored).includes('eyJ'), 'no JWT in web storage');
});

test('tenants: shows the tree and creates child tenants, with field errors from the API', async () => {
  await nav().getByRole('link', { name: 'Tenants' }).click();
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

  await page.getByRole('button', { name: 'Add user' }).click();
  let form = page.getByRole('form', { name: 'Add a user' });
  // Forms that grant a role start with the least powerful one, listed first.
  assert.equal(await form.getByLabel('Role', { exact: true }).inputValue(), 'VIEWER');
  assert.deepEqual(await form.getByLabel('Role', { exact: true }).locator('option').allTextContents(), ['Viewer', 'Operator', 'Admin']);
  await form.getByRole('radio', { name: 'Set a password now' }).check();
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

  await page.getByRole('button', { name: 'Add user' }).click();
  form = page.getByRole('form', { name: 'Add a user' });
  await form.getByRole('radio', { name: 'Set a password now' }).check();
  await form.getByLabel('Email', { exact: true }).fill(OPERATOR);
  await form.getByLabel('Initial password', { exact: true }).fill('operator passphrase 5521');
  await form.getByLabel('Role', { exact: true }).selectOption('OPERATOR');
  await form.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0Acme Distribution (Distributor)' });
  await form.getByRole('button', { name: 'Create user' }).click();
  await page.getByText('3 users', { exact: true }).waitFor();

  // The same email again: CONFLICT is a form-level error.
  await page.getByRole('button', { name: 'Add user' }).click();
  form = page.getByRole('form', { name: 'Add a user' });
  await form.getByRole('radio', { name: 'Set a password now' }).check();
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
  assert.equal(await grant.getByLabel('Role', { exact: true }).inputValue(), 'VIEWER');
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
  assert.equal(await form.getByLabel('Role', { exact: true }).inputValue(), 'VIEWER');
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

// --- Payers, accounts, costs and the operations pages (against moto) ---

/** A random 12-digit AWS account id, so a shared moto never sees it twice. */
const PAYER_ACCOUNT = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
const PAYER_NAME = 'Globex Payer';
let payerId = null;
/** Account ids in the ingested cost data (this month), largest first. */
let costAccounts = [];
/** The synced "Production" account (its page is opened again once it has cost data). */
let productionId = null;

test('payers: registers a payer, shows its ExternalId and quick-create link, checks the connection', async () => {
  stack.mockOrganization(PAYER_ACCOUNT);
  await nav().getByRole('link', { name: 'Payers' }).click();
  await page.getByRole('heading', { level: 1, name: 'Payers' }).waitFor();
  await page.getByText('No payers are visible to you yet.').waitFor();

  await page.getByRole('button', { name: 'Register payer' }).click();
  const form = page.getByRole('form', { name: 'Register a payer' });
  await form.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0\u00a0\u00a0Globex Reseller (Reseller)' });
  await form.getByLabel('AWS account id', { exact: true }).fill('12345');
  await form.getByLabel('Name', { exact: true }).fill(PAYER_NAME);
  await form.getByRole('button', { name: 'Register payer' }).click();
  // VALIDATION on accountId shows next to that field.
  await form.locator('.field-error').filter({ hasText: /^AWS account id / }).waitFor();
  assert.equal(await form.getByLabel('AWS account id', { exact: true }).getAttribute('aria-invalid'), 'true');

  await form.getByLabel('AWS account id', { exact: true }).fill(PAYER_ACCOUNT);
  await form.getByRole('button', { name: 'Register payer' }).click();
  const registered = page.getByRole('region', { name: `Payer “${PAYER_NAME}” registered: deploy its role` });
  const externalId = (await registered.getByTestId('external-id').innerText()).trim();
  assert.ok(externalId.length >= 16, `an ExternalId: ${externalId}`);
  const quickCreate = registered.getByRole('link', { name: 'Open the CloudFormation quick-create page for the role' });
  const href = await quickCreate.getAttribute('href');
  assert.match(href, /^https:\/\/console\.aws\.amazon\.com\/cloudformation\//);
  assert.ok(decodeURIComponent(href).includes(externalId), 'the link carries the ExternalId');
  const row = page.getByTestId('payer-row').filter({ hasText: PAYER_NAME });
  await row.getByText('Not checked', { exact: true }).waitFor();
  assert.match(await row.innerText(), new RegExp(`${PAYER_ACCOUNT}\\s+Globex Reseller`));
  await shot('payer-registered');
  await registered.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: `Check the connection of ${PAYER_NAME}` }).click();
  await page.getByText(`${PAYER_NAME} is connected.`).waitFor();
  await row.getByText('Connected', { exact: true }).waitFor();
  await shot('payers');
});

test('accounts: syncs the organization, creates an account and watches its job, searches', async () => {
  await page.getByRole('button', { name: `Sync the accounts of ${PAYER_NAME}` }).click();
  await page.getByText(`Reading the organization of ${PAYER_NAME}.`).waitFor();
  await page.getByRole('link', { name: 'Follow the job' }).click();
  await page.getByRole('heading', { level: 1, name: /^Job / }).waitFor();
  await page.getByRole('heading', { level: 1 }).getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });

  await nav().getByRole('link', { name: 'Payers' }).click();
  await page.getByRole('link', { name: `Accounts of ${PAYER_NAME}` }).click();
  await page.getByRole('heading', { level: 1, name: `Accounts of ${PAYER_NAME}` }).waitFor();
  await expectTitle(page, `Accounts of ${PAYER_NAME} · Partner Billing`);
  payerId = page.url().match(/\/payers\/([^/]+)\/accounts/)[1];
  await page.getByText('3 accounts', { exact: true }).waitFor();
  const production = page.getByTestId('account-row').filter({ hasText: 'Production' });
  assert.match(await production.innerText(), /Active\s+Workloads/);
  await page.getByTestId('ou-list').getByText('Workloads').waitFor();

  await page.getByRole('button', { name: 'Create account' }).click();
  const form = page.getByRole('form', { name: 'Create a member account' });
  await form.getByLabel('Email', { exact: true }).fill(`analytics-${PAYER_ACCOUNT}@accounts.example`);
  await form.getByLabel('Name', { exact: true }).fill('Analytics');
  await form.getByLabel('Organizational unit', { exact: true }).selectOption({ label: 'Workloads' });
  await form.getByRole('button', { name: 'Create account' }).click();
  const job = page.getByTestId('job-status');
  await job.getByRole('heading', { name: 'Creating the account' }).waitFor();
  await job.getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });
  await page.getByText('4 accounts', { exact: true }).waitFor();
  assert.match(await page.getByTestId('account-row').filter({ hasText: 'Analytics' }).innerText(), /Workloads/);
  // Each account's cost this month beside its name (no cost data yet: $0.00).
  await page.getByRole('columnheader', { name: `Cost in ${monthName(monthAt(0))}` }).waitFor();
  await page.getByTestId('account-cost').filter({ hasText: '$0.00' }).first().waitFor();
  // moto has no Organizations handshakes: the panel says the feature is unavailable here, not "server error".
  await page.getByTestId('invitations-unavailable').getByText(/not available in this environment/).waitFor();
  assert.equal(await page.getByText('Could not load this list.').count(), 0);
  await shot('accounts');

  await page.getByLabel('Search accounts', { exact: true }).fill('stag');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('1 account', { exact: true }).waitFor();
  assert.match(await page.getByTestId('account-row').innerText(), /Staging/);
  await page.getByLabel('Search accounts', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('4 accounts', { exact: true }).waitFor();
});

test('an account: creates an SCP from a template, attaches and detaches it, moves the account after confirming', async () => {
  await page.getByTestId('account-row').filter({ hasText: 'Production' }).getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /^Production/ }).waitFor();
  productionId = page.url().split('/').pop();

  await page.getByRole('button', { name: 'New SCP from template' }).click();
  const form = page.getByRole('form', { name: 'New SCP from template' });
  await form.getByLabel('Template', { exact: true }).selectOption('deny-leave-organization');
  await form.getByLabel('Name', { exact: true }).fill('NoLeaving');
  await form.getByRole('button', { name: 'Create SCP' }).click();
  await page.getByText('SCP NoLeaving created.').waitFor();

  const toggle = page.getByRole('switch', { name: 'Attach NoLeaving' });
  assert.equal(await toggle.isChecked(), false);
  await toggle.click();
  await page.getByText('NoLeaving attached.').waitFor();
  await page.getByTestId('policy-row').filter({ hasText: 'NoLeaving' }).getByText('Attached', { exact: true }).waitFor();
  assert.equal(await page.getByRole('switch', { name: 'Attach NoLeaving' }).isChecked(), true);
  await shot('account-detail');

  await page.getByRole('switch', { name: 'Attach NoLeaving' }).click();
  await page.getByText('NoLeaving detached.').waitFor();
  await page.getByTestId('policy-row').filter({ hasText: 'NoLeaving' }).getByText('Not attached', { exact: true }).waitFor();

  await page.getByLabel('Move to', { exact: true }).selectOption({ label: 'Root' });
  await page.getByRole('button', { name: 'Move account' }).click();
  const dialog = page.getByRole('dialog', { name: /^Move account \d{12}\?$/ });
  await dialog.getByText('It moves into Root and gets the SCPs attached there.').waitFor();
  await dialog.getByRole('button', { name: 'Move account' }).click();
  await page.getByText('Account moved to Root.').waitFor();
  await page.locator('.facts').getByText('Root', { exact: true }).waitFor();

  // No cost rows for this account: the bill says so, and there is nothing to download.
  const month = new Date().toISOString().slice(0, 7);
  await page.getByText(`No charges for ${month}.`).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Download CSV' }).isDisabled(), true);

  await page.getByRole('button', { name: 'Write a notice' }).click();
  const notice = page.getByRole('form', { name: 'Service notice' });
  await notice.getByLabel('Subject', { exact: true }).fill('Maintenance on Saturday');
  await notice.getByLabel('Message', { exact: true }).fill('The VPN gateway is replaced between 02:00 and 04:00 UTC.');
  await notice.getByRole('button', { name: 'Send notice' }).click();
  await page.getByText('Notice sent.').waitFor();
});

test('an account: closing asks for the account id typed out', async () => {
  const id = page.url().split('/').pop();
  await page.getByRole('button', { name: 'Close account' }).click();
  const dialog = page.getByRole('dialog', { name: `Close account ${id}?` });
  const confirm = dialog.getByRole('button', { name: 'Close account' });
  assert.equal(await confirm.isDisabled(), true);
  await dialog.getByLabel(`Type ${id} to confirm`, { exact: true }).fill(id.slice(0, 6));
  assert.equal(await confirm.isDisabled(), true);
  await dialog.getByLabel(`Type ${id} to confirm`, { exact: true }).fill(id);
  await confirm.click();
  await page.getByText(`Account ${id} is closing.`).waitFor();
  await page.locator('.intro').getByText(/Closing|Suspended/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Close account' }).count(), 0);
});

test('SCPs: writes one in JSON with checks as you type, edits it, deletes it after confirming', async () => {
  await nav().getByRole('link', { name: 'Payers' }).click();
  await page.getByRole('link', { name: `SCPs of ${PAYER_NAME}` }).click();
  await page.getByRole('heading', { level: 1, name: `SCPs of ${PAYER_NAME}` }).waitFor();
  const full = page.getByTestId('scp-row').filter({ hasText: 'FullAWSAccess' });
  assert.match(await full.innerText(), /AWS managed[\s\S]*Root/);
  await page.getByTestId('scp-row').filter({ hasText: 'NoLeaving' }).getByText('Template deny-leave-organization').waitFor();
  assert.ok((await page.getByTestId('template-item').count()) >= 5, 'the template library');

  await page.getByRole('button', { name: 'New SCP from JSON' }).click();
  const form = page.getByRole('form', { name: 'New SCP from JSON' });
  await form.getByLabel('Name', { exact: true }).fill('NoReservedInstances');
  const doc = form.getByLabel('Policy document (JSON)', { exact: true });
  await doc.fill('{"Version": "2012-10-17", "Statement": ');
  await form.getByText(/^Policy document \(JSON\) is not valid JSON/).waitFor();
  assert.equal(await form.getByRole('button', { name: 'Create SCP' }).isDisabled(), true);
  await doc.fill('{"Version": "2008-10-17", "Statement": []}');
  await form.getByText('Policy document (JSON) must be a policy with "Version": "2012-10-17" and at least one Statement').waitFor();
  await doc.fill(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ec2:PurchaseReservedInstancesOffering', Resource: '*' }] }, null, 2));
  await form.getByRole('button', { name: 'Create SCP' }).click();
  await page.getByText('SCP NoReservedInstances created.').waitFor();
  const row = page.getByTestId('scp-row').filter({ hasText: 'NoReservedInstances' });
  assert.match(await row.innerText(), /Written here\s+Not attached/);
  await shot('policies');

  await page.getByRole('button', { name: 'Edit NoReservedInstances' }).click();
  const edit = page.getByRole('form', { name: 'Edit SCP NoReservedInstances' });
  assert.match(await edit.getByLabel('Policy document (JSON)', { exact: true }).inputValue(), /PurchaseReservedInstancesOffering/);
  await edit.getByLabel('Description', { exact: true }).fill('No RI purchases outside finance');
  await edit.getByRole('button', { name: 'Save' }).click();
  await page.getByText('SCP NoReservedInstances saved.').waitFor();
  await row.getByText('No RI purchases outside finance').waitFor();

  await page.getByRole('button', { name: 'Delete NoReservedInstances' }).click();
  await page.getByRole('dialog', { name: 'Delete SCP NoReservedInstances?' }).getByRole('button', { name: 'Delete SCP' }).click();
  await page.getByText('SCP NoReservedInstances deleted.').waitFor();
  await row.waitFor({ state: 'detached' });
});

test('overview: charts and tables from an ingested generated CUR', async () => {
  assert.ok(payerId, 'the payer id from the accounts page');
  const now = new Date();
  const months = [-1, 0].map((offset) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
  for (const [i, month] of months.entries()) {
    const file = join(stack.dir, `cur-${month}.parquet`);
    stack.cli(['gen-cur', '--rows', '3000', '--accounts', '6', '--month', month, '--seed', String(i + 7), '--payer-account', PAYER_ACCOUNT, '--out', file]);
    stack.cli(['ingest', '--payer', payerId, file]);
  }

  await nav().getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  const thisMonth = page.getByTestId('kpi-this-month');
  await thisMonth.getByRole('heading', { name: `This month (${months[1]})` }).waitFor();
  const amount = await thisMonth.locator('.kpi-value').innerText();
  assert.match(amount, /^\$[\d,]+\.\d{2}$/);
  assert.notEqual(amount, '$0.00');
  assert.match(await thisMonth.innerText(), /(Up|Down) \d+\.\d% on /);
  assert.match(await page.getByTestId('kpi-forecast').locator('.kpi-value').innerText(), /^\$[\d,]+\.\d{2}$/);
  for (const chart of ['chart-trend', 'chart-services', 'chart-categories']) {
    await page.getByTestId(chart).locator('canvas').first().waitFor();
  }
  assert.equal(await page.getByRole('img', { name: /^Bar chart of the monthly cost from / }).count(), 1);
  await page.getByTestId('account-cost-row').first().waitFor();
  assert.equal(await page.getByTestId('account-cost-row').count(), 6);
  costAccounts = await page.getByTestId('account-cost-row').locator('code').allInnerTexts();
  await page.getByTestId('mover-row').first().waitFor();
  assert.match(await page.getByTestId('mover-row').first().innerText(), /[▲▼] -?\$/);
  // Movers show the service as AWS names it (the CUR's product name), its code beside it.
  const named = page.getByTestId('mover-row').filter({ has: page.locator('.service-code') }).first();
  const [serviceName, serviceCode] = [await named.locator('.service-name').innerText(), await named.locator('.service-code').innerText()];
  assert.match(serviceName, /^(Amazon|AWS|Elastic|Savings|Datadog) /);
  assert.match(serviceCode, /^[\w-]+$/);
  assert.equal(await named.locator('.service-label').getAttribute('title'), serviceCode);
  const badge = page.getByTestId('health-badge').filter({ hasText: PAYER_NAME });
  assert.match(await badge.innerText(), /Current|Behind|Failing|No data/);
  // This month has data, so the page opens on it and says nothing about another month.
  assert.equal(await page.getByTestId('month-fallback').count(), 0);
  await page.waitForTimeout(800); // chart animation
  await shot('overview');

  // The month picker: last month, compared with the month before it; kept in the address.
  await page.getByLabel('Month', { exact: true }).fill(months[0]);
  await thisMonth.getByRole('heading', { name: `Cost in ${months[0]}` }).waitFor();
  assert.match(page.url(), new RegExp(`[?&]month=${months[0]}`));
  assert.match(await page.getByTestId('kpi-last-month').innerText(), new RegExp(`The month before \\(${monthAt(-2)}\\)`));
  assert.equal(await page.getByTestId('kpi-forecast').count(), 0, 'a past month has no forecast');
  await page.getByRole('heading', { name: `Cost by account in ${months[0]}` }).waitFor();
  await page.getByTestId('account-cost-row').first().waitFor();
  await page.getByLabel('Month', { exact: true }).fill(months[1]);
  await thisMonth.getByRole('heading', { name: `This month (${months[1]})` }).waitFor();
});

test("an account's monthly bill: the lines of an ingested CUR 2.0 CSV, with descriptions", async () => {
  assert.ok(payerId && productionId, 'the payer and the Production account from the accounts pages');
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1));
  const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  const header = 'bill_payer_account_id,bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_account_id,line_item_product_code,product_product_name,line_item_usage_type,line_item_operation,product_region_code,line_item_line_item_type,pricing_unit,line_item_currency_code,line_item_unblended_cost,line_item_usage_amount,line_item_line_item_description';
  const line = (code, name, usageType, operation, type, unit, cost, usage, description) =>
    [PAYER_ACCOUNT, `${month}-01T00:00:00Z`, `${month}-05T00:00:00Z`, productionId, code, name, usageType, operation, 'us-east-1', type, unit, 'USD', cost, usage, `"${description}"`].join(',');
  const file = join(stack.dir, `production-${month}.csv`);
  writeFileSync(file, [
    header,
    line('AmazonEC2', 'Amazon Elastic Compute Cloud', 'USE1-BoxUsage:m6i.large', 'RunInstances', 'Usage', 'Hrs', '69.12', '720', '$0.096 per On Demand Linux m6i.large Instance Hour'),
    line('AmazonRDS', 'Amazon Relational Database Service', 'USE1-InstanceUsage:db.t4g.medium', 'CreateDBInstance:0014', 'Usage', 'Hrs', '47.52', '720', '$0.066 per RDS db.t4g.medium instance hour (or partial hour) running PostgreSQL'),
    line('AmazonS3', 'Amazon Simple Storage Service', 'USE1-TimedStorage-ByteHrs', 'StandardStorage', 'Usage', 'GB-Mo', '11.78', '512.173913', '$0.023 per GB - first 50 TB / month of storage used'),
    line('AmazonEC2', 'Amazon Elastic Compute Cloud', '', '', 'Tax', '', '6.91', '1', 'Tax for product code AmazonEC2'),
  ].join('\n') + '\n');
  stack.cli(['ingest', '--payer', payerId, file]);

  await nav().getByRole('link', { name: 'Payers' }).click();
  await page.getByRole('link', { name: `Accounts of ${PAYER_NAME}` }).click();
  await page.getByTestId('account-row').filter({ hasText: 'Production' }).getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /^Production/ }).waitFor();
  // The account has cost only two months back: its bill opens there and says so.
  await page.getByTestId('month-fallback').getByText(`No data for ${monthName(monthAt(0))} yet — showing ${monthName(month)}.`).waitFor();
  assert.equal(await page.getByLabel('Month', { exact: true }).inputValue(), month);
  await page.getByTestId('bill-line').first().waitFor();
  assert.equal(await page.getByTestId('bill-line').count(), 4);
  const rds = page.getByTestId('bill-line').filter({ hasText: 'Amazon Relational Database Service' });
  assert.match(await rds.innerText(), /USE1-InstanceUsage:db\.t4g\.medium[\s\S]*\$0\.066 per RDS db\.t4g\.medium instance hour[\s\S]*720(\.000)? Hrs[\s\S]*47\.52/);
  assert.equal(await page.getByTestId('bill-total').innerText(), '$135.33');
  assert.match(await rds.innerText(), /\$47\.52/);
  assert.equal(await rds.locator('.service-code').innerText(), 'AmazonRDS', 'the code beside the name');
  assert.equal(await page.getByRole('button', { name: 'Download CSV' }).isDisabled(), false);
  await shot('account-bill');

  // The overview of that month names the account beside its id, with its cost.
  await page.goto(url(`/overview?month=${month}`));
  const row = page.getByTestId('account-cost-row').filter({ hasText: productionId }).filter({ hasText: 'Production' });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(`${productionId}\\s+Production\\s+\\$135\\.33`));
});

test('pricing: creates rules (checks as you type, field errors from the API), a plan with them, edits both, deletes a rule after confirming', async () => {
  await page.goto(url(`/payers/${payerId}/pricing`));
  await page.getByRole('heading', { level: 1, name: `Pricing of ${PAYER_NAME}` }).waitFor();
  await page.getByText('No pricing rules.').waitFor();
  await page.getByRole('button', { name: 'New pricing rule' }).click();
  let form = page.getByRole('form', { name: 'New pricing rule' });
  await form.getByLabel('Name', { exact: true }).fill('Markup 10');
  await form.getByLabel('Type', { exact: true }).selectOption('MARKUP');
  await form.getByLabel('Percentage', { exact: true }).fill('10.123');
  await form.getByRole('button', { name: 'Create rule' }).click();
  // Checked in the browser: nothing is sent.
  await form.getByText('Percentage must have at most two decimals').waitFor();
  await form.getByLabel('Percentage', { exact: true }).fill('10');
  await form.getByRole('button', { name: 'Create rule' }).click();
  // The API's VALIDATION error names the field; the message goes next to it.
  await form.locator('.field-invalid').filter({ has: page.getByLabel('Name', { exact: true }) }).locator('.field-error').waitFor();
  assert.equal(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
  await form.getByLabel('Name', { exact: true }).fill('Markup10');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await page.getByText('Pricing rule Markup10 created.').waitFor();
  assert.match(await page.getByTestId('rule-row').innerText(), /Markup10\s+Everything\s+Markup\s+10\.00%/);

  // A SKU rule needs service, usage type and operation; the API says which one is missing.
  await page.getByRole('button', { name: 'New pricing rule' }).click();
  form = page.getByRole('form', { name: 'New pricing rule' });
  await form.getByLabel('Name', { exact: true }).fill('S3-storage');
  await form.getByLabel('Type', { exact: true }).selectOption('DISCOUNT');
  await form.getByLabel('Scope', { exact: true }).selectOption('SKU');
  await form.getByLabel('Service code', { exact: true }).fill('AmazonS3');
  await form.getByLabel('Operation', { exact: true }).fill('StandardStorage');
  await form.getByLabel('Percentage', { exact: true }).fill('20');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await form.getByText('Usage type is required for this scope').waitFor();
  await form.getByLabel('Usage type', { exact: true }).fill('TimedStorage-ByteHrs');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await page.getByText('Pricing rule S3-storage created.').waitFor();
  assert.match(await page.getByTestId('rule-row').filter({ hasText: 'S3-storage' }).innerText(), /One SKU\s+AmazonS3\s*TimedStorage-ByteHrs\s*StandardStorage\s+Discount\s+20\.00%/);

  await page.getByRole('button', { name: 'New pricing plan' }).click();
  form = page.getByRole('form', { name: 'New pricing plan' });
  await form.getByLabel('Name', { exact: true }).fill('Standard');
  await form.getByLabel('Price base', { exact: true }).selectOption('UNBLENDED');
  await form.getByRole('checkbox', { name: 'Markup10' }).check();
  await form.getByRole('checkbox', { name: 'Credits' }).check();
  await form.getByRole('button', { name: 'Create plan' }).click();
  await page.getByText('Pricing plan Standard created.').waitFor();
  assert.match(await page.getByTestId('plan-row').innerText(), /Standard\s+Unblended cost\s+Markup10\s+Credits/);

  // Edit: a rule keeps its scope and type, its percentage changes.
  await page.getByRole('button', { name: 'Edit Markup10' }).click();
  form = page.getByRole('form', { name: 'Edit pricing rule Markup10' });
  assert.equal(await form.getByLabel('Type', { exact: true }).isDisabled(), true);
  assert.equal(await form.getByLabel('Percentage', { exact: true }).inputValue(), '10');
  await form.getByLabel('Percentage', { exact: true }).fill('12');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Pricing rule Markup10 saved.').waitFor();
  // The list reloads after the notice.
  await page.getByTestId('rule-row').filter({ hasText: '12.00%' }).waitFor();
  assert.match(await page.getByTestId('rule-row').filter({ hasText: 'Markup10' }).innerText(), /Markup\s+12\.00%/);

  await page.getByRole('button', { name: 'Edit Standard' }).click();
  form = page.getByRole('form', { name: 'Edit pricing plan Standard' });
  assert.equal(await form.getByRole('checkbox', { name: 'Markup10' }).isChecked(), true);
  await form.getByLabel('Description', { exact: true }).fill('List price plus 12 %');
  await form.getByRole('checkbox', { name: 'S3-storage' }).check();
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Pricing plan Standard saved.').waitFor();
  await page.getByTestId('plan-row').filter({ hasText: 'S3-storage' }).waitFor();
  assert.match(await page.getByTestId('plan-row').innerText(), /Standard\s+List price plus 12 %\s+Unblended cost\s+Markup10, S3-storage\s+Credits/);

  // Deleting a rule asks first, and takes it out of the plan.
  await page.getByRole('button', { name: 'Delete S3-storage' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete S3-storage?' });
  await dialog.getByText('The rule is taken out of every plan that has it.', { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('S3-storage deleted.').waitFor();
  await page.getByTestId('rule-row').filter({ hasText: 'S3-storage' }).waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('rule-row').count(), 1);
  assert.match(await page.getByTestId('plan-row').innerText(), /Unblended cost\s+Markup10\s+Credits/);
});

test('billing: creates a billing group for a customer and sees AWS cost, pro forma, margin and the margin donut', async () => {
  assert.ok(costAccounts.length >= 2, 'accounts with cost data');
  await nav().getByRole('link', { name: 'Payers' }).click();
  await page.getByRole('link', { name: `Billing of ${PAYER_NAME}` }).click();
  await page.getByRole('heading', { level: 1, name: `Billing of ${PAYER_NAME}` }).waitFor();
  await page.getByText('No billing groups yet.').waitFor();

  await page.getByRole('button', { name: 'New billing group' }).click();
  const form = page.getByRole('form', { name: 'Create a billing group' });
  await form.getByLabel('Name', { exact: true }).fill('Initech');
  for (const account of costAccounts.slice(0, 2)) await form.getByRole('checkbox', { name: new RegExp(account) }).check();
  await form.getByLabel('Primary account', { exact: true }).selectOption({ index: 0 });
  await form.getByLabel('Pricing plan', { exact: true }).selectOption({ label: 'Standard' });
  await form.getByLabel('Customer', { exact: true }).selectOption({ label: 'Initech Customer' });
  await form.getByRole('button', { name: 'Create billing group' }).click();
  await page.getByText('Billing group Initech created.').waitFor();

  const report = page.getByTestId('billing-report-row').filter({ hasText: 'Initech' });
  await report.waitFor();
  const cells = await report.locator('td').allInnerTexts();
  for (const cell of cells.slice(0, 3)) assert.match(cell, /\$[\d,]+\.\d\d/);
  assert.notEqual(cells[0].trim(), '$0.00', 'the group has AWS cost');
  assert.match(await page.getByTestId('kpi-margin').innerText(), /of the pro-forma charge/);
  await page.getByTestId('chart-margin').locator('canvas').first().waitFor();
  assert.match(await page.getByTestId('billing-group-row').innerText(), /Initech[\s\S]*2 accounts\s+Standard\s+Initech Customer/);

  // Edit: the form holds the group as it is; a bad name is refused next to the field.
  await page.getByRole('button', { name: 'Edit Initech' }).click();
  const edit = page.getByRole('form', { name: 'Edit billing group Initech' });
  for (const account of costAccounts.slice(0, 2)) assert.equal(await edit.getByRole('checkbox', { name: new RegExp(account) }).isChecked(), true);
  await edit.getByLabel('Customer', { exact: true }).locator('option:checked', { hasText: 'Initech Customer' }).waitFor({ state: 'attached' });
  await edit.getByLabel('Name', { exact: true }).fill('Initech Corp');
  await edit.getByLabel('Description', { exact: true }).fill('Production and staging');
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.locator('.field-invalid').filter({ has: page.getByLabel('Name', { exact: true }) }).locator('.field-error').waitFor();
  await shot('billing-group-edit');
  await edit.getByLabel('Name', { exact: true }).fill('Initech');
  await edit.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Billing group Initech saved.').waitFor();
  await page.getByTestId('billing-group-row').filter({ hasText: 'Production and staging' }).waitFor();
  assert.match(await page.getByTestId('billing-group-row').innerText(), /Initech\s+Production and staging[\s\S]*2 accounts\s+Standard\s+Initech Customer/);
  await page.waitForTimeout(800); // chart animation
  await shot('billing');

  // The partner's Customer view of the group's customer (#22 item 7): what Initech Customer sees
  // in their own home, plus the month's AWS cost, charge and margin; then back to Billing.
  await page.getByTestId('billing-group-row').getByRole('link', { name: 'Open the customer view of Initech Customer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Customer view: Initech Customer' }).waitFor();
  await page.getByTestId('customer-payers').getByRole('link', { name: PAYER_NAME }).waitFor();
  await page.getByTestId('customer-margin').getByRole('heading', { level: 2, name: /^Cost and margin, \d{4}-\d{2}$/ }).waitFor();
  await page.getByTestId('customer-margin-row').first().waitFor();
  assert.match(await page.getByTestId('customer-margin-row').first().innerText(), /^[A-Z]{3}\s+-?\$[\d,]+\.\d\d\s+-?\$[\d,]+\.\d\d\s+-?\$[\d,]+\.\d\d\s+(-?[\d.]+%|—)$/);
  await page.getByTestId('kpi-month-to-date').waitFor();
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: `Billing of ${PAYER_NAME}` }).waitFor();

  await report.getByRole('link', { name: 'Initech' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cost report: Initech' }).waitFor();
  await page.getByTestId('report-line').first().waitFor();
  await page.getByTestId('chart-report').locator('canvas').first().waitFor();
  // By service (the default): AWS's names, each with its code.
  assert.ok((await page.getByTestId('report-line').locator('.service-code').count()) > 0, 'service lines show their code');
  assert.match(await page.getByTestId('report-line').locator('.service-label .service-name').first().innerText(), /^(Amazon|AWS|Elastic|Savings|Datadog) /);
  // While another grouping loads, the page shows its loading state, not the previous lines.
  let release;
  const held = new Promise((resolveHeld) => (release = resolveHeld));
  await page.route('**/graphql', async (route) => {
    if (route.request().postDataJSON()?.operationName === 'BillingGroupCostReport') await held;
    await route.continue();
  });
  await page.getByLabel('By', { exact: true }).selectOption('ACCOUNT');
  await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
  assert.equal(await page.getByTestId('report-line').count(), 0, 'no lines of the previous grouping while loading');
  release();
  await page.getByTestId('report-line').filter({ hasText: costAccounts[0] }).waitFor();
  await page.unroute('**/graphql');
  assert.equal(await page.getByTestId('report-line').count(), 2);
  await page.waitForTimeout(800);
  await shot('billing-report');
  // By period, the chart and the table cover the same months: every month of the range.
  await page.getByLabel('By', { exact: true }).selectOption('PERIOD');
  await page.getByLabel('From', { exact: true }).fill(monthAt(-2));
  await page.getByTestId('report-line').nth(2).waitFor();
  assert.deepEqual(await page.getByTestId('report-line').locator('th').allInnerTexts(), [monthAt(-2), monthAt(-1), monthAt(0)]);
  await page.getByTestId('chart-report').locator('canvas').first().waitFor();

  await page.goto(url(`/payers/${payerId}/pricing`));
  await page.getByRole('button', { name: 'New custom line item' }).click();
  const item = page.getByRole('form', { name: 'New custom line item' });
  await item.getByLabel('Name', { exact: true }).fill('Support-fee');
  await item.getByLabel('Amount', { exact: true }).fill('250');
  await item.getByRole('button', { name: 'Create line item' }).click();
  await page.getByText('Custom line item Support-fee created.').waitFor();
  // Money shows one way everywhere: the currency's symbol, two decimals.
  assert.match(await page.getByTestId('item-row').innerText(), /Support-fee\s+Initech\s+Fee\s+\$250\.00/);

  // A percentage credit of that fee; then the fee changes (its kind stays).
  await page.getByRole('button', { name: 'New custom line item' }).click();
  const credit = page.getByRole('form', { name: 'New custom line item' });
  await credit.getByLabel('Name', { exact: true }).fill('Loyalty');
  await credit.getByLabel('Charge type', { exact: true }).selectOption('CREDIT');
  await credit.getByLabel('Kind of amount', { exact: true }).selectOption('percentage');
  await credit.getByLabel('Amount', { exact: true }).fill('10001');
  await credit.getByRole('button', { name: 'Create line item' }).click();
  await credit.getByText('Amount must be at most 10000').waitFor();
  await credit.getByLabel('Amount', { exact: true }).fill('5');
  await credit.getByRole('checkbox', { name: 'Support-fee' }).check();
  await credit.getByRole('button', { name: 'Create line item' }).click();
  await page.getByText('Custom line item Loyalty created.').waitFor();
  await page.getByTestId('item-row').filter({ hasText: 'Loyalty' }).waitFor();
  assert.match(await page.getByTestId('item-row').filter({ hasText: 'Loyalty' }).innerText(), /Loyalty\s+Initech\s+Credit\s+5\.00%/);

  await page.getByRole('button', { name: 'Edit Support-fee' }).click();
  const fee = page.getByRole('form', { name: 'Edit custom line item Support-fee' });
  assert.equal(await fee.getByLabel('Kind of amount', { exact: true }).isDisabled(), true);
  await fee.getByLabel('Amount', { exact: true }).fill('1,000');
  await fee.getByRole('button', { name: 'Save' }).click();
  await fee.getByText('Amount must be a number such as 12.5').waitFor();
  await fee.getByLabel('Amount', { exact: true }).fill('300');
  await fee.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Custom line item Support-fee saved.').waitFor();
  await page.getByTestId('item-row').filter({ hasText: '$300.00' }).waitFor();
  assert.match(await page.getByTestId('item-row').filter({ hasText: 'Support-fee' }).innerText(), /Fee\s+\$300\.00/);
  await shot('pricing');
});

test('onboarding: a customer with its steps; a contract from the form (mailed) completes the contract step', async () => {
  await nav().getByRole('link', { name: 'Onboarding' }).click();
  await page.getByRole('heading', { level: 1, name: 'Onboarding' }).waitFor();
  await page.getByLabel('Partner', { exact: true }).selectOption({ label: '\u00a0\u00a0\u00a0\u00a0Globex Reseller (Reseller)' });
  const row = page.getByTestId('onboarding-row').filter({ hasText: 'Initech Customer' });
  await row.getByText('No contract').waitFor();
  // Health of the cost data below the reseller, worst first, each with a word beside its colour.
  const health = page.getByTestId('health-row');
  await health.first().waitFor();
  assert.match(await health.first().innerText(), /^(✕|!|–|✓) (Failing|Behind|No data|Current)\s/);

  await row.getByRole('button', { name: 'Open the onboarding of Initech Customer' }).click();
  await page.getByRole('heading', { level: 2, name: 'Onboarding of Initech Customer' }).waitFor();
  const steps = page.getByTestId('onboarding-step');
  await steps.first().waitFor();
  const names = await steps.locator('.step-head strong').allInnerTexts();
  assert.deepEqual(names, ['Add the customer', 'Contract', 'Invite an administrator', 'Connect a payer', 'Validate the cost export', 'Complete']);
  assert.match(await steps.nth(0).innerText(), /Done/);
  const contractStep = await steps.nth(1).innerText();
  assert.doesNotMatch(contractStep, /✓ Done/);
  assert.match(contractStep, /Next: /);

  await page.getByRole('button', { name: 'New contract' }).click();
  const form = page.getByRole('form', { name: 'New contract' });
  await form.getByLabel('Name', { exact: true }).fill('Initech 2026');
  await form.getByLabel('Renewal', { exact: true }).selectOption('FIXED_TERM');
  await form.getByRole('button', { name: 'Create contract' }).click();
  await form.getByText('End date is required for a fixed term').waitFor();
  await form.getByLabel('Renewal', { exact: true }).selectOption('AUTO');
  await form.getByRole('checkbox', { name: new RegExp(PAYER_NAME) }).check();
  await form.getByLabel('Billing email', { exact: true }).fill('ap@initech.example');
  await form.getByLabel('Contract change email', { exact: true }).fill('legal@initech.example');
  await form.getByLabel('Invoice prefix', { exact: true }).fill('in voice');
  await form.getByRole('button', { name: 'Create contract' }).click();
  // The API's VALIDATION names the field.
  await form.getByText('Invoice prefix must be 1 to 10 characters of A-Z, 0-9 and -').waitFor();
  assert.equal(await form.getByLabel('Invoice prefix', { exact: true }).getAttribute('aria-invalid'), 'true');
  await form.getByLabel('Invoice prefix', { exact: true }).fill('init-');
  await form.getByRole('button', { name: 'Create contract' }).click();
  await page.getByText('Contract Initech 2026 created.').waitFor();
  await page.getByTestId('contract-row').filter({ hasText: 'Initech 2026' }).getByText('Active').waitFor();
  assert.match(await page.getByTestId('contract-row').innerText(), /INIT- · USD/);
  await stack.mail.waitForMail('legal@initech.example', 1);

  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByText('Checked again: connections and cost exports.').waitFor();
  await steps.nth(1).locator('.badge', { hasText: 'Done' }).waitFor();
  await row.getByText('Initech 2026').waitFor(); // the customer list follows the change
  // The covered payer, with its export validation (none yet against moto).
  await page.getByTestId('payer-exports').filter({ hasText: PAYER_NAME }).waitFor();
  await shot('onboarding');
});

/** YYYY-MM-DD (UTC) of the first day of the month before this one. */
function firstOfLastMonth() {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
}

test('onboarding: validates the cost exports on the VALIDATE_EXPORT step (moto has no Data Exports: the failure shows)', async () => {
  const step = page.getByTestId('onboarding-step').filter({ hasText: 'Validate the cost export' });
  const exports = step.getByTestId('payer-exports').filter({ hasText: PAYER_NAME });
  await exports.waitFor();
  await exports.getByRole('button', { name: `Validate cost exports of ${PAYER_NAME}` }).click();
  await exports.getByText('Exports validated.').waitFor();
  // moto answers no Data Exports or CUR API: the validation is stored as failed, with AWS's reason
  // and no export to use (so no "Use this export" button).
  await exports.locator('.badge', { hasText: 'Failing' }).waitFor();
  await exports.getByText('No cost exports found in this payer.').waitFor();
  assert.match(await exports.innerText(), /Checked .+ · \S/);
  assert.equal(await exports.getByRole('button', { name: /^Use the export/ }).count(), 0);
});

test('onboarding: edits a contract (a field error from the API first) and ends it after confirming', async () => {
  const contract = page.getByTestId('contract-row').filter({ hasText: 'Initech 2026' });
  await contract.getByRole('button', { name: 'Edit contract Initech 2026' }).click();
  const form = page.getByRole('form', { name: 'Edit contract Initech 2026' });
  // The form holds the contract as it is.
  assert.equal(await form.getByLabel('Name', { exact: true }).inputValue(), 'Initech 2026');
  assert.equal(await form.getByLabel('Invoice prefix', { exact: true }).inputValue(), 'INIT-');
  assert.equal(await form.getByRole('checkbox', { name: new RegExp(PAYER_NAME) }).isChecked(), true);
  await form.getByLabel('Invoice prefix', { exact: true }).fill('INITECH-2026');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('Invoice prefix must be 1 to 10 characters of A-Z, 0-9 and -').waitFor();
  assert.equal(await form.getByLabel('Invoice prefix', { exact: true }).getAttribute('aria-invalid'), 'true');
  await shot('contract-edit');
  await form.getByLabel('Name', { exact: true }).fill('Initech 2026-27');
  await form.getByLabel('Start date', { exact: true }).fill(firstOfLastMonth());
  await form.getByLabel('Invoice prefix', { exact: true }).fill('in26');
  await form.getByLabel('Billing email', { exact: true }).fill('billing@initech.example');
  // Invoice terms: a tax rate the browser refuses first, then 10 % added, 14 days.
  assert.equal(await form.getByLabel('Tax rate (%)', { exact: true }).inputValue(), '0');
  assert.equal(await form.getByLabel('Payment terms (days)', { exact: true }).inputValue(), '30');
  await form.getByLabel('Tax rate (%)', { exact: true }).fill('101');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('a percentage from 0 to 100, at most 4 decimals').waitFor();
  await form.getByLabel('Tax rate (%)', { exact: true }).fill('10');
  await form.getByLabel('Payment terms (days)', { exact: true }).fill('14');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Contract Initech 2026-27 saved.').waitFor();
  const edited = page.getByTestId('contract-row').filter({ hasText: 'Initech 2026-27' });
  await edited.getByText('Active').waitFor();
  assert.match(await edited.innerText(), /IN26 · USD/);
  assert.match(await edited.innerText(), /Bills to billing@initech\.example/);
  assert.match(await edited.innerText(), /Tax 10% \(added\) · due in 14 days · English/);
  await stack.mail.waitForMail('legal@initech.example', 2); // every change is mailed

  // Ending asks first; Cancel keeps it.
  await edited.getByRole('button', { name: 'End contract Initech 2026-27' }).click();
  let dialog = page.getByRole('dialog', { name: 'End contract Initech 2026-27?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  await edited.getByText('Active').waitFor();
  await edited.getByRole('button', { name: 'End contract Initech 2026-27' }).click();
  dialog = page.getByRole('dialog', { name: 'End contract Initech 2026-27?' });
  const lastDay = dialog.getByLabel('Last day', { exact: true });
  assert.ok((await lastDay.inputValue()) < new Date().toISOString().slice(0, 10), 'ending now: the last day is yesterday');
  await shot('contract-end');
  await dialog.getByRole('button', { name: 'End contract' }).click();
  await page.getByText(/^Contract Initech 2026-27 ended on /).waitFor();
  await edited.getByText('Ended').waitFor();
  await edited.getByRole('button', { name: 'End contract Initech 2026-27' }).waitFor({ state: 'detached' }); // nothing left to end
  await page.getByTestId('onboarding-row').filter({ hasText: 'Initech Customer' }).getByText('Ended').waitFor();
  await stack.mail.waitForMail('legal@initech.example', 3);
});

test('jobs: lists the sync and the account creation with their outcome', async () => {
  await nav().getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  await page.getByTestId('job-row').first().waitFor();
  // Payer names come with the payers list, which may arrive after the jobs.
  await page.getByTestId('job-row').filter({ hasText: PAYER_NAME }).first().waitFor();
  const rows = await page.getByTestId('job-row').allInnerTexts();
  assert.ok(rows.length >= 2, `jobs: ${rows.length}`);
  // Payer jobs name their payer (scheduled platform jobs such as billing.abc_sync have none and
  // may show up whenever the clock passes a quarter hour).
  assert.ok(rows.filter((r) => /\baccounts\.(sync|create)\b/.test(r)).every((r) => r.includes(PAYER_NAME)), 'jobs name their payer');
  // A job's kind in words, its code beside it.
  await page.getByTestId('job-row').filter({ hasText: 'accounts.create' }).getByRole('link', { name: 'Create an account' }).waitFor();
  assert.ok(rows.filter((r) => /Succeeded/.test(r)).length >= 2, rows.join('\n'));
  // Platform staff see which worker ran each job: host:pid:suffix (#23.4).
  const worker = await page.getByTestId('job-row').filter({ hasText: 'accounts.create' }).first().getByTestId('job-worker').innerText();
  assert.match(worker, /^.+:\d+:[0-9a-f]{6}$/, worker);
  await page.getByLabel('Status', { exact: true }).selectOption('FAILED');
  await page.getByText('No jobs.').waitFor();
  await page.getByLabel('Status', { exact: true }).selectOption('');
  await page.getByTestId('job-row').first().waitFor();
  await shot('jobs');
});

test('payers: edits the payer and its cost export location, starts an ingestion job', async () => {
  await nav().getByRole('link', { name: 'Payers' }).click();
  await page.getByRole('button', { name: `Edit ${PAYER_NAME}` }).click();
  const form = page.getByRole('form', { name: `Edit payer ${PAYER_NAME}` });
  await form.getByLabel('Role ARN', { exact: true }).fill('arn:aws:iam::000000000000:role/Other');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText("Role ARN must be a role in the payer's own account").waitFor();
  await form.getByLabel('Role ARN', { exact: true }).fill(`arn:aws:iam::${PAYER_ACCOUNT}:role/PartnerBillingAccess`);
  await form.getByLabel('Cost export bucket', { exact: true }).fill('globex-cur-exports');
  await form.getByLabel('Cost export prefix', { exact: true }).fill('cur2/');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Payer “${PAYER_NAME}” saved.`).waitFor();
  const row = page.getByTestId('payer-row').filter({ hasText: PAYER_NAME });
  await row.getByText('Cost exports: s3://globex-cur-exports/cur2/').waitFor();

  await page.getByRole('button', { name: `Ingest the costs of ${PAYER_NAME}` }).click();
  await page.getByText(`Ingesting the cost exports of ${PAYER_NAME}.`).waitFor();
  await page.getByRole('link', { name: 'Follow the job' }).click();
  await page.getByRole('heading', { level: 1, name: /^Job / }).waitFor();
  await page.getByText(/^Attempt \d+ of \d+$/).waitFor();
});

test('notifications: subscribes, previews a template live, saves it, shows the delivery log', async () => {
  await nav().getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  await page.getByText('No subscriptions.').waitFor();
  await page.getByRole('button', { name: 'New subscription' }).click();
  const form = page.getByRole('form', { name: 'Subscribe to events' });
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await form.locator('.field-error').first().waitFor(); // no event type chosen
  await form.getByRole('checkbox', { name: 'account.created' }).check();
  await form.getByRole('checkbox', { name: 'account.closed' }).check();
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByText('Subscription created.').waitFor();
  const sub = page.getByTestId('subscription-row');
  assert.match(await sub.innerText(), /account\.created[\s\S]*account\.closed[\s\S]*Me \(admin@example\.com\)/);

  await page.getByRole('tab', { name: 'Templates' }).click();
  await page.getByRole('button', { name: /account\.created · English/ }).click();
  const editor = page.getByRole('form', { name: /^Template account\.created \(English\)/ });
  const subject = editor.getByLabel('Subject', { exact: true });
  await subject.fill('New AWS account for you');
  await page.getByTestId('preview-subject').filter({ hasText: 'New AWS account for you' }).waitFor();
  // The HTML body renders in its sandboxed frame, with the sample data filled in.
  await page.frameLocator('iframe[title="HTML preview"]').getByText('Partner Billing').waitFor();
  assert.match(await page.getByTestId('preview-text').innerText(), /was created in the organization of payer/);
  await shot('notification-template');
  await editor.getByRole('button', { name: 'Save template' }).click();
  await page.getByText('Template saved.').waitFor();
  await page.getByRole('button', { name: /account\.created · English/ }).locator('xpath=..').getByText('Customized').waitFor();

  await page.getByRole('tab', { name: 'Delivery log' }).click();
  await page.getByLabel('Status', { exact: true }).selectOption('dead');
  await page.getByText('Nothing sent yet.').or(page.getByTestId('delivery-row').first()).waitFor();
});

test('webhooks: adds an endpoint, shows its secret once, disables and deletes it after confirming', async () => {
  await nav().getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
  await page.getByText('No webhook endpoints.').waitFor();
  await page.getByRole('button', { name: 'New endpoint' }).click();
  const form = page.getByRole('form', { name: 'Add a webhook endpoint' });
  await form.getByLabel('URL', { exact: true }).fill('https://hooks.example.com/partner-billing');
  await form.getByLabel('Description', { exact: true }).fill('ERP integration');
  await form.getByRole('button', { name: 'Add endpoint' }).click();
  const box = page.getByRole('region', { name: 'Endpoint https://hooks.example.com/partner-billing added' });
  const secret = await box.getByLabel('Signing secret', { exact: true }).inputValue();
  assert.ok(secret.length >= 16, 'a signing secret');
  const row = page.getByTestId('webhook-row').filter({ hasText: 'hooks.example.com' });
  await row.getByText('Enabled', { exact: true }).waitFor();
  await shot('webhooks');
  await box.getByRole('button', { name: 'I have stored it' }).click();
  await box.waitFor({ state: 'detached' });
  assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');

  await row.getByRole('button', { name: 'Disable', exact: true }).click();
  await row.getByText('Disabled', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Delete https://hooks.example.com/partner-billing' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete https://hooks.example.com/partner-billing?' });
  await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
  await page.getByText('No webhook endpoints.').waitFor();
});

test('audit log: lists the actions, filters by name and shows the record', async () => {
  await nav().getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  await page.getByTestId('audit-row').first().waitFor();
  const expected = ['registerPayer', 'checkPayerConnection', 'createLinkedAccount', 'attachPolicy', 'moveLinkedAccount', 'closeLinkedAccount', 'createPolicy', 'deletePolicy', 'updatePayer', 'setPayerCostExport', 'ingestCosts', 'createPricingRule', 'createPricingPlan', 'createBillingGroup', 'createCustomLineItem'];
  // The log pages 100 events at a time, newest first, and the platform's scheduled work adds
  // events as the suite runs: page on until every action is listed (a few pages at most).
  let names = await page.getByTestId('audit-row').locator('th code').allInnerTexts();
  for (let more = 0; more < 5 && !expected.every((a) => names.includes(a)); more += 1) {
    const shown = names.length;
    const loadMore = page.getByRole('button', { name: 'Load more', exact: true });
    if (!(await loadMore.isVisible())) break;
    await loadMore.click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="audit-row"]').length > n, shown);
    names = await page.getByTestId('audit-row').locator('th code').allInnerTexts();
  }
  for (const action of expected) {
    assert.ok(names.includes(action), `${action} in the audit log`);
  }
  await shot('audit');
  await page.getByLabel('Event name', { exact: true }).fill('registerPayer');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[data-testid=audit-row] th code')].map((c) => c.textContent);
    return cells.length > 0 && cells.every((c) => c === 'registerPayer');
  });
  const rows = page.getByTestId('audit-row');
  // The failed attempt (bad account id) and the successful one.
  assert.equal(await rows.count(), 2);
  await rows.filter({ hasText: 'OK' }).getByRole('button', { name: 'Details of registerPayer' }).click();
  const json = await page.getByTestId('audit-json').innerText();
  assert.ok(json.includes(PAYER_ACCOUNT), 'the record names the payer account');
  assert.ok(json.includes('"eventName": "registerPayer"'));
});

test("payers: switches a payer's billing mode after confirming and sees its Billing Conductor sync; the import shows AWS's refusal", async () => {
  await nav().getByRole('link', { name: 'Payers' }).click();
  const row = page.getByTestId('payer-row').filter({ hasText: PAYER_NAME });
  await row.getByTestId('billing-mode-cell').filter({ hasText: 'Native' }).waitFor();
  await page.getByRole('button', { name: `Billing mode of ${PAYER_NAME}` }).click();
  const panel = page.getByRole('region', { name: `Billing mode of ${PAYER_NAME}` });
  await panel.getByTestId('billing-mode').filter({ hasText: 'Native' }).waitFor();
  await panel.getByText('Nothing is pushed to AWS Billing Conductor in native mode.').waitFor();

  // Cancel first: nothing changes.
  await panel.getByRole('button', { name: 'Switch to AWS Billing Conductor' }).click();
  let dialog = page.getByRole('dialog', { name: `Switch ${PAYER_NAME} to AWS Billing Conductor?` });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await panel.getByTestId('billing-mode').innerText(), 'Native');

  await panel.getByRole('button', { name: 'Switch to AWS Billing Conductor' }).click();
  dialog = page.getByRole('dialog', { name: `Switch ${PAYER_NAME} to AWS Billing Conductor?` });
  await dialog.getByRole('button', { name: 'Switch billing mode' }).click();
  await panel.getByText(`The billing mode of ${PAYER_NAME} is now AWS Billing Conductor.`).waitFor();
  await panel.getByTestId('billing-mode').filter({ hasText: 'AWS Billing Conductor' }).waitFor();
  await row.getByTestId('billing-mode-cell').filter({ hasText: 'AWS Billing Conductor' }).waitFor();
  // Every billing object (the plan, its rules, the group, the custom line items) is marked for the
  // sync job; moto has no Billing Conductor API, so they stay pending (or fail, with AWS's reason).
  const counts = await panel.getByTestId('sync-counts').innerText();
  assert.match(counts, /\d+ (pending|failed)/);
  await shot('payer-billing-mode');

  // Importing an existing setup asks first; against moto AWS refuses, and the dialog says why.
  await panel.getByRole('button', { name: 'Import existing Billing Conductor setup' }).click();
  dialog = page.getByRole('dialog', { name: `Import the Billing Conductor setup of ${PAYER_NAME}?` });
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const refusal = dialog.getByRole('alert');
  await refusal.waitFor();
  const refused = (await refusal.innerText()).trim();
  assert.ok(refused.length > 0, 'the import failure is shown');
  console.log(`import against moto: ${refused}`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await panel.getByTestId('import-outcome').count(), 0);

  // And back to native.
  await panel.getByRole('button', { name: 'Switch to native billing' }).click();
  dialog = page.getByRole('dialog', { name: `Switch ${PAYER_NAME} to Native?` });
  await dialog.getByRole('button', { name: 'Switch billing mode' }).click();
  await panel.getByTestId('billing-mode').filter({ hasText: 'Native' }).waitFor();
  await row.getByTestId('billing-mode-cell').filter({ hasText: 'Native' }).waitFor();
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
  assert.deepEqual(links, ['概览', '付款账户', '客户接入', '任务', '通知', 'Webhook', '审计日志', '租户', '用户', 'API 令牌', '账户']);
  await page.getByRole('heading', { level: 1, name: '租户' }).waitFor();
  await page.getByText('4 个租户').waitFor();
  await expectTitle(page, '租户 · 合作伙伴计费');
  await assertTopbarFits(page);
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

  await nav().getByRole('link', { name: '概览' }).click();
  await page.getByRole('heading', { level: 1, name: '概览' }).waitFor();
  await page.getByRole('heading', { name: '近 12 个月趋势' }).waitFor();
  await page.getByTestId('chart-trend').locator('canvas').first().waitFor();
  await page.getByTestId('kpi-forecast').getByRole('heading', { name: '月末预测' }).waitFor();
  // The cost data's health in Chinese too (the API says it in English).
  const health = await page.getByTestId('health-badge').first().innerText();
  assert.match(health, /成本数据|导入/);
  assert.doesNotMatch(health, /cost data|ingest/i);
  await page.waitForTimeout(800); // chart animation
  await shot('overview-zh');

  // Job kinds in words.
  await nav().getByRole('link', { name: '任务' }).click();
  await page.getByTestId('job-row').filter({ hasText: 'accounts.create' }).getByRole('link', { name: '创建账号' }).waitFor();

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
    await nav(p).getByRole('link', { name: 'Tenants' }).click();
    await p.getByText('2 tenants', { exact: true }).waitFor(); // Globex and its customer
    await p.getByTestId('tenant-row').filter({ hasText: 'Initech Customer' }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'New tenant' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Add a child tenant/ }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Edit / }).count(), 0);
    await p.locator('.topbar').getByText('Viewer', { exact: true }).waitFor();
    await shot('viewer-tenants', p);

    await nav(p).getByRole('link', { name: 'Users' }).click();
    await p.getByTestId('user-row').first().waitFor();
    assert.equal(await p.getByRole('button', { name: 'Add user' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Disable/ }).count(), 0);

    await nav(p).getByRole('link', { name: 'API tokens' }).click();
    await p.getByText('No API tokens yet.').waitFor();
    assert.equal(await p.getByRole('button', { name: 'Create token' }).count(), 0);

    // Operations pages: the viewer reads, and sees no write buttons and no admin pages.
    const links = await nav(p).getByRole('link').allTextContents();
    assert.deepEqual(links, ['Overview', 'Payers', 'Jobs', 'Notifications', 'Tenants', 'Users', 'API tokens', 'Account']);
    await nav(p).getByRole('link', { name: 'Payers' }).click();
    const row = p.getByTestId('payer-row').filter({ hasText: PAYER_NAME });
    await row.getByText('Connected', { exact: true }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'Register payer' }).count(), 0);
    for (const action of ['Check the connection of', 'Sync the accounts of', 'Edit', 'Remove']) {
      assert.equal(await p.getByRole('button', { name: `${action} ${PAYER_NAME}` }).count(), 0, action);
    }
    // The billing mode reads, without a switch or an import.
    await p.getByRole('button', { name: `Billing mode of ${PAYER_NAME}` }).click();
    const billingMode = p.getByRole('region', { name: `Billing mode of ${PAYER_NAME}` });
    await billingMode.getByTestId('billing-mode').filter({ hasText: 'Native' }).waitFor();
    for (const name of [/^Switch to/, 'Import existing Billing Conductor setup']) {
      assert.equal(await billingMode.getByRole('button', { name }).count(), 0, String(name));
    }
    await p.getByRole('link', { name: `Accounts of ${PAYER_NAME}` }).click();
    await p.getByText('4 accounts', { exact: true }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'Create account' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Invite account' }).count(), 0);
    await p.getByTestId('account-row').filter({ hasText: 'Production' }).getByRole('link').click();
    await p.getByRole('switch', { name: 'Attach NoLeaving' }).waitFor();
    assert.equal(await p.getByRole('switch', { name: 'Attach NoLeaving' }).isDisabled(), true);
    assert.equal(await p.getByRole('button', { name: 'Move account' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Close account' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'New SCP from template' }).count(), 0);
    await shot('viewer-account', p);

    await p.goto(url(`/payers/${payerId}/billing`));
    await p.getByTestId('billing-group-row').filter({ hasText: 'Initech' }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'New billing group' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Recompute' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Delete Initech' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Edit Initech' }).count(), 0);
    await p.getByRole('link', { name: 'Pricing', exact: true }).click();
    await p.getByTestId('item-row').filter({ hasText: 'Support-fee' }).waitFor();
    for (const name of ['New pricing rule', 'New pricing plan', 'New custom line item', 'Edit Markup10', 'Edit Standard', 'Edit Support-fee', 'Delete Support-fee']) {
      assert.equal(await p.getByRole('button', { name }).count(), 0, name);
    }

    await nav(p).getByRole('link', { name: 'Overview' }).click();
    await p.getByTestId('chart-trend').locator('canvas').first().waitFor();
  } finally {
    await ctx.close();
  }
});

test('an end customer sees only their own pages', async () => {
  const login = await stack.graphql('mutation($e:String!,$p:String!){ login(email:$e,password:$p){ accessToken } }', { e: ADMIN, p: NEW_ADMIN_PASSWORD });
  const token = login.data.login.accessToken;
  const tenants = await stack.graphql('{ tenants(first: 100) { nodes { id name } } }', {}, token);
  const initech = tenants.data.tenants.nodes.find((t) => t.name === 'Initech Customer');
  const created = await stack.graphql(
    'mutation($input: CreateUserInput!){ createUser(input: $input) { id } }',
    { input: { email: CUSTOMER, password: CUSTOMER_PASSWORD, role: 'ADMIN', tenantId: initech.id } },
    token,
  );
  assert.ok(created.data?.createUser?.id, JSON.stringify(created.errors));

  const { ctx, p } = await newPage('en-US');
  try {
    await p.goto(url('/signin'));
    await p.getByLabel('Email', { exact: true }).fill(CUSTOMER);
    await p.getByLabel('Password', { exact: true }).fill(CUSTOMER_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    // They land on their home: their own charges, in their price. The home asks `myPayerIds`
    // for the payers their billing groups are on: the payer comes from the Initech billing group
    // (the billing test), not from Initech's contract, which the onboarding test has ended.
    await p.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    assert.match(p.url(), /\/home$/);
    await expectTitle(p, 'Home · Partner Billing');
    assert.deepEqual(await nav(p).getByRole('link').allTextContents(), ['Home', 'My charges', 'My invoices', 'Account']);
    assert.match(await p.getByTestId('kpi-month-to-date').locator('.kpi-value').innerText(), /^-?\$[\d,]+\.\d\d$/);
    await p.getByTestId('same-days-note').waitFor();
    await p.getByTestId('chart-trend').locator('canvas').first().waitFor();
    const services = p.getByTestId('home-by-service');
    await services.getByTestId('home-service-row').first().waitFor();
    // Services by AWS's name with the code beside it; the custom line item by its own name.
    assert.ok((await services.getByTestId('home-service-row').locator('.service-code').count()) > 0);
    await services.getByTestId('home-service-row').filter({ hasText: 'Support-fee' }).waitFor();
    await p.getByTestId('home-by-account').getByTestId('home-account-row').first().waitFor();
    await p.getByTestId('home-by-category').getByTestId('home-category-row').first().waitFor();
    await p.getByTestId('home-movers').waitFor();
    await p.getByTestId('home-invoices').getByRole('link', { name: 'All invoices' }).waitFor();
    const homeText = await p.locator('main').innerText();
    for (const hidden of ['AWS cost', 'Margin', 'margin']) assert.ok(!homeText.includes(hidden), `an end customer never sees ${hidden} on the home`);
    await shot('customer-home', p);
    // Every table downloads as CSV: UTF-8 with a BOM, the header, the fee by its name.
    const serviceCsvButton = services.getByRole('button', { name: /^Download CSV of By service, \d{4}-\d{2}$/ });
    const [download] = await Promise.all([p.waitForEvent('download'), serviceCsvButton.click()]);
    assert.match(download.suggestedFilename(), /^charges-by-service-\d{4}-\d{2}\.csv$/);
    const csvFile = join(stack.dir, `download-${Date.now()}-${download.suggestedFilename()}`);
    await download.saveAs(csvFile);
    const csvBytes = readFileSync(csvFile);
    assert.deepEqual([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte order mark');
    const csvLines = csvBytes.subarray(3).toString('utf8').split('\r\n');
    assert.equal(csvLines[0], 'Service,Service code,Charge,Currency');
    assert.ok(csvLines.some((l) => /^Support-fee,Support-fee,-?\d+(\.\d+)?,USD$/.test(l)), csvLines.join('\n'));
    for (const name of ['By category', 'By account', 'Last 12 months']) {
      assert.equal(await p.getByRole('button', { name: new RegExp(`^Download CSV of ${name}`) }).count(), 1, name);
    }
    // The month shown downloads as a FOCUS 1.2 file (focusExport without ids: their own charges).
    const focusCsvButton = p.getByTestId('focus-download').getByRole('button', { name: /^Download FOCUS CSV of your charges, \d{4}-\d{2}$/ });
    const [focusDownload] = await Promise.all([p.waitForEvent('download'), focusCsvButton.click()]);
    const focusFile = join(stack.dir, `download-${Date.now()}-${focusDownload.suggestedFilename()}`);
    await focusDownload.saveAs(focusFile);
    const focusFirstLine = readFileSync(focusFile, 'utf8').split(/\r?\n/)[0];
    assert.ok(focusFirstLine.includes('BilledCost'), focusFirstLine);
    assert.ok(focusFirstLine.includes('BillingPeriodStart'), focusFirstLine);

    // My charges is still there, one click away.
    await nav(p).getByRole('link', { name: 'My charges' }).click();
    await p.getByRole('heading', { level: 1, name: 'My charges' }).waitFor();
    const charges = p.getByTestId('charges').filter({ hasText: 'Initech' });
    await charges.getByTestId('charge-line').first().waitFor();
    assert.match(await charges.getByTestId('charges-total').innerText(), /^\$[\d,]+\.\d\d$/);
    await charges.getByTestId('charge-line').filter({ hasText: 'Support-fee' }).waitFor();
    // Services by AWS's name with the code beside it; the custom line item by its own name.
    assert.ok((await charges.getByTestId('charge-line').locator('.service-code').count()) > 0);
    assert.equal(await charges.getByTestId('charge-line').filter({ hasText: 'Support-fee' }).locator('.service-code').count(), 0);
    const text = await p.locator('main').innerText();
    for (const hidden of ['AWS cost', 'Margin', 'margin']) assert.ok(!text.includes(hidden), `an end customer never sees ${hidden}`);
    await shot('my-charges', p);
    // Partner pages are not reachable by address either: they lead to the home.
    for (const path of ['/payers', '/overview', '/audit', '/tenants', `/payers/${payerId}/billing`]) {
      await p.goto(url(path));
      await p.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
      assert.match(p.url(), /\/home$/, path);
    }
    await nav(p).getByRole('link', { name: 'Account' }).click();
    await p.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
  } finally {
    await ctx.close();
  }
});

test('connect wizard: the customer admin connects their own AWS account; the connection is noticed without a button, then the exports are validated', async () => {
  // As the partner: Initech needs an ACTIVE contract to connect an account (the onboarding test
  // ended its contract). A new one from today, covering no payer, so last month's invoicing is
  // unchanged; its change mail goes to an address no other test counts.
  const login = await stack.graphql('mutation($e:String!,$p:String!){ login(email:$e,password:$p){ accessToken } }', { e: ADMIN, p: NEW_ADMIN_PASSWORD });
  const token = login.data.login.accessToken;
  const tenants = await stack.graphql('{ tenants(first: 100) { nodes { id name } } }', {}, token);
  const initech = tenants.data.tenants.nodes.find((t) => t.name === 'Initech Customer');
  const contracts = await stack.graphql('query($t: ID!){ contracts(tenantId: $t) { nodes { status } } }', { t: initech.id }, token);
  if (!contracts.data.contracts.nodes.some((c) => c.status === 'ACTIVE')) {
    const created = await stack.graphql(
      'mutation($input: CreateContractInput!){ createContract(input: $input) { status } }',
      {
        input: {
          customerTenantId: initech.id,
          name: 'Initech self-service',
          startDate: new Date().toISOString().slice(0, 10),
          renewal: 'AUTO',
          payerIds: [],
          billingEmail: 'ap@initech.example',
          contractChangeEmail: 'self-service@initech.example',
          invoicePrefix: 'SELF',
          currency: 'USD',
        },
      },
      token,
    );
    assert.equal(created.data?.createContract?.status, 'ACTIVE', JSON.stringify(created.errors));
  }
  // A fresh organization in moto for the customer's own management account.
  const account = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
  stack.mockOrganization(account);

  const { ctx, p } = await newPage('en-US');
  {
    await p.goto(url('/signin'));
    await p.getByLabel('Email', { exact: true }).fill(CUSTOMER);
    await p.getByLabel('Password', { exact: true }).fill(CUSTOMER_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    // The customer's admin finds the wizard on their home.
    await p.getByTestId('connect-entry').getByRole('link', { name: 'Connect your AWS account' }).click();
    await p.getByRole('heading', { level: 1, name: 'Connect your AWS account' }).waitFor();
    assert.match(p.url(), /\/connect$/);
    await expectTitle(p, 'Connect your AWS account · Partner Billing');
    const currentStep = p.locator('[aria-current="step"]');
    assert.match(await currentStep.innerText(), /Account id/);

    await p.getByLabel('Management account id', { exact: true }).fill(account);
    await p.getByLabel('Name (optional)', { exact: true }).fill('Initech organization');
    await p.getByRole('button', { name: 'Continue' }).click();

    // The stack: quick-create link with the ExternalId, the ExternalId to copy, the permissions.
    const deploy = p.getByRole('region', { name: `Create the access role in account ${account}` });
    await deploy.waitFor();
    assert.match(await currentStep.innerText(), /Create the role/);
    const externalId = (await deploy.getByTestId('external-id').inputValue()).trim();
    assert.ok(externalId.length >= 16, `an ExternalId: ${externalId}`);
    await deploy.getByRole('button', { name: 'Copy ExternalId' }).waitFor();
    const href = await deploy.getByRole('link', { name: 'Open the CloudFormation quick-create page' }).getAttribute('href');
    assert.match(href, /^https:\/\/console\.aws\.amazon\.com\/cloudformation\//);
    assert.ok(decodeURIComponent(href).includes(externalId), 'the link carries the ExternalId');
    assert.equal(await deploy.getByRole('link', { name: 'Open the CloudFormation quick-create page' }).getAttribute('target'), '_blank');
    assert.deepEqual(await deploy.getByTestId('permission').allInnerTexts(), [
      'cloudformation:CreateStack',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackEvents',
      'cloudformation:GetTemplateSummary',
      'iam:CreateRole',
      'iam:GetRole',
      'iam:PutRolePolicy',
      'iam:GetRolePolicy',
      'iam:TagRole',
      'iam:DeleteRole',
      'iam:DeleteRolePolicy',
    ]);
    assert.match(await deploy.getByTestId('deploy-permissions').innerText(), /CAPABILITY_NAMED_IAM/);
    await deploy.getByTestId('connection-wait').waitFor();
    await shot('connect-deploy', p);

    // No button is clicked: the server's job checks the connection (moto lets the role be
    // assumed) and the page, asking about the payer every few seconds, moves on by itself.
    await p.getByTestId('connected-notice').filter({ hasText: `Connection succeeded: account ${account} is connected.` }).waitFor({ timeout: 90_000 });
    assert.match(await currentStep.innerText(), /Cost export/);

    // The exports are discovered and validated on arrival. moto has no Data Exports or CUR API:
    // the validation is stored as failed, with AWS's reason and no export to pick.
    const validation = p.getByTestId('connect-validation');
    await validation.waitFor({ timeout: 30_000 });
    await p.getByRole('heading', { level: 2, name: /^Cost exports in your account/ }).locator('.badge', { hasText: 'Failing' }).waitFor();
    await validation.getByText('No cost exports found in this payer.').waitFor();
    assert.match(await validation.innerText(), /Checked .+ · \S/);
    assert.equal(await p.getByRole('radio').count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Continue' }).isDisabled(), true);
    await shot('connect-exports', p);

    // Opening it again continues at the exports: nothing is registered twice.
    await p.reload();
    await p.getByTestId('connect-validation').waitFor({ timeout: 30_000 });
    assert.match(await p.locator('[aria-current="step"]').innerText(), /Cost export/);
  }
  await ctx.close();

  // The partner's onboarding view reads the same progress: connected, the export step blocked
  // with the validation's reason; one payer on Initech's own tenant.
  const onboarding = await stack.graphql('query($id: ID!){ onboarding(customerTenantId: $id) { steps { step status blockingReason } } }', { id: initech.id }, token);
  const steps = Object.fromEntries(onboarding.data.onboarding.steps.map((s) => [s.step, s]));
  assert.equal(steps.CONNECT_ACCOUNT.status, 'DONE', JSON.stringify(steps));
  assert.equal(steps.VALIDATE_EXPORT.status, 'BLOCKED', JSON.stringify(steps));
  assert.ok(steps.VALIDATE_EXPORT.blockingReason, 'the reason the export is not usable');
  const own = await stack.graphql('query($t: ID!){ payers(tenantId: $t) { nodes { accountId status } } }', { t: initech.id }, token);
  assert.deepEqual(own.data.payers.nodes, [{ accountId: account, status: 'CONNECTED' }]);
});

test('invoicing: an admin closes last month, drafts and issues the invoice and downloads its PDF; the end customer downloads it from My invoices', async () => {
  assert.ok(payerId, 'the payer from the payers test');
  const lastMonth = monthAt(-1);
  /** A download's bytes, and the text pdftotext reads from them. */
  const readDownload = async (p, buttonName) => {
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: buttonName }).click()]);
    const file = join(stack.dir, `download-${Date.now()}-${download.suggestedFilename()}`);
    await download.saveAs(file);
    const bytes = readFileSync(file);
    return { name: download.suggestedFilename(), bytes, text: () => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }) };
  };

  const { ctx, p } = await newPage('en-US');
  let number;
  {
    await signIn(p, ADMIN, NEW_ADMIN_PASSWORD);
    // The issuing tenant's address and tax id, printed on its invoices.
    await nav(p).getByRole('link', { name: 'Tenants' }).click();
    await p.getByRole('button', { name: 'Edit Globex Reseller' }).click();
    const tenant = p.getByRole('form', { name: 'Edit Globex Reseller' });
    await tenant.getByLabel('Billing address', { exact: true }).fill('Globex Reseller GmbH\nHauptstrasse 1\n10115 Berlin');
    await tenant.getByLabel('Tax id', { exact: true }).fill('DE123456789');
    await tenant.getByRole('button', { name: 'Save' }).click();
    await p.getByText('Tenant “Globex Reseller” saved.').waitFor();

    // The Initech group's accounts joined this month; a second group of Initech's, made on last
    // month's billing page, bills last month (its accounts join from there).
    const login = await stack.graphql('mutation($e:String!,$p:String!){ login(email:$e,password:$p){ accessToken } }', { e: ADMIN, p: NEW_ADMIN_PASSWORD });
    const [y, m] = lastMonth.split('-').map(Number);
    const costs = await stack.graphql(
      'query($input: CostSummaryInput!){ costSummary(input: $input) { groups { amount key { accountId } } } }',
      { input: { payerIds: [payerId], from: `${lastMonth}-01`, to: `${lastMonth}-${new Date(Date.UTC(y, m, 0)).getUTCDate()}`, granularity: 'MONTH', groupBy: ['ACCOUNT'] } },
      login.data.login.accessToken,
    );
    const novemberAccounts = costs.data.costSummary.groups.map((g) => g.key.accountId).filter((a) => !costAccounts.slice(0, 2).includes(a));
    assert.ok(novemberAccounts.length >= 2, JSON.stringify(costs));
    await p.goto(url(`/payers/${payerId}/billing?month=${lastMonth}`));
    await p.getByRole('heading', { level: 1, name: `Billing of ${PAYER_NAME}` }).waitFor();
    await p.getByRole('button', { name: 'New billing group' }).click();
    const group = p.getByRole('form', { name: 'Create a billing group' });
    await group.getByLabel('Name', { exact: true }).fill('Initech-Labs');
    for (const account of novemberAccounts.slice(0, 2)) await group.getByRole('checkbox', { name: new RegExp(account) }).check();
    await group.getByLabel('Primary account', { exact: true }).selectOption({ index: 0 });
    await group.getByLabel('Pricing plan', { exact: true }).selectOption({ label: 'Standard' });
    await group.getByLabel('Customer', { exact: true }).selectOption({ label: 'Initech Customer' });
    await group.getByRole('button', { name: 'Create billing group' }).click();
    await p.getByText('Billing group Initech-Labs created.').waitFor();

    // Periods of the payer: last month is open and has ended, so an admin may close it.
    await p.getByRole('link', { name: 'Periods', exact: true }).click();
    await p.getByRole('heading', { level: 1, name: `Billing periods of ${PAYER_NAME}` }).waitFor();
    const card = p.getByTestId('period-card').filter({ has: p.getByRole('heading', { level: 2, name: new RegExp(`^${lastMonth}`) }) });
    await card.getByTestId('period-status').filter({ hasText: 'Open' }).waitFor();
    assert.equal(await p.getByRole('button', { name: `Close ${monthAt(0)}` }).count(), 0, 'the running month cannot be closed');
    await card.getByRole('button', { name: `Close ${lastMonth}` }).click();
    let dialog = p.getByRole('dialog', { name: `Close ${lastMonth}?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await card.getByTestId('period-status').filter({ hasText: 'Open' }).waitFor();
    await card.getByRole('button', { name: `Close ${lastMonth}` }).click();
    dialog = p.getByRole('dialog', { name: `Close ${lastMonth}?` });
    await dialog.getByRole('button', { name: 'Close period' }).click();
    await p.getByText(`${lastMonth} closed.`).waitFor();
    await card.getByTestId('period-status').filter({ hasText: 'Closed' }).waitFor();
    assert.match(await card.getByTestId('period-closed').innerText(), new RegExp(`Closed by ${ADMIN.replace('.', '\\.')} on `));
    assert.match(await card.getByTestId('snapshot-hash').innerText(), /^[0-9a-f]{64}$/);
    const frozen = card.getByTestId('snapshot-row').filter({ hasText: 'Initech-Labs' });
    assert.match(await frozen.innerText(), /Initech-Labs\s+\$[\d,]+\.\d\d\s+\$[\d,]+\.\d\d\s+-?\$[\d,]+\.\d\d/);
    // Nothing is issued yet: it could be reopened.
    await card.getByRole('button', { name: `Reopen ${lastMonth}` }).waitFor();

    // Drafting: Initech's contract covers the payer last month, so it gets one draft.
    await card.getByRole('button', { name: `Draft the invoices of ${lastMonth}` }).click();
    await card.getByTestId('draft-outcome').getByText('Drafted: 1.').waitFor();
    await shot('periods', p);
    await card.getByRole('link', { name: `Invoices of ${lastMonth}` }).click();
    await p.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    assert.match(p.url(), new RegExp(`payer=${payerId}&period=${lastMonth}`));
    const row = p.getByTestId('invoice-row').filter({ hasText: 'Initech Customer' });
    await row.getByTestId('invoice-status').filter({ hasText: 'Draft' }).waitFor();
    assert.equal(await p.getByTestId('invoice-row').count(), 1);
    await row.getByRole('link', { name: 'Open Draft of Initech Customer' }).click();

    // The draft: parties, lines with 10 % tax, totals, its PDF in the page.
    await p.getByTestId('invoice-line').first().waitFor();
    assert.match(await p.getByTestId('issuer').innerText(), /Globex Reseller[\s\S]*Hauptstrasse 1[\s\S]*DE123456789/);
    assert.match(await p.getByTestId('customer').innerText(), /Initech Customer/);
    assert.match(await p.getByTestId('invoice-total').innerText(), /^\$[\d,]+\.\d\d$/);
    assert.match(await p.getByTestId('invoice-facts').innerText(), /Tax\s+10% \(added\)/);
    await p.getByTestId('invoice-pdf').waitFor();
    assert.match(await p.getByTestId('invoice-pdf').getAttribute('src'), /^blob:/);
    const total = await p.getByTestId('invoice-total').innerText();
    assert.notEqual(total, '$0.00');

    // Issue (admins), after confirming: numbered with the contract's prefix.
    await p.getByRole('button', { name: 'Issue Draft' }).click();
    await p.getByRole('dialog', { name: 'Issue this draft?' }).getByRole('button', { name: 'Issue' }).click();
    const issued = p.getByText(/^IN26-\d{4}-\d{6} issued\.$/);
    await issued.waitFor();
    number = (await issued.innerText()).replace(' issued.', '');
    await p.getByRole('heading', { level: 1, name: new RegExp(`^Invoice ${number}`) }).getByTestId('invoice-status').filter({ hasText: 'Issued' }).waitFor();
    assert.equal(await p.getByTestId('invoice-total').innerText(), total, 'issuing changes no amount');
    assert.equal(await p.getByRole('button', { name: /^Delete draft/ }).count(), 0, 'an issued invoice has no delete');
    await p.getByRole('button', { name: `Mark ${number} paid` }).waitFor();
    await p.getByRole('button', { name: `Void ${number}` }).waitFor();
    await p.getByTestId('invoice-pdf').waitFor();
    await shot('invoice-detail', p);

    const pdf = await readDownload(p, `Download PDF of ${number}`);
    assert.equal(pdf.name, `${number}.pdf`);
    assert.equal(pdf.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    const text = pdf.text();
    assert.ok(text.includes(number), `the PDF says ${number}:\n${text}`);
    assert.ok(text.includes('DE123456789'), 'the issuer\'s tax id is printed');
    const csv = await readDownload(p, `Download CSV of ${number}`);
    assert.match(csv.name, /\.csv$/);
    assert.ok(csv.bytes.length > 3);

    // Issued: the period no longer reopens.
    await p.goto(url(`/payers/${payerId}/periods`));
    await card.getByTestId('period-status').filter({ hasText: 'Closed' }).waitFor();
    await card.getByRole('link', { name: `Invoices of ${lastMonth}` }).waitFor();
    assert.equal(await card.getByRole('button', { name: `Reopen ${lastMonth}` }).count(), 0);
  }
  // (Closed only on success: a failing step leaves the page open for the failure screenshot.)
  await ctx.close();

  // The end customer finds it in My invoices and downloads the same PDF.
  const customer = await newPage('en-US');
  {
    const c = customer.p;
    await c.goto(url('/signin'));
    await c.getByLabel('Email', { exact: true }).fill(CUSTOMER);
    await c.getByLabel('Password', { exact: true }).fill(CUSTOMER_PASSWORD);
    await c.getByRole('button', { name: 'Sign in' }).click();
    await c.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    // The home lists it among the recent invoices, issued.
    await c.getByTestId('home-invoice-row').filter({ hasText: number }).getByTestId('invoice-status').filter({ hasText: 'Issued' }).waitFor();
    await nav(c).getByRole('link', { name: 'My invoices' }).click();
    await c.getByRole('heading', { level: 1, name: 'My invoices' }).waitFor();
    const mine = c.getByTestId('my-invoice-row').filter({ hasText: number });
    await mine.getByTestId('invoice-status').filter({ hasText: 'Issued' }).waitFor();
    assert.equal(await c.getByTestId('my-invoice-row').count(), 1, 'no drafts, nobody else\'s');
    assert.equal(await c.getByRole('button', { name: /^(Issue|Mark|Void|Delete)/ }).count(), 0);
    await shot('my-invoices', c);
    const pdf = await readDownload(c, `Download PDF of ${number}`);
    assert.equal(pdf.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    assert.ok(pdf.text().includes(number));
    // Partner pages stay closed to them.
    await c.goto(url('/invoices'));
    await c.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  }
  await customer.ctx.close();
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

const INVITEE = 'invited@example.com';
const INVITEE_PASSWORD = 'invited person passphrase 3141';

/** The set-password link in an invitation mail. */
function invitationLink(mail) {
  const match = /(https?:\/\/\S+\/set-password\?token=pbs_[A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  assert.ok(match, `a set-password link in: ${mail.text}`);
  return match[1];
}

test('invitations: an admin invites by email, the person sets a password from the mailed link and is signed in; the link works once', async () => {
  const admin = await newPage('en-US');
  try {
    const p = admin.p;
    await signIn(p, ADMIN, NEW_ADMIN_PASSWORD);
    await nav(p).getByRole('link', { name: 'Users' }).click();
    await p.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await p.getByRole('button', { name: 'Add user' }).click();
    const form = p.getByRole('form', { name: 'Add a user' });
    // Inviting is the default: no password field until "Set a password now" is chosen.
    assert.equal(await form.getByRole('radio', { name: 'Invite by email' }).isChecked(), true);
    assert.equal(await form.getByLabel('Initial password', { exact: true }).count(), 0);
    await form.getByLabel('Email', { exact: true }).fill(INVITEE);
    await form.getByLabel('Display name', { exact: true }).fill('Ivy Invited');
    await form.getByLabel('Role', { exact: true }).selectOption('VIEWER');
    await form.getByLabel('Tenant', { exact: true }).selectOption({ label: '\u00a0\u00a0\u00a0\u00a0Globex Reseller (Reseller)' });
    await shot('user-invite-form', p);
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await p.getByText(`Invitation sent to ${INVITEE}.`).waitFor();
    const row = p.getByTestId('user-row').filter({ hasText: INVITEE });
    await row.getByText('Invitation pending', { exact: true }).waitFor();
    await shot('users-invitation', p);

    const [first] = await stack.mail.waitForMail(INVITEE, 1);
    const firstLink = invitationLink(first);
    assert.ok(firstLink.startsWith(`${stack.webUrl}/set-password?token=`), firstLink);

    // Resend: a second mail with a new link.
    await p.getByRole('button', { name: `Resend the invitation to ${INVITEE}` }).click();
    await p.getByText(`A new invitation was sent to ${INVITEE}.`).waitFor();
    const mails = await stack.mail.waitForMail(INVITEE, 2);
    const link = invitationLink(mails[mails.length - 1]);
    assert.notEqual(link, firstLink);

    const invitee = await newPage('en-US');
    try {
      const q = invitee.p;
      // Without a token the page says the link is not valid.
      await q.goto(url('/set-password'));
      await q.getByRole('alert').filter({ hasText: 'This link is invalid, has already been used or has expired.' }).waitFor();

      await q.goto(link);
      await q.getByRole('heading', { level: 1, name: 'Set your password' }).waitFor();
      await q.getByRole('button', { name: '中文' }).click();
      await q.getByRole('heading', { level: 1, name: '设置密码' }).waitFor();
      await q.getByLabel('确认密码', { exact: true }).waitFor();
      await q.getByRole('button', { name: 'English' }).click();
      await shot('set-password', q);

      // The two fields differ: caught before anything is sent.
      await q.getByLabel('New password', { exact: true }).fill(INVITEE_PASSWORD);
      await q.getByLabel('Confirm password', { exact: true }).fill('something else entirely 1');
      await q.getByRole('button', { name: 'Set password' }).click();
      await q.getByText('Confirm password does not match the new password').waitFor();
      // A weak password: the API's VALIDATION on "password", next to the field.
      await q.getByLabel('New password', { exact: true }).fill('short');
      await q.getByLabel('Confirm password', { exact: true }).fill('short');
      await q.getByRole('button', { name: 'Set password' }).click();
      await q.locator('.field-error').filter({ hasText: /^New password is too weak: / }).waitFor();
      assert.equal(await q.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true');

      await q.getByLabel('New password', { exact: true }).fill(INVITEE_PASSWORD);
      await q.getByLabel('Confirm password', { exact: true }).fill(INVITEE_PASSWORD);
      await q.getByRole('button', { name: 'Set password' }).click();
      // Signed in, on the start page (the overview for a partner's user), as the invited person.
      await q.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      assert.match(q.url(), /\/overview$/);
      await q.getByText(INVITEE).first().waitFor();
      assert.ok(await q.evaluate(() => sessionStorage.getItem('pb.refreshToken')), 'a session like after signing in');

      // The link works once (and the older one died with it).
      for (const used of [link, firstLink]) {
        await q.goto(used);
        await q.getByLabel('New password', { exact: true }).fill('yet another passphrase 2718');
        await q.getByLabel('Confirm password', { exact: true }).fill('yet another passphrase 2718');
        await q.getByRole('button', { name: 'Set password' }).click();
        await q.getByRole('alert').filter({ hasText: 'This link is invalid, has already been used or has expired.' }).waitFor();
      }
    } finally {
      await invitee.ctx.close();
    }

    // The new password signs in; the admin no longer sees the invitation pending.
    const again = await newPage('en-US');
    try {
      await signIn(again.p, INVITEE, INVITEE_PASSWORD);
    } finally {
      await again.ctx.close();
    }
    await p.reload();
    await row.waitFor();
    assert.equal(await row.getByText('Invitation pending', { exact: true }).count(), 0);
    assert.equal(await p.getByRole('button', { name: `Resend the invitation to ${INVITEE}` }).count(), 0);
  } finally {
    await admin.ctx.close();
  }
});

test('GraphiQL: renders and runs a query with nothing from another host, under the CSP', async () => {
  const { ctx, p } = await newPage('en-US');
  const foreign = [];
  const violations = [];
  try {
    // A closed network: anything not from this server fails.
    const origin = new URL(stack.webUrl).origin;
    await ctx.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:')) return route.continue();
      foreign.push(u);
      return route.abort();
    });
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const res = await p.goto(url('/graphql'));
    assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await p.getByRole('button', { name: /Execute query/i }).waitFor();
    await p.locator('.graphiql-editor .monaco-editor').first().waitFor();
    await p.getByRole('button', { name: /Execute query/i }).click();
    // Not signed in: the API's own answer shows in the result pane.
    await p.locator('.result-window').getByText(/UNAUTHENTICATED/).waitFor();
    assert.deepEqual(foreign, [], 'nothing loaded from another host');
    assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
  } finally {
    await ctx.close();
  }
});
