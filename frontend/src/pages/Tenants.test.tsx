// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { clean, fakeApi, renderRoute, setValue, until, type Handler, type Operation } from '../testing/fakeApi';
import type { Rendered } from '../testing/render';
import { TenantsPage } from './Tenants';

// The tenant edit form's dashboard link (issue #22 item 6): admins of a tenant set or remove its
// Cloud Intelligence Dashboards / QuickSight link; the browser refuses what the API would, naming
// the field, and the API's own VALIDATION lands on the field.

const QUICKSIGHT = 'https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/acme-cid';

const meAs = (role: string, tenant: { id: string; name: string; kind: string }) => ({
  data: {
    demoOutboxEnabled: false,
    me: {
      id: 'u1',
      invitationPending: false,
      email: 'someone@reseller.example',
      displayName: '',
      locale: 'en',
      disabled: false,
      createdAt: '2026-01-01T00:00:00Z',
      memberships: [{ id: 'm1', role, userId: 'u1', createdAt: '2026-01-01T00:00:00Z', tenant, payer: null }],
    },
  },
});
const RESELLER = { id: 't-resell', name: 'Resell-Co', kind: 'RESELLER' };

const tenant = (id: string, name: string, kind: string, parent: string | null, dashboardUrl: string | null = null) => ({
  id,
  name,
  kind,
  billingAddress: '',
  taxId: '',
  dashboardUrl,
  createdAt: '2026-01-01T00:00:00Z',
  parent: parent ? { id: parent } : null,
});

function api(role: string, acmeUrl: string | null, extra: Partial<Record<string, Handler>> = {}): Handler {
  return (op) => {
    const own = extra[op.operationName];
    if (own) return own(op);
    switch (op.operationName) {
      case 'Me':
        return meAs(role, RESELLER);
      case 'Tenants':
        return {
          data: {
            tenants: {
              pageInfo: { hasNextPage: false, endCursor: null },
              nodes: [tenant('t-resell', 'Resell-Co', 'RESELLER', null), tenant('t-acme', 'Acme', 'CUSTOMER', 't-resell', acmeUrl)],
            },
          },
        };
      default:
        throw new Error(`unexpected operation ${op.operationName}`);
    }
  };
}

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

async function renderPage(handler: Handler) {
  const fake = fakeApi(handler);
  view = await renderRoute({ client: fake.client, entry: '/tenants', element: <TenantsPage /> });
  return { view, calls: fake.calls };
}

const listed = (v: Rendered) => () => v.container.querySelectorAll('[data-testid="tenant-row"]').length === 2;
const form = (v: Rendered) => v.container.querySelector<HTMLFormElement>('form[aria-labelledby="rename-tenant-title"]')!;
const linkInput = (v: Rendered) => form(v).querySelector<HTMLInputElement>('input[name="dashboardUrl"]')!;
const fieldErrors = (v: Rendered) => [...v.container.querySelectorAll('.field-error')].map((e) => clean(e.textContent));
const submit = (v: Rendered) => act(async () => form(v).requestSubmit());

