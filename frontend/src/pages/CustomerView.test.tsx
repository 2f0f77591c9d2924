// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clean, fakeApi, renderRoute, settle, until, type Answer, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { CustomerViewPage } from './CustomerView';

// The partner's view of one customer (issue #22 item 7): the customer's home, every question
// naming the customer's tenant, and the month's cost and margin for the partner.

vi.mock('../components/Chart', () => ({
  Chart: ({ label, testId }: { label: string; testId?: string }) => <div role="img" aria-label={label} data-testid={testId} />,
}));

const saved = vi.hoisted(() => [] as { blob: Blob; fileName: string }[]);
vi.mock('../components/DocumentDownloads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../components/DocumentDownloads')>()),
  saveBlob: (blob: Blob, fileName: string) => saved.push({ blob, fileName }),
}));

/** A reseller's viewer: a partner. */
const me = {
  data: {
    demoOutboxEnabled: false,
    me: {
      id: 'u1',
      invitationPending: false,
      email: 'ops@reseller.example',
      displayName: '',
      locale: 'en',
      disabled: false,
      createdAt: '2026-01-01T00:00:00Z',
      memberships: [{ id: 'm1', role: 'VIEWER', userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-resell', name: 'Resell-Co', kind: 'RESELLER' }, payer: null }],
    },
  },
};

const key = (k: Partial<Record<'accountId' | 'service' | 'serviceName' | 'serviceCategory', string | null>>) => ({
  accountId: null,
  service: null,
  serviceName: null,
  region: null,
  usageType: null,
  chargeType: null,
  serviceCategory: null,
  ...k,
});

const summary = (total: string, extra: { series?: unknown[]; groups?: unknown[]; currency?: string } = {}) => ({
  data: { costSummary: { currency: extra.currency ?? 'USD', total, series: extra.series ?? [], groups: extra.groups ?? [] } },
});

const failure = (message: string, code: string): Answer => ({ errors: [{ message, extensions: { code } }] });

const invoice = {
  id: 'inv1',
  kind: 'INVOICE',
  status: 'ISSUED',
  number: 'ACME-2026-000001',
  issuerTenantId: 't-resell',
  customerTenantId: 't-acme',
  payerId: 'p-1',
  billingPeriod: '2026-11',
  invoiceId: null,
  currency: 'USD',
  subtotal: '139.79',
  tax: '0',
  total: '139.79',
  issueDate: '2026-12-02',
  dueDate: '2027-01-01',
  paymentDate: null,
  customer: { name: 'Acme' },
  partnerView: true,
  createdAt: '2026-12-01T00:00:00Z',
};

const insights = {
  data: {
    optimizationInsights: {
      payerId: 'p-x',
      enrollment: { status: 'ACTIVE', memberAccountsIncluded: true, checkedAt: '2026-12-06T02:00:00Z', truncated: false, lastError: null },
      recommendationCount: 0,
      totals: [],
      recommendations: [],
      byCustomer: [],
    },
  },
};

const group = (id: string, name: string, customerTenantId: string | null) => ({ id, name, customerTenantId });

interface CostInput {
  payerIds: string[];
  from: string;
  to: string;
  groupBy: string[];
  metric: string;
  customerTenantId?: string;
}

const YEAR = '2025-12-01..2026-12-31';
const DECEMBER = '2026-12-01..2026-12-31';

/**
 * The month's totals of each payer, per metric: Acme's AWS cost (UNBLENDED) and its charge
 * (PRO_FORMA). p-1: 113.5 cost, 141.2245 charged; p-2: 8 cost, 10 charged.
 */
type Totals = Record<string, Record<'UNBLENDED' | 'PRO_FORMA', [currency: string, total: string]>>;
const TOTALS: Totals = {
  'p-1': { UNBLENDED: ['USD', '113.5'], PRO_FORMA: ['USD', '141.2245'] },
  'p-2': { UNBLENDED: ['USD', '8'], PRO_FORMA: ['USD', '10'] },
};

/**
 * A partner seeing three payers: Acme (t-acme) has billing groups on p-1 and p-2; p-3 has only
 * another customer's. Every cost, savings and invoices question must name t-acme.
 */
function api(totals: Totals = TOTALS, extra: Partial<Record<string, Handler>> = {}): Handler {
  return (op) => {
    const own = extra[op.operationName];
    if (own) return own(op);
    switch (op.operationName) {
      case 'Me':
        return me;
      case 'CustomerViewTenant':
        return { data: { tenant: { id: op.variables.id, name: 'Acme', kind: 'CUSTOMER', dashboardUrl: null } } };
      case 'CustomerViewPayers':
        return {
          data: {
            payers: {
              pageInfo: { hasNextPage: false },
              nodes: [
                { id: 'p-1', name: 'Main payer' },
                { id: 'p-2', name: 'EU payer' },
                { id: 'p-3', name: 'Other payer' },
              ],
            },
          },
        };
      case 'CustomerViewBillingGroups':
        return {
          data: {
            billingGroups: {
              'p-1': [group('g1', 'acme-main', 't-acme'), group('g2', 'globex', 't-globex'), group('g5', 'internal', null)],
              'p-2': [group('g3', 'acme-eu', 't-acme')],
              'p-3': [group('g4', 'globex-2', 't-globex')],
            }[op.variables.payerId as string],
          },
        };
      case 'Invoices':
        return { data: { invoices: [invoice] } };
      case 'CostAllocationKeys':
        return { data: { costAllocationKeys: [] } };
      case 'OptimizationInsights':
        if (op.variables.customerTenantId !== 't-acme') throw new Error('savings asked without the customer');
        return insights;
      case 'FocusExport':
        return { data: { focusExport: { fileName: `focus-${op.variables.billingPeriod}.csv`, contentType: 'text/csv; charset=utf-8', contentBase64: btoa('BilledCost\r\n') } } };
      case 'MonthOverMonth':
        if ((op.variables.input as CostInput).customerTenantId !== 't-acme') throw new Error('monthOverMonth asked without the customer');
        return {
          data: {
            monthOverMonth: {
              month: '2026-12',
              changes: [{ key: key({ service: 'AmazonEC2', serviceName: 'Amazon Elastic Compute Cloud' }), current: '145.805', previous: '121', delta: '24.805', deltaPercent: '20.5', isNew: false, isGone: false }],
            },
          },
        };
      case 'CostSummary': {
        const input = op.variables.input as CostInput;
        if (input.customerTenantId !== 't-acme') throw new Error('costSummary asked without the customer');
        const range = `${input.from}..${input.to}`;
        const by = input.groupBy.join(',');
        const payers = input.payerIds.join(',');
        if (range === YEAR && by === '' && input.metric === 'PRO_FORMA') {
          if (payers === 'p-1')
            return summary('281.0145', {
              series: [
                { period: '2026-11', amount: '139.79', key: key({}) },
                { period: '2026-12', amount: '141.2245', key: key({}) },
              ],
            });
          if (payers === 'p-2') return summary('10', { series: [{ period: '2026-12', amount: '10', key: key({}) }] });
        }
        if (range === DECEMBER && by === '' && input.payerIds.length === 1) {
          const [currency, total] = totals[payers][input.metric as 'UNBLENDED' | 'PRO_FORMA'];
          return summary(total, { currency });
        }
        if (input.metric !== 'PRO_FORMA') throw new Error(`the customer's views ask PRO_FORMA, not ${input.metric}`);
        if (range === '2026-12-01..2026-12-06') return summary('50');
        if (range === '2026-11-01..2026-11-06') return summary('40');
        if (range === DECEMBER && by === 'SERVICE') return summary('151.2245', { groups: [{ amount: '151.2245', key: key({ service: 'AmazonEC2', serviceName: 'Amazon Elastic Compute Cloud' }) }] });
        if (range === DECEMBER && by === 'SERVICE_CATEGORY') return summary('151.2245', { groups: [{ amount: '151.2245', key: key({ serviceCategory: 'Compute' }) }] });
        if (range === DECEMBER && by === 'ACCOUNT') return summary('151.2245', { groups: [{ amount: '151.2245', key: key({ accountId: '011111111111' }) }] });
        throw new Error(`unexpected costSummary ${range} by ${by} of ${payers}`);
      }
      default:
        throw new Error(`unexpected operation ${op.operationName}`);
    }
  };
}

let view: Rendered | null = null;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00Z'));
  saved.length = 0;
});
afterEach(() => {
  view?.unmount();
  view = null;
  vi.useRealTimers();
});

