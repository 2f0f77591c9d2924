import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  canReopen,
  documentBlob,
  filterInput,
  filtersFromParams,
  filtersToParams,
  invoiceActions,
  noteKindOf,
  paymentDateProblem,
  rateProblem,
} from './invoicing';

const admin = { operate: true, administer: true };
const operator = { operate: true, administer: false };
const viewer = { operate: false, administer: false };
const doc = (status: 'DRAFT' | 'ISSUED' | 'PAID' | 'VOID', kind: 'INVOICE' | 'CREDIT_NOTE' | 'DEBIT_NOTE' = 'INVOICE', partnerView = true) => ({ status, kind, partnerView });

describe('invoiceActions', () => {
  it('gives admins issue and delete on a draft, operators only delete, viewers nothing', () => {
    expect(invoiceActions(doc('DRAFT'), admin)).toEqual(['issue', 'deleteDraft']);
    expect(invoiceActions(doc('DRAFT'), operator)).toEqual(['deleteDraft']);
    expect(invoiceActions(doc('DRAFT'), viewer)).toEqual([]);
  });

  it('lets admins mark an issued invoice paid or void it; operators draft notes on issued and paid invoices', () => {
    expect(invoiceActions(doc('ISSUED'), admin)).toEqual(['markPaid', 'void', 'createNote']);
    expect(invoiceActions(doc('ISSUED'), operator)).toEqual(['createNote']);
    expect(invoiceActions(doc('PAID'), admin)).toEqual(['createNote']);
    expect(invoiceActions(doc('VOID'), admin)).toEqual([]);
  });

  it('offers no note on a note, and nothing to a customer’s users', () => {
    expect(invoiceActions(doc('ISSUED', 'CREDIT_NOTE'), admin)).toEqual(['markPaid', 'void']);
    expect(invoiceActions(doc('ISSUED', 'INVOICE', false), admin)).toEqual([]);
  });
});

describe('canReopen', () => {
  const closed = { status: 'CLOSED' as const, invoiceCount: 2 };
  it('allows reopening a closed period while every document of it is a draft', () => {
    expect(canReopen({ ...closed, invoiceCount: 0 }, null)).toBe(true);
    expect(canReopen(closed, 2)).toBe(true);
  });
  it('refuses once something of the period is issued, while the drafts are not known, and an open period', () => {
    expect(canReopen(closed, 1)).toBe(false);
    expect(canReopen(closed, null)).toBe(false);
    expect(canReopen({ status: 'OPEN', invoiceCount: 0 }, 0)).toBe(false);
  });
});

describe('filters', () => {
  it('reads known values from the address and ignores the rest', () => {
    expect(filtersFromParams(new URLSearchParams('payer=p1&period=2026-10&status=ISSUED&kind=CREDIT_NOTE'))).toEqual({
      payerId: 'p1',
      billingPeriod: '2026-10',
      status: 'ISSUED',
      kind: 'CREDIT_NOTE',
    });
    expect(filtersFromParams(new URLSearchParams('period=October&status=LOST&kind=x'))).toEqual({ payerId: '', billingPeriod: '', status: '', kind: '' });
  });
  it('writes only what is set, to the address and to the API', () => {
    const filters = { payerId: '', billingPeriod: '2026-10', status: 'DRAFT' as const, kind: '' as const };
    expect(filtersToParams(filters).toString()).toBe('period=2026-10&status=DRAFT');
    expect(filterInput(filters)).toEqual({ billingPeriod: '2026-10', status: 'DRAFT' });
    expect(filterInput({ payerId: '', billingPeriod: '', status: '', kind: '' })).toEqual({});
  });
});

describe('checks before sending', () => {
  it('takes a payment date between the issue date and today', () => {
    expect(paymentDateProblem('', '2026-11-02', '2026-11-20')).toBe('required');
    expect(paymentDateProblem('2026-11-01', '2026-11-02', '2026-11-20')).toBe('beforeIssue');
    expect(paymentDateProblem('2026-11-21', '2026-11-02', '2026-11-20')).toBe('future');
    expect(paymentDateProblem('2026-11-02', '2026-11-02', '2026-11-20')).toBeNull();
    expect(paymentDateProblem('2026-11-20', '2026-11-02', '2026-11-20')).toBeNull();
  });
  it('takes a positive decimal rate', () => {
    expect(rateProblem('0.9')).toBeNull();
    expect(rateProblem(' 7.1234 ')).toBeNull();
    for (const bad of ['', '0', '0.000', '-1', '1,5', 'abc']) expect(rateProblem(bad), bad).toBe('invalid');
  });
  it('makes a credit note of a negative difference and a debit note of a positive one', () => {
    expect(noteKindOf('-7.2')).toBe('CREDIT_NOTE');
    expect(noteKindOf('0.01')).toBe('DEBIT_NOTE');
  });
});

describe('documents', () => {
  it('decodes base64 into the exact bytes, and a Blob of the content type', async () => {
    const bytes = base64ToBytes(btoa('%PDF-1.7\n\u00ff'));
    expect([...bytes.slice(0, 5)]).toEqual([0x25, 0x50, 0x44, 0x46, 0x2d]);
    expect(bytes[bytes.length - 1]).toBe(0xff);
    const blob = documentBlob({ contentBase64: btoa('a,b\n'), contentType: 'text/csv' });
    expect(blob.type).toBe('text/csv');
    expect(await blob.text()).toBe('a,b\n');
  });
});
