// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, settle, until, type Answer, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { ConnectPage } from './Connect';

const TENANT = 't-initech';
const ACCOUNT = '012345678901';

const GLOBEX = 't-globex';
const membership = (id: string, role: 'ADMIN' | 'VIEWER', tenant: { id: string; name: string; kind: string }) => ({ id, role, userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant, payer: null });

const me = (role: 'ADMIN' | 'VIEWER', more: unknown[] = []) => ({
  data: {
    demoOutboxEnabled: false,
    me: {
      id: 'u1',
      invitationPending: false,
      email: 'admin@initech.example',
      displayName: '',
      locale: 'en',
      disabled: false,
      createdAt: '2026-01-01T00:00:00Z',
      memberships: [membership('m1', role, { id: TENANT, name: 'Initech', kind: 'CUSTOMER' }), ...more],
    },
  },
});

type Status = 'PENDING' | 'CONNECTED' | 'ERROR';
const payer = (status: Status, extra: Record<string, unknown> = {}) => ({
  id: 'p-new',
  accountId: ACCOUNT,
  name: 'Initech org',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/PartnerBillingAccess`,
  externalId: 'pb-ext-0123456789abcdef0123456789abcdef',
  upstreamBillingGroupId: null,
  status,
  statusReason: null,
  lastCheckedAt: null,
  costExportBucket: null,
  costExportPrefix: null,
  cloudFormationQuickCreateUrl: 'https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?param_ExternalId=pb-ext-0123456789abcdef0123456789abcdef',
  dashboardUrl: null,
  createdAt: '2026-12-01T00:00:00Z',
  tenant: { id: TENANT, name: 'Initech', kind: 'CUSTOMER' },
  ...extra,
});

const check = (key: string, passed: boolean, reason: string, fix: string | null = null) => ({ key, passed, reason, fix });
const anExport = (name: string, valid: boolean, checks = [check('KIND', true, 'a CUR 2.0 export')]) => ({
  name,
  arnOrName: `arn:aws:bcm-data-exports:us-east-1:${ACCOUNT}:export/${name}`,
  kind: 'CUR_2',
  format: 'PARQUET',
  compression: 'PARQUET',
  bucket: 'initech-cur',
  prefix: 'cur2',
  region: 'us-east-1',
  granularity: 'DAILY',
  valid,
  checks,
});
const validation = (extra: Record<string, unknown>) => ({
  payerId: 'p-new',
  checkedAt: '2026-12-06T10:00:00Z',
  health: 'WARNING',
  reason: null,
  selectedExport: null,
  exports: [],
  ...extra,
});
/** Two valid exports and one that fails its granularity check, with AWS's reason and the fix. */
const threeExports = validation({
  reason: 'valid exports: cur-daily, cur-hourly',
  exports: [
    anExport('cur-monthly', false, [
      check('KIND', true, 'a CUR 2.0 export'),
      check('GRANULARITY', false, 'monthly line items: the day-grain cost store needs daily or hourly data', 'Recreate the export with time granularity Hourly or Daily'),
    ]),
    anExport('cur-daily', true),
    anExport('cur-hourly', true),
  ],
});

const job = (state: string) => ({
  id: 'j1',
  kind: 'insights.refresh',
  state,
  payerId: 'p-new',
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

const connection = (nodes: unknown[]) => ({ data: { payers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } });

/** A customer admin's API: `payers` on their tenant, the payer as `status` says, `validation` as given. */
function api(state: { role?: 'ADMIN' | 'VIEWER'; payers: unknown[]; status: Status; reason?: string | null; last?: unknown; validated?: unknown; register?: Answer; remove?: Answer; memberships?: unknown[]; others?: Record<string, unknown[]> }): Handler {
  return ({ operationName, variables }) => {
    switch (operationName) {
      case 'Me':
        return me(state.role ?? 'ADMIN', state.memberships);
      case 'TenantPayers':
        if (variables.tenantId === TENANT) return connection(state.payers);
        if (state.others?.[String(variables.tenantId)]) return connection(state.others[String(variables.tenantId)]);
        throw new Error(`payers of ${String(variables.tenantId)}`);
      case 'RegisterPayer':
        return state.register ?? { data: { registerPayer: payer('PENDING', { accountId: (variables.input as { accountId: string }).accountId }) } };
      case 'RemovePayer':
        return state.remove ?? { data: { removePayer: { id: variables.id } } };
      case 'Payer':
        return { data: { payer: payer(state.status, { statusReason: state.reason ?? null, lastCheckedAt: '2026-12-06T10:00:00Z' }) } };
      case 'CheckPayerConnection':
        return { data: { checkPayerConnection: payer(state.status, { statusReason: state.reason ?? null }) } };
      case 'CostExportValidation':
        return { data: { costExportValidation: state.last ?? null } };
      case 'ValidateCostExports':
        return { data: { validateCostExports: state.validated ?? threeExports } };
      case 'SelectCostExport':
        return { data: { selectCostExport: { ...threeExports, health: 'SUCCESS', selectedExport: variables.exportName } } };
      case 'RefreshOptimizationInsights':
        return { data: { refreshOptimizationInsights: job('QUEUED') } };
      case 'Job':
        return { data: { job: job('SUCCEEDED') } };
      default:
        throw new Error(`unexpected operation ${operationName}`);
    }
  };
}

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

async function open(handler: Handler) {
  const a = fakeApi(handler);
  view = await renderRoute({ client: a.client, entry: '/connect', element: <ConnectPage pollMs={15} /> });
  return { v: view, calls: a.calls };
}

const names = (calls: Operation[]) => calls.map((c) => c.operationName);
const current = (v: Rendered) => clean(v.container.querySelector('[aria-current="step"]')?.textContent);
const heading = (v: Rendered) => clean(v.container.querySelector('h2')?.textContent);
const has = (v: Rendered, selector: string) => v.container.querySelector(selector) !== null;

describe('the connect wizard', () => {
  it('a new customer enters the account id (checked first), registers on their own tenant and sees the link, the ExternalId and the permissions', async () => {
    const state = { payers: [] as unknown[], status: 'PENDING' as Status, reason: 'AccessDenied: the role cannot be assumed yet' };
    const { v, calls } = await open(api(state));
    await until(() => heading(v) === 'Your management account', v);
    expect(current(v)).toBe('1 Account id');
    expect(has(v, '[data-testid="connect-tenants"]')).toBe(false); // one customer: no choice
    expect(has(v, '[data-testid="connect-tenant"]')).toBe(false);
    expect([...v.container.querySelectorAll('[data-testid="wizard-step"]')].map((li) => li.getAttribute('data-state'))).toEqual(['current', 'todo', 'todo', 'todo', 'todo']);

    const id = v.container.querySelector<HTMLInputElement>('input[name="accountId"]')!;
    await setValue(id, '12345');
    await v.click(v.button('Continue'));
    expect(v.container.querySelector('.field-error')?.textContent).toBe('Management account id must be 12 digits');
    expect(names(calls)).not.toContain('RegisterPayer');

    await setValue(id, ACCOUNT);
    await v.click(v.button('Continue'));
    await until(() => has(v, '[data-testid="deploy-permissions"]'), v);
    expect(calls.find((c) => c.operationName === 'RegisterPayer')?.variables).toEqual({
      input: { tenantId: TENANT, accountId: ACCOUNT, name: `AWS ${ACCOUNT}`, roleArn: `arn:aws:iam::${ACCOUNT}:role/PartnerBillingAccess` },
    });
    expect(current(v)).toBe('2 Create the role');
    expect(heading(v)).toBe(`Create the access role in account ${ACCOUNT}`);
    const link = v.container.querySelector<HTMLAnchorElement>('[data-testid="quick-create"]')!;
    expect(link.getAttribute('href')).toBe(payer('PENDING').cloudFormationQuickCreateUrl);
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toContain('noreferrer');
    expect(v.container.querySelector<HTMLInputElement>('[data-testid="external-id"]')?.value).toBe('pb-ext-0123456789abcdef0123456789abcdef');
    expect(v.queryButton('Copy ExternalId')).not.toBeNull();
    expect([...v.container.querySelectorAll('[data-testid="permission"]')].map((c) => c.textContent)).toEqual([
      'cloudformation:CreateStack',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackEvents',
      'cloudformation:GetTemplateSummary',
      'iam:CreateRole',
      'iam:GetRole',
      'iam:PutRolePolicy',
      'iam:GetRolePolicy',
      'iam:TagRole',
      'iam:DeleteRole',
      'iam:DeleteRolePolicy',
    ]);
    expect(v.container.querySelector('[data-testid="deploy-permissions"]')?.textContent).toContain('CAPABILITY_NAMED_IAM');
    expect(JSON.parse(v.container.querySelector<HTMLTextAreaElement>('[data-testid="deploy-policy"]')!.value).Statement[1].Resource).toBe(
      `arn:aws:iam::${ACCOUNT}:role/PartnerBillingAccess`,
    );
    // While waiting: the server's reason once the payer has been asked about.
    await until(() => has(v, '[data-testid="status-reason"]'), v);
    expect(v.container.querySelector('[data-testid="status-reason"]')?.textContent).toBe('Last check: AccessDenied: the role cannot be assumed yet');
  });

  it('moves on by itself when the payer turns CONNECTED: no button is clicked, no check is asked for', async () => {
    const state = { payers: [payer('PENDING')], status: 'PENDING' as Status, reason: null };
    const { v, calls } = await open(api(state));
    await until(() => has(v, '[data-testid="connection-wait"]'), v);
    expect(current(v)).toBe('2 Create the role');
    expect(v.queryButton('Use another account id')).not.toBeNull(); // offered while not connected
    expect(names(calls)).not.toContain('RegisterPayer'); // resumed, not registered again
    // It keeps asking while the payer is PENDING…
    await until(() => calls.filter((c) => c.operationName === 'Payer').length >= 2, v);
    expect(has(v, '[data-testid="connect-validation"]')).toBe(false);
    expect(calls.filter((c) => c.operationName === 'Payer').every((c) => c.variables.id === 'p-new')).toBe(true);
    // …and the server's job connects it.
    state.status = 'CONNECTED';
    await until(() => has(v, '[data-testid="connect-validation"]'), v);
    expect(v.container.querySelector('[data-testid="connected-notice"]')?.textContent).toBe(`Connection succeeded: account ${ACCOUNT} is connected.`);
    expect(current(v)).toBe('3 Cost export');
    expect(v.queryButton('Use another account id')).toBeNull();
    expect(names(calls)).not.toContain('CheckPayerConnection');
    expect(calls.filter((c) => c.operationName === 'ValidateCostExports').map((c) => c.variables)).toEqual([{ payerId: 'p-new' }]);
    // Polling stopped once connected.
    const asked = calls.filter((c) => c.operationName === 'Payer').length;
    await settle(20);
    expect(calls.filter((c) => c.operationName === 'Payer').length).toBe(asked);
  });

  it('“Check now” is a shortcut: it asks the API to check and moves on with its answer', async () => {
    const state = { payers: [payer('ERROR', { statusReason: 'ExternalId does not match' })], status: 'ERROR' as Status, reason: 'ExternalId does not match' };
    const { v, calls } = await open(api(state));
    await until(() => has(v, '[data-testid="status-reason"]'), v);
    expect(v.container.querySelector('[data-testid="status-reason"]')?.textContent).toBe('Last check: ExternalId does not match');
    state.status = 'CONNECTED';
    await v.click(v.button('Check now'));
    await until(() => has(v, '[data-testid="connect-validation"]'), v);
    expect(calls.filter((c) => c.operationName === 'CheckPayerConnection').map((c) => c.variables)).toEqual([{ id: 'p-new' }]);
  });

  it('a wrong account id: “Use another account id” asks first, Cancel removes nothing, confirming removes the registration and the account id is asked again, empty', async () => {
    const state = { payers: [] as unknown[], status: 'ERROR' as Status, reason: 'AccessDenied: the role cannot be assumed' };
    const { v, calls } = await open(api(state));
    await until(() => heading(v) === 'Your management account', v);
    await setValue(v.container.querySelector<HTMLInputElement>('input[name="accountId"]')!, ACCOUNT);
    await v.click(v.button('Continue'));
    await until(() => has(v, '[data-testid="status-reason"]'), v);

    // Cancel: nothing is sent, the wait goes on.
    await v.click(v.button('Use another account id'));
    const dialog = v.container.querySelector('dialog');
    expect(dialog?.open).toBe(true);
    expect(dialog?.querySelector('h2')?.textContent).toBe(`Remove the registration of account ${ACCOUNT}?`);
    expect(dialog?.textContent).toContain('If you already created the stack in account');
    await v.click(v.button('Cancel'));
    expect(v.container.querySelector('dialog')).toBeNull();
    await settle();
    expect(names(calls)).not.toContain('RemovePayer');
    expect(current(v)).toBe('2 Create the role');

    // Confirm: the registration is removed and the account id step comes back, empty.
    await v.click(v.button('Use another account id'));
    await v.click(v.button('Remove and start again'));
    await until(() => heading(v) === 'Your management account', v);
    expect(calls.filter((c) => c.operationName === 'RemovePayer').map((c) => c.variables)).toEqual([{ id: 'p-new' }]);
    expect(current(v)).toBe('1 Account id');
    expect(v.container.querySelector('dialog')).toBeNull();
    expect(v.container.querySelector<HTMLInputElement>('input[name="accountId"]')?.value).toBe('');
    // It stops asking about the removed payer.
    const asked = calls.filter((c) => c.operationName === 'Payer').length;
    await settle(20);
    expect(calls.filter((c) => c.operationName === 'Payer').length).toBe(asked);

    // The right id registers anew.
    await setValue(v.container.querySelector<HTMLInputElement>('input[name="accountId"]')!, '111122223333');
    await v.click(v.button('Continue'));
    await until(() => heading(v) === 'Create the access role in account 111122223333', v);
    expect(calls.filter((c) => c.operationName === 'RegisterPayer').map((c) => (c.variables.input as { accountId: string }).accountId)).toEqual([ACCOUNT, '111122223333']);
  });

  it('a removal the API refuses is shown in the dialog and the wait step stays as it was', async () => {
    const refusal: Answer = { errors: [{ message: 'only an admin of the tenant may remove its payers', extensions: { code: 'FORBIDDEN' } }] };
    const state = { payers: [payer('PENDING')], status: 'PENDING' as Status, reason: null, remove: refusal };
    const { v, calls } = await open(api(state));
    await until(() => has(v, '[data-testid="connection-wait"]'), v);
    await v.click(v.button('Use another account id'));
    await v.click(v.button('Remove and start again'));
    await until(() => clean(v.container.querySelector('dialog [role="alert"]')?.textContent) !== '', v);
    expect(clean(v.container.querySelector('dialog [role="alert"]')?.textContent)).toContain('only an admin of the tenant may remove its payers');
    expect(calls.filter((c) => c.operationName === 'RemovePayer').map((c) => c.variables)).toEqual([{ id: 'p-new' }]);
    await settle();
    expect(v.container.querySelector('dialog')?.open).toBe(true);
    expect(current(v)).toBe('2 Create the role');
    expect(heading(v)).toBe(`Create the access role in account ${ACCOUNT}`);
    expect(has(v, 'input[name="accountId"]')).toBe(false);
  });

  it('a customer without an active contract is told so, and nothing goes further', async () => {
    const refusal: Answer = {
      errors: [
        {
          message: 'tenantId: this customer has no active contract yet; its partner must create one before AWS accounts can be connected',
          extensions: { code: 'VALIDATION', field: 'tenantId' },
        },
      ],
    };
    const { v, calls } = await open(api({ payers: [], status: 'PENDING', register: refusal }));
    await until(() => heading(v) === 'Your management account', v);
    await setValue(v.container.querySelector<HTMLInputElement>('input[name="accountId"]')!, ACCOUNT);
    await v.click(v.button('Continue'));
    await until(() => has(v, '[data-testid="connect-refused"]'), v);
    const refused = clean(v.container.querySelector('[data-testid="connect-refused"]')?.textContent);
    expect(refused).toContain('Your AWS account cannot be connected yet.');
    expect(refused).toContain('this customer has no active contract yet; its partner must create one');
    expect(v.container.querySelector('[data-testid="connect-refused"]')?.getAttribute('role')).toBe('alert');
    expect(v.button('Continue').disabled).toBe(true);
    await settle();
    expect(current(v)).toBe('1 Account id');
    expect(has(v, '[data-testid="deploy-permissions"]')).toBe(false);
    expect(names(calls)).not.toContain('Payer');
  });

  it('shows each export’s failed checks with reason and fix, and confirming sends the export picked', async () => {
    const { v, calls } = await open(api({ payers: [payer('CONNECTED')], status: 'CONNECTED' }));
    await until(() => v.container.querySelectorAll('[data-testid="export"]').length === 3, v);
    expect(current(v)).toBe('3 Cost export');
    // Valid ones first; the failing one with its reason and fix.
    const exports = [...v.container.querySelectorAll('[data-testid="export"]')];
    expect(exports.map((e) => e.querySelector('strong')?.textContent)).toEqual(['cur-daily', 'cur-hourly', 'cur-monthly']);
    const failing = exports[2].querySelector('[data-testid="export-check"]')!;
    expect(clean(failing.textContent)).toMatch(/^✕ Failed Granularity: monthly line items: the day-grain cost store needs daily or hourly data/);
    expect(failing.querySelector('.small')?.textContent).toBe('Fix: Recreate the export with time granularity Hourly or Daily');
    expect(exports[2].querySelector<HTMLInputElement>('input[type="radio"]')?.disabled).toBe(true);
    expect(clean(v.container.querySelector('[data-testid="connect-validation"] .muted')?.textContent)).toContain('valid exports: cur-daily, cur-hourly');
    // Two valid: the customer picks.
    expect(v.button('Continue').disabled).toBe(true);
    await v.click(exports[1].querySelector<HTMLInputElement>('input[type="radio"]')!);
    expect(v.button('Continue').disabled).toBe(false);
    await v.click(v.button('Continue'));

    expect(current(v)).toBe('4 Confirm');
    const summary = clean(v.container.querySelector('[data-testid="connect-summary"]')?.textContent);
    expect(summary).toContain(ACCOUNT);
    expect(summary).toContain('cur-hourly s3://initech-cur/cur2');
    expect(names(calls)).not.toContain('SelectCostExport'); // nothing is selected before Confirm
    await v.click(v.button('Confirm'));
    await until(() => heading(v) === 'Savings insights (optional)', v);
    expect(calls.filter((c) => c.operationName === 'SelectCostExport').map((c) => c.variables)).toEqual([{ payerId: 'p-new', exportName: 'cur-hourly' }]);
    expect(current(v)).toBe('5 Savings insights (optional)');
  });

  it('no export in the account (as in moto): the failure with its reason, and no way on', async () => {
    const failed = validation({ health: 'FAILED', reason: 'bcm-data-exports ListExports failed: AccessDenied', exports: [] });
    const { v } = await open(api({ payers: [payer('CONNECTED')], status: 'CONNECTED', validated: failed }));
    await until(() => has(v, '[data-testid="connect-validation"]'), v);
    expect(clean(v.container.querySelector('h2')?.textContent)).toBe('Cost exports in your account ✕ Failing');
    expect(v.container.querySelector('[data-testid="connect-validation"]')?.textContent).toContain('No cost exports found in this payer.');
    expect(v.container.querySelector('[data-testid="connect-validation"]')?.textContent).toContain('bcm-data-exports ListExports failed: AccessDenied');
    expect(v.button('Continue').disabled).toBe(true);
  });

  it('a customer with an export already selected continues at the insights, which can be skipped', async () => {
    const selected = { ...threeExports, health: 'SUCCESS', selectedExport: 'cur-daily' };
    const { v, calls } = await open(api({ payers: [payer('CONNECTED')], status: 'CONNECTED', last: selected }));
    await until(() => heading(v) === 'Savings insights (optional)', v);
    expect([...v.container.querySelectorAll('[data-testid="wizard-step"]')].map((li) => li.getAttribute('data-state'))).toEqual(['done', 'done', 'done', 'done', 'current']);
    expect(v.container.textContent).toContain('Cost Optimization Hub');
    expect(names(calls)).not.toContain('ValidateCostExports');
    expect(calls.find((c) => c.operationName === 'CostExportValidation')?.variables).toEqual({ payerId: 'p-new' });
    await v.click(v.button('Skip'));
    expect(clean(v.container.querySelector('[data-testid="connect-done"]')?.textContent)).toContain(`Account ${ACCOUNT} is connected and your charges will be read from the export cur-daily.`);
    expect(names(calls)).not.toContain('RefreshOptimizationInsights');
  });

  it('the insights can be started: the job is shown as it runs, without a link to the partner’s jobs pages', async () => {
    const selected = { ...threeExports, health: 'SUCCESS', selectedExport: 'cur-daily' };
    const { v, calls } = await open(api({ payers: [payer('CONNECTED')], status: 'CONNECTED', last: selected }));
    await until(() => heading(v) === 'Savings insights (optional)', v);
    await v.click(v.button('Get savings insights now'));
    await until(() => clean(v.container.querySelector('[data-testid="job-status"]')?.textContent).includes('Succeeded'), v);
    expect(calls.filter((c) => c.operationName === 'RefreshOptimizationInsights').map((c) => c.variables)).toEqual([{ payerId: 'p-new' }]);
    expect(v.container.querySelector('[data-testid="job-status"] a')).toBeNull();
    expect(v.queryButton('Skip')).toBeNull();
    await v.click(v.button('Finish'));
    expect(has(v, '[data-testid="connect-done"]')).toBe(true);
  });

  it('an admin of several customers chooses one by name first; the registration goes to the chosen tenant', async () => {
    const memberships = [
      membership('m2', 'ADMIN', { id: GLOBEX, name: 'Globex', kind: 'CUSTOMER' }),
      membership('m3', 'VIEWER', { id: 't-umbrella', name: 'Umbrella', kind: 'CUSTOMER' }), // viewer: not offered
      membership('m4', 'ADMIN', { id: 't-partner', name: 'Acme Partner', kind: 'PARTNER' }), // not a customer: not offered
    ];
    const { v, calls } = await open(api({ payers: [], status: 'PENDING', memberships, others: { [GLOBEX]: [] } }));
    await until(() => has(v, '[data-testid="connect-tenants"]'), v);
    expect(heading(v)).toBe('Which customer do you connect?');
    expect([...v.container.querySelectorAll('[data-testid="connect-tenants"] button')].map((b) => b.textContent)).toEqual(['Initech', 'Globex']);
    expect(has(v, '[data-testid="wizard-step"]')).toBe(false);
    await settle();
    expect(names(calls)).toEqual(['Me']); // nothing asked before the choice

    await v.click(v.button('Globex'));
    await until(() => heading(v) === 'Your management account', v);
    expect(clean(v.container.querySelector('[data-testid="connect-tenant"]')?.textContent)).toBe('Customer: Globex Choose another customer');
    expect(calls.filter((c) => c.operationName === 'TenantPayers').map((c) => c.variables.tenantId)).toEqual([GLOBEX]);
    await setValue(v.container.querySelector<HTMLInputElement>('input[name="accountId"]')!, ACCOUNT);
    await v.click(v.button('Continue'));
    await until(() => has(v, '[data-testid="deploy-permissions"]'), v);
    expect(calls.filter((c) => c.operationName === 'RegisterPayer').map((c) => (c.variables.input as { tenantId: string }).tenantId)).toEqual([GLOBEX]);
  });

  it('each chosen customer resumes where it is: one waits for its connection, the other starts at the account id', async () => {
    const memberships = [membership('m2', 'ADMIN', { id: GLOBEX, name: 'Globex', kind: 'CUSTOMER' })];
    const { v, calls } = await open(api({ payers: [], status: 'PENDING', memberships, others: { [GLOBEX]: [payer('PENDING', { tenant: { id: GLOBEX, name: 'Globex', kind: 'CUSTOMER' } })] } }));
    await until(() => has(v, '[data-testid="connect-tenants"]'), v);
    await v.click(v.button('Globex'));
    await until(() => has(v, '[data-testid="connection-wait"]'), v);
    expect(current(v)).toBe('2 Create the role');

    await v.click(v.button('Choose another customer'));
    await until(() => has(v, '[data-testid="connect-tenants"]'), v);
    expect(has(v, '[data-testid="connection-wait"]')).toBe(false);
    await v.click(v.button('Initech'));
    await until(() => heading(v) === 'Your management account', v);
    expect(current(v)).toBe('1 Account id');
    expect(clean(v.container.querySelector('[data-testid="connect-tenant"]')?.textContent)).toContain('Customer: Initech');
    expect(calls.filter((c) => c.operationName === 'TenantPayers').map((c) => c.variables.tenantId)).toEqual([GLOBEX, TENANT]);
    expect(names(calls)).not.toContain('RegisterPayer');
  });

  it('a viewer of the customer is told only admins may connect, and nothing is asked', async () => {
    const { v, calls } = await open(api({ role: 'VIEWER', payers: [], status: 'PENDING' }));
    await until(() => clean(v.container.querySelector('.state-empty')?.textContent) !== '', v);
    expect(clean(v.container.querySelector('.state-empty')?.textContent)).toBe('Only your organization’s administrators can connect an AWS account. Ask one of them to do it.');
    await settle();
    expect(names(calls)).toEqual(['Me']);
    expect(has(v, 'form')).toBe(false);
  });
});
