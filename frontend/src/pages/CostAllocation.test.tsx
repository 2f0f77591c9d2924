// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, settle, until, type Answer, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { CostAllocationPage } from './CostAllocation';

// A payer's Cost allocation tags (#22 item 4): admins choose up to five tag keys or cost
// categories, reorder, remove and save them (the API's field errors next to the row); everyone
// else reads them; periods read before a key was selected are named, with "Read the exports
// again" when the payer has a cost export.

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
      nodes: [{ id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR', billingAddress: null, taxId: null, dashboardUrl: null, createdAt: '2026-01-01T00:00:00Z', parent: null }],
    },
  },
};

const payer = (costExportBucket: string | null) => ({
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
      costExportBucket,
      costExportPrefix: costExportBucket ? 'cur/' : null,
      cloudFormationQuickCreateUrl: null,
      dashboardUrl: null,
      createdAt: '2026-01-01T00:00:00Z',
      tenant: { id: 't-dist', name: 'Dist-Co', kind: 'DISTRIBUTOR' },
    },
  },
});

const KEYS = [
  { kind: 'TAG', name: 'team', periodsWithoutIt: ['2026-10', '2026-11'] },
  { kind: 'COST_CATEGORY', name: 'CostCenter', periodsWithoutIt: [] },
];

