// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, settle, until, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { OverviewPage } from './Overview';

// The partner's Overview with dashboard links (issue #22 item 6): each payer shown that has a
// Cloud Intelligence Dashboards / QuickSight link gets a plain link beside the native charts,
// opening in a new tab; never a frame, and never a link that does not start with https://.

// ECharts needs a canvas happy-dom does not have: the chart is a labelled placeholder here.
vi.mock('../components/Chart', () => ({
  Chart: ({ label, testId }: { label: string; testId?: string }) => <div role="img" aria-label={label} data-testid={testId} />,
}));

const me = {
  data: {
    demoOutboxEnabled: false,
    me: {
      id: 'u1',
      invitationPending: false,
      email: 'viewer@distributor.example',
      displayName: '',
      locale: 'en',
      disabled: false,
      createdAt: '2026-01-01T00:00:00Z',
      memberships: [{ id: 'm1', role: 'VIEWER', userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' }, payer: null }],
    },
  },
};

const QUICKSIGHT = 'https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/cid-dist';

const payer = (id: string, name: string, dashboardUrl: string | null) => ({
  id,
  accountId: '111111111111',
  name,
  roleArn: 'arn:aws:iam::111111111111:role/PartnerBillingAccess',
  externalId: 'pb-x',
  upstreamBillingGroupId: null,
  status: 'CONNECTED',
  statusReason: null,
  lastCheckedAt: null,
  costExportBucket: null,
  costExportPrefix: null,
  cloudFormationQuickCreateUrl: null,
  dashboardUrl,
  createdAt: '2026-01-01T00:00:00Z',
  tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' },
});

const key = {
  accountId: null,
  service: null,
  serviceName: null,
  region: null,
  usageType: null,
  chargeType: null,
  serviceCategory: null,
};

/** Three payers: one with an https link, one whose stored link is not https, one with none. */
const PAYERS = [
  payer('p-1', 'Dist payer', QUICKSIGHT),
  payer('p-2', 'Old payer', 'http://quicksight.example/plain'),
  payer('p-3', 'Script payer', 'javascript:alert(document.cookie)'),
  payer('p-4', 'Bare payer', null),
];

const savings = (payerId: string, customerTenantId: string | null, customerName: string | null, count: number, amount: string, currency = 'USD') => ({
  payerId,
  customerTenantId,
  customerName,
  recommendationCount: count,
  currency,
  estimatedMonthlySavings: amount,
});

/** The upsell list as the fake API sends it (not in order: the card sorts it). */
let upsell: ReturnType<typeof savings>[] = [];
const UPSELL = [
  savings('p-2', null, null, 1, '50'),
  savings('p-1', 't-acme', 'Acme', 12, '1246.9078'),
  savings('p-4', 't-beta', '=Beta', 3, '300.1'),
  savings('p-1', 't-gamma', 'Gamma', 2, '300.1', 'EUR'),
];

/** Each payer's cost allocation keys as the fake API sends them (none unless a test says so). */
let keysOf: Record<string, unknown[]> = {};

interface TagInput {
  payerIds: string[];
  from: string;
  to: string;
  groupBy: string[];
  tagKey?: { kind: string; name: string };
  filter?: { tag: { key: { kind: string; name: string }; values: string[] } };
  metric?: string;
}

const tagKey = (tag: string | null, service: string | null = null, serviceName: string | null = null) => ({ tag, service, serviceName });

const handler: Handler = ({ operationName, variables }) => {
  switch (operationName) {
    case 'CostAllocationKeys':
      return { data: { costAllocationKeys: keysOf[variables.payerId as string] ?? [] } };
    case 'CostByTag': {
      const input = variables.input as TagInput;
      if (input.groupBy.join(',') === 'TAG')
        return {
          data: {
            costSummary: {
              currency: 'USD',
              total: '100',
              groups: [
                { amount: '12.5', key: tagKey('web') },
                { amount: '80', key: tagKey('') },
                { amount: '7.5', key: tagKey('=cmd|calc!A1') },
              ],
            },
          },
        };
      return {
        data: {
          costSummary: {
            currency: 'USD',
            total: '80',
            groups: [
              { amount: '70', key: tagKey(null, 'AmazonEC2', 'Amazon EC2') },
              { amount: '10', key: tagKey(null, 'AmazonS3', 'Amazon Simple Storage Service') },
            ],
          },
        },
      };
    }
    case 'OptimizationSavingsByCustomer':
      return { data: { optimizationSavingsByCustomer: upsell } };
    case 'Me':
      return me;
    case 'Payers':
      return { data: { payers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: PAYERS } } };
    case 'IngestionHealth':
      return { data: { ingestionHealth: { status: 'SUCCESS', reason: null, lagDays: 0, lastIngestion: null } } };
    case 'CostSummary':
      return {
        data: {
          costSummary: {
            currency: 'USD',
            total: '100',
            series: [{ period: '2026-12', amount: '100', key }],
            groups: [{ amount: '100', key: { ...key, service: 'AmazonEC2', serviceName: 'Amazon EC2', accountId: '011111111111', serviceCategory: 'Compute' } }],
          },
        },
      };
    case 'MonthOverMonth':
      return { data: { monthOverMonth: { month: '2026-12', changes: [] } } };
    case 'CostForecast':
      return { data: { costForecast: { month: '2026-12', monthToDate: '100', projected: '200', daysWithData: 6, daysInMonth: 31, method: 'LINEAR' } } };
    case 'LinkedAccounts':
      return { data: { linkedAccounts: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } } };
    default:
      throw new Error(`unexpected operation ${operationName}`);
  }
};

