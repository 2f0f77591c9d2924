// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BOM } from '../lib/csv';
import { clean, fakeApi, renderRoute, setValue, settle, until, type Answer, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { InsightsPage } from './Insights';

// A payer's Savings insights (AWS Cost Optimization Hub recommendations as last pulled): the
// enrollment state and how to fix it, Refresh now for operators, savings per currency and per
// customer, the recommendations with a customer filter, and CSV of both tables.

// Downloads are caught instead of saved.
const saved = vi.hoisted(() => [] as { blob: Blob; fileName: string }[]);
vi.mock('../components/DocumentDownloads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../components/DocumentDownloads')>()),
  saveBlob: (blob: Blob, fileName: string) => saved.push({ blob, fileName }),
}));

type Who = 'admin' | 'operator' | 'viewer';

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
      memberships: [{ id: 'm1', role: who.toUpperCase(), userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' }, payer: null }],
    },
  },
});

const tenants = {
  data: {
    tenants: {
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [
        { id: 't-root', name: 'Platform', kind: 'PLATFORM', billingAddress: null, taxId: null, dashboardUrl: null, createdAt: '2026-01-01T00:00:00Z', parent: null },
        { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR', billingAddress: null, taxId: null, dashboardUrl: null, createdAt: '2026-01-01T00:00:00Z', parent: { id: 't-root' } },
      ],
    },
  },
};

const payer = {
  data: {
    payer: {
      id: 'p-1',
      accountId: '111111111111',
      name: 'Main payer',
      roleArn: 'arn:aws:iam::111111111111:role/PartnerBillingAccess',
      externalId: 'pb-x',
      upstreamBillingGroupId: null,
      status: 'CONNECTED',
      statusReason: null,
      lastCheckedAt: null,
      costExportBucket: null,
      costExportPrefix: null,
      cloudFormationQuickCreateUrl: null,
      dashboardUrl: null,
      createdAt: '2026-01-01T00:00:00Z',
      tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' },
    },
  },
};

const rec = (id: string, customerTenantId: string | null, savings: string, extra: Record<string, unknown> = {}) => ({
  id,
  accountId: customerTenantId === 't-acme' ? '022222222222' : customerTenantId === 't-beta' ? '033333333333' : '044444444444',
  region: 'eu-west-1',
  resourceId: `i-${id}`,
  resourceType: 'Ec2Instance',
  actionType: 'Rightsize',
  currentSummary: 'm5.2xlarge',
  recommendedSummary: 'm5.large',
  implementationEffort: 'VeryLow',
  restartNeeded: true,
  rollbackPossible: false,
  estimatedMonthlySavings: savings,
  estimatedMonthlyCost: '300',
  currency: 'USD',
  customerTenantId,
  lastRefreshedAt: '2026-12-06T02:00:00Z',
  ...extra,
});

const RECS = [
  rec('r1', 't-acme', '1200.5', { resourceType: 'ComputeSavingsPlans', actionType: 'PurchaseSavingsPlans', currentSummary: 'On-Demand', recommendedSummary: '$2.10/hour', restartNeeded: false }),
  rec('r2', null, '26.4078', { resourceId: '=HYPERLINK("http://x.example","y")', actionType: 'SomethingNew', implementationEffort: 'High' }),
  rec('r3', 't-beta', '20', { currency: 'EUR', actionType: 'Stop' }),
  rec('r4', 't-acme', '20', { resourceType: 'EbsVolume', actionType: 'Delete', currentSummary: 'gp2 500 GiB', recommendedSummary: 'none' }),
];

const BY_CUSTOMER = [
  // Not in order: the page sorts, largest first.
  { payerId: 'p-1', customerTenantId: null, customerName: null, recommendationCount: 1, currency: 'USD', estimatedMonthlySavings: '26.4078' },
  { payerId: 'p-1', customerTenantId: 't-acme', customerName: 'Acme', recommendationCount: 2, currency: 'USD', estimatedMonthlySavings: '1220.5' },
  { payerId: 'p-1', customerTenantId: 't-beta', customerName: 'Beta', recommendationCount: 1, currency: 'EUR', estimatedMonthlySavings: '20' },
];

interface Enrollment {
  status: string | null;
  lastError?: string | null;
  checkedAt?: string | null;
  memberAccountsIncluded?: boolean;
  truncated?: boolean;
}

const insights = (enrollment: Enrollment, customer: string | null, count = 5) => {
  const recs = customer ? RECS.filter((r) => r.customerTenantId === customer) : RECS;
  const byCustomer = customer ? BY_CUSTOMER.filter((c) => c.customerTenantId === customer) : BY_CUSTOMER;
  return {
    data: {
      optimizationInsights: {
        payerId: 'p-1',
        enrollment: { memberAccountsIncluded: true, checkedAt: '2026-12-06T02:00:00Z', truncated: false, lastError: null, ...enrollment },
        recommendationCount: customer ? recs.length : count,
        totals: customer
          ? byCustomer.map((c) => ({ currency: c.currency, estimatedMonthlySavings: c.estimatedMonthlySavings }))
          : [
              { currency: 'USD', estimatedMonthlySavings: '1246.9078' },
              { currency: 'EUR', estimatedMonthlySavings: '20' },
            ],
        recommendations: recs,
        byCustomer,
      },
    },
  };
};

const job = (state: string) => ({
  id: 'job-9',
  kind: 'optimization.pull',
  state,
  payerId: 'p-1',
  attempts: 1,
  maxAttempts: 3,
  progress: null,
  lastError: null,
  result: null,
  runAt: '2026-12-06T10:00:00Z',
  worker: null,
  claimedAt: null,
  createdAt: '2026-12-06T10:00:00Z',
  finishedAt: null,
});

function api(who: Who, enrollment: Enrollment = { status: 'ACTIVE' }, extra: Partial<Record<string, Handler>> = {}): Handler {
  return (op) => {
    const own = extra[op.operationName];
    if (own) return own(op);
    switch (op.operationName) {
      case 'Me':
        return me(who);
      case 'Tenants':
        return tenants;
      case 'Payer':
        return payer;
      case 'OptimizationInsights':
        return insights(enrollment, (op.variables.customerTenantId as string | undefined) ?? null);
      case 'RefreshOptimizationInsights':
        return { data: { refreshOptimizationInsights: job('QUEUED') } };
      case 'Job':
        return { data: { job: { ...job('SUCCEEDED'), finishedAt: '2026-12-06T10:00:05Z' } } };
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

async function renderPage(handler: Handler, entry = '/payers/p-1/insights') {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry, path: '/payers/:payerId/insights', element: <InsightsPage /> });
  return { view, calls: fake.calls };
}

const text = (v: Rendered, selector: string) => clean(v.container.querySelector(selector)?.textContent);
const ops = (calls: Operation[], name: string) => calls.filter((c) => c.operationName === name);
const rows = (v: Rendered, testId: string) =>
  [...v.container.querySelectorAll(`[data-testid="${testId}"]`)].map((r) => [...r.children].map((c) => clean(c.textContent)).join(' | '));
const loaded = (v: Rendered) => () => v.container.querySelector('[data-testid="insights-enrollment"]') !== null;
const failure = (message: string, code: string): Answer => ({ errors: [{ message, extensions: { code } }] });

describe('a payer’s Savings insights', () => {
  it('shows an active hub, its savings per currency and per customer, and its recommendations, largest first', async () => {
    const { view: v, calls } = await renderPage(api('viewer'));
    await until(() => rows(v, 'insights-recommendation-row').length > 0, v);
    expect(text(v, 'h1')).toBe('Savings insights: Main payer');
    expect(v.container.querySelector('.crumbs a[href="/payers/p-1/billing"]')).not.toBeNull();
    expect(ops(calls, 'OptimizationInsights').map((c) => c.variables)).toEqual([{ payerId: 'p-1', first: 100 }]);

    expect(text(v, '[data-testid="hub-status"]')).toBe('Active');
    expect(v.container.querySelector('[data-testid="hub-status"]')?.className).toContain('status-on');
    expect(text(v, '[data-testid="hub-checked"]')).toMatch(/^Last checked Dec 6, 2026/);
    expect(v.container.querySelector('[data-testid="hub-fix"]')).toBeNull();
    expect(v.container.querySelector('[data-testid="hub-last-error"]')).toBeNull();

    expect([...v.container.querySelectorAll('[data-testid="insights-total"]')].map((e) => clean(e.textContent))).toEqual(['$1,246.91', '€20.00']);
    expect(text(v, '[data-testid="insights-totals"]')).toContain('5 recommendations');

    expect(rows(v, 'insights-customer-row')).toEqual(['Acme | 2 | $1,220.50 | USD', 'No customer | 1 | $26.41 | USD', 'Beta | 1 | €20.00 | EUR']);
    expect(rows(v, 'insights-recommendation-row')).toEqual([
      '022222222222 | Acme | eu-west-1 | ComputeSavingsPlans | i-r1 | Purchase Savings Plans | On-Demand → $2.10/hour | Very low | No | $1,200.50 | USD',
      // An action this build has no words for shows as AWS names it.
      '044444444444 | No customer | eu-west-1 | Ec2Instance | =HYPERLINK("http://x.example","y") | SomethingNew | m5.2xlarge → m5.large | High | Yes | $26.41 | USD',
      '033333333333 | Beta | eu-west-1 | Ec2Instance | i-r3 | Stop | m5.2xlarge → m5.large | Very low | Yes | €20.00 | EUR',
      '022222222222 | Acme | eu-west-1 | EbsVolume | i-r4 | Delete | gp2 500 GiB → none | Very low | Yes | $20.00 | USD',
    ]);
    // 5 in view, 4 listed: the page says so.
    expect(text(v, '[data-testid="insights-shown"]')).toBe('The largest 4 of 5 by savings.');
  });

  it('not turned on: says how to enable it (console, organization, member accounts, about 24 hours), and no error', async () => {
    const { view: v } = await renderPage(api('viewer', { status: 'INACTIVE', lastError: null }));
    await until(loaded(v), v);
    expect(text(v, '[data-testid="hub-status"]')).toBe('Not turned on');
    expect(v.container.querySelector('[data-testid="hub-status"]')?.className).toContain('status-warn');
    const fix = text(v, '[data-testid="hub-fix"]');
    expect(fix).toContain('AWS Billing and Cost Management console');
    expect(fix).toContain('enable it for the organization, member accounts included');
    expect(fix).toContain('within about 24 hours');
    expect(v.container.querySelector('[data-testid="hub-last-error"]')).toBeNull();
  });

  it('access denied: says to update the payer’s CloudFormation stack, and shows the last error', async () => {
    const { view: v } = await renderPage(api('viewer', { status: 'ACCESS_DENIED', lastError: 'AccessDeniedException: not authorized to perform cost-optimization-hub:ListRecommendations' }));
    await until(loaded(v), v);
    expect(text(v, '[data-testid="hub-status"]')).toBe('Access denied');
    expect(text(v, '[data-testid="hub-fix"]')).toContain('payer-access-role.yaml');
    expect(text(v, '[data-testid="hub-fix"]')).toContain('CostOptimizationHubRead');
    expect(text(v, '[data-testid="hub-last-error"]')).toBe('Last error: AccessDeniedException: not authorized to perform cost-optimization-hub:ListRecommendations');
  });

  it('failed: shows why (lastError) with the retry advice', async () => {
    const { view: v } = await renderPage(api('viewer', { status: 'FAILED', lastError: 'ThrottlingException: rate exceeded' }));
    await until(loaded(v), v);
    expect(text(v, '[data-testid="hub-status"]')).toBe('Last pull failed');
    expect(v.container.querySelector('[data-testid="hub-status"]')?.className).toContain('status-off');
    expect(text(v, '[data-testid="hub-fix"]')).toContain('tried again daily');
    expect(text(v, '[data-testid="hub-last-error"]')).toBe('Last error: ThrottlingException: rate exceeded');
  });

  it('never pulled: says so, and when it will be', async () => {
    const { view: v } = await renderPage(api('viewer', { status: null, checkedAt: null }));
    await until(loaded(v), v);
    expect(text(v, '[data-testid="hub-status"]')).toBe('Not pulled yet');
    expect(text(v, '[data-testid="hub-checked"]')).toBe('Not checked yet');
    expect(text(v, '[data-testid="hub-fix"]')).toContain('pulled daily');
  });

  it('says when only the management account is enrolled, and when AWS had more than is kept', async () => {
    const { view: v } = await renderPage(api('viewer', { status: 'ACTIVE', memberAccountsIncluded: false, truncated: true }));
    await until(loaded(v), v);
    expect(text(v, '[data-testid="insights-enrollment"]')).toContain('Only the management account is enrolled');
    expect(text(v, '[data-testid="insights-enrollment"]')).toContain('10,000 per payer');
  });

  it('an error loading the insights shows Retry, and Retry asks again', async () => {
    const handler = { current: api('viewer', { status: 'ACTIVE' }, { OptimizationInsights: () => failure('database unavailable', 'INTERNAL') }) };
    const fake = fakeApi(handler);
    view = await renderRoute({ client: fake.client, entry: '/payers/p-1/insights', path: '/payers/:payerId/insights', element: <InsightsPage /> });
    const v = view;
    await until(() => v.container.querySelector('[role="alert"]') !== null, v);
    expect(text(v, '[role="alert"]')).toContain('database unavailable');
    handler.current = api('viewer');
    await v.click(v.button('Retry'));
    await until(loaded(v), v);
    expect(ops(fake.calls, 'OptimizationInsights')).toHaveLength(2);
  });
});

describe('Refresh now', () => {
  it('is hidden from viewers', async () => {
    const { view: v, calls } = await renderPage(api('viewer'));
    await until(loaded(v), v);
    await until(() => ops(calls, 'Tenants').length > 0, v);
    await settle();
    expect(v.queryButton('Refresh now')).toBeNull();
    expect(v.container.querySelector('[data-testid="insights-recommendations"]')).not.toBeNull();
  });

  it('starts the pull for operators, shows the job, and reloads the insights when it has finished', async () => {
    const { view: v, calls } = await renderPage(api('operator'));
    await until(() => loaded(v)() && v.queryButton('Refresh now') !== null, v);
    const before = ops(calls, 'OptimizationInsights').length;
    await v.click(v.button('Refresh now'));
    await until(() => text(v, '[data-testid="job-status"]').includes('Succeeded'), v);
    expect(ops(calls, 'RefreshOptimizationInsights').map((c) => c.variables)).toEqual([{ payerId: 'p-1' }]);
    expect(text(v, '[data-testid="job-status"] h2')).toBe('Pulling savings recommendations');
    expect(v.container.querySelector('[data-testid="job-status"] a')?.getAttribute('href')).toBe('/jobs/job-9');
    await until(() => ops(calls, 'OptimizationInsights').length > before, v);
  });

  it('shows a refusal', async () => {
    const { view: v } = await renderPage(api('admin', { status: 'ACTIVE' }, { RefreshOptimizationInsights: () => failure('not allowed', 'FORBIDDEN') }));
    await until(() => loaded(v)() && v.queryButton('Refresh now') !== null, v);
    await v.click(v.button('Refresh now'));
    await until(() => v.container.querySelector('.form-error') !== null, v);
    expect(text(v, '.form-error')).toContain('You do not have permission to do that.');
    expect(v.container.querySelector('[data-testid="job-status"]')).toBeNull();
  });
});

describe('the customer filter', () => {
  const select = (v: Rendered) => v.container.querySelector<HTMLSelectElement>('#insights-customer')!;

  it('offers the customers of the by-customer list, asks for one customer’s recommendations, and keeps the choice in the address', async () => {
    const { view: v, calls } = await renderPage(api('viewer'));
    await until(() => rows(v, 'insights-recommendation-row').length > 0, v);
    expect([...select(v).options].map((o) => `${o.value}:${o.textContent}`)).toEqual([':All customers', 't-acme:Acme', 't-beta:Beta']);
    await setValue(select(v), 't-acme');
    await until(() => text(v, '[data-testid="insights-recommendations"] h2') === 'Recommendations for Acme' && rows(v, 'insights-recommendation-row').length === 2, v);
    expect(ops(calls, 'OptimizationInsights').map((c) => c.variables)).toContainEqual({ payerId: 'p-1', customerTenantId: 't-acme', first: 100 });
    expect(rows(v, 'insights-recommendation-row').map((r) => r.split(' | ')[1])).toEqual(['Acme', 'Acme']);
    // The by-customer table and the filter's choices stay those of the whole payer.
    expect(rows(v, 'insights-customer-row')).toHaveLength(3);
    expect(select(v).options).toHaveLength(3);
    expect(v.container.querySelector('[data-testid="insights-shown"]')).toBeNull();

    await setValue(select(v), '');
    await until(() => rows(v, 'insights-recommendation-row').length === 4, v);
    expect(text(v, '[data-testid="insights-recommendations"] h2')).toBe('Recommendations');
  });

  it('opens on the customer in the address (the Overview links there)', async () => {
    const { view: v, calls } = await renderPage(api('viewer'), '/payers/p-1/insights?customer=t-beta');
    await until(() => text(v, '[data-testid="insights-recommendations"] h2') === 'Recommendations for Beta' && rows(v, 'insights-recommendation-row').length === 1, v);
    expect(select(v).value).toBe('t-beta');
    expect(ops(calls, 'OptimizationInsights').map((c) => c.variables)).toContainEqual({ payerId: 'p-1', customerTenantId: 't-beta', first: 100 });
  });
});

describe('CSV downloads', () => {
  it('of the by-customer table and of the recommendations: formula-safe, with a BOM, amounts exact', async () => {
    const { view: v } = await renderPage(api('viewer'));
    await until(() => rows(v, 'insights-recommendation-row').length > 0, v);

    await v.click(v.button('Download CSV of By customer'));
    expect(saved[0].fileName).toBe('savings-by-customer-main-payer.csv');
    const byCustomer = await saved[0].blob.text();
    expect(byCustomer.startsWith(BOM)).toBe(true);
    expect(byCustomer.slice(1).split('\r\n')).toEqual([
      'Customer,Customer id,Recommendations,Savings/month,Currency',
      'Acme,t-acme,2,1220.5,USD',
      'No customer,,1,26.4078,USD',
      'Beta,t-beta,1,20,EUR',
      '',
    ]);

    await v.click(v.button('Download CSV of Recommendations'));
    expect(saved[1].fileName).toBe('savings-recommendations-main-payer.csv');
    const lines = (await saved[1].blob.text()).slice(1).split('\r\n');
    expect(lines[0]).toBe(
      'Account,Customer,Region,Resource type,Resource id,Action,Current,Recommended,Effort,Restart needed,Rollback possible,Cost/month,Savings/month,Currency',
    );
    expect(lines[1]).toBe('022222222222,Acme,eu-west-1,ComputeSavingsPlans,i-r1,Purchase Savings Plans,On-Demand,$2.10/hour,Very low,No,No,300,1200.5,USD');
    expect(lines[2]).toBe(`044444444444,No customer,eu-west-1,Ec2Instance,"'=HYPERLINK(""http://x.example"",""y"")",SomethingNew,m5.2xlarge,m5.large,High,Yes,No,300,26.4078,USD`);
    expect(lines).toHaveLength(6);
  });

  it('of one customer’s recommendations, named after it', async () => {
    const { view: v } = await renderPage(api('viewer'), '/payers/p-1/insights?customer=t-acme');
    await until(() => rows(v, 'insights-recommendation-row').length === 2, v);
    await v.click(v.button('Download CSV of Recommendations for Acme'));
    expect(saved[0].fileName).toBe('savings-recommendations-main-payer-acme.csv');
    expect((await saved[0].blob.text()).split('\r\n')).toHaveLength(4);
  });
});
