// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BOM } from '../lib/csv';
import { fakeApi, renderRoute, setValue, settle, until, type Answer, type Handler } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { CustomerHomePage } from './CustomerHome';

// ECharts needs a canvas happy-dom does not have: the chart is a labelled placeholder here.
vi.mock('../components/Chart', () => ({
  Chart: ({ label, testId }: { label: string; testId?: string }) => <div role="img" aria-label={label} data-testid={testId} />,
}));

// Downloads are caught instead of saved.
const saved = vi.hoisted(() => [] as { blob: Blob; fileName: string }[]);
vi.mock('../components/DocumentDownloads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../components/DocumentDownloads')>()),
  saveBlob: (blob: Blob, fileName: string) => saved.push({ blob, fileName }),
}));

const me = {
  data: {
    demoOutboxEnabled: false,
    me: {
      id: 'u1',
      invitationPending: false,
      email: 'viewer@acme.example',
      displayName: '',
      locale: 'en',
      disabled: false,
      createdAt: '2026-01-01T00:00:00Z',
      memberships: [{ id: 'm1', role: 'VIEWER', userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-acme', name: 'Acme', kind: 'CUSTOMER' }, payer: null }],
    },
  },
};

const key = (k: Partial<Record<'accountId' | 'accountName' | 'service' | 'serviceName' | 'serviceCategory', string | null>>) => ({
  accountId: null,
  accountName: null,
  service: null,
  serviceName: null,
  region: null,
  usageType: null,
  chargeType: null,
  serviceCategory: null,
  ...k,
});

const summary = (total: string, extra: { series?: unknown[]; groups?: unknown[] } = {}) => ({
  data: { costSummary: { currency: 'USD', total, series: extra.series ?? [], groups: extra.groups ?? [] } },
});

const invoice = {
  id: 'inv1',
  kind: 'INVOICE',
  status: 'ISSUED',
  number: 'ACME-2026-000001',
  issuerTenantId: 't-partner',
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
  partnerView: false,
  createdAt: '2026-12-01T00:00:00Z',
};

const failure = (message: string, code: string): Answer => ({ errors: [{ message, extensions: { code } }] });

interface CostInput {
  payerIds: string[];
  from: string;
  to: string;
  groupBy: string[];
}

const recommendation = (id: string, extra: Record<string, unknown>) => ({
  id,
  accountId: '011111111111',
  region: 'us-east-1',
  resourceId: `i-${id}`,
  resourceType: 'Ec2Instance',
  actionType: 'Rightsize',
  currentSummary: 'm5.2xlarge',
  recommendedSummary: 'm5.xlarge',
  implementationEffort: 'Medium',
  restartNeeded: true,
  rollbackPossible: true,
  estimatedMonthlySavings: '10',
  estimatedMonthlyCost: '100',
  currency: 'USD',
  customerTenantId: 't-acme',
  lastRefreshedAt: '2026-12-05T02:00:00Z',
  ...extra,
});

const insights = (status: string | null, extra: { lastError?: string | null; recommendations?: unknown[]; totals?: unknown[]; count?: number } = {}) => ({
  data: {
    optimizationInsights: {
      payerId: 'p-x',
      enrollment: { status, memberAccountsIncluded: true, checkedAt: '2026-12-06T02:00:00Z', truncated: false, lastError: extra.lastError ?? null },
      recommendationCount: extra.count ?? extra.recommendations?.length ?? 0,
      totals: extra.totals ?? [],
      recommendations: extra.recommendations ?? [],
      byCustomer: [],
    },
  },
});

/** p-1: Cost Optimization Hub on, two of three recommendations listed. */
const activeInsights = insights('ACTIVE', {
  count: 3,
  totals: [{ currency: 'USD', estimatedMonthlySavings: '1246.9078' }],
  recommendations: [
    recommendation('r1', { estimatedMonthlySavings: '1200.5', resourceType: 'ComputeSavingsPlans', actionType: 'PurchaseSavingsPlans', currentSummary: 'On-Demand', recommendedSummary: '$2.10/hour' }),
    recommendation('r2', { estimatedMonthlySavings: '44.12', resourceId: '=cmd|calc!A1', restartNeeded: false, accountId: '022222222222' }),
  ],
});
/** p-2: the last pull failed; the fake API even sends its error, which a customer must never see. */
const failedInsights = insights('FAILED', { lastError: 'AccessDeniedException: secret internal detail' });

const FOCUS_CSV = 'BillingAccountId,BilledCost,BillingPeriodStart,BillingPeriodEnd\r\n011111111111,141.2245,2026-12-01T00:00:00Z,2027-01-01T00:00:00Z\r\n';

/** The 13 months the home asks each payer about: the 12 of the trend and the one before. */
const YEAR = '2025-12-01..2026-12-31';

/**
 * An end customer whose billing groups are on two payers: p-1 with charges in November and
 * December, p-2 with a December fee only. The tables' answers are the same whichever payers are named.
 */
const populated: Handler = ({ operationName, variables }) => {
  switch (operationName) {
    case 'Me':
      return me;
    case 'MyPayerIds':
      return { data: { myPayerIds: ['p-1', 'p-2'] } };
    case 'MyTenantDashboard':
      return { data: { tenant: { id: variables.id, name: 'Acme', dashboardUrl: null } } };
    case 'CostAllocationKeys':
      // No payer keeps cost by tag unless a test says so.
      return { data: { costAllocationKeys: [] } };
    case 'Invoices':
      return { data: { invoices: [invoice] } };
    case 'OptimizationInsights':
      return variables.payerId === 'p-1' ? activeInsights : failedInsights;
    case 'FocusExport':
      return { data: { focusExport: { fileName: `focus-${variables.billingPeriod}.csv`, contentType: 'text/csv; charset=utf-8', contentBase64: btoa(FOCUS_CSV) } } };
    case 'MonthOverMonth':
      return {
        data: {
          monthOverMonth: {
            month: '2026-12',
            changes: [
              { key: key({ service: 'AmazonEC2', serviceName: 'Amazon Elastic Compute Cloud' }), current: '145.805', previous: '121', delta: '24.805', deltaPercent: '20.5', isNew: false, isGone: false },
              { key: key({ service: 'AWSSupportBusiness', serviceName: 'AWS Support (Business)' }), current: '0', previous: '10', delta: '-10', deltaPercent: '-100', isNew: false, isGone: true },
              { key: key({ service: 'Monthly-fee' }), current: '20', previous: '20', delta: '0', deltaPercent: '0', isNew: false, isGone: false },
            ],
          },
        },
      };
    case 'CostSummary': {
      const input = variables.input as CostInput;
      const range = `${input.from}..${input.to}`;
      const by = input.groupBy.join(',');
      if (range === YEAR && by === '') {
        if (input.payerIds.join(',') === 'p-1')
          return summary('291.0145', {
            series: [
              { period: '2026-11', amount: '139.79', key: key({}) },
              { period: '2026-12', amount: '141.2245', key: key({}) },
            ],
          });
        if (input.payerIds.join(',') === 'p-2') return summary('10', { series: [{ period: '2026-12', amount: '10', key: key({}) }] });
        throw new Error(`the year is asked per payer, not for ${input.payerIds.join(',')}`);
      }
      if (range === '2026-12-01..2026-12-06') return summary('50');
      if (range === '2026-11-01..2026-11-06') return summary('40');
      if (range === '2026-12-01..2026-12-31' && by === 'SERVICE')
        return summary('151.2245', {
          groups: [
            { amount: '145.805', key: key({ service: 'AmazonEC2', serviceName: 'Amazon Elastic Compute Cloud' }) },
            { amount: '20', key: key({ service: 'Monthly-fee' }) },
            { amount: '0.0000', key: key({ service: 'Evil', serviceName: '=HYPERLINK("http://x.example","y")' }) },
            { amount: '-14.5805', key: key({ service: 'Loyalty-credit' }) },
          ],
        });
      if (range === '2026-12-01..2026-12-31' && by === 'SERVICE_CATEGORY')
        return summary('151.2245', {
          groups: [
            { amount: '145.805', key: key({ serviceCategory: 'Compute' }) },
            { amount: '5.4195', key: key({ serviceCategory: 'Custom line items' }) },
          ],
        });
      if (range === '2026-12-01..2026-12-31' && by === 'ACCOUNT') return summary('151.2245', { groups: [{ amount: '151.2245', key: key({ accountId: '011111111111', accountName: 'acme-production' }) }] });
      throw new Error(`unexpected costSummary ${range} by ${by}`);
    }
    default:
      throw new Error(`unexpected operation ${operationName}`);
  }
};

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

async function renderHome(handler: { current: Handler }) {
  const api = fakeApi(handler);
  view = await renderRoute({ client: api.client, entry: '/home', element: <CustomerHomePage /> });
  return { view, calls: api.calls };
}

const text = (v: Rendered, selector: string) => [...v.container.querySelectorAll(selector)].map((e) => e.textContent?.replace(/\s+/g, ' ').trim());
/** Each row's cells, joined by " | ". */
const rows = (v: Rendered, testId: string) =>
  [...v.container.querySelectorAll(`[data-testid="${testId}"]`)].map((r) => [...r.children].map((c) => c.textContent?.replace(/\s+/g, ' ').trim()).join(' | '));

describe('the customer home', () => {
  it('shows its loading state while the API has not answered', async () => {
    const { view: v } = await renderHome({ current: (op) => (op.operationName === 'MyPayerIds' ? new Promise<Answer>(() => {}) : populated(op)) });
    await until(() => text(v, 'h1').length > 0, v);
    expect(text(v, 'section > [role="status"]')).toEqual(['Loading…']);
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="home-empty"]')).toBeNull();
  });

  it('shows their charges in their price: this month so far, 12 months, by service, category and account, movers, invoices', async () => {
    const { view: v, calls } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-mover-row').length > 0 && rows(v, 'home-invoice-row').length > 0 && rows(v, 'home-account-row').length > 0, v);

    expect(text(v, 'h1')).toEqual(['Home']);
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"] .kpi-value')?.textContent).toBe('$50.00');
    expect(v.container.querySelector('[data-testid="kpi-same-days-before"] .kpi-value')?.textContent).toBe('$40.00');
    expect(v.container.querySelector('[data-testid="kpi-change"]')?.textContent).toBe('Up 25.0% on the same days of 2026-11');
    expect(v.container.querySelector('[data-testid="same-days-note"]')?.textContent).toContain('same days (1 to 6)');
    expect(v.container.querySelector('[data-testid="chart-trend"]')?.getAttribute('aria-label')).toBe('Your charges per month, 2026-01 to 2026-12');

    expect(rows(v, 'home-service-row')).toEqual([
      // Amounts to the cent, half to even: 145.805 is $145.80.
      'Amazon Elastic Compute Cloud AmazonEC2 | $145.80',
      'Monthly-fee | $20.00',
      '=HYPERLINK("http://x.example","y") Evil | $0.00',
      'Loyalty-credit | -$14.58',
    ]);
    expect(rows(v, 'home-category-row')).toEqual(['Compute | $145.80', 'Custom line items | $5.42']);
    // The account's name from its organization, its id beside it.
    expect(rows(v, 'home-account-row')).toEqual(['acme-production 011111111111 | $151.22']);
    // The unchanged fee is no mover; a service gone is said to be gone.
    expect(rows(v, 'home-mover-row')).toEqual([
      'Amazon Elastic Compute Cloud AmazonEC2 | ▲ $24.80 · 20.5% | $145.80',
      'AWS Support (Business) AWSSupportBusiness | ▼ -$10.00 · gone | $0.00',
    ]);
    expect(rows(v, 'home-invoice-row')).toEqual(['ACME-2026-000001 | 2026-11 | → Issued | $139.79 | Dec 2, 2026']);
    expect(v.container.querySelector('[data-testid="home-invoices"] a')?.getAttribute('href')).toBe('/my-invoices');
    expect(v.container.textContent).not.toMatch(/AWS cost|margin/i);

    // The payers come from myPayerIds, asked once before any cost question; their 13 months are
    // asked one payer at a time (the API sums no payers of different currencies), the rest of
    // both payers together. Every cost question asks for PRO_FORMA.
    const names = calls.map((c) => c.operationName);
    expect(names.filter((n) => n === 'MyPayerIds')).toHaveLength(1);
    expect(calls.find((c) => c.operationName === 'MyPayerIds')?.variables).toEqual({});
    const costCalls = calls.filter((c) => c.operationName === 'CostSummary' || c.operationName === 'MonthOverMonth');
    expect(names.indexOf('MyPayerIds')).toBeLessThan(calls.indexOf(costCalls[0]));
    for (const c of costCalls) expect((c.variables.input as { metric: string }).metric).toBe('PRO_FORMA');
    const year = costCalls.filter((c) => {
      const input = c.variables.input as CostInput & { granularity: string };
      return c.operationName === 'CostSummary' && `${input.from}..${input.to}` === YEAR && input.groupBy.length === 0 && input.granularity === 'MONTH';
    });
    expect(year.map((c) => (c.variables.input as CostInput).payerIds).sort()).toEqual([['p-1'], ['p-2']]);
    const rest = costCalls.filter((c) => !year.includes(c));
    expect(rest.map((c) => c.operationName).sort()).toEqual(['CostSummary', 'CostSummary', 'CostSummary', 'CostSummary', 'CostSummary', 'MonthOverMonth']);
    for (const c of rest) expect((c.variables.input as CostInput).payerIds).toEqual(['p-1', 'p-2']);
    expect(calls.filter((c) => c.operationName === 'Invoices').map((c) => c.variables)).toEqual([{ filter: null, limit: 5, offset: 0 }]);
  });

  it('names no customer tenant in any question (the API answers an end customer for their own), and shows no cost or margin card', async () => {
    const { view: v, calls } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-mover-row').length > 0 && rows(v, 'home-invoice-row').length > 0 && rows(v, 'home-savings-row').length > 0, v);
    await v.click(v.button('Download FOCUS CSV of your charges, 2026-12'));
    await until(() => saved.length > 0, v);
    const asked = new Set(calls.map((c) => c.operationName));
    for (const name of ['CostSummary', 'MonthOverMonth', 'OptimizationInsights', 'Invoices', 'FocusExport']) expect(asked.has(name), name).toBe(true);
    for (const c of calls) expect(JSON.stringify(c.variables), c.operationName).not.toContain('customerTenantId');
    expect(v.container.querySelector('[data-testid="customer-margin"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="customer-payers"]')).toBeNull();
  });

  it('downloads a table as formula-safe CSV with a BOM, credits still numbers', async () => {
    const { view: v } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-service-row').length > 0, v);
    await v.click(v.button('Download CSV of By service, 2026-12'));
    expect(saved.map((s) => s.fileName)).toEqual(['charges-by-service-2026-12.csv']);
    const csv = await saved[0].blob.text();
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual([
      'Service,Service code,Charge,Currency',
      'Amazon Elastic Compute Cloud,AmazonEC2,145.805,USD',
      'Monthly-fee,Monthly-fee,20,USD',
      `"'=HYPERLINK(""http://x.example"",""y"")",Evil,0.0000,USD`,
      'Loyalty-credit,Loyalty-credit,-14.5805,USD',
      '',
    ]);

    await v.click(v.button('Download CSV of Last 12 months'));
    const trend = (await saved[1].blob.text()).slice(1).split('\r\n');
    expect(saved[1].fileName).toBe('charges-by-month-2026-01-2026-12.csv');
    expect(trend).toHaveLength(14);
    // December sums both payers: 141.2245 on p-1 and 10 on p-2.
    expect(trend.slice(-3)).toEqual(['2026-11,139.79,USD', '2026-12,151.2245,USD', '']);
  });

  it('a new customer (a billing group, no charges yet) is told what will appear and when, and asks no more cost questions', async () => {
    const handler: Handler = (op) => {
      if (op.operationName === 'MyPayerIds') return { data: { myPayerIds: ['p-1'] } };
      if (op.operationName === 'CostSummary') return summary('0');
      if (op.operationName === 'Invoices') return { data: { invoices: [] } };
      return populated(op);
    };
    const { view: v, calls } = await renderHome({ current: handler });
    await until(() => v.container.querySelector('[data-testid="home-empty"]') !== null && text(v, '[data-testid="home-invoices"] .state-empty').length > 0, v);
    expect(text(v, '[data-testid="home-empty"] h2')).toEqual(['Nothing to show yet']);
    expect(v.container.querySelector('[data-testid="home-empty"]')?.textContent).toContain('usually a day after the usage');
    expect(text(v, '[data-testid="home-invoices"] .state-empty')[0]).toContain('No invoices yet');
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
    expect(calls.filter((c) => c.operationName === 'CostSummary').map((c) => (c.variables.input as CostInput).payerIds)).toEqual([['p-1']]);
    expect(calls.some((c) => c.operationName === 'MonthOverMonth')).toBe(false);
  });

  it('a customer on no payer at all (myPayerIds is empty) gets the same explanation and asks no cost question', async () => {
    const handler: Handler = (op) => {
      if (op.operationName === 'MyPayerIds') return { data: { myPayerIds: [] } };
      if (op.operationName === 'Invoices') return { data: { invoices: [] } };
      return populated(op);
    };
    const { view: v, calls } = await renderHome({ current: handler });
    await until(() => v.container.querySelector('[data-testid="home-empty"]') !== null && text(v, '[data-testid="home-invoices"] .state-empty').length > 0, v);
    expect(text(v, '[data-testid="home-empty"] h2')).toEqual(['Nothing to show yet']);
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
    expect(calls.filter((c) => c.operationName === 'MyPayerIds')).toHaveLength(1);
    expect(calls.some((c) => c.operationName === 'CostSummary' || c.operationName === 'MonthOverMonth')).toBe(false);
  });

  it('an error on myPayerIds shows Retry, asks no cost question, and Retry asks again', async () => {
    const handler = {
      current: ((op) => (op.operationName === 'MyPayerIds' ? failure('database unavailable', 'INTERNAL') : populated(op))) as Handler,
    };
    const { view: v, calls } = await renderHome(handler);
    await until(() => v.container.querySelector('[role="alert"]') !== null, v);
    expect(v.container.querySelector('[role="alert"]')?.textContent).toContain('database unavailable');
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
    expect(calls.some((c) => c.operationName === 'CostSummary')).toBe(false);
    handler.current = populated;
    await v.click(v.button('Retry'));
    await until(() => rows(v, 'home-service-row').length > 0, v);
    expect(v.container.querySelector('[role="alert"]')).toBeNull();
    expect(calls.filter((c) => c.operationName === 'MyPayerIds')).toHaveLength(2);
  });

  it("a payer's costSummary failing is an error too, NOT_FOUND included (no payer is dropped)", async () => {
    const handler: Handler = (op) =>
      op.operationName === 'CostSummary' && (op.variables.input as CostInput).payerIds.join(',') === 'p-2' ? failure('payer not found', 'NOT_FOUND') : populated(op);
    const { view: v } = await renderHome({ current: handler });
    await until(() => v.container.querySelector('[role="alert"]') !== null, v);
    expect(v.container.querySelector('[role="alert"]')?.textContent).toContain('payer not found');
    expect(v.queryButton('Retry')).not.toBeNull();
    expect(v.container.querySelector('[data-testid="kpi-month-to-date"]')).toBeNull();
  });
});

const savingsSections = (v: Rendered) => [...v.container.querySelectorAll<HTMLElement>('[data-testid="home-savings"]')];

describe('the customer’s savings opportunities', () => {
  it('shows each payer’s total and top recommendations (asked 10 at a time), and a neutral note — never the error — for a payer whose pull failed', async () => {
    const { view: v, calls } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-savings-row').length > 0 && savingsSections(v).length === 2 && savingsSections(v)[1].querySelector('.state-empty') !== null, v);
    expect(calls.filter((c) => c.operationName === 'OptimizationInsights').map((c) => c.variables)).toEqual([
      { payerId: 'p-1', first: 10 },
      { payerId: 'p-2', first: 10 },
    ]);
    const [first, second] = savingsSections(v);
    expect(text(v, '[data-testid="home-savings"] h2')).toEqual(['Savings opportunities (1 of 2)', 'Savings opportunities (2 of 2)']);
    expect(first.querySelector('[data-testid="home-savings-total"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Estimated savings: $1,246.91 per month · 3 recommendations');
    expect(rows(v, 'home-savings-row')).toEqual([
      '011111111111 | ComputeSavingsPlans | Purchase Savings Plans | On-Demand → $2.10/hour | $1,200.50',
      '022222222222 | Ec2Instance | Rightsize | m5.2xlarge → m5.xlarge | $44.12',
    ]);
    expect(second.querySelector('.state-empty')?.textContent).toBe('Savings recommendations are not available at the moment.');
    expect(second.querySelector('[role="alert"]')).toBeNull();
    expect(v.container.textContent).not.toContain('AccessDenied');
    expect(v.container.textContent).not.toContain('secret internal detail');
    expect(v.container.textContent).not.toMatch(/last error/i);
  });

  it('downloads the recommendations as formula-safe CSV, with no customer column', async () => {
    const { view: v } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-savings-row').length > 0, v);
    await v.click(v.button('Download CSV of Savings opportunities (1 of 2)'));
    expect(saved.map((x) => x.fileName)).toEqual(['savings-opportunities-1.csv']);
    const lines = (await saved[0].blob.text()).slice(1).split('\r\n');
    expect(lines[0]).toBe(
      'Account,Region,Resource type,Resource id,Action,Current,Recommended,Effort,Restart needed,Rollback possible,Cost/month,Savings/month,Currency',
    );
    expect(lines[1]).toBe('011111111111,us-east-1,ComputeSavingsPlans,i-r1,Purchase Savings Plans,On-Demand,$2.10/hour,Medium,Yes,Yes,100,1200.5,USD');
    expect(lines[2]).toBe("022222222222,us-east-1,Ec2Instance,'=cmd|calc!A1,Rightsize,m5.2xlarge,m5.xlarge,Medium,No,Yes,100,44.12,USD");
    expect(lines).toHaveLength(4);
  });

  it('a payer whose provider has not turned recommendations on: a short neutral note, and nothing alarming when one has none', async () => {
    const handler: Handler = (op) => {
      if (op.operationName === 'MyPayerIds') return { data: { myPayerIds: ['p-1', 'p-2'] } };
      if (op.operationName === 'OptimizationInsights') return op.variables.payerId === 'p-1' ? insights('INACTIVE') : insights('ACTIVE');
      return populated(op);
    };
    const { view: v } = await renderHome({ current: handler });
    await until(() => savingsSections(v).length === 2 && savingsSections(v).every((x) => x.querySelector('.state-empty') !== null), v);
    expect(savingsSections(v).map((x) => x.querySelector('.state-empty')?.textContent)).toEqual([
      'Your provider has not turned on savings recommendations yet.',
      'No savings opportunities found for your accounts right now.',
    ]);
    expect(v.container.querySelector('[data-testid="home-savings"] [role="alert"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="home-savings-total"]')).toBeNull();
    // How to turn it on is for the partner, not the customer.
    expect(v.container.textContent).not.toContain('Billing and Cost Management console');
  });

  it('a customer on one payer gets the plain heading, even before any charge', async () => {
    const handler: Handler = (op) => {
      if (op.operationName === 'MyPayerIds') return { data: { myPayerIds: ['p-1'] } };
      if (op.operationName === 'CostSummary') return summary('0');
      if (op.operationName === 'Invoices') return { data: { invoices: [] } };
      return populated(op);
    };
    const { view: v } = await renderHome({ current: handler });
    await until(() => v.container.querySelector('[data-testid="home-empty"]') !== null && rows(v, 'home-savings-row').length > 0, v);
    expect(text(v, '[data-testid="home-savings"] h2')).toEqual(['Savings opportunities']);
  });
});

describe('the customer’s FOCUS download', () => {
  it('exports the month shown as FOCUS CSV: focusExport without ids, the file saved under the API’s name', async () => {
    const { view: v, calls } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-service-row').length > 0, v);
    await v.click(v.button('Download FOCUS CSV of your charges, 2026-12'));
    await until(() => saved.length > 0, v);
    expect(calls.filter((c) => c.operationName === 'FocusExport').map((c) => c.variables)).toEqual([{ billingPeriod: '2026-12', format: 'CSV' }]);
    expect(saved[0].fileName).toBe('focus-2026-12.csv');
    expect(saved[0].blob.type).toBe('text/csv; charset=utf-8');
    const header = (await saved[0].blob.text()).split('\r\n')[0];
    expect(header).toContain('BilledCost');
    expect(header).toContain('BillingPeriodStart');
  });

  it('Parquet: asks for PARQUET and saves the bytes as they came', async () => {
    const parquet = 'PAR1\u0015\u0004\u00ff\u0000PAR1';
    const handler: Handler = (op) =>
      op.operationName === 'FocusExport'
        ? { data: { focusExport: { fileName: 'focus-2026-12.parquet', contentType: 'application/vnd.apache.parquet', contentBase64: btoa(parquet) } } }
        : populated(op);
    const { view: v, calls } = await renderHome({ current: handler });
    await until(() => rows(v, 'home-service-row').length > 0, v);
    await v.click(v.button('Download FOCUS Parquet of your charges, 2026-12'));
    await until(() => saved.length > 0, v);
    expect(calls.find((c) => c.operationName === 'FocusExport')?.variables).toEqual({ billingPeriod: '2026-12', format: 'PARQUET' });
    expect(saved[0].fileName).toBe('focus-2026-12.parquet');
    const bytes = new Uint8Array(await saved[0].blob.arrayBuffer());
    expect([...bytes]).toEqual([...parquet].map((c) => c.charCodeAt(0)));
  });

  it('a refusal shows beside the buttons and saves nothing', async () => {
    const handler: Handler = (op) => (op.operationName === 'FocusExport' ? failure('no billing group this month', 'NOT_FOUND') : populated(op));
    const { view: v } = await renderHome({ current: handler });
    await until(() => rows(v, 'home-service-row').length > 0, v);
    await v.click(v.button('Download FOCUS CSV of your charges, 2026-12'));
    await until(() => v.container.querySelector('[data-testid="focus-download"] [role="alert"]') !== null, v);
    expect(v.container.querySelector('[data-testid="focus-download"] [role="alert"]')?.textContent).toContain('Not found');
    expect(saved).toHaveLength(0);
    expect(v.button('Download FOCUS CSV of your charges, 2026-12').disabled).toBe(false);
  });
});

describe('the customer’s own dashboard link', () => {
  const QUICKSIGHT = 'https://us-east-1.quicksight.aws.amazon.com/sn/dashboards/acme-cid';
  const withLink =
    (dashboardUrl: string | null): Handler =>
    (op) =>
      op.operationName === 'MyTenantDashboard' ? { data: { tenant: { id: op.variables.id, name: 'Acme', dashboardUrl } } } : populated(op);
  const links = (v: Rendered) => [...v.container.querySelectorAll<HTMLAnchorElement>('a[data-testid="dashboard-link"]')];

  it('asks for its own tenant’s link and shows it beside the charts: a new tab, no opener, no referrer, no frame', async () => {
    const { view: v, calls } = await renderHome({ current: withLink(QUICKSIGHT) });
    await until(() => links(v).length > 0 && v.container.querySelector('[data-testid="chart-trend"]') !== null, v);
    expect(calls.filter((c) => c.operationName === 'MyTenantDashboard').map((c) => c.variables)).toEqual([{ id: 't-acme' }]);
    const [a] = links(v);
    expect(links(v)).toHaveLength(1);
    expect(a.textContent?.replace(/\s+/g, ' ').trim()).toBe('Open your dashboards ↗ (opens in a new tab)');
    expect(a.getAttribute('href')).toBe(QUICKSIGHT);
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    expect(v.container.querySelectorAll('iframe, frame, object, embed')).toHaveLength(0);
  });

  it('shows it to a new customer too, before any charge', async () => {
    const handler: Handler = (op) => (op.operationName === 'MyPayerIds' ? { data: { myPayerIds: [] } } : op.operationName === 'Invoices' ? { data: { invoices: [] } } : withLink(QUICKSIGHT)(op));
    const { view: v } = await renderHome({ current: handler });
    await until(() => v.container.querySelector('[data-testid="home-empty"]') !== null && links(v).length > 0, v);
    expect(links(v).map((a) => a.getAttribute('href'))).toEqual([QUICKSIGHT]);
  });

  for (const bad of ['http://quicksight.example/acme', 'javascript:alert(document.cookie)', 'data:text/html,<b>x</b>']) {
    it(`does not show a stored link that is not https (${bad.split(':')[0]}:)`, async () => {
      const { view: v, calls } = await renderHome({ current: withLink(bad) });
      await until(() => rows(v, 'home-service-row').length > 0 && calls.some((c) => c.operationName === 'MyTenantDashboard'), v);
      // Let the tenant's answer arrive and render.
      await settle(5);
      expect(links(v)).toHaveLength(0);
      expect(v.container.innerHTML).not.toContain(bad.slice(0, 12));
      expect(v.container.querySelectorAll('iframe')).toHaveLength(0);
    });
  }

  it('no link when the tenant has none', async () => {
    const { view: v, calls } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-service-row').length > 0 && calls.some((c) => c.operationName === 'MyTenantDashboard'), v);
    await settle(5);
    expect(links(v)).toHaveLength(0);
    expect(v.container.querySelector('.dashboard-link')).toBeNull();
  });
});

describe('connecting their own AWS account', () => {
  it('the customer’s admins get the way to /connect on their home', async () => {
    const admin = { data: { ...me.data, me: { ...me.data.me, memberships: [{ ...me.data.me.memberships[0], role: 'ADMIN' }] } } };
    const { view: v } = await renderHome({ current: (op) => (op.operationName === 'Me' ? admin : populated(op)) });
    await until(() => v.container.querySelector('[data-testid="connect-entry"]') !== null, v);
    const link = v.container.querySelector('[data-testid="connect-entry"] a');
    expect(link?.getAttribute('href')).toBe('/connect');
    expect(link?.textContent).toBe('Connect your AWS account');
  });

  it('viewers do not', async () => {
    const { view: v } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-service-row').length > 0, v);
    expect(v.container.querySelector('[data-testid="connect-entry"]')).toBeNull();
    expect(v.container.querySelector('a[href="/connect"]')).toBeNull();
  });
});

describe('the customer’s charges by tag', () => {
  interface TagInput {
    payerIds: string[];
    from: string;
    to: string;
    groupBy: string[];
    metric: string;
    tagKey?: { kind: string; name: string };
    filter?: { tag: { key: { kind: string; name: string }; values: string[] } };
  }

  /** p-1 keeps `team` and the cost category `CostCenter`; p-2 keeps none. */
  const tagged: Handler = (op) => {
    if (op.operationName === 'CostAllocationKeys')
      return {
        data: {
          costAllocationKeys:
            op.variables.payerId === 'p-1'
              ? [
                  { kind: 'TAG', name: 'team', periodsWithoutIt: ['2026-12'] },
                  { kind: 'COST_CATEGORY', name: 'CostCenter', periodsWithoutIt: [] },
                ]
              : [],
        },
      };
    if (op.operationName === 'CostByTag') {
      const input = op.variables.input as TagInput;
      const tagKey = (t: string | null) => ({ tag: t, service: null, serviceName: null });
      if (input.groupBy.join(',') === 'TAG')
        return {
          data: {
            costSummary: {
              currency: 'USD',
              total: '151.2245',
              groups: [
                { amount: '20.5', key: tagKey('web') },
                { amount: '125.805', key: tagKey('') },
                { amount: '4.9195', key: tagKey('@SUM(A1)') },
              ],
            },
          },
        };
      return {
        data: {
          costSummary: {
            currency: 'USD',
            total: '20.5',
            groups: [{ amount: '20.5', key: { tag: null, service: 'AmazonEC2', serviceName: 'Amazon Elastic Compute Cloud' } }],
          },
        },
      };
    }
    return populated(op);
  };

  const tagRows = (v: Rendered) => rows(v, 'by-tag-row');

  it('asks costSummary grouped by TAG with the first key, in their price, of the payers that keep it; labels the value without the key', async () => {
    const { view: v, calls } = await renderHome({ current: tagged });
    await until(() => tagRows(v).length > 0, v);
    expect(calls.filter((c) => c.operationName === 'CostAllocationKeys').map((c) => c.variables)).toEqual([{ payerId: 'p-1' }, { payerId: 'p-2' }]);
    expect(calls.filter((c) => c.operationName === 'CostByTag').map((c) => c.variables.input)).toEqual([
      { payerIds: ['p-1'], from: '2026-12-01', to: '2026-12-31', granularity: 'MONTH', groupBy: ['TAG'], tagKey: { kind: 'TAG', name: 'team' }, metric: 'PRO_FORMA' },
    ]);
    expect(text(v, '[data-testid="by-tag"] h2')).toEqual(['By tag, 2026-12']);
    // Largest first; the value without the key is named.
    expect(tagRows(v)).toEqual(['No team | $125.80', 'web | $20.50', '@SUM(A1) | $4.92']);
    expect(text(v, '[data-testid="by-tag"] thead th')).toEqual(['team', 'Charge']);
    // p-2 keeps no team: its charges are not in this card, and the card says so.
    expect(text(v, '[data-testid="by-tag-left-out"]')).toEqual(['Only the charges of payers that keep team are shown here.']);
    // December was read before team was selected.
    expect(text(v, '[data-testid="by-tag-read-before"]')[0]).toMatch(/^2026-12 was read before team was selected/);
    expect(v.container.querySelector('[data-testid="by-tag-read-before"] a')).toBeNull();
  });

  it('downloads the values as formula-safe CSV, the value without the key named', async () => {
    const { view: v } = await renderHome({ current: tagged });
    await until(() => tagRows(v).length > 0, v);
    await v.click(v.button('Download CSV of By tag, 2026-12'));
    expect(saved.map((s) => s.fileName)).toEqual(['charges-by-tag-team-2026-12.csv']);
    const csv = await saved[0].blob.text();
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual(['team,Charge,Currency', 'No team,125.805,USD', 'web,20.5,USD', "'@SUM(A1),4.9195,USD", '']);
  });

  it('another key, and a value’s services filtered by it', async () => {
    const { view: v, calls } = await renderHome({ current: tagged });
    await until(() => tagRows(v).length > 0, v);
    const select = v.container.querySelector<HTMLSelectElement>('[data-testid="by-tag"] select')!;
    expect([...select.options].map((o) => o.textContent)).toEqual(['team (Cost allocation tag)', 'CostCenter (Cost category)']);
    await setValue(select, 'COST_CATEGORY:CostCenter');
    await until(() => calls.filter((c) => c.operationName === 'CostByTag').length === 2 && tagRows(v).length > 0, v);
    expect((calls.filter((c) => c.operationName === 'CostByTag')[1].variables.input as TagInput).tagKey).toEqual({ kind: 'COST_CATEGORY', name: 'CostCenter' });
    expect(tagRows(v)[0]).toBe('No CostCenter | $125.80');

    await v.click(v.button('Show the services of web'));
    await until(() => rows(v, 'by-tag-service-row').length > 0, v);
    const asked = calls.filter((c) => c.operationName === 'CostByTag')[2].variables.input as TagInput;
    expect(asked.groupBy).toEqual(['SERVICE']);
    expect(asked.filter).toEqual({ tag: { key: { kind: 'COST_CATEGORY', name: 'CostCenter' }, values: ['web'] } });
    expect(asked.tagKey).toBeUndefined();
    expect(text(v, '[data-testid="by-tag"] h2')).toEqual(['Services with CostCenter “web”, 2026-12']);
    expect(rows(v, 'by-tag-service-row')).toEqual(['Amazon Elastic Compute Cloud AmazonEC2 | $20.50']);
    await v.click(v.button('All values'));
    await until(() => tagRows(v).length > 0, v);
  });

  it('customers whose payers keep no key see no card, and are asked nothing by tag', async () => {
    const { view: v, calls } = await renderHome({ current: populated });
    await until(() => rows(v, 'home-mover-row').length > 0 && calls.filter((c) => c.operationName === 'CostAllocationKeys').length === 2, v);
    await settle();
    expect(v.container.querySelector('[data-testid="by-tag"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="by-tag-hint"]')).toBeNull();
    expect(v.container.textContent).not.toMatch(/by tag|cost allocation/i);
    expect(calls.some((c) => c.operationName === 'CostByTag')).toBe(false);
  });
});
