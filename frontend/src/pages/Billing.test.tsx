// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, until, type Answer, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { BillingPage } from './Billing';

// Price stacking on a payer's Billing page (docs/channel.md): a reseller payer's margin, and a
// distributor's admins giving a reseller customer of a billing group its own payer.

type Who = 'admin' | 'operator' | 'viewer';

/** The signed-in user: a role on the distributor's tenant (the payers hang on it and below). */
const me = (who: Who) => ({
  data: {
    demoOutboxEnabled: false,
    me: {
      id: 'u1',
      invitationPending: false,
      email: 'ops@distributor.example',
      displayName: '',
      locale: 'en',
      disabled: false,
      createdAt: '2026-01-01T00:00:00Z',
      memberships: [
        { id: 'm1', role: who.toUpperCase(), userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' }, payer: null },
      ],
    },
  },
});

const tenant = (id: string, name: string, kind: string, parent: string | null) => ({
  id,
  name,
  kind,
  billingAddress: null,
  taxId: null,
  createdAt: '2026-01-01T00:00:00Z',
  parent: parent ? { id: parent } : null,
});
const tenants = {
  data: {
    tenants: {
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [
        tenant('t-root', 'Platform', 'PLATFORM', null),
        tenant('t-dist', 'Dist-Co', 'DISTRIBUTOR', 't-root'),
        tenant('t-resell', 'Resell-Co', 'RESELLER', 't-dist'),
        tenant('t-acme', 'Acme', 'CUSTOMER', 't-dist'),
      ],
    },
  },
};

const payerFields = {
  roleArn: 'arn:aws:iam::111111111111:role/PartnerBillingAccess',
  externalId: 'pb-x',
  statusReason: null,
  lastCheckedAt: null,
  costExportBucket: null,
  costExportPrefix: null,
  cloudFormationQuickCreateUrl: null,
  createdAt: '2026-01-01T00:00:00Z',
};
const PAYERS: Record<string, unknown> = {
  'p-dist': { ...payerFields, id: 'p-dist', accountId: '111111111111', name: 'Dist payer', status: 'CONNECTED', upstreamBillingGroupId: null, tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' } },
  'p-res': { ...payerFields, id: 'p-res', accountId: '111111111111', name: 'Resell-Co on Dist payer', status: 'RESELLER', upstreamBillingGroupId: 'g-resell', tenant: { id: 't-resell', name: 'Resell-Co', kind: 'RESELLER' } },
};

const group = (id: string, name: string, customerTenantId: string | null) => ({
  id,
  payerId: 'p-dist',
  name,
  description: '',
  primaryAccountId: '222222222222',
  accountIds: ['222222222222'],
  pricingPlanId: 'plan-1',
  customerTenantId,
  abcSyncStatus: null,
  abcSyncError: null,
  createdAt: '2026-01-01T00:00:00Z',
});
/** A reseller's group, an end customer's, one with no customer, and one whose customer this user cannot list. */
const GROUPS = [group('g-resell', 'Resell group', 't-resell'), group('g-acme', 'Acme group', 't-acme'), group('g-none', 'Internal', null), group('g-hidden', 'Hidden group', 't-elsewhere')];

const overview = {
  data: {
    billingGroups: GROUPS,
    pricingPlans: [{ id: 'plan-1', name: 'List + 10%', description: '', pricingRuleIds: [], base: 'LIST', passthroughTax: true, createdAt: '2026-01-01T00:00:00Z' }],
    billingGroupCostReports: [],
  },
};

/** The worked example of docs/channel.md: the reseller's month in November 2026. */
const MARGIN = {
  billingPeriod: '2026-11',
  currency: 'USD',
  cost: '516.90',
  charge: '597.525',
  margin: '80.625',
  unbilledCost: '25.00',
  groups: [
    { billingGroupId: 'rg-cust', name: 'Cust-Co', customerTenantId: 't-cust', cost: '443.50', charge: '549.125', margin: '105.625' },
    { billingGroupId: 'rg-two', name: 'Two-Co', customerTenantId: 't-two', cost: '48.40', charge: '48.40', margin: '0' },
  ],
};

const failure = (message: string, code: string, field?: string): Answer => ({ errors: [{ message, extensions: field ? { code, field } : { code } }] });

function api(who: Who, extra: Partial<Record<string, Handler>> = {}): Handler {
  return (op) => {
    const own = extra[op.operationName];
    if (own) return own(op);
    switch (op.operationName) {
      case 'Me':
        return me(who);
      case 'Tenants':
        return tenants;
      case 'Payer':
        return { data: { payer: PAYERS[op.variables.id as string] ?? null } };
      case 'CostSummary':
        return { data: { costSummary: { currency: 'USD', total: '0', series: [], groups: [] } } };
      case 'LinkedAccounts':
        return { data: { linkedAccounts: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } } };
      case 'BillingOverview':
        return op.variables.payerId === 'p-dist' ? overview : { data: { billingGroups: [], pricingPlans: [], billingGroupCostReports: [] } };
      case 'ResellerMargin':
        return { data: { resellerMargin: MARGIN } };
      default:
        throw new Error(`unexpected operation ${op.operationName}`);
    }
  };
}

// Downloads are caught instead of saved.
const saved = vi.hoisted(() => [] as { blob: Blob; fileName: string }[]);
vi.mock('../components/DocumentDownloads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../components/DocumentDownloads')>()),
  saveBlob: (blob: Blob, fileName: string) => saved.push({ blob, fileName }),
}));

