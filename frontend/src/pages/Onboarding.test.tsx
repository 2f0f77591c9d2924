// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { clean, fakeApi, renderRoute, settle, until, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { OnboardingPage } from './Onboarding';

type Who = 'admin' | 'operator' | 'viewer';

/**
 * The signed-in user. The payer p-1 belongs to the distributor: its admin may do everything; the
 * reseller's admin (who runs onboarding for its customer) holds OPERATOR or VIEWER on the payer.
 */
const me = (who: Who) => {
  const membership = (id: string, role: string, tenant: unknown, payer: unknown) => ({ id, role, userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant, payer });
  const distributorAdmin = membership('m1', 'ADMIN', { id: 't-dist', name: 'Distributor', kind: 'DISTRIBUTOR' }, null);
  const resellerAdmin = membership('m1', 'ADMIN', { id: 't-reseller', name: 'Reseller', kind: 'RESELLER' }, null);
  const onPayer = (role: string) => membership('m2', role, null, { id: 'p-1', name: 'Main payer', accountId: '111111111111' });
  const memberships = { admin: [distributorAdmin], operator: [resellerAdmin, onPayer('OPERATOR')], viewer: [resellerAdmin, onPayer('VIEWER')] }[who];
  return {
    data: {
      demoOutboxEnabled: false,
      me: { id: 'u1', invitationPending: false, email: 'ops@partner.example', displayName: '', locale: 'en', disabled: false, createdAt: '2026-01-01T00:00:00Z', memberships },
    },
  };
};

const tenant = (id: string, name: string, kind: string, parent: string | null) => ({ id, name, kind, billingAddress: null, taxId: null, createdAt: '2026-01-01T00:00:00Z', parent: parent ? { id: parent } : null });
const tenants = {
  data: {
    tenants: {
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [
        tenant('t-root', 'Platform', 'PLATFORM', null),
        tenant('t-dist', 'Distributor', 'DISTRIBUTOR', 't-root'),
        tenant('t-reseller', 'Reseller', 'RESELLER', 't-dist'),
        tenant('t-cust', 'Acme', 'CUSTOMER', 't-reseller'),
      ],
    },
  },
};

const payer = (id: string, name: string, accountId: string, extra: Record<string, unknown> = {}) => ({
  id,
  accountId,
  name,
  roleArn: `arn:aws:iam::${accountId}:role/PartnerBillingAccess`,
  externalId: 'pb-x',
  upstreamBillingGroupId: null,
  status: 'CONNECTED',
  statusReason: null,
  lastCheckedAt: null,
  costExportBucket: null,
  costExportPrefix: null,
  cloudFormationQuickCreateUrl: null,
  createdAt: '2026-01-01T00:00:00Z',
  tenant: { id: 't-dist', name: 'Distributor', kind: 'DISTRIBUTOR' },
  ...extra,
});
const PAYERS = [
  payer('p-1', 'Main payer', '111111111111'),
  // Priced from the distributor's billing group, with no AWS access: no way in through it.
  payer('p-res', 'Reseller payer', '222222222222', { status: 'RESELLER', tenant: { id: 't-reseller', name: 'Reseller', kind: 'RESELLER' } }),
  // Only an ended contract covers it.
  payer('p-old', 'Old payer', '333333333333'),
];

const contract = (id: string, status: string, payerIds: string[]) => ({
  id,
  name: `Contract ${id}`,
  customerTenantId: 't-cust',
  startDate: '2026-01-01',
  endDate: status === 'ENDED' ? '2026-06-30' : null,
  renewal: 'AUTO',
  status,
  payerIds,
  billingEmail: 'ap@acme.example',
  contractChangeEmail: 'contracts@acme.example',
  invoicePrefix: 'ACME',
  currency: 'USD',
  taxRate: '0',
  taxInclusive: false,
  paymentTermsDays: 30,
  language: 'en',
});
const CONTRACTS = [contract('c-old', 'ENDED', ['p-old']), contract('c-now', 'ACTIVE', ['p-1', 'p-res'])];

