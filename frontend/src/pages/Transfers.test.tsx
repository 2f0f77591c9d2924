// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, until, type Answer, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { TransfersPage } from './Transfers';

type Who = 'admin' | 'payerAdmin' | 'operator' | 'viewer';

/** The signed-in user: an admin or operator of the payer's reseller, a payer admin, or a payer viewer. */
const me = (who: Who) => {
  const onTenant = (role: string) => ({ id: 'm1', role, userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: { id: 't-reseller', name: 'Reseller', kind: 'RESELLER' }, payer: null });
  const onPayer = (role: string) => ({ id: 'm1', role, userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant: null, payer: { id: 'p-1', name: 'Main payer', accountId: '111111111111' } });
  const membership = { admin: onTenant('ADMIN'), operator: onTenant('OPERATOR'), payerAdmin: onPayer('ADMIN'), viewer: onPayer('VIEWER') }[who];
  return {
    data: {
      demoOutboxEnabled: false,
      me: { id: 'u1', invitationPending: false, email: 'ops@partner.example', displayName: '', locale: 'en', disabled: false, createdAt: '2026-01-01T00:00:00Z', memberships: [membership] },
    },
  };
};

const tenants = {
  data: {
    tenants: {
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [
        { id: 't-root', name: 'Platform', kind: 'PLATFORM', billingAddress: null, taxId: null, createdAt: '2026-01-01T00:00:00Z', parent: null },
        { id: 't-reseller', name: 'Reseller', kind: 'RESELLER', billingAddress: null, taxId: null, createdAt: '2026-01-01T00:00:00Z', parent: { id: 't-root' } },
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
      status: 'CONNECTED',
      statusReason: null,
      lastCheckedAt: null,
      costExportBucket: null,
      costExportPrefix: null,
      cloudFormationQuickCreateUrl: null,
      createdAt: '2026-01-01T00:00:00Z',
      tenant: { id: 't-reseller', name: 'Reseller', kind: 'RESELLER' },
    },
  },
};

const transfer = (id: string, extra: Record<string, unknown>) => ({
  id,
  payerId: 'p-1',
  direction: 'INBOUND',
  managementAccountId: null,
  email: null,
  name: `Billing transfer ${id}`,
  startMonth: '2026-11',
  endMonth: null,
  status: 'ACTIVE',
  handshakeId: null,
  transferId: null,
  notes: null,
  expiresAt: null,
  billingGroup: null,
  invitedBy: 'ops@partner.example',
  createdAt: '2026-10-01T09:00:00Z',
  ...extra,
  updatedAt: (extra.updatedAt ?? extra.createdAt ?? '2026-10-01T09:00:00Z') as string,
});

/** Five transfers, answered oldest first: the page shows the newest first. */
const TRANSFERS = [
  transfer('t-ended', { name: 'Umbrella', managementAccountId: '444444444444', status: 'ENDED', startMonth: '2026-02', endMonth: '2026-06', handshakeId: 'h-ended', transferId: 'rt-ended', createdAt: '2026-01-10T09:00:00Z' }),
  transfer('t-declined', { name: 'Hooli', email: 'aws@hooli.example', status: 'DECLINED', startMonth: '2026-08', handshakeId: 'h-declined', createdAt: '2026-07-01T09:00:00Z' }),
  transfer('t-active', {
    name: 'Globex',
    managementAccountId: '222222222222',
    status: 'ACTIVE',
    startMonth: '2026-11',
    handshakeId: 'h-active',
    transferId: 'rt-active',
    billingGroup: { passthrough: false, pricingPlanId: 'plan-gold', billingConductorArn: null, createdAt: '2026-10-20T09:00:00Z' },
    createdAt: '2026-10-01T09:00:00Z',
    updatedAt: '2026-11-01T00:10:00Z',
  }),
  transfer('t-accepted', { name: 'Soylent', managementAccountId: '333333333333', status: 'ACCEPTED', startMonth: '2027-01', handshakeId: 'h-accepted', transferId: 'rt-accepted', createdAt: '2026-11-20T09:00:00Z' }),
  transfer('t-invited', {
    name: 'Initech',
    email: 'billing@initech.example',
    status: 'INVITED',
    startMonth: '2027-01',
    handshakeId: 'h-invited',
    expiresAt: '2026-12-20T09:00:00Z',
    notes: 'As agreed on the phone',
    createdAt: '2026-12-05T09:00:00Z',
  }),
];

const plans = [
  { id: 'plan-gold', name: 'Gold' },
  { id: 'plan-silver', name: 'Silver' },
];

const failure = (message: string, code: string, field?: string): Answer => ({ errors: [{ message, extensions: field ? { code, field } : { code } }] });

function api(who: Who, list: unknown[] = TRANSFERS, extra: Partial<Record<string, Handler>> = {}): Handler {
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
      case 'BillingTransfers':
        return { data: { billingTransfers: list, pricingPlans: plans } };
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

async function renderPage(handler: { current: Handler }, entry = '/payers/p-1/transfers') {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry, path: '/payers/:payerId/transfers', element: <TransfersPage /> });
  return { view, calls: fake.calls };
}