let view: Rendered | null = null;
beforeEach(() => {
  saved.length = 0;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00Z'));
});
afterEach(() => {
  view?.unmount();
  view = null;
  vi.useRealTimers();
});

async function renderPage(handler: { current: Handler }, payerId: string) {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry: `/payers/${payerId}/billing?month=2026-11`, path: '/payers/:payerId/billing', element: <BillingPage /> });
  return { view, calls: fake.calls };
}

const text = (v: Rendered, selector: string) => clean(v.container.querySelector(selector)?.textContent);
const ops = (calls: Operation[], name: string) => calls.filter((c) => c.operationName === name);
/** The action buttons of each billing group row (not its customer's FOCUS download), by their accessible names. */
const groupButtons = (v: Rendered) =>
  [...v.container.querySelectorAll('[data-testid="billing-group-row"]')].map((r) =>
    [...r.querySelectorAll('button')].filter((b) => !b.closest('[data-testid="focus-download"]')).map((b) => b.getAttribute('aria-label') ?? clean(b.textContent)),
  );
const groupsListed = (v: Rendered) => () => v.container.querySelectorAll('[data-testid="billing-group-row"]').length > 0;

const dialogInput = (v: Rendered) => v.container.querySelector<HTMLInputElement>('dialog input[name="name"]')!;
const confirmDialog = (v: Rendered) => v.click(v.container.querySelector<HTMLButtonElement>('dialog button.primary')!);
const fieldErrors = (v: Rendered) => [...v.container.querySelectorAll('.field-error')].map((e) => clean(e.textContent));

describe('a reseller payer’s margin', () => {
  it('shows cost, charge, margin, unbilled cost and each group, in money, for the month shown', async () => {
    const { view: v, calls } = await renderPage({ current: api('viewer') }, 'p-res');
    await until(() => v.container.querySelector('[data-testid="margin-cost"] .kpi-value') !== null, v);
    expect(text(v, '[data-testid="reseller-margin"] h2')).toBe('Your margin, 2026-11');
    expect(text(v, '[data-testid="margin-cost"]')).toBe('Cost (what your distributor charges you)$516.90');
    expect(text(v, '[data-testid="margin-charge"] .kpi-value')).toBe('$597.52');
    expect(text(v, '[data-testid="margin-margin"] .kpi-value')).toBe('$80.62');
    expect(text(v, '[data-testid="margin-unbilled"] .kpi-value')).toBe('$25.00');
    const rows = [...v.container.querySelectorAll('[data-testid="reseller-margin-row"]')].map((r) => [...r.children].map((c) => clean(c.textContent)).join(' | '));
    expect(rows).toEqual(['Cust-Co | $443.50 | $549.12 | $105.62', 'Two-Co | $48.40 | $48.40 | $0.00']);
    expect(ops(calls, 'ResellerMargin').map((c) => c.variables)).toEqual([{ payerId: 'p-res', billingPeriod: '2026-11' }]);
    // Priced from its distributor: said so, and no AWS billing transfer to offer.
    expect(text(v, '.page-head')).toContain('This is a reseller’s payer.');
    expect([...v.container.querySelectorAll('a')].map((a) => clean(a.textContent))).not.toContain('Billing transfers');
  });

  it('shows an error with Retry, and Retry asks again', async () => {
    const handler = { current: api('viewer', { ResellerMargin: () => failure('database unavailable', 'INTERNAL') }) };
    const { view: v, calls } = await renderPage(handler, 'p-res');
    await until(() => v.container.querySelector('[data-testid="reseller-margin"] [role="alert"]') !== null, v);
    expect(text(v, '[data-testid="reseller-margin"] [role="alert"]')).toContain('database unavailable');
    handler.current = api('viewer');
    await v.click(v.container.querySelector<HTMLButtonElement>('[data-testid="reseller-margin"] [role="alert"] button')!);
    await until(() => v.container.querySelector('[data-testid="margin-cost"]') !== null, v);
    expect(ops(calls, 'ResellerMargin')).toHaveLength(2);
  });

  it('is not asked for on a distributor’s payer', async () => {
    const { view: v, calls } = await renderPage({ current: api('admin') }, 'p-dist');
    await until(groupsListed(v), v);
    expect(v.container.querySelector('[data-testid="reseller-margin"]')).toBeNull();
    expect(ops(calls, 'ResellerMargin')).toEqual([]);
  });
});

