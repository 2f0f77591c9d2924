// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, until, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { PayersPage } from './Payers';

// The payers list with a reseller's payer (docs/channel.md, price stacking): it has no AWS
// access, so the list shows why and offers no AWS action on it.

/** An admin of the distributor: every action on every payer below it. */
const me = {
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
      memberships: [{ id: 'm1', role: 'ADMIN', userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' }, payer: null }],
    },
  },
};

const tenant = (id: string, name: string, kind: string, parent: string | null) => ({ id, name, kind, billingAddress: null, taxId: null, createdAt: '2026-01-01T00:00:00Z', parent: parent ? { id: parent } : null });
const tenants = {
  data: {
    tenants: {
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [tenant('t-root', 'Platform', 'PLATFORM', null), tenant('t-dist', 'Dist-Co', 'DISTRIBUTOR', 't-root'), tenant('t-resell', 'Resell-Co', 'RESELLER', 't-dist')],
    },
  },
};

const payer = (extra: Record<string, unknown>) => ({
  roleArn: 'arn:aws:iam::111111111111:role/PartnerBillingAccess',
  externalId: 'pb-x',
  statusReason: null,
  lastCheckedAt: null,
  costExportBucket: 'cur-bucket',
  costExportPrefix: 'cur/',
  cloudFormationQuickCreateUrl: 'https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate',
  createdAt: '2026-01-01T00:00:00Z',
  ...extra,
});
const PAYERS = [
  payer({ id: 'p-dist', accountId: '111111111111', name: 'Dist payer', status: 'CONNECTED', upstreamBillingGroupId: null, tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' } }),
  payer({
    id: 'p-res',
    accountId: '111111111111',
    name: 'Resell-Co on Dist payer',
    status: 'RESELLER',
    upstreamBillingGroupId: 'g-resell',
    roleArn: '',
    costExportBucket: null,
    costExportPrefix: null,
    tenant: { id: 't-resell', name: 'Resell-Co', kind: 'RESELLER' },
  }),
];

function api(extra: Partial<Record<string, Handler>> = {}): Handler {
  return (op) => {
    const own = extra[op.operationName];
    if (own) return own(op);
    switch (op.operationName) {
      case 'Me':
        return me;
      case 'Tenants':
        return tenants;
      case 'Payers':
        return { data: { payers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: PAYERS } } };
      case 'CostSummary':
        return { data: { costSummary: { currency: 'USD', total: '0', series: [], groups: [] } } };
      case 'BillingConductorStatus':
        return { data: { billingConductorStatus: { payerId: op.variables.payerId, mode: 'NATIVE', synced: 0, pending: 0, failed: [] } } };
      default:
        throw new Error(`unexpected operation ${op.operationName}`);
    }
  };
}

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

async function renderPage(handler: { current: Handler }) {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry: '/payers', element: <PayersPage /> });
  return { view, calls: fake.calls };
}

const row = (v: Rendered, name: string) => [...v.container.querySelectorAll('[data-testid="payer-row"]')].find((r) => clean(r.querySelector('th')?.textContent) === name)!;
/** A row's buttons and links, by their accessible names. */
const actions = (r: Element) => [...r.querySelectorAll('button, a')].map((b) => b.getAttribute('aria-label') ?? clean(b.textContent));
const listed = (v: Rendered) => () => v.container.querySelectorAll('[data-testid="payer-row"]').length === 2;

describe('a reseller payer in the payers list', () => {
  it('shows its status in words and why it has no AWS access, and offers no AWS action', async () => {
    const { view: v, calls } = await renderPage({ current: api() });
    await until(listed(v), v);
    const reseller = row(v, 'Resell-Co on Dist payer');
    const status = reseller.querySelector('.badge');
    expect(clean(status?.textContent)).toBe('Reseller payer');
    expect(clean(reseller.querySelector('[data-testid="reseller-note"]')?.textContent)).toBe(
      'Priced from its distributor’s billing group: it has no AWS access, so there is no connection to check, no cost export and no AWS action here.',
    );
    expect(actions(reseller)).toEqual(['Accounts of Resell-Co on Dist payer', 'Billing of Resell-Co on Dist payer', 'Edit Resell-Co on Dist payer', 'Remove Resell-Co on Dist payer']);
    // The connected payer beside it keeps every AWS action.
    const connected = row(v, 'Dist payer');
    expect(actions(connected)).toEqual(
      expect.arrayContaining(['Check the connection of Dist payer', 'Sync the accounts of Dist payer', 'Ingest the costs of Dist payer', 'Billing mode of Dist payer', 'SCPs of Dist payer']),
    );
    expect(connected.querySelector('[data-testid="reseller-note"]')).toBeNull();
    // Nothing AWS-backed is asked about the reseller payer.
    expect(calls.filter((c) => c.operationName === 'BillingConductorStatus').map((c) => c.variables)).toEqual([{ payerId: 'p-dist' }]);
  });

  it('edits only its name and dashboard link: no role ARN, no cost export', async () => {
    const updates: Operation[] = [];
    const { view: v } = await renderPage({
      current: api({
        UpdatePayer: (op) => {
          updates.push(op);
          return { data: { updatePayer: { ...PAYERS[1], name: 'Resell-Co wholesale' } } };
        },
      }),
    });
    await until(listed(v), v);
    await v.click(v.button('Edit Resell-Co on Dist payer'));
    const form = v.container.querySelector<HTMLFormElement>('form[aria-labelledby="edit-payer-title"]')!;
    expect([...form.querySelectorAll('label')].map((l) => clean(l.textContent))).toEqual(['Name', 'Dashboard link']);
    const name = form.querySelector<HTMLInputElement>('input[name="name"]')!;
    await setValue(name, 'Resell-Co wholesale');
    await act(async () => form.requestSubmit());
    await until(() => updates.length === 1, v);
    expect(updates.map((u) => u.variables)).toEqual([{ id: 'p-res', input: { name: 'Resell-Co wholesale' } }]);
  });
});

