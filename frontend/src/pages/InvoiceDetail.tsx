import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useDocumentLoader } from '../api/invoiceDocuments';
import { usePayerAbilities } from '../api/payers';
import { CardTable } from '../components/CardTable';
import { DocumentDownloads } from '../components/DocumentDownloads';
import { Field, FormActions, FormErrorMessage, Notice } from '../components/Form';
import { InvoiceActions, useInvoiceActionHandlers } from '../components/InvoiceActions';
import { InvoiceStatusBadge } from '../components/InvoiceBadges';
import { ErrorState, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { CreateInvoiceNoteDocument, InvoiceDocument, PayerDocument, type InvoiceDetailFieldsFragment, type PartyFieldsFragment } from '../generated/graphql';
import { useI18n } from '../i18n';
import { addDecimal } from '../lib/decimal';
import { formatDate, formatDateTime, formatMoney } from '../lib/format';
import { documentBlob } from '../lib/invoicing';

/**
 * One invoice or note: its parties, lines, tax and totals, its PDF shown in the page (a blob URL
 * of `invoiceDocument`), PDF and CSV downloads, and the actions the role allows (issue, mark
 * paid, void, delete the draft, draft a note).
 */
export function InvoiceDetailPage() {
  const { t, lang } = useI18n();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [result, reexecute] = useQuery({ query: InvoiceDocument, variables: { id }, requestPolicy: 'network-only' });
  const invoice = result.data?.invoice ?? null;
  usePageTitle(invoice ? t('invoice.pageTitle', { name: invoice.number ?? t('invoices.draft') }) : t('invoice.title'));
  const [payerResult] = useQuery({ query: PayerDocument, variables: { id: invoice?.payerId ?? '' }, pause: !invoice?.partnerView });
  const payer = payerResult.data?.payer;
  const can = usePayerAbilities(payer ? [payer] : [])(invoice?.payerId ?? '');
  const handlers = useInvoiceActionHandlers();
  const load = useDocumentLoader();
  const [notice, setNotice] = useState<string | null>(null);
  const [noting, setNoting] = useState(false);
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  if (!invoice) {
    if (result.error) return <ErrorState error={result.error} onRetry={reload} />;
    return <LoadingState />;
  }
  const money = (v: string) => formatMoney(v, invoice.currency, lang);
  const name = invoice.number ?? t('invoices.draft');
  return (
    <section aria-labelledby="invoice-title">
      <p className="crumbs">
        <Link to={invoice.partnerView ? '/invoices' : '/my-invoices'}>{t(invoice.partnerView ? 'nav.invoices' : 'nav.myInvoices')}</Link> › {name}
      </p>
      <div className="page-head">
        <div>
          <h1 id="invoice-title">
            {t(`documentKind.${invoice.kind}`)} {name} <InvoiceStatusBadge status={invoice.status} />
          </h1>
          <p className="intro">{t('invoice.intro', { customer: invoice.customer.name, period: invoice.billingPeriod })}</p>
        </div>
        <div className="row-actions">
          <DocumentDownloads id={invoice.id} label={name} load={load} />
          <InvoiceActions
            invoice={invoice}
            can={can}
            handlers={handlers}
            onCreateNote={() => setNoting(true)}
            done={(what, number) => {
              if (what === 'deleted') return void navigate('/invoices');
              setNotice(t(`invoices.done.${what}`, { name: number ?? name }));
              reload();
            }}
          />
        </div>
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {noting && <NoteForm invoice={invoice} onCancel={() => setNoting(false)} onCreated={(noteId) => void navigate(`/invoices/${noteId}`)} />}
      <div className="grid-2">
        <Party title={t('invoice.issuer')} party={invoice.issuer} testId="issuer" />
        <Party title={t('invoice.customer')} party={invoice.customer} testId="customer" />
      </div>
      <div className="card">
        <h2>{t('invoice.details')}</h2>
        <dl className="facts" data-testid="invoice-facts">
          <dt>{t('invoices.number')}</dt>
          <dd>{invoice.number ?? t('invoice.numberAtIssue')}</dd>
          <dt>{t('billing.period')}</dt>
          <dd>{invoice.billingPeriod}</dd>
          {invoice.invoiceId && (
            <>
              <dt>{t('invoice.refersTo')}</dt>
              <dd>
                <Link to={`/invoices/${invoice.invoiceId}`}>{t('invoice.theInvoice')}</Link>
              </dd>
            </>
          )}
          {invoice.reason && (
            <>
              <dt>{t('invoice.reason')}</dt>
              <dd>{invoice.reason}</dd>
            </>
          )}
          <dt>{t('invoice.issueDate')}</dt>
          <dd>{invoice.issueDate ? formatDate(invoice.issueDate, lang, 'UTC') : '—'}</dd>
          <dt>{t('invoice.dueDate')}</dt>
          <dd>{invoice.dueDate ? formatDate(invoice.dueDate, lang, 'UTC') : t('invoice.dueIn', { days: invoice.paymentTermsDays })}</dd>
          <dt>{t('invoice.currency')}</dt>
          <dd>
            {invoice.currency}
            {invoice.currency !== invoice.sourceCurrency && ` (${t('invoice.rate', { from: invoice.sourceCurrency, to: invoice.currency, rate: invoice.exchangeRate })})`}
          </dd>
          <dt>{t('invoice.tax')}</dt>
          <dd>
            {addDecimal(invoice.taxRate)}% ({t(invoice.taxInclusive ? 'contract.taxIncluded' : 'contract.taxAdded')})
          </dd>
          <dt>{t('contract.language')}</dt>
          <dd>{t(invoice.language === 'zh-CN' ? 'contract.language.zh-CN' : 'contract.language.en')}</dd>
          {invoice.issuedAt && (
            <>
              <dt>{t('invoice.issued')}</dt>
              <dd>{t('invoice.byAt', { who: invoice.issuedBy ?? '—', when: formatDateTime(invoice.issuedAt, lang) })}</dd>
            </>
          )}
          {invoice.paymentDate && (
            <>
              <dt>{t('invoice.paid')}</dt>
              <dd>{t('invoice.paidOn', { date: formatDate(invoice.paymentDate, lang, 'UTC'), reference: invoice.paymentReference ?? '' })}</dd>
            </>
          )}
          {invoice.voidReason && (
            <>
              <dt>{t('invoice.voided')}</dt>
              <dd>{invoice.voidReason}</dd>
            </>
          )}
          {invoice.contentHash && (
            <>
              <dt>{t('invoice.contentHash')}</dt>
              <dd>
                <code>{invoice.contentHash}</code>
              </dd>
            </>
          )}
        </dl>
      </div>
      <CardTable
        title={t('invoice.lines')}
        tableTestId="invoice-lines"
        empty={invoice.lines.length === 0}
        emptyText={t('invoice.noLines')}
        columns={[t('billing.group'), t('periods.account'), t('periods.service'), t('periods.description'), t('invoice.amount'), t('invoice.tax')]}
        footer={
          <>
            <tr>
              <th scope="row" colSpan={4}>
                {t('invoice.subtotal')}
              </th>
              <td className="num" data-testid="invoice-subtotal">
                {money(invoice.subtotal)}
              </td>
              <td />
            </tr>
            <tr>
              <th scope="row" colSpan={4}>
                {t('invoice.tax')}
              </th>
              <td />
              <td className="num" data-testid="invoice-tax">
                {money(invoice.tax)}
              </td>
            </tr>
            <tr>
              <th scope="row" colSpan={4}>
                {t('invoices.total')}
              </th>
              <td className="num" data-testid="invoice-total">
                <strong>{money(invoice.total)}</strong>
              </td>
              <td />
            </tr>
          </>
        }
      >
        {invoice.lines.map((l) => (
          <tr key={l.position} data-testid="invoice-line">
            <td>{l.groupName}</td>
            <td>{l.accountId ? <code>{l.accountId}</code> : '—'}</td>
            <td>{l.serviceCode || t(`lineKind.${l.kind}`)}</td>
            <td>{l.description}</td>
            <td className="num">{money(l.amount)}</td>
            <td className="num">{money(l.tax)}</td>
          </tr>
        ))}
      </CardTable>
      <PdfPreview invoice={invoice} />
    </section>
  );
}

function Party({ title, party, testId }: { title: string; party: PartyFieldsFragment; testId: string }) {
  const { t } = useI18n();
  return (
    <div className="card" data-testid={testId}>
      <h2>{title}</h2>
      <p>
        <strong>{party.name}</strong>
      </p>
      {party.address && <p className="pre">{party.address}</p>}
      {party.taxId && <p className="muted small">{t('invoice.taxId', { id: party.taxId })}</p>}
      {party.email && <p className="muted small">{party.email}</p>}
    </div>
  );
}

/** The document's PDF in the page, from a blob URL (revoked when the page or the document changes). */
function PdfPreview({ invoice }: { invoice: InvoiceDetailFieldsFragment }) {
  const { t } = useI18n();
  const load = useDocumentLoader();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  // A new state (issued, paid, void) re-renders the PDF: reload it when the state changes.
  const key = `${invoice.id}/${invoice.status}`;
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    setUrl(null);
    setFailed(false);
    void load(invoice.id, 'PDF').then((res) => {
      if (!live) return;
      if (!res.data) return setFailed(true);
      made = URL.createObjectURL(documentBlob(res.data));
      setUrl(made);
    });
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [key, load]);
  return (
    <section className="card" aria-labelledby="pdf-title">
      <h2 id="pdf-title">{t('invoice.pdf')}</h2>
      {failed ? (
        <p className="state state-error">{t('invoice.pdfFailed')}</p>
      ) : url ? (
        <iframe className="pdf" src={url} title={t('invoice.pdfOf', { name: invoice.number ?? t('invoices.draft') })} data-testid="invoice-pdf" />
      ) : (
        <LoadingState />
      )}
    </section>
  );
}