/** Each transfer row's cells (without the actions), joined by " | ". */
const rows = (v: Rendered) =>
  [...v.container.querySelectorAll('[data-testid="transfer-row"]')].map((r) =>
    [...r.children]
      .slice(0, -1)
      .map((c) => clean(c.textContent))
      .join(' | '),
  );
/** The buttons of each transfer row, by their accessible names. */
const rowButtons = (v: Rendered) =>
  [...v.container.querySelectorAll('[data-testid="transfer-row"]')].map((r) => [...r.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? clean(b.textContent)));
const listed = (v: Rendered) => () => v.container.querySelectorAll('[data-testid="transfer-row"]').length > 0;

/**
 * A month typed below the picker's `min` (a browser keeps it and flags it; the page's own check
 * names the field): happy-dom empties such a value instead, so the test lifts the `min` first.
 */
async function setBelowMin(control: HTMLInputElement, value: string) {
  control.removeAttribute('min');
  await setValue(control, value);
  expect(control.value).toBe(value);
}

/** The control labelled `label` (inside `within`, default the page). */
function control<T extends HTMLElement = HTMLInputElement>(v: Rendered, label: string, within: string = ''): T {
  const l = [...v.container.querySelectorAll(`${within} label`)].find((x) => clean(x.textContent) === label);
  if (!l) throw new Error(`no field ${label}`);
  return v.container.querySelector<T>(`#${CSS.escape(l.getAttribute('for')!)}`)!;
}
const fieldErrors = (v: Rendered) => [...v.container.querySelectorAll('.field-error')].map((e) => clean(e.textContent));
const submit = (v: Rendered, form: string) => act(async () => v.container.querySelector<HTMLFormElement>(form)!.requestSubmit());
const mutations = (calls: Operation[], name: string) => calls.filter((c) => c.operationName === name);