let view: Rendered | null = null;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00Z'));
});
afterEach(() => {
  view?.unmount();
  view = null;
  vi.useRealTimers();
});

async function renderOverview(entry: string) {
  const api = fakeApi(handler);
  view = await renderRoute({ client: api.client, entry, element: <OverviewPage /> });
  lastCalls = api.calls;
  return view;
}

let lastCalls: Operation[] = [];

beforeEach(() => {
  upsell = UPSELL;
  keysOf = {};
  saved.length = 0;
});

// Downloads are caught instead of saved.
const saved = vi.hoisted(() => [] as { blob: Blob; fileName: string }[]);
vi.mock('../components/DocumentDownloads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../components/DocumentDownloads')>()),
  saveBlob: (blob: Blob, fileName: string) => saved.push({ blob, fileName }),
}));

const upsellRows = (v: Rendered) =>
  [...v.container.querySelectorAll('[data-testid="upsell-row"]')].map((r) => [...r.children].map((c) => clean(c.textContent)).join(' | '));

const links = (v: Rendered) => [...v.container.querySelectorAll<HTMLAnchorElement>('a[data-testid="dashboard-link"]')];
const chartsShown = (v: Rendered) => () => v.container.querySelector('[data-testid="chart-trend"]') !== null;

describe('dashboard links on the Overview', () => {
  it('beside the charts, links each payer shown that has an https link: a new tab, no opener, no referrer, no frame', async () => {
    const v = await renderOverview('/');
    await until(chartsShown(v), v);
    const shown = links(v);
    expect(shown.map((a) => clean(a.textContent))).toEqual(['Open Dist payer’s dashboards ↗ (opens in a new tab)']);
    const [a] = shown;
    expect(a.getAttribute('href')).toBe(QUICKSIGHT);
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    expect(a.closest('ul')?.getAttribute('aria-label')).toBe('Dashboards of the payers shown');
    // Nothing embedded, and the stored http:// and javascript: links are nowhere in the page.
    expect(v.container.querySelectorAll('iframe, frame, object, embed')).toHaveLength(0);
    const hrefs = [...v.container.querySelectorAll('a')].map((x) => x.getAttribute('href') ?? '');
    expect(hrefs.filter((h) => !h.startsWith('/') && !h.startsWith('https://'))).toEqual([]);
    expect(v.container.innerHTML).not.toContain('quicksight.example');
    expect(v.container.innerHTML).not.toContain('javascript:');
  });

  it('with one payer chosen, only its link; none for a payer without one', async () => {
    const v = await renderOverview('/?payer=p-4');
    await until(chartsShown(v), v);
    expect(links(v)).toHaveLength(0);
    expect(v.container.querySelector('.dashboard-links')).toBeNull();
    view?.unmount();

    const w = await renderOverview('/?payer=p-1');
    await until(chartsShown(w), w);
    expect(links(w).map((a) => a.getAttribute('href'))).toEqual([QUICKSIGHT]);
  });
});

