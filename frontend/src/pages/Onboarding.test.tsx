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

const onboarding = {
  customer: { id: 't-cust', name: 'Acme', kind: 'CUSTOMER' },
  complete: false,
  currentStep: { step: 'CONNECT_ACCOUNT', status: 'NOT_STARTED' },
  steps: [{ step: 'CONTRACT', status: 'DONE', startedAt: null, completedAt: null, blockingReason: null, nextAction: null }],
};

function api(who: Who, contracts: unknown[] = CONTRACTS): Handler {
  return (op) => {
    switch (op.operationName) {
      case 'Me':
        return me(who);
      case 'Tenants':
        return tenants;
      case 'Payers':
        return { data: { payers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: PAYERS } } };
      case 'Onboardings':
        return { data: { onboardings: [onboarding], contracts } };
      case 'Onboarding':
        return { data: { onboarding, contracts } };
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

async function renderPage(handler: Handler) {
  const fake = fakeApi(handler);
  calls = fake.calls;
  view = await renderRoute({ client: fake.client, entry: '/onboarding?tenant=t-reseller&customer=t-cust', path: '/onboarding', element: <OnboardingPage /> });
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
