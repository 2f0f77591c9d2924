import { describe, expect, it } from 'vitest';
import { endCustomerAllows, homePath, navLinks } from './nav';

const paths = (links: { to: string }[]) => links.map((l) => l.to);

describe('navLinks', () => {
  it('admins see every page, onboarding, webhooks and audit included', () => {
    expect(paths(navLinks(false, { write: true, administer: true }))).toEqual([
      '/overview', '/payers', '/onboarding', '/jobs', '/notifications', '/webhooks', '/audit', '/tenants', '/users', '/api-tokens', '/account',
    ]);
  });

  it('viewers and operators do not see the admin-only pages', () => {
    for (const can of [{ write: false, administer: false }, { write: true, administer: false }]) {
      const shown = paths(navLinks(false, can));
      expect(shown).not.toContain('/onboarding');
      expect(shown).not.toContain('/webhooks');
      expect(shown).not.toContain('/audit');
      expect(shown).toContain('/overview');
    }
  });

  it('end customers see only their own pages, whatever their role', () => {
    expect(paths(navLinks(true, { write: true, administer: true }))).toEqual(['/home', '/my-charges', '/my-invoices', '/account']);
    expect(endCustomerAllows('/home')).toBe(true);
    expect(endCustomerAllows('/homepage')).toBe(false);
    expect(endCustomerAllows('/account')).toBe(true);
    expect(endCustomerAllows('/my-invoices')).toBe(true);
    expect(endCustomerAllows('/invoices')).toBe(false);
    expect(endCustomerAllows('/my-charges')).toBe(true);
    expect(endCustomerAllows('/my-chargesx')).toBe(false);
    expect(endCustomerAllows('/payers')).toBe(false);
    expect(endCustomerAllows('/accounts')).toBe(false);
    // The partner's view of one customer: an end customer going there lands on their home.
    expect(endCustomerAllows('/customers/t-acme')).toBe(false);
    expect(endCustomerAllows('/connect')).toBe(true);
    expect(endCustomerAllows('/connected')).toBe(false);
  });
});

describe('homePath', () => {
  it('partners land on the overview, end customers on their home (first in their navigation), never on tenants', () => {
    expect(homePath(false)).toBe('/overview');
    expect(homePath(true)).toBe('/home');
    expect(paths(navLinks(true, { write: false, administer: false }))[0]).toBe(homePath(true));
    // Both are pages the user's navigation offers.
    expect(paths(navLinks(false, { write: false, administer: false }))).toContain(homePath(false));
    expect(paths(navLinks(true, { write: false, administer: false }))).toContain(homePath(true));
    expect(endCustomerAllows(homePath(true))).toBe(true);
  });
});