const job = (state: string) => ({
  id: 'job-7',
  kind: 'costs.ingest',
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

interface KeyInput {
  kind: string;
  name: string;
}

function api(who: Who, { bucket = 'cur-bucket' as string | null, keys = KEYS as unknown[], extra = {} as Partial<Record<string, Handler>> } = {}): Handler {
  return (op) => {
    const own = extra[op.operationName];
    if (own) return own(op);
    switch (op.operationName) {
      case 'Me':
        return me(who);
      case 'Tenants':
        return tenants;
      case 'Payer':
        return payer(bucket);
      case 'CostAllocationKeys':
        return { data: { costAllocationKeys: keys } };
      case 'SetCostAllocationKeys':
        return { data: { setCostAllocationKeys: (op.variables.keys as KeyInput[]).map((k) => ({ ...k, periodsWithoutIt: ['2026-11'] })) } };
      case 'IngestCosts':
        return { data: { ingestCosts: job('QUEUED') } };
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
});
afterEach(() => {
  view?.unmount();
  view = null;
  vi.useRealTimers();
});

async function renderPage(handler: Handler) {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry: '/payers/p-1/cost-allocation', path: '/payers/:payerId/cost-allocation', element: <CostAllocationPage /> });
  return { view, calls: fake.calls };
}

const ops = (calls: Operation[], name: string) => calls.filter((c) => c.operationName === name);
const text = (v: Rendered, selector: string) => clean(v.container.querySelector(selector)?.textContent);
const formShown = (v: Rendered) => () => v.container.querySelector('[data-testid="tags-form"]') !== null && v.queryButton('Save keys') !== null;
const input = (v: Rendered, label: string) => {
  const found = v.container.querySelector<HTMLInputElement | HTMLSelectElement>(`[aria-label="${label}"]`);
  if (!found) throw new Error(`no control labelled ${label}`);
  return found;
};
const names = (v: Rendered) => [...v.container.querySelectorAll<HTMLInputElement>('[data-testid="tags-form-row"] input')].map((i) => i.value);
const validation = (field: string, message: string): Answer => ({ errors: [{ message, extensions: { code: 'VALIDATION', field } }] });

describe('a payer’s Cost allocation tags, for an admin', () => {
  it('lists the keys in order with the periods read before each, and names the page', async () => {
    const { view: v, calls } = await renderPage(api('admin'));
    await until(formShown(v), v);
    expect(text(v, 'h1')).toBe('Cost allocation tags: Main payer');
    expect(document.title).toBe('Cost allocation tags: Main payer · Partner Billing');
    expect(v.container.querySelector('.crumbs a[href="/payers/p-1/billing"]')).not.toBeNull();
    expect(ops(calls, 'CostAllocationKeys').map((c) => c.variables)).toEqual([{ payerId: 'p-1' }]);
    expect(names(v)).toEqual(['team', 'CostCenter']);
    expect((input(v, 'Kind of key 2') as HTMLSelectElement).value).toBe('COST_CATEGORY');
    expect(text(v, '[data-testid="tags-periods-warning"]')).toContain(
      'team: 2026-10, 2026-11 were read before it was selected, so all their cost shows as “No team” until their exports are read again.',
    );
  });

  it('saves the keys as reordered, changed and added, then says they apply from the next ingestion and offers to read the exports again', async () => {
    const { view: v, calls } = await renderPage(api('admin'));
    await until(formShown(v), v);
    await v.click(v.button('Move key 2 up'));
    expect(names(v)).toEqual(['CostCenter', 'team']);
    await v.click(v.button('Add a key'));
    await setValue(input(v, 'Name of key 3') as HTMLInputElement, ' env ');
    await v.click(v.button('Add a key'));
    await setValue(input(v, 'Kind of key 4'), 'COST_CATEGORY');
    await setValue(input(v, 'Name of key 4') as HTMLInputElement, 'Business Unit');
    await v.click(v.button('Remove key 2'));
    expect(names(v)).toEqual(['CostCenter', ' env ', 'Business Unit']);
    await v.click(v.button('Save keys'));
    await until(() => v.container.querySelector('.notice') !== null, v);

    expect(ops(calls, 'SetCostAllocationKeys').map((c) => c.variables)).toEqual([
      {
        payerId: 'p-1',
        keys: [
          { kind: 'COST_CATEGORY', name: 'CostCenter' },
          { kind: 'TAG', name: 'env' },
          { kind: 'COST_CATEGORY', name: 'Business Unit' },
        ],
      },
    ]);
    expect(text(v, '.notice')).toContain('Keys saved. They apply from each billing period’s next ingestion');
    // The form shows what the API answered.
    expect(names(v)).toEqual(['CostCenter', 'env', 'Business Unit']);

    const readAgain = [...v.container.querySelectorAll<HTMLButtonElement>('.notice button')].find((b) => clean(b.textContent) === 'Read the exports again')!;
    await v.click(readAgain);
    await until(() => v.container.querySelector('[data-testid="job-status"]') !== null, v);
    expect(ops(calls, 'IngestCosts').map((c) => c.variables)).toEqual([{ payerId: 'p-1' }]);
    expect(text(v, '[data-testid="job-status"] h2')).toBe('Reading the cost exports again');
    // When the job has finished, the keys (and the periods without them) are asked again.
    await until(() => ops(calls, 'CostAllocationKeys').length === 2, v);
  });

  it('shows the API’s VALIDATION error next to the key it names, and one about the list under it', async () => {
    const { view: v } = await renderPage(
      api('admin', { extra: { SetCostAllocationKeys: () => validation('keys[1].name', 'keys[1].name: must be 1 to 128 characters of letters, digits, spaces and _ . : / = + - @') } }),
    );
    await until(formShown(v), v);
    await setValue(input(v, 'Name of key 2') as HTMLInputElement, 'CostCentre');
    await v.click(v.button('Save keys'));
    await until(() => v.container.querySelector('.field-error') !== null, v);
    const name = input(v, 'Name of key 2');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    const error = v.container.querySelector(`#${CSS.escape(name.getAttribute('aria-describedby')!)}`);
    expect(clean(error?.textContent)).toBe('Name of key 2 must be 1 to 128 characters of letters, digits, spaces and _ . : / = + - @');
    expect(input(v, 'Name of key 1').getAttribute('aria-invalid')).toBeNull();
    expect(v.container.querySelector('.notice')).toBeNull();
    expect(v.container.querySelector('.form-error')).toBeNull();
    view?.unmount();

    const { view: w } = await renderPage(api('admin', { extra: { SetCostAllocationKeys: () => validation('keys', 'keys: at most 5 keys') } }));
    await until(formShown(w), w);
    await w.click(w.button('Remove key 1'));
    await w.click(w.button('Save keys'));
    await until(() => w.container.querySelector('[data-testid="tags-list-error"]') !== null, w);
    expect(text(w, '[data-testid="tags-list-error"]')).toBe('Selected keys at most 5 keys');
  });

  it('checks the names before sending: required, AWS’s characters, no key twice', async () => {
    const { view: v, calls } = await renderPage(api('admin'));
    await until(formShown(v), v);
    await v.click(v.button('Add a key'));
    await v.click(v.button('Add a key'));
    await setValue(input(v, 'Name of key 4') as HTMLInputElement, 'team');
    await v.click(v.button('Add a key'));
    await setValue(input(v, 'Name of key 5') as HTMLInputElement, 'cost;center');
    await v.click(v.button('Save keys'));
    await settle();
    expect(ops(calls, 'SetCostAllocationKeys')).toHaveLength(0);
    expect([...v.container.querySelectorAll('.field-error')].map((e) => clean(e.textContent))).toEqual([
      'Name of key 3 is required',
      'Name of key 4 is already in the list',
      'Name of key 5 may hold only letters, digits, spaces and _ . : / = + - @',
    ]);
    // Five keys: no sixth.
    expect(v.button('Add a key').disabled).toBe(true);
    expect(text(v, '[data-testid="tags-form"] .field-hint')).toContain('At most 5 keys.');
  });

  it('saving no keys says so; a payer without a cost export has nothing to read again', async () => {
    const { view: v, calls } = await renderPage(api('admin', { bucket: null }));
    await until(formShown(v), v);
    await v.click(v.button('Remove key 2'));
    await v.click(v.button('Remove key 1'));
    expect(text(v, '[data-testid="tags-form"]')).toContain('No keys selected yet.');
    await v.click(v.button('Save keys'));
    await until(() => v.container.querySelector('.notice') !== null, v);
    expect(ops(calls, 'SetCostAllocationKeys').map((c) => c.variables)).toEqual([{ payerId: 'p-1', keys: [] }]);
    expect(text(v, '.notice')).toContain('Keys saved: none selected.');
    expect(v.queryButton('Read the exports again')).toBeNull();
  });

  it('saving what is already saved asks nothing', async () => {
    const { view: v, calls } = await renderPage(api('admin'));
    await until(formShown(v), v);
    await v.click(v.button('Save keys'));
    await until(() => v.container.querySelector('.notice') !== null, v);
    expect(text(v, '.notice')).toContain('Nothing changed.');
    expect(ops(calls, 'SetCostAllocationKeys')).toHaveLength(0);
  });
});

describe('a payer’s Cost allocation tags, for everyone else', () => {
  it('a viewer reads the keys, with no form and no way to read the exports again', async () => {
    const { view: v, calls } = await renderPage(api('viewer'));
    await until(() => v.container.querySelector('[data-testid="tags-list"]') !== null, v);
    await until(() => ops(calls, 'Tenants').length > 0, v);
    await settle();
    const rows = [...v.container.querySelectorAll('[data-testid="tags-row"]')].map((r) => [...r.children].map((c) => clean(c.textContent)).join(' | '));
    expect(rows).toEqual(['1 | team | Cost allocation tag | 2026-10, 2026-11', '2 | CostCenter | Cost category | —']);
    expect(text(v, '[data-testid="tags-list"]')).toContain('Only an admin of the payer’s partner changes these keys.');
    expect(v.container.querySelector('[data-testid="tags-form"]')).toBeNull();
    expect(v.container.querySelectorAll('input, select')).toHaveLength(0);
    expect(v.queryButton('Save keys')).toBeNull();
    expect(v.queryButton('Read the exports again')).toBeNull();
    expect(text(v, '[data-testid="tags-periods-warning"]')).toContain('team: 2026-10, 2026-11 were read before it was selected');
  });

  it('an operator reads the keys and may read the exports again', async () => {
    const { view: v, calls } = await renderPage(api('operator'));
    await until(() => v.container.querySelector('[data-testid="tags-list"]') !== null && v.queryButton('Read the exports again') !== null, v);
    expect(v.queryButton('Save keys')).toBeNull();
    await v.click(v.button('Read the exports again'));
    await until(() => ops(calls, 'IngestCosts').length > 0, v);
    expect(ops(calls, 'IngestCosts').map((c) => c.variables)).toEqual([{ payerId: 'p-1' }]);
  });

  it('no keys: says cost is not kept by tag', async () => {
    const { view: v } = await renderPage(api('viewer', { keys: [] }));
    await until(() => v.container.querySelector('[data-testid="tags-list"] .state-empty') !== null, v);
    expect(text(v, '[data-testid="tags-list"] .state-empty')).toBe('No keys selected: cost is not kept by tag for this payer.');
    expect(v.container.querySelector('[data-testid="tags-periods-warning"]')).toBeNull();
  });
});