describe('the billing transfers page', () => {
  it('lists the transfers newest first, statuses in words, with months, AWS ids and the billing group', async () => {
    const { view: v } = await renderPage({ current: api('viewer') });
    await until(listed(v), v);
    expect(clean(v.container.querySelector('h1')?.textContent)).toBe('Billing transfers of Main payer');
    expect(rows(v)).toEqual([
      'billing@initech.example | InitechAs agreed on the phone | ✉ Invitedexpires Dec 20, 2026, 09:00 | 2027-01 | — | Handshake h-invitedTransfer not yet known | None yet | Dec 5, 2026, 09:00by ops@partner.example',
      '333333333333 | Soylent | ✓ Accepted | 2027-01 | — | Handshake h-acceptedTransfer rt-accepted | None yet | Nov 20, 2026, 09:00by ops@partner.example',
      '222222222222 | Globex | ● Active | 2026-11 | — | Handshake h-activeTransfer rt-active | Goldcreated Oct 20, 2026, 09:00 | Oct 1, 2026, 09:00by ops@partner.exampleupdated Nov 1, 2026, 00:10',
      'aws@hooli.example | Hooli | ✕ Declined | 2026-08 | — | Handshake h-declinedTransfer not yet known | None yet | Jul 1, 2026, 09:00by ops@partner.example',
      '444444444444 | Umbrella | ■ Ended | 2026-02 | 2026-06 | Handshake h-endedTransfer rt-ended | None yet | Jan 10, 2026, 09:00by ops@partner.example',
    ]);
    const statuses = [...v.container.querySelectorAll('[data-testid="transfer-status"]')].map((b) => clean(b.textContent));
    expect(statuses.join(' ')).not.toMatch(/INVITED|ACCEPTED|ACTIVE|DECLINED|ENDED/);
  });

  it('gives admins (of the tenant above or of the payer) the actions each state allows', async () => {
    for (const who of ['admin', 'payerAdmin'] as const) {
      const { view: v } = await renderPage({ current: api(who) });
      await until(listed(v), v);
      expect(v.queryButton('Invite an organization'), who).not.toBeNull();
      expect(rowButtons(v), who).toEqual([
        ['Withdraw the invitation Initech'],
        ['End the transfer Soylent', 'Create the billing group of Soylent', 'Automatic billing groups of Soylent'],
        // Globex has its billing group already: no second one.
        ['End the transfer Globex', 'Automatic billing groups of Globex'],
        [],
        [],
      ]);
      v.unmount();
      view = null;
    }
  });

  it('gives operators and viewers no action, only the preference to read', async () => {
    for (const who of ['operator', 'viewer'] as const) {
      const { view: v } = await renderPage({ current: api(who) });
      await until(listed(v), v);
      expect(v.queryButton('Invite an organization'), who).toBeNull();
      expect(rowButtons(v), who).toEqual([[], ['Automatic billing groups of Soylent'], ['Automatic billing groups of Globex'], [], []]);
      v.unmount();
      view = null;
    }
  });

  it('explains an empty list and how to start, by role', async () => {
    const { view: v } = await renderPage({ current: api('admin', []) });
    await until(() => v.container.querySelector('.state-empty') !== null, v);
    const text = clean(v.container.querySelector('.state-empty')?.textContent);
    expect(text).toMatch(/^No billing transfers yet\. With a billing transfer a customer keeps its own AWS organization/);
    expect(text).toContain('Start one with “Invite an organization”');
    v.unmount();
    const again = await renderPage({ current: api('viewer', []) });
    await until(() => again.view.container.querySelector('.state-empty') !== null, again.view);
    expect(clean(again.view.container.querySelector('.state-empty')?.textContent)).toContain('An admin of this payer starts one');
  });

  it('shows an error with Retry, and Retry asks again', async () => {
    const handler = { current: api('admin', TRANSFERS, { BillingTransfers: () => failure('database unavailable', 'INTERNAL') }) };
    const { view: v, calls } = await renderPage(handler);
    await until(() => v.container.querySelector('[role="alert"]') !== null, v);
    expect(v.container.querySelector('[role="alert"]')?.textContent).toContain('database unavailable');
    expect(v.container.querySelector('[data-testid="transfer-row"]')).toBeNull();
    handler.current = api('admin');
    await v.click(v.button('Retry'));
    await until(listed(v), v);
    expect(v.container.querySelector('[role="alert"]')).toBeNull();
    expect(mutations(calls, 'BillingTransfers')).toHaveLength(2);
  });
});