const onboardingOf = (id: string, name: string) => ({
  customer: { id, name, kind: 'CUSTOMER' },
  complete: false,
  currentStep: { step: 'CONNECT_ACCOUNT', status: 'NOT_STARTED' },
  steps: [{ step: 'CONTRACT', status: 'DONE', startedAt: null, completedAt: null, blockingReason: null, nextAction: null }],
});
const onboarding = onboardingOf('t-cust', 'Acme');

/**
 * A page of a connection as the API answers it: `first` rows (or `size`, when the test makes pages
 * small) after the cursor `after`; the cursor of a row is `cursor-<its index>`.
 */
function connection<T>(items: readonly T[], variables: Record<string, unknown>, size?: number) {
  const after = variables.after;
  const start = typeof after === 'string' ? Number(after.slice('cursor-'.length)) + 1 : 0;
  const count = size ?? (typeof variables.first === 'number' ? variables.first : 50);
  const nodes = items.slice(start, start + count);
  return { pageInfo: { hasNextPage: start + count < items.length, endCursor: nodes.length > 0 ? `cursor-${start + nodes.length - 1}` : null }, nodes };
}

/** The fake API; with `pageSize`, the customers and the contracts come that many to a page. */
function api(who: Who, contracts: unknown[] = CONTRACTS, { onboardings = [onboarding], pageSize }: { onboardings?: unknown[]; pageSize?: number } = {}): Handler {
  return (op) => {
    switch (op.operationName) {
      case 'Me':
        return me(who);
      case 'Tenants':
        return tenants;
      case 'Payers':
        return { data: { payers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: PAYERS } } };
      case 'Onboardings':
        return { data: { onboardings: connection(onboardings, op.variables, pageSize) } };
      case 'Contracts':
        // The tenant's subtree (t-reseller) and the customer itself (t-cust) hold the same contracts.
        return { data: { contracts: connection(contracts, op.variables, pageSize) } };
      case 'Onboarding':
        return { data: { onboarding } };
      case 'RefreshOnboarding':
        return { data: { refreshOnboarding: onboarding } };
      case 'SourceDataHealth':
        return { data: { sourceDataHealth: { tenantId: 't-reseller', tenantName: 'Reseller', health: 'SUCCESS', reason: 'All good', entries: [] } } };
      case 'CostExportValidation':
        return { data: { costExportValidation: null } };
      default:
        throw new Error(`unexpected operation ${op.operationName}`);
    }
  };
}

let view: Rendered | null = null;
/** The requests of the page rendered last. */
let calls: Operation[] = [];
afterEach(() => {
  view?.unmount();
  view = null;
  calls = [];
});

async function renderPage(handler: Handler | { current: Handler }, entry = '/onboarding?tenant=t-reseller&customer=t-cust') {
  const fake = fakeApi(handler);
  calls = fake.calls;
  view = await renderRoute({ client: fake.client, entry, path: '/onboarding', element: <OnboardingPage /> });
  return view;
}

const card = (v: Rendered) => v.container.querySelector('[data-testid="bring-in"]');
const shown = (v: Rendered) => () => card(v) !== null;
/** The two ways' headings. */
const ways = (v: Rendered) => [...v.container.querySelectorAll('[data-testid="bring-in-way"] h4')].map((h) => clean(h.textContent));
/** Each payer row: its name and its links, by accessible name and target. */
const payerRows = (v: Rendered) =>
  [...v.container.querySelectorAll('[data-testid="bring-in-payer"]')].map((r) => ({
    payer: clean(r.querySelector('th')?.textContent),
    links: [...r.querySelectorAll('a')].map((a) => `${a.getAttribute('aria-label')} → ${a.getAttribute('href')}`),
  }));