describe('the upsell card on the Overview', () => {
  it('lists savings per customer across the payers, largest first, with payer names and links to each payer’s insights', async () => {
    const v = await renderOverview('/');
    await until(() => upsellRows(v).length > 0, v);
    expect(clean(v.container.querySelector('[data-testid="upsell"] h2')?.textContent)).toBe('Savings to discuss with customers');
    expect(upsellRows(v)).toEqual([
      'Acme | Dist payer | 12 | $1,246.91 | USD | Insights',
      // Equal amounts: by customer name.
      '=Beta | Bare payer | 3 | $300.10 | USD | Insights',
      'Gamma | Dist payer | 2 | €300.10 | EUR | Insights',
      'No customer | Old payer | 1 | $50.00 | USD | Insights',
    ]);
    const links = [...v.container.querySelectorAll<HTMLAnchorElement>('[data-testid="upsell-row"] a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '/payers/p-1/insights?customer=t-acme',
      '/payers/p-4/insights?customer=t-beta',
      '/payers/p-1/insights?customer=t-gamma',
      '/payers/p-2/insights',
    ]);
    expect(links[0].getAttribute('aria-label')).toBe('Savings insights of Dist payer for Acme');
  });

  it('downloads the list as formula-safe CSV, with the payer', async () => {
    const v = await renderOverview('/');
    await until(() => upsellRows(v).length > 0, v);
    await v.click(v.button('Download CSV of Savings to discuss with customers'));
    expect(saved.map((x) => x.fileName)).toEqual(['savings-by-customer.csv']);
    expect((await saved[0].blob.text()).slice(1).split('\r\n')).toEqual([
      'Customer,Customer id,Payer,Recommendations,Savings/month,Currency',
      'Acme,t-acme,Dist payer,12,1246.9078,USD',
      "'=Beta,t-beta,Bare payer,3,300.1,USD",
      'Gamma,t-gamma,Dist payer,2,300.1,EUR',
      'No customer,,Old payer,1,50,USD',
      '',
    ]);
  });

  it('with one payer chosen, only its customers', async () => {
    const v = await renderOverview('/?payer=p-1');
    await until(() => upsellRows(v).length > 0, v);
    expect(upsellRows(v).map((r) => r.split(' | ')[0])).toEqual(['Acme', 'Gamma']);
  });

  it('says when there is nothing yet, and how it comes', async () => {
    upsell = [];
    const v = await renderOverview('/');
    await until(() => v.container.querySelector('[data-testid="upsell"] .state-empty') !== null, v);
    expect(v.container.querySelector('[data-testid="upsell"] .state-empty')?.textContent).toContain('once Cost Optimization Hub is turned on for a payer');
    expect(v.button('Download CSV of Savings to discuss with customers').disabled).toBe(true);
  });
});