describe('inviting an organization', () => {
  const invited = transfer('t-new', { name: 'Initrode', managementAccountId: '210987654321', status: 'INVITED', startMonth: '2027-02', handshakeId: 'h-new', createdAt: '2026-12-06T10:00:00Z' });

  it('refuses a bad account id, naming the field, and sends nothing', async () => {
    const { view: v, calls } = await renderPage({ current: api('admin') });
    await until(listed(v), v);
    await v.click(v.button('Invite an organization'));
    const target = control(v, 'Management account id or email');
    await setValue(target, '12345');
    await submit(v, 'form[aria-labelledby="transfer-invite-title"]');
    expect(fieldErrors(v)).toEqual(['Management account id or email must be a 12-digit AWS account id']);
    expect(target.getAttribute('aria-invalid')).toBe('true');
    // The payer's own account is refused too.
    await setValue(target, '111111111111');
    await submit(v, 'form[aria-labelledby="transfer-invite-title"]');
    expect(fieldErrors(v)).toEqual(['Management account id or email is this payer itself; invite the customer’s management account']);
    // And a month already begun.
    await setValue(target, '210987654321');
    await setBelowMin(control(v, 'Start month'), '2026-12');
    await submit(v, 'form[aria-labelledby="transfer-invite-title"]');
    expect(fieldErrors(v)).toEqual(['Start month must not be in the past: its first day has gone']);
    expect(mutations(calls, 'InviteOrganizationToTransferBilling')).toEqual([]);
  });

  it('sends the account id, the first of the month, the name and notes, then lists the new transfer', async () => {
    let list = TRANSFERS;
    const { view: v, calls } = await renderPage({
      current: (op) =>
        api('admin', list, {
          InviteOrganizationToTransferBilling: () => {
            list = [...TRANSFERS, invited];
            return { data: { inviteOrganizationToTransferBilling: invited } };
          },
        })(op),
    });
    await until(listed(v), v);
    await v.click(v.button('Invite an organization'));
    // The form starts on the earliest month allowed: on December 6, January.
    expect(control(v, 'Start month').value).toBe('2027-01');
    await setValue(control(v, 'Management account id or email'), ' 2109-8765-4321 ');
    await setValue(control(v, 'Start month'), '2027-02');
    await setValue(control(v, 'Name (optional)'), ' Initrode ');
    await setValue(control<HTMLTextAreaElement>(v, 'Notes (optional)'), 'Welcome aboard');
    await submit(v, 'form[aria-labelledby="transfer-invite-title"]');
    await until(() => rows(v).length === 6, v);
    expect(mutations(calls, 'InviteOrganizationToTransferBilling').map((c) => c.variables)).toEqual([
      { input: { payerId: 'p-1', managementAccountId: '210987654321', email: null, startDate: '2027-02-01', name: 'Initrode', notes: 'Welcome aboard' } },
    ]);
    expect(clean(v.container.querySelector('.notice span')?.textContent)).toBe('Invitation sent to 210987654321. Once accepted, the transfer starts on the first of February 2027.');
    expect(rows(v)[0]).toMatch(/^210987654321 \| Initrode \| ✉ Invited/);
    expect(v.container.querySelector('form[aria-labelledby="transfer-invite-title"]')).toBeNull();
  });

  it('shows the API’s field error on its field, and its other errors above the form', async () => {
    const answers = [failure('startDate: must be the first day of a month (transfers take effect on the first)', 'VALIDATION', 'startDate'), failure('the customer’s organization already transfers its bill or has an open transfer invitation', 'CONFLICT')];
    const { view: v } = await renderPage({ current: api('admin', TRANSFERS, { InviteOrganizationToTransferBilling: () => answers.shift()! }) });
    await until(listed(v), v);
    await v.click(v.button('Invite an organization'));
    await setValue(control(v, 'Management account id or email'), 'billing@initrode.example');
    await submit(v, 'form[aria-labelledby="transfer-invite-title"]');
    await until(() => fieldErrors(v).length > 0, v);
    expect(fieldErrors(v)).toEqual(['Start month must be the first day of a month (transfers take effect on the first)']);
    await submit(v, 'form[aria-labelledby="transfer-invite-title"]');
    await until(() => v.container.querySelector('.form-error') !== null, v);
    expect(clean(v.container.querySelector('.form-error')?.textContent)).toContain('already transfers its bill');
    expect(fieldErrors(v)).toEqual([]);
  });
});