describe('giving a group’s customer its own payer', () => {
  it('is offered to admins on groups whose customer is a reseller (or a tenant it cannot list), never on an end customer’s', async () => {
    const { view: v } = await renderPage({ current: api('admin') }, 'p-dist');
    await until(groupsListed(v), v);
    expect(groupButtons(v)).toEqual([
      ['Edit Resell group', 'Delete Resell group', 'Give Resell-Co its own payer'],
      ['Edit Acme group', 'Delete Acme group'],
      ['Edit Internal', 'Delete Internal'],
      ['Edit Hidden group', 'Delete Hidden group', 'Give t-elsewhere its own payer'],
    ]);
  });

  it('is not offered to operators or viewers', async () => {
    for (const who of ['operator', 'viewer'] as const) {
      const { view: v } = await renderPage({ current: api(who) }, 'p-dist');
      await until(groupsListed(v), v);
      expect(groupButtons(v).flat().filter((b) => b.startsWith('Give')), who).toEqual([]);
      v.unmount();
      view = null;
    }
  });

  it('asks for the name (by default "<customer> on <payer>"), sends the group and the name, and links to the new payer', async () => {
    const created = { ...(PAYERS['p-res'] as object), id: 'p-new', name: 'Resell-Co wholesale' };
    const { view: v, calls } = await renderPage({ current: api('admin', { CreateResellerPayer: () => ({ data: { createResellerPayer: created } }) }) }, 'p-dist');
    await until(groupsListed(v), v);
    await v.click(v.button('Give Resell-Co its own payer'));
    expect(text(v, 'dialog h2')).toBe('Give Resell-Co its own payer?');
    expect(text(v, 'dialog .dialog-body')).toContain('Resell-Co gets a payer of its own over the accounts of Resell group');
    expect(dialogInput(v).value).toBe('Resell-Co on Dist payer');
    expect(ops(calls, 'CreateResellerPayer')).toEqual([]);
    await setValue(dialogInput(v), '  Resell-Co wholesale ');
    await confirmDialog(v);
    await until(() => v.container.querySelector('dialog') === null, v);
    expect(ops(calls, 'CreateResellerPayer').map((c) => c.variables)).toEqual([{ billingGroupId: 'g-resell', name: 'Resell-Co wholesale' }]);
    expect(text(v, '.notice span')).toBe('Payer Resell-Co wholesale created for Resell-Co. Open its billing');
    expect(v.container.querySelector('.notice a')?.getAttribute('href')).toBe('/payers/p-new/billing');
  });

  it('refuses an empty name without asking, and shows the API’s field error on the field and its other errors in the dialog', async () => {
    const answers = [
      failure('name: must be 1 to 200 characters', 'VALIDATION', 'name'),
      failure('billingGroupId: the group\u2019s customer is an end customer; only a reseller or distributor prices a tier below', 'VALIDATION', 'billingGroupId'),
    ];
    const { view: v, calls } = await renderPage({ current: api('admin', { CreateResellerPayer: () => answers.shift()! }) }, 'p-dist');
    await until(groupsListed(v), v);
    await v.click(v.button('Give t-elsewhere its own payer'));
    await setValue(dialogInput(v), '   ');
    await confirmDialog(v);
    expect(fieldErrors(v)).toEqual(['Name of the new payer is required']);
    expect(ops(calls, 'CreateResellerPayer')).toEqual([]);

    await setValue(dialogInput(v), 'x');
    await confirmDialog(v);
    await until(() => ops(calls, 'CreateResellerPayer').length === 1 && fieldErrors(v).length > 0, v);
    expect(fieldErrors(v)).toEqual(['Name of the new payer must be 1 to 200 characters']);
    expect(dialogInput(v).getAttribute('aria-invalid')).toBe('true');
    expect(v.container.querySelector('dialog .form-error')).toBeNull();

    await confirmDialog(v);
    await until(() => v.container.querySelector('dialog .form-error') !== null, v);
    expect(text(v, 'dialog .form-error')).toContain('the group’s customer is an end customer');
    expect(fieldErrors(v)).toEqual([]);
    expect(v.container.querySelector('dialog')).not.toBeNull();
    expect(ops(calls, 'CreateResellerPayer').map((c) => c.variables)).toEqual([
      { billingGroupId: 'g-hidden', name: 'x' },
      { billingGroupId: 'g-hidden', name: 'x' },
    ]);
  });
});

