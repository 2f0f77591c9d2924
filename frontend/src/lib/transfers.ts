// The Billing transfers page's logic (docs/channel.md): status badges (icon and word beside the
// colour), which actions an admin may take on a transfer in its state (mirrors the API, which
// still decides), the invite form's checks and input, and the end month's check. Months are
// UTC, as the API's are: a transfer takes effect on the first of a month, never in the past.

import type { BillingTransferFieldsFragment, BillingTransferStatus, InviteOrganizationToTransferBillingInput } from '../generated/graphql';
import { monthOf } from './costs';

export const TRANSFER_BADGE: Record<BillingTransferStatus, { className: string; icon: string }> = {
  INVITED: { className: 'status-warn', icon: '✉' },
  ACCEPTED: { className: 'status-on', icon: '✓' },
  ACTIVE: { className: 'status-on', icon: '●' },
  DECLINED: { className: 'status-off', icon: '✕' },
  EXPIRED: { className: 'status-none', icon: '⌛' },
  WITHDRAWN: { className: 'status-none', icon: '↩' },
  ENDED: { className: 'status-none', icon: '■' },
};

export type TransferAction = 'withdraw' | 'end' | 'createGroup';

type TransferState = Pick<BillingTransferFieldsFragment, 'status' | 'endMonth' | 'billingGroup'>;

/** Accepted or active: the payer takes over (or has taken over) the customer's bill. */
export function isAccepted(status: BillingTransferStatus): boolean {
  return status === 'ACCEPTED' || status === 'ACTIVE';
}

/**
 * What an admin of the payer (or of a tenant above it) may do with a transfer in its state;
 * operators and viewers only read. Withdraw an unanswered invitation; end an accepted or active
 * transfer that has no end yet; create its TRANSFER_BILLING group once.
 */
export function transferActions(transfer: TransferState, administer: boolean): TransferAction[] {
  if (!administer) return [];
  if (transfer.status === 'INVITED') return ['withdraw'];
  if (!isAccepted(transfer.status)) return [];
  const actions: TransferAction[] = [];
  if (!transfer.endMonth) actions.push('end');
  if (!transfer.billingGroup) actions.push('createGroup');
  return actions;
}

/** Whether the auto-create preference means anything yet (the transfer was accepted). */
export function hasPreference(status: BillingTransferStatus): boolean {
  return isAccepted(status);
}

/** Newest first (by when it was invited), whatever order the answer came in. */
export function newestFirst<T extends { createdAt: string }>(transfers: readonly T[]): T[] {
  return [...transfers].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** Who the invitation went to: the management account id, or its email. */
export function organizationOf(transfer: Pick<BillingTransferFieldsFragment, 'managementAccountId' | 'email'>): string {
  return transfer.managementAccountId ?? transfer.email ?? '—';
}

/** Today's date in UTC, `YYYY-MM-DD`. */
export function todayUtc(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The month after `month` (`YYYY-MM`). */
export function monthAfter(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return monthOf(new Date(Date.UTC(y, m, 1)));
}

/** The first of `month` (`YYYY-MM`), as the API's NaiveDate. */
export function firstOf(month: string): string {
  return `${month}-01`;
}

/** The earliest month whose first day is not in the past: this month on the 1st, else the next. */
export function earliestMonth(now: Date): string {
  const month = monthOf(now);
  return firstOf(month) >= todayUtc(now) ? month : monthAfter(month);
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface InviteForm {
  /** The customer's management account id (12 digits) or its email. */
  target: string;
  /** `YYYY-MM`: the transfer starts on its first. */
  startMonth: string;
  name: string;
  notes: string;
}

export const NAME_MAX = 128;
export const NOTES_MAX = 1024;

export function emptyInviteForm(now: Date): InviteForm {
  return { target: '', startMonth: earliestMonth(now), name: '', notes: '' };
}

export type TargetProblem = 'required' | 'accountId' | 'email' | 'neither' | 'self';

export interface InviteProblems {
  target?: TargetProblem;
  startMonth?: 'required' | 'past';
  name?: 'tooLong';
  notes?: 'tooLong';
}

type Target = { managementAccountId: string; email: null } | { managementAccountId: null; email: string };

/**
 * The invitation's target: digits (spaces and dashes allowed, "1234-5678-9012") are an account id
 * and must be 12; anything with an @ is an email address.
 */
export function parseTarget(value: string): Target | TargetProblem {
  const v = value.trim();
  if (v === '') return 'required';
  if (/^[\d\s-]+$/.test(v)) {
    const digits = v.replace(/\D/g, '');
    return digits.length === 12 ? { managementAccountId: digits, email: null } : 'accountId';
  }
  if (v.includes('@')) return v.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? { managementAccountId: null, email: v } : 'email';
  return 'neither';
}

const chars = (s: string) => [...s.trim()].length;

/** What the browser refuses before sending, by field (the API checks all of it again). */
export function inviteProblems(form: InviteForm, payerAccountId: string, now: Date): InviteProblems {
  const problems: InviteProblems = {};
  const target = parseTarget(form.target);
  if (typeof target === 'string') problems.target = target;
  else if (target.managementAccountId === payerAccountId) problems.target = 'self';
  if (!MONTH.test(form.startMonth)) problems.startMonth = 'required';
  else if (firstOf(form.startMonth) < todayUtc(now)) problems.startMonth = 'past';
  if (chars(form.name) > NAME_MAX) problems.name = 'tooLong';
  if (chars(form.notes) > NOTES_MAX) problems.notes = 'tooLong';
  return problems;
}

/** The invitation as the API takes it (the form passed `inviteProblems`). */
export function inviteInput(payerId: string, form: InviteForm): InviteOrganizationToTransferBillingInput {
  const target = parseTarget(form.target);
  if (typeof target === 'string') throw new Error(`the invitation's target is not valid: ${target}`);
  return {
    payerId,
    managementAccountId: target.managementAccountId,
    email: target.email,
    startDate: firstOf(form.startMonth),
    name: form.name.trim() || null,
    notes: form.notes.trim() || null,
  };
}

/** The first month a transfer that started in `startMonth` can end in: after the start, not in the past. */
export function earliestEndMonth(startMonth: string, now: Date): string {
  const afterStart = monthAfter(startMonth);
  const earliest = earliestMonth(now);
  return afterStart > earliest ? afterStart : earliest;
}

export type EndProblem = 'required' | 'notAfterStart' | 'past';

/** Why the browser refuses an end month, or null. */
export function endProblem(startMonth: string, month: string, now: Date): EndProblem | null {
  if (!MONTH.test(month)) return 'required';
  if (month <= startMonth) return 'notAfterStart';
  if (firstOf(month) < todayUtc(now)) return 'past';
  return null;
}