describe('how a customer’s AWS usage comes in', () => {
  it('offers both ways, and to an admin of the payer both actions on each payer the contracts in force cover', async () => {
    const v = await renderPage(api('admin'));
    await until(() => v.container.querySelector('[data-testid="bring-in-payer"]') !== null, v);
    expect(clean(card(v)?.querySelector('h3')?.textContent)).toBe('How this customer’s AWS usage comes in');
    expect(ways(v)).toEqual(['Linked accounts in your organization', 'Billing Transfer of the customer’s organization']);
    const text = clean(card(v)?.textContent);
    expect(text).toContain('no AWS organization of its own');
    expect(text).toContain('only the bill moves, from the first of a month');
    // p-res is a reseller's payer (no AWS access); p-old is covered only by an ended contract.
    expect(payerRows(v)).toEqual([
      {
        payer: 'Main payer 111111111111',
        links: [
          'Add linked accounts to Main payer → /payers/p-1/accounts',
          'Invite to transfer billing to Main payer → /payers/p-1/transfers?invite=1&from=onboarding&customer=t-cust&tenant=t-reseller',
        ],
      },
    ]);
    expect(v.container.querySelector('[data-testid="bring-in-contract-first"]')).toBeNull();
  });

  it('gives an operator of the payer linked accounts only (inviting a transfer is for admins)', async () => {
    const v = await renderPage(api('operator'));
    await until(() => v.container.querySelector('[data-testid="bring-in-payer"]') !== null, v);
    expect(payerRows(v)).toEqual([{ payer: 'Main payer 111111111111', links: ['Add linked accounts to Main payer → /payers/p-1/accounts'] }]);
  });

  it('shows a viewer of the payer the explanation only', async () => {
    const v = await renderPage(api('viewer'));
    await until(shown(v), v);
    // Wait for the payers too, so that "no actions" is the answer and not the loading state.
    await until(() => calls.some((c) => c.operationName === 'Payers'), v);
    await settle();
    await until(() => v.container.querySelector('[data-testid="bring-in-payers"]') === null, v);
    expect(ways(v)).toEqual(['Linked accounts in your organization', 'Billing Transfer of the customer’s organization']);
    expect(v.container.querySelector('[data-testid="bring-in-payers"]')).toBeNull();
    expect(card(v)?.querySelectorAll('a')).toHaveLength(0);
    expect(v.container.querySelector('[data-testid="bring-in-contract-first"]')).toBeNull();
  });

  it('says a contract with payers comes first when none in force covers a payer', async () => {
    for (const contracts of [[], [contract('c-old', 'ENDED', ['p-old']), contract('c-empty', 'PENDING', [])]]) {
      const v = await renderPage(api('admin', contracts));
      await until(() => v.container.querySelector('[data-testid="bring-in-contract-first"]') !== null, v);
      expect(clean(v.container.querySelector('[data-testid="bring-in-contract-first"]')?.textContent)).toMatch(/^A contract with payers comes first/);
      expect(ways(v)).toHaveLength(2);
      expect(card(v)?.querySelectorAll('a')).toHaveLength(0);
      v.unmount();
      view = null;
    }
  });
});

describe('the Customer view from the onboarding list', () => {
  it('links each customer row to that customer’s Customer view, beside Open', async () => {
    const v = await renderPage(api('viewer'));
    await until(() => v.container.querySelector('[data-testid="onboarding-row"]') !== null, v);
    const row = v.container.querySelector('[data-testid="onboarding-row"]')!;
    const links = [...row.querySelectorAll<HTMLAnchorElement>('a[data-testid="customer-view-link"]')];
    expect(links.map((a) => [clean(a.textContent), a.getAttribute('aria-label'), a.getAttribute('href')])).toEqual([
      ['Customer view', 'Open the customer view of Acme', '/customers/t-cust'],
    ]);
  });
});

/** The customer rows: name and contract cell. */
const customerRows = (v: Rendered) =>
  [...v.container.querySelectorAll('[data-testid="onboarding-row"]')].map((r) => `${clean(r.querySelector('th')?.textContent)}: ${clean(r.querySelector('td')?.textContent)}`);
const contractRows = (v: Rendered) => [...v.container.querySelectorAll('[data-testid="contract-row"]')].map((r) => clean(r.textContent).split(' · ')[0]);
const requests = (name: string) => calls.filter((c) => c.operationName === name).map((c) => c.variables);