describe('a customer’s FOCUS export from the billing groups', () => {
  it('is offered on each group with a customer, to viewers too, and exports that customer’s month by customerTenantId', async () => {
    const focus = (op: Operation): Answer => ({
      data: { focusExport: { fileName: `focus-${op.variables.customerTenantId}-${op.variables.billingPeriod}.csv`, contentType: 'text/csv', contentBase64: btoa('BilledCost,BillingPeriodStart\r\n') } },
    });
    const { view: v, calls } = await renderPage({ current: api('viewer', { FocusExport: focus }) }, 'p-dist');
    await until(groupsListed(v), v);
    const offered = [...v.container.querySelectorAll('[data-testid="billing-group-row"]')].map((r) =>
      [...r.querySelectorAll('[data-testid="focus-download"] button')].map((b) => b.getAttribute('aria-label')),
    );
    expect(offered).toEqual([
      ['Download FOCUS CSV of Resell-Co, 2026-11', 'Download FOCUS Parquet of Resell-Co, 2026-11'],
      ['Download FOCUS CSV of Acme, 2026-11', 'Download FOCUS Parquet of Acme, 2026-11'],
      [],
      ['Download FOCUS CSV of t-elsewhere, 2026-11', 'Download FOCUS Parquet of t-elsewhere, 2026-11'],
    ]);
    await v.click(v.button('Download FOCUS Parquet of Acme, 2026-11'));
    await until(() => saved.length > 0, v);
    expect(ops(calls, 'FocusExport').map((c) => c.variables)).toEqual([{ customerTenantId: 't-acme', billingPeriod: '2026-11', format: 'PARQUET' }]);
    expect(saved.map((x) => x.fileName)).toEqual(['focus-t-acme-2026-11.csv']);
  });

  it('links the payer’s Savings insights, but not a reseller payer’s (it has no AWS access)', async () => {
    const { view: v } = await renderPage({ current: api('viewer') }, 'p-dist');
    await until(groupsListed(v), v);
    const insights = [...v.container.querySelectorAll('.page-head a')].filter((a) => clean(a.textContent) === 'Savings insights');
    expect(insights.map((a) => a.getAttribute('href'))).toEqual(['/payers/p-dist/insights']);
    v.unmount();
    view = null;
    const { view: w } = await renderPage({ current: api('viewer') }, 'p-res');
    await until(() => w.container.querySelector('[data-testid="margin-cost"]') !== null, w);
    expect([...w.container.querySelectorAll('a')].map((a) => clean(a.textContent))).not.toContain('Savings insights');
  });
});

describe('the Customer view from the billing groups', () => {
  it('links each group that has a customer to its Customer view (viewers too); a group without a customer has none', async () => {
    const { view: v } = await renderPage({ current: api('viewer') }, 'p-dist');
    await until(groupsListed(v), v);
    const links = [...v.container.querySelectorAll('[data-testid="billing-group-row"]')].map((r) =>
      [...r.querySelectorAll<HTMLAnchorElement>('a[data-testid="customer-view-link"]')].map((a) => [a.getAttribute('aria-label'), a.getAttribute('href')]),
    );
    expect(links).toEqual([
      [['Open the customer view of Resell-Co', '/customers/t-resell']],
      [['Open the customer view of Acme', '/customers/t-acme']],
      [],
      [['Open the customer view of t-elsewhere', '/customers/t-elsewhere']],
    ]);
  });
});
