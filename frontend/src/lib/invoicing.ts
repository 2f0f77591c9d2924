// The invoicing pages' logic (docs/invoicing.md): status badges (icon and word beside the colour),
// which actions a role may take on a document in its state, the list's filters in the address,
// whether a period may be reopened, a payment date's check, and a downloaded document's bytes.

import type { BillingPeriodStatus, DocumentKind, InvoiceFilterInput, InvoiceStatus } from '../generated/graphql';
import { compareDecimal } from './decimal';

export const INVOICE_STATUSES: readonly InvoiceStatus[] = ['DRAFT', 'ISSUED', 'PAID', 'VOID'];
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['INVOICE', 'CREDIT_NOTE', 'DEBIT_NOTE'];

export const INVOICE_BADGE: Record<InvoiceStatus, { className: string; icon: string }> = {
  DRAFT: { className: 'status-none', icon: '✎' },
  ISSUED: { className: 'status-warn', icon: '→' },
  PAID: { className: 'status-on', icon: '✓' },
  VOID: { className: 'status-off', icon: '✕' },
};

export const PERIOD_BADGE: Record<BillingPeriodStatus, { className: string; icon: string }> = {
  OPEN: { className: 'status-none', icon: '○' },
  CLOSED: { className: 'status-on', icon: '■' },
};

export type InvoiceAction = 'issue' | 'deleteDraft' | 'markPaid' | 'void' | 'createNote';

/**
 * What a role may do with a document in its state (mirrors the API, which still decides):
 * admins issue, mark paid and void; operators delete drafts and draft notes on an issued or paid
 * invoice. Only the partner's side acts; a customer's users only read.
 */
export function invoiceActions(
  doc: { status: InvoiceStatus; kind: DocumentKind; partnerView: boolean },
  can: { operate: boolean; administer: boolean },
): InvoiceAction[] {
  if (!doc.partnerView) return [];
  const actions: InvoiceAction[] = [];
  if (doc.status === 'DRAFT') {
    if (can.administer) actions.push('issue');
    if (can.operate) actions.push('deleteDraft');
  }
  if (doc.status === 'ISSUED' && can.administer) actions.push('markPaid', 'void');
  if ((doc.status === 'ISSUED' || doc.status === 'PAID') && doc.kind === 'INVOICE' && can.operate) actions.push('createNote');
  return actions;
}

/**
 * Reopening is allowed while no document of the period is issued (issued, paid or void): every
 * document it counts is a draft. `drafts` is how many drafts the period has (null: not known yet).
 */
export function canReopen(period: { status: BillingPeriodStatus; invoiceCount: number }, drafts: number | null): boolean {
  if (period.status !== 'CLOSED') return false;
  return period.invoiceCount === 0 || drafts === period.invoiceCount;
}

export interface InvoiceFilters {
  payerId: string;
  billingPeriod: string;
  status: InvoiceStatus | '';
  kind: DocumentKind | '';
}

/** The list's filters from the address (`?payer=&period=&status=&kind=`); unknown values are ignored. */
export function filtersFromParams(params: URLSearchParams): InvoiceFilters {
  const status = params.get('status') ?? '';
  const kind = params.get('kind') ?? '';
  const period = params.get('period') ?? '';
  return {
    payerId: params.get('payer') ?? '',
    billingPeriod: /^\d{4}-\d{2}$/.test(period) ? period : '',
    status: (INVOICE_STATUSES as readonly string[]).includes(status) ? (status as InvoiceStatus) : '',
    kind: (DOCUMENT_KINDS as readonly string[]).includes(kind) ? (kind as DocumentKind) : '',
  };
}

export function filtersToParams(filters: InvoiceFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.payerId) params.set('payer', filters.payerId);
  if (filters.billingPeriod) params.set('period', filters.billingPeriod);
  if (filters.status) params.set('status', filters.status);
  if (filters.kind) params.set('kind', filters.kind);
  return params;
}

/** The API's filter: only what is set. */
export function filterInput(filters: InvoiceFilters): InvoiceFilterInput {
  const input: InvoiceFilterInput = {};
  if (filters.payerId) input.payerId = filters.payerId;
  if (filters.billingPeriod) input.billingPeriod = filters.billingPeriod;
  if (filters.status) input.status = filters.status;
  if (filters.kind) input.kind = filters.kind;
  return input;
}

/** A payment date: required, not before the issue date, not after today (the API says the same). */
export function paymentDateProblem(date: string, issueDate: string | null, today: string): 'required' | 'beforeIssue' | 'future' | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return 'required';
  if (issueDate && date < issueDate) return 'beforeIssue';
  if (date > today) return 'future';
  return null;
}

/** An exchange rate as typed: a positive decimal. */
export function rateProblem(rate: string): 'invalid' | null {
  const r = rate.trim();
  if (!/^\d+(\.\d{1,10})?$/.test(r) || compareDecimal(r, '0') <= 0) return 'invalid';
  return null;
}

/** A note from an adjustment is a credit note when the charge went down, else a debit note. */
export function noteKindOf(proformaDelta: string): 'CREDIT_NOTE' | 'DEBIT_NOTE' {
  return compareDecimal(proformaDelta, '0') < 0 ? 'CREDIT_NOTE' : 'DEBIT_NOTE';
}

/** The bytes of a document the API sent as base64. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A document as a Blob of its content type, ready for a blob URL. */
export function documentBlob(doc: { contentBase64: string; contentType: string }): Blob {
  return new Blob([base64ToBytes(doc.contentBase64)], { type: doc.contentType });
}