describe('the dashboard link of a payer', () => {
  const QUICKSIGHT = 'https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/cid-dist';
  const form = (v: Rendered) => v.container.querySelector<HTMLFormElement>('form[aria-labelledby="edit-payer-title"]')!;
  const linkInput = (v: Rendered) => form(v).querySelector<HTMLInputElement>('input[name="dashboardUrl"]')!;
  const fieldErrors = (v: Rendered) => [...v.container.querySelectorAll('.field-error')].map((e) => clean(e.textContent));
  const submit = (v: Rendered) => act(async () => form(v).requestSubmit());

  async function openEdit(extra: Partial<Record<string, Handler>>, payers = PAYERS) {
    const { view: v, calls } = await renderPage({
      current: api({ Payers: () => ({ data: { payers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: payers } } }), ...extra }),
    });
    await until(listed(v), v);
    await v.click(v.button('Edit Dist payer'));
    return { v, calls };
  }

  it('an admin gets the field with its hint; http:// is refused naming the field and nothing is sent; an https link is sent', async () => {
    const updates: Operation[] = [];
    const { v } = await openEdit({
      UpdatePayer: (op) => {
        updates.push(op);
        return { data: { updatePayer: { ...PAYERS[0], dashboardUrl: (op.variables.input as { dashboardUrl: string }).dashboardUrl } } };
      },
    });
    const input = linkInput(v);
    expect(input.value).toBe('');
    const label = form(v).querySelector(`label[for="${input.id}"]`);
    expect(clean(label?.textContent)).toBe('Dashboard link');
    expect(clean(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent)).toContain('Cloud Intelligence Dashboards or QuickSight, https://…');

    await setValue(input, 'http://quicksight.aws.amazon.com/sn/dashboards/cid');
    await submit(v);
    expect(fieldErrors(v)).toEqual(['Dashboard link must start with https://']);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(updates).toEqual([]);

    await setValue(input, 'https://me:secret@quicksight.aws.amazon.com/');
    await submit(v);
    expect(fieldErrors(v)).toEqual(['Dashboard link must not carry a user name or password']);
    expect(updates).toEqual([]);

    await setValue(input, `  ${QUICKSIGHT} `);
    expect(fieldErrors(v)).toEqual([]);
    await submit(v);
    await until(() => updates.length === 1, v);
    expect(updates[0].variables).toEqual({
      id: 'p-dist',
      input: { name: 'Dist payer', roleArn: 'arn:aws:iam::111111111111:role/PartnerBillingAccess', dashboardUrl: QUICKSIGHT },
    });
  });

  it('an emptied field removes the link ("" is sent); an unchanged one is not sent', async () => {
    const linked = [{ ...PAYERS[0], dashboardUrl: QUICKSIGHT }, PAYERS[1]];
    const updates: Operation[] = [];
    const { v } = await openEdit(
      {
        UpdatePayer: (op) => {
          updates.push(op);
          return { data: { updatePayer: { ...linked[0], dashboardUrl: null } } };
        },
      },
      linked,
    );
    expect(linkInput(v).value).toBe(QUICKSIGHT);
    await submit(v);
    await until(() => updates.length === 1, v);
    expect(updates[0].variables.input).not.toHaveProperty('dashboardUrl');

    await v.click(v.button('Edit Dist payer'));
    await setValue(linkInput(v), '');
    await submit(v);
    await until(() => updates.length === 2, v);
    expect((updates[1].variables.input as { dashboardUrl?: string }).dashboardUrl).toBe('');
  });

  it('the API’s VALIDATION on dashboardUrl is shown on the field', async () => {
    const { v, calls } = await openEdit({
      UpdatePayer: () => ({ errors: [{ message: 'dashboardUrl: must name a host', extensions: { code: 'VALIDATION', field: 'dashboardUrl' } }] }),
    });
    await setValue(linkInput(v), 'https://quicksight.aws.amazon.com/x');
    await submit(v);
    await until(() => fieldErrors(v).length > 0, v);
    expect(calls.filter((c) => c.operationName === 'UpdatePayer')).toHaveLength(1);
    expect(fieldErrors(v)).toEqual(['Dashboard link must name a host']);
    expect(linkInput(v).getAttribute('aria-invalid')).toBe('true');
    expect(v.container.querySelector('.form-error')).toBeNull();
  });

  it('an operator (not an admin) gets no edit form, so no dashboard link field', async () => {
    const operator = { data: { ...me.data, me: { ...me.data.me, memberships: [{ ...me.data.me.memberships[0], role: 'OPERATOR' }] } } };
    const { view: v } = await renderPage({ current: api({ Me: () => operator }) });
    await until(listed(v), v);
    // Operators still operate (so the abilities have loaded), but edit nothing.
    expect(actions(row(v, 'Dist payer'))).toContain('Check the connection of Dist payer');
    expect(v.queryButton('Edit Dist payer')).toBeNull();
    expect(v.container.querySelector('input[name="dashboardUrl"]')).toBeNull();
  });
});