/** A credit or debit note typed by hand on an issued invoice (operators): a reason and lines in the invoice's currency. */
function NoteForm({ invoice, onCancel, onCreated }: { invoice: InvoiceDetailFieldsFragment; onCancel: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<'CREDIT_NOTE' | 'DEBIT_NOTE'>('CREDIT_NOTE');
  const [reason, setReason] = useState('');
  const [lines, setLines] = useState([{ description: '', amount: '' }]);
  const [result, create] = useMutation(CreateInvoiceNoteDocument);
  const errors = mapErrors(result.error, { reason: 'reason', lines: 'lines', kind: 'kind' } as const);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({
      input: { invoiceId: invoice.id, kind, reason: reason.trim(), lines: lines.map((l) => ({ description: l.description.trim(), amount: l.amount.trim() })) },
    });
    if (res.data) onCreated(res.data.createInvoiceNote.id);
  }
  return (
    <form className="card form wide" onSubmit={submit} aria-labelledby="note-form-title" noValidate>
      <h2 id="note-form-title">{t('invoice.noteForm', { name: invoice.number ?? '' })}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('invoices.kind')} name="kind" error={errors.fields.kind}>
        {(p) => (
          <select {...p} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="CREDIT_NOTE">{t('documentKind.CREDIT_NOTE')}</option>
            <option value="DEBIT_NOTE">{t('documentKind.DEBIT_NOTE')}</option>
          </select>
        )}
      </Field>
      <Field label={t('invoice.reason')} name="reason" error={errors.fields.reason}>
        {(p) => <input {...p} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <fieldset className="field">
        <legend>{t('invoice.lines')}</legend>
        <p className="field-hint">{t('invoice.noteLinesHint', { currency: invoice.currency })}</p>
        {lines.map((l, i) => (
          <div className="row-actions" key={i}>
            <input aria-label={t('invoice.lineDescription', { n: i + 1 })} value={l.description} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, description: e.target.value } : x)))} />
            <input aria-label={t('invoice.lineAmount', { n: i + 1 })} inputMode="decimal" value={l.amount} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, amount: e.target.value } : x)))} />
          </div>
        ))}
        <button type="button" className="small" onClick={() => setLines([...lines, { description: '', amount: '' }])}>
          {t('invoice.addLine')}
        </button>
        {errors.fields.lines && <p className="field-error">{errors.fields.lines}</p>}
      </fieldset>
      <FormActions onCancel={onCancel} submitLabel={t('invoice.createNote')} disabled={result.fetching} />
    </form>
  );
}
