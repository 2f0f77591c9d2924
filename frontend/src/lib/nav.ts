import type { MessageKey } from '../i18n/messages';
import type { Abilities } from './roles';

export interface NavLink {
  to: string;
  label: MessageKey;
}

/**
 * The main navigation for a user. End customers see only their own pages; partners see the
 * operations pages, with the admin-only ones (onboarding, webhooks, audit) for admins. (Partners
 * reach invoices from Payers, a payer's Billing and its Periods: the bar has no room left at
 * 1,280 px in English.)
 */
export function navLinks(endCustomer: boolean, can: Abilities): NavLink[] {
  if (endCustomer)
    return [
      { to: '/home', label: 'nav.home' },
      { to: '/my-charges', label: 'nav.myCharges' },
      { to: '/my-invoices', label: 'nav.myInvoices' },
      { to: '/account', label: 'nav.account' },
    ];
  const links: (NavLink | false)[] = [
    { to: '/overview', label: 'nav.overview' },
    { to: '/payers', label: 'nav.payers' },
    can.administer && { to: '/onboarding', label: 'nav.onboarding' },
    { to: '/jobs', label: 'nav.jobs' },
    { to: '/notifications', label: 'nav.notifications' },
    can.administer && { to: '/webhooks', label: 'nav.webhooks' },
    can.administer && { to: '/audit', label: 'nav.audit' },
    { to: '/tenants', label: 'nav.tenants' },
    { to: '/users', label: 'nav.users' },
    { to: '/api-tokens', label: 'nav.apiTokens' },
    { to: '/account', label: 'nav.account' },
  ];
  return links.filter((l): l is NavLink => l !== false);
}

/**
 * Where an end customer may go; every other path sends them to their first page. (`/connect`,
 * connecting their own AWS account, is reached from the home; it tells a viewer only admins may.)
 */
export function endCustomerAllows(path: string): boolean {
  return ['/home', '/my-charges', '/my-invoices', '/account', '/connect'].some((allowed) => path === allowed || path.startsWith(`${allowed}/`));
}

/**
 * Where signing in (or `/`) lands: an end customer's home (their charges at a glance), a
 * partner's cost overview. (Tenants are administration, not what a partner comes for.)
 */
export function homePath(endCustomer: boolean): string {
  return endCustomer ? '/home' : '/overview';
}
