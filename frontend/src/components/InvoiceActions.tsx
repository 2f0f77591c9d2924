import { useState } from 'react';
import { useMutation } from 'urql';
import type { ClientError } from '../api/errors';
import { DeleteInvoiceDraftDocument, IssueInvoiceDocument, MarkInvoicePaidDocument, VoidInvoiceDocument, type DocumentKind, type InvoiceStatus } from '../generated/graphql';
import { useI18n } from '../i18n';
import { invoiceActions, paymentDateProblem } from '../lib/invoicing';
import { DangerAction } from './DangerAction';
import { Field } from './Form';

type Outcome = Promise<{ error?: ClientError | null }>;
/** Issuing answers the number the document was given. */
type IssueOutcome = Promise<{ error?: ClientError | null; number?: string | null }>;

/** What the actions do: the page's mutations (tests pass fakes). */
export interface InvoiceActionHandlers {
  issue: (id: string) => IssueOutcome;
  markPaid: (id: string, paymentDate: string, paymentReference: string) => Outcome;
  void: (id: string, reason: string) => Outcome;
  deleteDraft: (id: string) => Outcome;
}

/** The mutations behind the actions, through urql. */
export function useInvoiceActionHandlers(): InvoiceActionHandlers {
  const [, issue] = useMutation(IssueInvoiceDocument);
  const [, markPaid] = useMutation(MarkInvoicePaidDocument);
  const [, voidInvoice] = useMutation(VoidInvoiceDocument);
  const [, deleteDraft] = useMutation(DeleteInvoiceDraftDocument);
  return {
    issue: (id) => issue({ id }).then((res) => ({ error: res.error, number: res.data?.issueInvoice.number ?? null })),
    markPaid: (id, paymentDate, paymentReference) => markPaid({ id, paymentDate, paymentReference }),
    void: (id, reason) => voidInvoice({ id, reason }),
    deleteDraft: (id) => deleteDraft({ id }),
  };
}

const todayUtc = () => new Date().toISOString().slice(0, 10);

/**
 * The actions on one document that the caller's role allows in its state (a role's forbidden
 * buttons are not shown; the API refuses anyway). Each asks first in a dialog: Issue, Mark paid
 * (payment date and reference), Void (a reason), Delete draft; "Create note" hands over to the
 * page's note form. `done` runs after a successful action with what happened.
 */
export function InvoiceActions({
  invoice,
  can,
  handlers,
  done,
  onCreateNote,
  today = todayUtc,
}: {
  invoice: { id: string; status: InvoiceStatus; kind: DocumentKind; partnerView: boolean; number: string | null; issueDate: string | null };
  can: { operate: boolean; administer: boolean };
  handlers: InvoiceActionHandlers;
  /** After a successful action; `number` is the document's number (the new one after issuing). */
  done: (what: 'issued' | 'paid' | 'voided' | 'deleted', number: string | null) => void;
  onCreateNote?: () => void;
  today?: () => string;
}) {
  const { t } = useI18n();
  const [paymentDate, setPaymentDate] = useState('');
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const actions = invoiceActions(invoice, can);
  if (actions.length === 0) return null;
  const name = invoice.number ?? t('invoices.draft');
  const after = (what: Parameters<typeof done>[0]) => async (res: { error?: ClientError | null; number?: string | null }) => {
    if (!res.error) done(what, res.number ?? invoice.number);
    return res;
  };
  return (
    <div className="row-actions">
      {actions.includes('issue') && (
        <DangerAction
          small
          tone="plain"
          label={t('invoices.issue')}
          name={t('invoices.issueNamed', { name })}
          title={t('invoices.issueTitle')}
          confirmLabel={t('invoices.issue')}
          onConfirm={() => handlers.issue(invoice.id).then(after('issued'))}
        >
          <p>{t('invoices.issueBody')}</p>
        </DangerAction>
      )}
      {actions.includes('markPaid') && (
        <DangerAction
          small
          tone="plain"
          label={t('invoices.markPaid')}
          name={t('invoices.markPaidNamed', { name })}
          title={t('invoices.markPaidTitle', { name })}
          confirmLabel={t('invoices.markPaid')}
          confirmDisabled={reference.trim() === ''}
          fields={{ paymentDate: 'paymentDate', paymentReference: 'paymentReference' }}
          onOpen={() => {
            setPaymentDate(today());
            setReference('');
            setProblem(null);
          }}
          onConfirm={async () => {
            const p = paymentDateProblem(paymentDate, invoice.issueDate, today());
            if (p) {
              setProblem(t(`invoices.paymentDate.${p}`));
              return false;
            }
            return handlers.markPaid(invoice.id, paymentDate, reference.trim()).then(after('paid'));
          }}
        >
          <Field label={t('invoices.paymentDate')} name="paymentDate" error={problem ?? undefined}>
            {(p) => (
              <input
                {...p}
                type="date"
                value={paymentDate}
                onChange={(e) => {
                  setProblem(null);
                  setPaymentDate(e.target.value);
                }}
              />
            )}
          </Field>
          <Field label={t('invoices.paymentReference')} name="paymentReference">
            {(p) => <input {...p} value={reference} maxLength={200} onChange={(e) => setReference(e.target.value)} />}
          </Field>
        </DangerAction>
      )}
      {actions.includes('void') && (
        <DangerAction
          small
          label={t('invoices.void')}
          name={t('invoices.voidNamed', { name })}
          title={t('invoices.voidTitle', { name })}
          confirmLabel={t('invoices.void')}
          confirmDisabled={reason.trim() === ''}
          fields={{ reason: 'reason' }}
          onOpen={() => setReason('')}
          onConfirm={() => handlers.void(invoice.id, reason.trim()).then(after('voided'))}
        >
          <p>{t('invoices.voidBody')}</p>
          <Field label={t('invoices.voidReason')} name="reason">
            {(p) => <input {...p} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
          </Field>
        </DangerAction>
      )}
      {actions.includes('deleteDraft') && (
        <DangerAction
          small
          label={t('invoices.deleteDraft')}
          name={t('invoices.deleteDraftNamed', { name: invoice.id.slice(0, 8) })}
          title={t('invoices.deleteDraftTitle')}
          confirmLabel={t('invoices.deleteDraft')}
          onConfirm={() => handlers.deleteDraft(invoice.id).then(after('deleted'))}
        >
          <p>{t('invoices.deleteDraftBody')}</p>
        </DangerAction>
      )}
      {actions.includes('createNote') && onCreateNote && (
        <button type="button" className="small" aria-label={t('invoices.createNoteNamed', { name })} onClick={onCreateNote}>
          {t('invoices.createNote')}
        </button>
      )}
    </div>
  );
}