describe('the customer list, a page at a time', () => {
  const BETA = onboardingOf('t-beta', 'Beta');

  it('reads the next page with the first page’s endCursor on "Load more", then offers no more', async () => {
    const v = await renderPage(api('viewer', CONTRACTS, { onboardings: [onboarding, BETA], pageSize: 1 }), '/onboarding?tenant=t-reseller');
    await until(() => customerRows(v).length === 1 && v.queryButton('Load more') !== null, v);
    expect(customerRows(v)).toEqual([expect.stringMatching(/^Acme: /)]);
    expect(requests('Onboardings')).toEqual([{ tenantId: 't-reseller', first: 100, after: null }]);

    await v.click(v.button('Load more'));
    await until(() => customerRows(v).length === 2, v);
    expect(customerRows(v)).toEqual([expect.stringMatching(/^Acme: /), 'Beta: No contract']);
    // The first page answered endCursor `cursor-0`.
    expect(requests('Onboardings')).toEqual([
      { tenantId: 't-reseller', first: 100, after: null },
      { tenantId: 't-reseller', first: 100, after: 'cursor-0' },
    ]);
    expect(v.queryButton('Load more')).toBeNull();
  });

  it('names a customer’s contract from any page of contracts, and lists every contract of the open customer', async () => {
    // Oldest first, a contract to a page: the active contract is on the second page.
    const v = await renderPage(api('viewer', CONTRACTS, { pageSize: 1 }));
    await until(() => contractRows(v).length === 2 && customerRows(v).length === 1, v);
    expect(customerRows(v)).toEqual([expect.stringMatching(/^Acme: Contract c-now Active/)]);
    expect(contractRows(v)).toEqual([expect.stringMatching(/^Contract c-old Ended/), expect.stringMatching(/^Contract c-now Active/)]);
    // Every page, for the tenant's list and for the customer's own.
    expect(requests('Contracts')).toEqual(
      expect.arrayContaining([
        { tenantId: 't-reseller', first: 100, after: null },
        { tenantId: 't-reseller', first: 100, after: 'cursor-0' },
        { tenantId: 't-cust', first: 100, after: null },
        { tenantId: 't-cust', first: 100, after: 'cursor-0' },
      ]),
    );
    expect(v.queryButton('Load more')).toBeNull();
  });

  it('keeps the pages it has shown, and the rows on screen meanwhile, when a change to the open customer refreshes the lists', async () => {
    const base = api('admin', CONTRACTS, { onboardings: [onboarding, BETA], pageSize: 1 });
    const handler = { current: base };
    const v = await renderPage(handler);
    await until(() => v.queryButton('Load more') !== null && v.queryButton('Refresh') !== null && contractRows(v).length === 2, v);
    await v.click(v.button('Load more'));
    await until(() => customerRows(v).length === 2, v);
    const before = calls.length;

    // The lists' answers wait until released: what is on screen meanwhile stays.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    handler.current = (op) => (op.operationName === 'Onboardings' || op.operationName === 'Contracts' ? held.then(() => base(op)) : base(op));
    await v.click(v.button('Refresh'));
    await until(() => v.container.textContent?.includes('Checked again: connections and cost exports.') === true, v);
    await until(() => requests('Onboardings').length === 3, v);
    expect(customerRows(v).map((r) => r.split(':')[0])).toEqual(['Acme', 'Beta']);
    expect(contractRows(v)).toHaveLength(2);
    expect(v.container.querySelector('.state-loading')).toBeNull();

    release();
    await until(() => requests('Onboardings').length === 4, v);
    await settle();
    // Both pages again, from the start.
    expect(requests('Onboardings').slice(2)).toEqual([
      { tenantId: 't-reseller', first: 100, after: null },
      { tenantId: 't-reseller', first: 100, after: 'cursor-0' },
    ]);
    expect(customerRows(v).map((r) => r.split(':')[0])).toEqual(['Acme', 'Beta']);
    expect(contractRows(v)).toHaveLength(2);
    expect(calls.slice(before).map((c) => c.operationName)).toContain('RefreshOnboarding');
  });
});