describe('cost by tag on the Overview', () => {
  const tagRows = (v: Rendered) => [...v.container.querySelectorAll('[data-testid="by-tag-row"]')].map((r) => [...r.children].map((c) => clean(c.textContent)).join(' | '));
  const byTagCalls = () => lastCalls.filter((c) => c.operationName === 'CostByTag').map((c) => c.variables.input as TagInput);
  const text = (v: Rendered, selector: string) => clean(v.container.querySelector(selector)?.textContent);

  beforeEach(() => {
    keysOf = {
      'p-1': [
        { kind: 'TAG', name: 'team', periodsWithoutIt: [] },
        { kind: 'COST_CATEGORY', name: 'CostCenter', periodsWithoutIt: ['2026-12'] },
      ],
      'p-4': [{ kind: 'COST_CATEGORY', name: 'CostCenter', periodsWithoutIt: [] }],
    };
  });

  it('asks costSummary grouped by TAG with the first key, of the payers that keep it; labels the value without the key and names the payers left out', async () => {
    const v = await renderOverview('/');
    await until(() => tagRows(v).length > 0, v);
    expect(text(v, '[data-testid="by-tag"] h2')).toBe('Cost by tag in 2026-12');
    expect(byTagCalls()).toEqual([{ payerIds: ['p-1'], from: '2026-12-01', to: '2026-12-31', granularity: 'MONTH', groupBy: ['TAG'], tagKey: { kind: 'TAG', name: 'team' } }]);
    // AWS cost (the default metric), sorted by amount; the empty value is "No team".
    expect(tagRows(v)).toEqual(['No team | $80.00', 'web | $12.50', '=cmd|calc!A1 | $7.50']);
    expect(text(v, '[data-testid="by-tag-left-out"]')).toBe('Left out: Old payer, Script payer, Bare payer, which do not keep team.');
    expect(v.container.querySelector('[data-testid="by-tag-hint"]')).toBeNull();
  });

  it('downloads the values as formula-safe CSV', async () => {
    const v = await renderOverview('/');
    await until(() => tagRows(v).length > 0, v);
    await v.click(v.button('Download CSV of Cost by tag in 2026-12'));
    expect(saved.map((x) => x.fileName)).toEqual(['cost-by-tag-team-2026-12.csv']);
    expect((await saved[0].blob.text()).slice(1).split('\r\n')).toEqual(['team,Cost,Currency', 'No team,80,USD', 'web,12.5,USD', "'=cmd|calc!A1,7.5,USD", '']);
  });

  it('another key asks every payer that keeps it, and says when the month was read before it was selected, linking to the payer’s keys', async () => {
    const v = await renderOverview('/');
    await until(() => tagRows(v).length > 0, v);
    await setValue(v.container.querySelector<HTMLSelectElement>('[data-testid="by-tag"] select')!, 'COST_CATEGORY:CostCenter');
    await until(() => byTagCalls().length === 2 && tagRows(v).length > 0, v);
    expect(byTagCalls()[1]).toMatchObject({ payerIds: ['p-1', 'p-4'], groupBy: ['TAG'], tagKey: { kind: 'COST_CATEGORY', name: 'CostCenter' } });
    expect(tagRows(v)[0]).toBe('No CostCenter | $80.00');
    expect(text(v, '[data-testid="by-tag-read-before"]')).toMatch(/^2026-12 was read before CostCenter was selected: its cost shows as “No CostCenter”/);
    expect(v.container.querySelector('[data-testid="by-tag-read-before"] a')?.getAttribute('href')).toBe('/payers/p-1/cost-allocation');
  });

  it('a value clicked shows its services, filtered by the tag; All values goes back', async () => {
    const v = await renderOverview('/?payer=p-1');
    await until(() => tagRows(v).length > 0, v);
    await v.click(v.button('Show the services of No team'));
    await until(() => v.container.querySelectorAll('[data-testid="by-tag-service-row"]').length > 0, v);
    expect(byTagCalls()[1]).toMatchObject({ payerIds: ['p-1'], groupBy: ['SERVICE'], filter: { tag: { key: { kind: 'TAG', name: 'team' }, values: [''] } } });
    expect(text(v, '[data-testid="by-tag"] h2')).toBe('Services without team, 2026-12');
    await v.click(v.button('Download CSV of Services without team, 2026-12'));
    expect(saved.map((x) => x.fileName)).toEqual(['cost-by-tag-team-none-services-2026-12.csv']);
    expect((await saved[0].blob.text()).slice(1).split('\r\n')).toEqual([
      'Service,Service code,Cost,Currency',
      'Amazon EC2,AmazonEC2,70,USD',
      'Amazon Simple Storage Service,AmazonS3,10,USD',
      '',
    ]);
    await v.click(v.button('All values'));
    await until(() => tagRows(v).length > 0, v);
  });

  it('no key on the payers shown: a short hint linking to their Cost allocation tags pages, and no card', async () => {
    keysOf = {};
    const v = await renderOverview('/');
    await until(() => v.container.querySelector('[data-testid="by-tag-hint"]') !== null, v);
    expect(text(v, '[data-testid="by-tag-hint"]')).toMatch(/^Show cost by your cost allocation tags or cost categories/);
    expect([...v.container.querySelectorAll('[data-testid="by-tag-hint"] a')].map((a) => a.getAttribute('href'))).toEqual([
      '/payers/p-1/cost-allocation',
      '/payers/p-2/cost-allocation',
      '/payers/p-3/cost-allocation',
      '/payers/p-4/cost-allocation',
    ]);
    view?.unmount();

    const w = await renderOverview('/?payer=p-2');
    await until(() => w.container.querySelector('[data-testid="by-tag-hint"]') !== null, w);
    await settle();
    expect([...w.container.querySelectorAll('[data-testid="by-tag-hint"] a')].map((a) => clean(a.textContent))).toEqual(['Cost allocation tags of Old payer']);
    expect(w.container.querySelector('[data-testid="by-tag"]')).toBeNull();
    expect(byTagCalls()).toEqual([]);
  });
});