describe('the dashboard link of a tenant', () => {
  it('an admin gets the field with its hint; http:// is refused naming the field and nothing is sent; an https link is sent alone', async () => {
    const updates: Operation[] = [];
    const { view: v } = await renderPage(
      api('ADMIN', null, {
        UpdateTenant: (op) => {
          updates.push(op);
          return { data: { updateTenant: tenant('t-acme', 'Acme', 'CUSTOMER', 't-resell', QUICKSIGHT) } };
        },
      }),
    );
    await until(listed(v), v);
    await v.click(v.button('Edit Acme'));
    const input = linkInput(v);
    expect(clean(form(v).querySelector(`label[for="${input.id}"]`)?.textContent)).toBe('Dashboard link');
    expect(clean(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent)).toContain('Cloud Intelligence Dashboards or QuickSight, https://…');

    await setValue(input, 'http://quicksight.aws.amazon.com/sn/dashboards/acme');
    await submit(v);
    expect(fieldErrors(v)).toEqual(['Dashboard link must start with https://']);
    expect(updates).toEqual([]);

    await setValue(input, 'https://');
    await submit(v);
    expect(fieldErrors(v)).toEqual(['Dashboard link is not a valid https link']);
    expect(updates).toEqual([]);

    await setValue(input, QUICKSIGHT);
    await submit(v);
    await until(() => updates.length === 1, v);
    // Only what changed: the API keeps the name, address and tax id left out.
    expect(updates[0].variables).toEqual({ id: 't-acme', input: { dashboardUrl: QUICKSIGHT } });
  });

  it('an emptied field removes the link: "" is sent', async () => {
    const updates: Operation[] = [];
    const { view: v } = await renderPage(
      api('ADMIN', QUICKSIGHT, {
        UpdateTenant: (op) => {
          updates.push(op);
          return { data: { updateTenant: tenant('t-acme', 'Acme', 'CUSTOMER', 't-resell', null) } };
        },
      }),
    );
    await until(listed(v), v);
    await v.click(v.button('Edit Acme'));
    expect(linkInput(v).value).toBe(QUICKSIGHT);
    await setValue(linkInput(v), '');
    await submit(v);
    await until(() => updates.length === 1, v);
    expect(updates[0].variables).toEqual({ id: 't-acme', input: { dashboardUrl: '' } });
  });

  it('the API’s VALIDATION on dashboardUrl is shown on the field', async () => {
    const { view: v } = await renderPage(
      api('ADMIN', null, {
        UpdateTenant: () => ({ errors: [{ message: 'dashboardUrl: at most 2048 characters on one line', extensions: { code: 'VALIDATION', field: 'dashboardUrl' } }] }),
      }),
    );
    await until(listed(v), v);
    await v.click(v.button('Edit Acme'));
    await setValue(linkInput(v), QUICKSIGHT);
    await submit(v);
    await until(() => fieldErrors(v).length > 0, v);
    expect(fieldErrors(v)).toEqual(['Dashboard link at most 2048 characters on one line']);
    expect(linkInput(v).getAttribute('aria-invalid')).toBe('true');
    expect(v.container.querySelector('.form-error')).toBeNull();
  });

  it('an operator (not an admin) gets no edit form, so no dashboard link field', async () => {
    const { view: v } = await renderPage(api('OPERATOR', QUICKSIGHT));
    await until(listed(v), v);
    expect(v.queryButton('Edit Acme')).toBeNull();
    expect(v.queryButton('Edit Resell-Co')).toBeNull();
    expect(v.container.querySelector('input[name="dashboardUrl"]')).toBeNull();
  });
});

describe('the Customer view from the tenant tree', () => {
  const viewLinks = (v: Rendered) =>
    [...v.container.querySelectorAll('[data-testid="tenant-row"]')].map((r) => [
      clean(r.querySelector('.tenant-name')?.textContent),
      [...r.querySelectorAll<HTMLAnchorElement>('a[data-testid="customer-view-link"]')].map((a) => `${a.getAttribute('aria-label')} → ${a.getAttribute('href')}`),
    ]);

  it('a partner (a viewer is enough) gets a Customer view link on customer tenants only', async () => {
    const { view: v } = await renderPage(api('VIEWER', null));
    await until(listed(v), v);
    expect(viewLinks(v)).toEqual([
      ['Resell-Co', []],
      ['Acme', ['Open the customer view of Acme → /customers/t-acme']],
    ]);
  });

  it('an end customer never gets the link, not even on their own tenant', async () => {
    const { view: v } = await renderPage(api('ADMIN', null, { Me: () => meAs('ADMIN', { id: 't-acme', name: 'Acme', kind: 'CUSTOMER' }) }));
    await until(listed(v), v);
    expect(viewLinks(v)).toEqual([
      ['Resell-Co', []],
      ['Acme', []],
    ]);
    expect(v.container.textContent).not.toContain('Customer view');
  });
});