describe('acting on a transfer', () => {
  it('withdraws an invitation only after asking, and Cancel sends nothing', async () => {
    const withdrawn = { ...TRANSFERS[4], status: 'WITHDRAWN' };
    let list = TRANSFERS;
    const { view: v, calls } = await renderPage({
      current: (op) =>
        api('admin', list, {
          WithdrawBillingTransfer: () => {
            list = [...TRANSFERS.slice(0, 4), withdrawn];
            return { data: { withdrawBillingTransfer: withdrawn } };
          },
        })(op),
    });
    await until(listed(v), v);
    await v.click(v.button('Withdraw the invitation Initech'));
    expect(clean(v.container.querySelector('dialog h2')?.textContent)).toBe('Withdraw the invitation Initech?');
    expect(clean(v.container.querySelector('dialog .dialog-body')?.textContent)).toContain('billing@initech.example can no longer accept it');
    expect(mutations(calls, 'WithdrawBillingTransfer')).toEqual([]);
    await v.click(v.button('Cancel'));
    expect(v.container.querySelector('dialog')).toBeNull();
    expect(mutations(calls, 'WithdrawBillingTransfer')).toEqual([]);

    await v.click(v.button('Withdraw the invitation Initech'));
    await v.click(v.container.querySelector<HTMLButtonElement>('dialog button.danger')!);
    await until(() => rows(v)[0]?.includes('Withdrawn') ?? false, v);
    expect(mutations(calls, 'WithdrawBillingTransfer').map((c) => c.variables)).toEqual([{ id: 't-invited' }]);
    expect(rowButtons(v)[0]).toEqual([]);
  });

  it('ends a transfer from a chosen later month, refusing one not after the start', async () => {
    const { view: v, calls } = await renderPage({
      current: api('admin', TRANSFERS, { EndBillingTransfer: (op) => ({ data: { endBillingTransfer: { ...TRANSFERS[3], endMonth: String(op.variables.endDate).slice(0, 7) } } }) }),
    });
    await until(listed(v), v);
    await v.click(v.button('End the transfer Soylent'));
    const month = control(v, 'Ends on the first of', 'dialog');
    // Soylent starts in January 2027: the earliest end is February.
    expect(month.value).toBe('2027-02');
    await setBelowMin(month, '2027-01');
    await v.click(v.container.querySelector<HTMLButtonElement>('dialog button.danger')!);
    expect(fieldErrors(v)).toEqual(['Ends on the first of must be after the start month 2027-01']);
    expect(mutations(calls, 'EndBillingTransfer')).toEqual([]);
    await setValue(month, '2027-04');
    await v.click(v.container.querySelector<HTMLButtonElement>('dialog button.danger')!);
    await until(() => v.container.querySelector('dialog') === null, v);
    expect(mutations(calls, 'EndBillingTransfer').map((c) => c.variables)).toEqual([{ id: 't-accepted', endDate: '2027-04-01' }]);
    expect(clean(v.container.querySelector('.notice span')?.textContent)).toBe('The transfer Soylent ends on the first of April 2027.');
  });

  it('creates the billing group with Passthrough or a plan of the payer', async () => {
    const { view: v, calls } = await renderPage({
      current: api('admin', TRANSFERS, {
        CreateTransferBillingGroup: (op) => ({
          data: { createTransferBillingGroup: { ...TRANSFERS[3], billingGroup: { passthrough: op.variables.pricingPlanId === null, pricingPlanId: op.variables.pricingPlanId, billingConductorArn: null, createdAt: '2026-12-06T10:00:00Z' } } },
        }),
      }),
    });
    await until(listed(v), v);
    await v.click(v.button('Create the billing group of Soylent'));
    const plan = control<HTMLSelectElement>(v, 'Pricing plan', 'dialog');
    expect([...plan.options].map((o) => o.textContent)).toEqual(['Passthrough (the AWS bill unchanged)', 'Gold', 'Silver']);
    await setValue(plan, 'plan-silver');
    await v.click(v.container.querySelector<HTMLButtonElement>('dialog button.primary')!);
    await until(() => v.container.querySelector('dialog') === null, v);
    expect(mutations(calls, 'CreateTransferBillingGroup').map((c) => c.variables)).toEqual([{ billingTransferId: 't-accepted', pricingPlanId: 'plan-silver' }]);
  });

  it('reads the auto-create preference for a viewer, and lets an admin set it', async () => {
    const preference = { autoCreateBillingGroups: true, pricingPlanId: 'plan-gold' };
    const extra = {
      BillingTransferPreference: () => ({ data: { billingTransferPreference: preference } }),
      SetBillingTransferPreference: (op: Operation) => ({ data: { setBillingTransferPreference: { autoCreateBillingGroups: false, pricingPlanId: (op.variables.input as { pricingPlanId: string | null }).pricingPlanId } } }),
    };
    const read = await renderPage({ current: api('viewer', TRANSFERS, extra) });
    await until(listed(read.view), read.view);
    await read.view.click(read.view.button('Automatic billing groups of Globex'));
    await until(() => read.view.container.querySelector('[data-testid="preference-value"]') !== null, read.view);
    expect(clean(read.view.container.querySelector('[data-testid="preference-value"]')?.textContent)).toBe('On, with Gold.');
    expect(read.view.container.querySelector('[data-testid="transfer-preference"] form')).toBeNull();
    expect(mutations(read.calls, 'BillingTransferPreference').map((c) => c.variables)).toEqual([{ billingTransferId: 't-active' }]);
    read.view.unmount();

    const { view: v, calls } = await renderPage({ current: api('admin', TRANSFERS, extra) });
    await until(listed(v), v);
    await v.click(v.button('Automatic billing groups of Globex'));
    await until(() => v.container.querySelector('[data-testid="transfer-preference"] form') !== null, v);
    const box = v.container.querySelector<HTMLInputElement>('[data-testid="transfer-preference"] input[type="checkbox"]')!;
    expect(box.checked).toBe(true);
    await v.click(box);
    await setValue(control<HTMLSelectElement>(v, 'Pricing plan', '[data-testid="transfer-preference"]'), '');
    await submit(v, '[data-testid="transfer-preference"] form');
    await until(() => mutations(calls, 'SetBillingTransferPreference').length > 0 && v.container.querySelector('.notice') !== null, v);
    expect(mutations(calls, 'SetBillingTransferPreference').map((c) => c.variables)).toEqual([
      { billingTransferId: 't-active', input: { autoCreateBillingGroups: false, pricingPlanId: null } },
    ]);
  });
});