async function renderView(handler: Handler, tenantId = 't-acme') {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry: `/customers/${tenantId}`, path: '/customers/:tenantId', element: <CustomerViewPage /> });
  return { view, calls: fake.calls };
}

const rows = (v: Rendered, testId: string) =>
  [...v.container.querySelectorAll(`[data-testid="${testId}"]`)].map((r) => [...r.children].map((c) => clean(c.textContent)).join(' | '));
const ops = (calls: Operation[], name: string) => calls.filter((c) => c.operationName === name);
const marginReady = (v: Rendered) => () => rows(v, 'customer-margin-row').length > 0 || v.container.querySelector('[data-testid="customer-margin"] .state-empty') !== null;
const everythingShown = (v: Rendered) => () =>
  marginReady(v)() && rows(v, 'home-mover-row').length > 0 && rows(v, 'home-invoice-row').length > 0 && rows(v, 'home-account-row').length > 0 && v.container.querySelector('[data-testid="home-savings"] .state-empty') !== null;

describe('the partner’s Customer view', () => {
  it('shows the customer’s name, payers and home, asking every cost, savings and invoices question with their customerTenantId', async () => {
    const { view: v, calls } = await renderView(api());
    await until(everythingShown(v), v);

    expect(clean(v.container.querySelector('h1')?.textContent)).toBe('Customer view: Acme');
    expect(clean(v.container.querySelector('.intro')?.textContent)).toMatch(/^What Acme sees in their own home, on the same numbers/);
    expect(document.title).toBe('Customer view: Acme · Partner Billing');
    expect(ops(calls, 'CustomerViewTenant').map((c) => c.variables)).toEqual([{ id: 't-acme' }]);

    // The payers: the first 100 the partner sees, each one's groups, and only those with Acme's.
    expect(ops(calls, 'CustomerViewPayers').map((c) => c.variables)).toEqual([{ first: 100 }]);
    expect(ops(calls, 'CustomerViewBillingGroups').map((c) => c.variables.payerId)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(
      [...v.container.querySelectorAll('[data-testid="customer-payer"]')].map((li) => clean(li.textContent)),
    ).toEqual(['Main payer: acme-main', 'EU payer: acme-eu']);
    expect([...v.container.querySelectorAll('[data-testid="customer-payer"] a')].map((a) => a.getAttribute('href'))).toEqual(['/payers/p-1/billing', '/payers/p-2/billing']);

    // The customer's home, the same numbers as theirs.
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"] .kpi-value')?.textContent).toBe('$50.00');
    expect(v.container.querySelector('[data-testid="kpi-same-days-before"] .kpi-value')?.textContent).toBe('$40.00');
    expect(v.container.querySelector('[data-testid="chart-trend"]')).not.toBeNull();
    expect(rows(v, 'home-service-row')).toEqual(['Amazon Elastic Compute Cloud AmazonEC2 | $151.22']);
    expect(rows(v, 'home-mover-row')).toEqual(['Amazon Elastic Compute Cloud AmazonEC2 | ▲ $24.80 · 20.5% | $145.80']);
    expect(rows(v, 'home-invoice-row')).toEqual(['ACME-2026-000001 | 2026-11 | → Issued | $139.79 | Dec 2, 2026']);
    // The partner opens the document itself; "All invoices" is the customer's own page, not linked here.
    expect([...v.container.querySelectorAll('[data-testid="home-invoices"] a')].map((a) => a.getAttribute('href'))).toEqual(['/invoices/inv1']);

    // Every question names Acme; p-3 (no group of Acme's) is never asked about.
    const costCalls = [...ops(calls, 'CostSummary'), ...ops(calls, 'MonthOverMonth')];
    expect(costCalls.length).toBeGreaterThanOrEqual(12);
    for (const c of costCalls) expect((c.variables.input as CostInput).customerTenantId).toBe('t-acme');
    expect(costCalls.flatMap((c) => (c.variables.input as CostInput).payerIds)).not.toContain('p-3');
    expect(ops(calls, 'OptimizationInsights').map((c) => c.variables)).toEqual([
      { payerId: 'p-1', first: 10, customerTenantId: 't-acme' },
      { payerId: 'p-2', first: 10, customerTenantId: 't-acme' },
    ]);
    expect(ops(calls, 'Invoices').map((c) => c.variables)).toEqual([{ filter: { customerTenantId: 't-acme' }, limit: 5, offset: 0 }]);
  });

  it('adds the month’s cost and margin, worked out from each payer’s UNBLENDED and PRO_FORMA totals', async () => {
    const { view: v, calls } = await renderView(api());
    await until(everythingShown(v), v);
    expect(clean(v.container.querySelector('[data-testid="customer-margin"] h2')?.textContent)).toBe('Cost and margin, 2026-12');
    // Cost 113.5 + 8 = 121.5; charge 141.2245 + 10 = 151.2245; margin 29.7245 ($29.72);
    // 29.7245 / 151.2245 = 19.656…% of the charge.
    expect(rows(v, 'customer-margin-row')).toEqual(['USD | $121.50 | $151.22 | $29.72 | 19.7%']);
    const month = ops(calls, 'CostSummary')
      .map((c) => c.variables.input as CostInput)
      .filter((i) => `${i.from}..${i.to}` === DECEMBER && i.groupBy.length === 0);
    expect(month.map((i) => `${i.payerIds.join(',')} ${i.metric}`).sort()).toEqual(['p-1 PRO_FORMA', 'p-1 UNBLENDED', 'p-2 PRO_FORMA', 'p-2 UNBLENDED']);
    // AWS cost is asked only for the card: everything else is in the customer's price.
    const aws = ops(calls, 'CostSummary').filter((c) => (c.variables.input as CostInput).metric !== 'PRO_FORMA');
    expect(aws).toHaveLength(2);
  });

  it('never sums across currencies: one row per currency', async () => {
    const totals: Totals = { ...TOTALS, 'p-2': { UNBLENDED: ['EUR', '8'], PRO_FORMA: ['EUR', '10'] } };
    const { view: v } = await renderView(api(totals));
    await until(everythingShown(v), v);
    // EUR: 10 − 8 = 2, 20.0% of 10. USD: 141.2245 − 113.5 = 27.7245, 19.63…% of 141.2245.
    expect(rows(v, 'customer-margin-row')).toEqual(['EUR | €8.00 | €10.00 | €2.00 | 20.0%', 'USD | $113.50 | $141.22 | $27.72 | 19.6%']);
  });

  it('a payer whose cost and charge come in different currencies gets no margin, and is named', async () => {
    const totals: Totals = { ...TOTALS, 'p-2': { UNBLENDED: ['USD', '8'], PRO_FORMA: ['EUR', '10'] } };
    const { view: v } = await renderView(api(totals));
    await until(everythingShown(v), v);
    expect(rows(v, 'customer-margin-row')).toEqual(['USD | $113.50 | $141.22 | $27.72 | 19.6%']);
    expect(clean(v.container.querySelector('[data-testid="customer-margin-mismatched"]')?.textContent)).toMatch(/^Left out: EU payer, where the AWS cost and the charge are in different currencies/);
  });

  it('a failing cost question shows on the card with Retry, and Retry asks again', async () => {
    let fail = true;
    const handler = api(TOTALS, {
      CostSummary: (op) => {
        const input = op.variables.input as CostInput;
        if (fail && input.metric === 'UNBLENDED') return failure('cost data unavailable', 'INTERNAL');
        return api()(op);
      },
    });
    const { view: v, calls } = await renderView(handler);
    await until(() => v.container.querySelector('[data-testid="customer-margin"] [role="alert"]') !== null && rows(v, 'home-service-row').length > 0, v);
    expect(clean(v.container.querySelector('[data-testid="customer-margin"] [role="alert"]')?.textContent)).toContain('cost data unavailable');
    expect(rows(v, 'customer-margin-row')).toEqual([]);
    fail = false;
    const before = ops(calls, 'CostSummary').length;
    const retry = [...v.container.querySelectorAll<HTMLButtonElement>('[data-testid="customer-margin"] button')].find((b) => clean(b.textContent) === 'Retry')!;
    await v.click(retry);
    await until(() => rows(v, 'customer-margin-row').length > 0, v);
    expect(ops(calls, 'CostSummary').length).toBe(before + 4);
    expect(rows(v, 'customer-margin-row')).toEqual(['USD | $121.50 | $151.22 | $29.72 | 19.7%']);
  });

  it('exports the customer’s FOCUS file by their customerTenantId', async () => {
    const { view: v, calls } = await renderView(api());
    await until(everythingShown(v), v);
    await v.click(v.button('Download FOCUS CSV of Acme, 2026-12'));
    await until(() => saved.length > 0, v);
    expect(ops(calls, 'FocusExport').map((c) => c.variables)).toEqual([{ customerTenantId: 't-acme', billingPeriod: '2026-12', format: 'CSV' }]);
    expect(saved.map((s) => s.fileName)).toEqual(['focus-2026-12.csv']);
  });

  it('says so when the customer has no billing group on the payers the partner sees (and that more payers were not searched), asking no cost question', async () => {
    const { view: v, calls } = await renderView(
      api(TOTALS, {
        CustomerViewBillingGroups: () => ({ data: { billingGroups: [group('g4', 'globex-2', 't-globex')] } }),
        CustomerViewPayers: () => ({ data: { payers: { pageInfo: { hasNextPage: true }, nodes: [{ id: 'p-3', name: 'Other payer' }] } } }),
      }),
    );
    await until(() => v.container.querySelector('[data-testid="customer-no-payers"]') !== null, v);
    await settle();
    expect(clean(v.container.querySelector('[data-testid="customer-no-payers"]')?.textContent)).toMatch(/^Acme has no billing group on the payers you see/);
    expect(clean(v.container.querySelector('[data-testid="customer-more-payers"]')?.textContent)).toBe(
      'Only the first 100 payers you see were searched for this customer’s billing groups.',
    );
    expect(calls.some((c) => ['CostSummary', 'MonthOverMonth', 'OptimizationInsights', 'Invoices'].includes(c.operationName))).toBe(false);
    expect(v.container.querySelector('[data-testid="customer-margin"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
  });

  it('a customer the partner cannot see is an error with Retry, and nothing of the page shows', async () => {
    const { view: v } = await renderView(api(TOTALS, { CustomerViewTenant: () => failure('tenant not found', 'NOT_FOUND') }), 't-elsewhere');
    await until(() => v.container.querySelector('[role="alert"]') !== null, v);
    expect(clean(v.container.querySelector('h1')?.textContent)).toBe('Customer view');
    expect(v.container.querySelector('[role="alert"]')?.textContent).toContain('tenant not found');
    expect(v.queryButton('Retry')).not.toBeNull();
    expect(v.container.querySelector('[data-testid="customer-payers"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
  });
});

describe('the customer’s charges by tag, in the partner’s Customer view', () => {
  const withKeys = api(TOTALS, {
    CostAllocationKeys: (op) => ({ data: { costAllocationKeys: op.variables.payerId === 'p-2' ? [{ kind: 'TAG', name: 'env', periodsWithoutIt: [] }] : [] } }),
    CostByTag: () => ({
      data: {
        costSummary: {
          currency: 'USD',
          total: '10',
          groups: [
            { amount: '4', key: { tag: '', service: null, serviceName: null } },
            { amount: '6', key: { tag: 'prod', service: null, serviceName: null } },
          ],
        },
      },
    }),
  });

  it('asks as the customer would, naming the customer: their price, the payers that keep the key', async () => {
    const { view: v, calls } = await renderView(withKeys);
    await until(() => rows(v, 'by-tag-row').length > 0, v);
    expect(ops(calls, 'CostAllocationKeys').map((c) => c.variables)).toEqual([{ payerId: 'p-1' }, { payerId: 'p-2' }]);
    expect(ops(calls, 'CostByTag').map((c) => c.variables.input)).toEqual([
      {
        payerIds: ['p-2'],
        from: '2026-12-01',
        to: '2026-12-31',
        granularity: 'MONTH',
        groupBy: ['TAG'],
        tagKey: { kind: 'TAG', name: 'env' },
        metric: 'PRO_FORMA',
        customerTenantId: 't-acme',
      },
    ]);
    expect(clean(v.container.querySelector('[data-testid="by-tag"] h2')?.textContent)).toBe('By tag, 2026-12');
    expect(rows(v, 'by-tag-row')).toEqual(['prod | $6.00', 'No env | $4.00']);
  });

  it('shows nothing about tags when the customer’s payers keep no key (as the customer sees it)', async () => {
    const { view: v, calls } = await renderView(api());
    await until(() => everythingShown(v)() && ops(calls, 'CostAllocationKeys').length === 2, v);
    await settle();
    expect(v.container.querySelector('[data-testid="by-tag"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="by-tag-hint"]')).toBeNull();
    expect(ops(calls, 'CostByTag')).toHaveLength(0);
  });
});