describe('opened from onboarding', () => {
  const FROM_ONBOARDING = '/payers/p-1/transfers?invite=1&from=onboarding&customer=t-cust&tenant=t-reseller';
  const inviteForm = (v: Rendered) => v.container.querySelector('form[aria-labelledby="transfer-invite-title"]');
  const back = (v: Rendered) => [...v.container.querySelectorAll('a')].find((a) => clean(a.textContent) === '← Back to onboarding') ?? null;

  it('opens the invitation form at once for an admin, with the way back to the customer’s onboarding', async () => {
    for (const who of ['admin', 'payerAdmin'] as const) {
      const { view: v } = await renderPage({ current: api(who) }, FROM_ONBOARDING);
      await until(() => inviteForm(v) !== null, v);
      expect(control(v, 'Start month').value, who).toBe('2027-01');
      expect(back(v)?.getAttribute('href'), who).toBe('/onboarding?tenant=t-reseller&customer=t-cust');
      // Cancel closes it for good: `?invite=1` does not open it again.
      await v.click(v.button('Cancel'));
      await until(listed(v), v);
      expect(inviteForm(v), who).toBeNull();
      expect(v.queryButton('Invite an organization'), who).not.toBeNull();
      v.unmount();
      view = null;
    }
  });

  it('ignores ?invite=1 for operators and viewers, who still get the way back', async () => {
    for (const who of ['operator', 'viewer'] as const) {
      const { view: v } = await renderPage({ current: api(who) }, FROM_ONBOARDING);
      await until(listed(v), v);
      expect(inviteForm(v), who).toBeNull();
      expect(v.queryButton('Invite an organization'), who).toBeNull();
      expect(back(v)?.getAttribute('href'), who).toBe('/onboarding?tenant=t-reseller&customer=t-cust');
      v.unmount();
      view = null;
    }
  });

  it('opens nothing and offers no way back when not opened from onboarding', async () => {
    const { view: v } = await renderPage({ current: api('admin') });
    await until(listed(v), v);
    expect(inviteForm(v)).toBeNull();
    expect(v.queryButton('Invite an organization')).not.toBeNull();
    expect(back(v)).toBeNull();
  });
});
