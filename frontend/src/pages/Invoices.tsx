import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAllPayers, usePayerAbilities } from '../api/payers';
import { useFreshQuery } from '../api/useFreshQuery';
import { CardTable } from '../components/CardTable';
import { DraftInvoicesAction } from '../components/DraftInvoicesAction';
import { Field, Notice } from '../components/Form';
import { InvoiceActions, useInvoiceActionHandlers } from '../components/InvoiceActions';
import { InvoiceStatusBadge } from '../components/InvoiceBadges';
import { usePageTitle } from '../components/usePageTitle';
import { InvoicesDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDate, formatMoney } from '../lib/format';
import { DOCUMENT_KINDS, filterInput, filtersFromParams, filtersToParams, INVOICE_STATUSES, type InvoiceFilters } from '../lib/invoicing';

const PAGE = 50;

/**
 * Invoices and notes the caller can see, newest first, filtered by payer, period, state and kind
 * (kept in the address), with their totals and the actions the role allows; "Draft invoices"
 * when a payer and a period are picked.
 */
export function InvoicesPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('invoices.title'));
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const [offset, setOffset] = useState(0);
  const payers = useAllPayers();
  const can = usePayerAbilities(payers.nodes);
  const handlers = useInvoiceActionHandlers();
  const [notice, setNotice] = useState<string | null>(null);
  const [result, reexecute] = useFreshQuery({
    query: InvoicesDocument,
    variables: { filter: filterInput(filters), limit: PAGE + 1, offset },
    requestPolicy: 'network-only',
  });
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const rows = (result.data?.invoices ?? []).slice(0, PAGE);
  const more = (result.data?.invoices.length ?? 0) > PAGE;
  const payerName = new Map(payers.nodes.map((p) => [p.id, p.name]));
  const set = (patch: Partial<InvoiceFilters>) => {
    setOffset(0);
    setParams(filtersToParams({ ...filters, ...patch }), { replace: true });
  };

  return (
    <section aria-labelledby="invoices-title">
      <div className="page-head">
        <div>
          <h1 id="invoices-title">{t('invoices.title')}</h1>
          <p className="intro">{t('invoices.intro')}</p>
        </div>
      </div>
      <form className="filters row-actions" aria-label={t('invoices.filters')} onSubmit={(e) => e.preventDefault()}>
        <Field label={t('invoices.payer')} name="payer">
          {(p) => (
            <select {...p} value={filters.payerId} onChange={(e) => set({ payerId: e.target.value })}>
              <option value="">{t('invoices.all')}</option>
              {payers.nodes.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('billing.period')} name="period">
          {(p) => <input {...p} type="month" value={filters.billingPeriod} onChange={(e) => set({ billingPeriod: e.target.value })} />}
        </Field>
        <Field label={t('invoices.status')} name="status">
          {(p) => (
            <select {...p} value={filters.status} onChange={(e) => set({ status: e.target.value as InvoiceFilters['status'] })}>
              <option value="">{t('invoices.all')}</option>
              {INVOICE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`invoiceStatus.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('invoices.kind')} name="kind">
          {(p) => (
            <select {...p} value={filters.kind} onChange={(e) => set({ kind: e.target.value as InvoiceFilters['kind'] })}>
              <option value="">{t('invoices.all')}</option>
              {DOCUMENT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`documentKind.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {filters.payerId && filters.billingPeriod && can(filters.payerId).operate && (
        <DraftInvoicesAction
          payerId={filters.payerId}
          billingPeriod={filters.billingPeriod}
          onDrafted={() => {
            setNotice(t('invoices.draftedNotice', { period: filters.billingPeriod }));
            reload();
          }}
        />
      )}
      <CardTable
        title={t('invoices.list')}
        loading={result.fetching && !result.data}
        error={result.error ?? null}
        onRetry={reload}
        empty={rows.length === 0}
        emptyText={t('invoices.empty')}
        columns={[t('invoices.number'), t('invoices.kind'), t('invoices.customer'), t('invoices.payer'), t('billing.period'), t('invoices.status'), t('invoices.total'), t('invoices.dates'), t('common.actions')]}
      >
        {rows.map((inv) => (
          <tr key={inv.id} data-testid="invoice-row">
            <th scope="row">
              <Link to={`/invoices/${inv.id}`} aria-label={t('invoices.openNamed', { name: inv.number ?? t('invoices.draftOf', { name: inv.customer.name }) })}>
                {inv.number ?? t('invoices.draft')}
              </Link>
            </th>
            <td>{t(`documentKind.${inv.kind}`)}</td>
            <td>{inv.customer.name}</td>
            <td>{payerName.get(inv.payerId) ?? inv.payerId}</td>
            <td>{inv.billingPeriod}</td>
            <td>
              <InvoiceStatusBadge status={inv.status} />
            </td>
            <td className="num">{formatMoney(inv.total, inv.currency, lang)}</td>
            <td className="small">
              {inv.issueDate ? t('invoices.issuedDue', { issued: formatDate(inv.issueDate, lang, 'UTC'), due: inv.dueDate ? formatDate(inv.dueDate, lang, 'UTC') : '—' }) : '—'}
            </td>
            <td>
              <InvoiceActions
                invoice={inv}
                can={can(inv.payerId)}
                handlers={handlers}
                done={(what, number) => {
                  setNotice(t(`invoices.done.${what}`, { name: number ?? t('invoices.draft') }));
                  reload();
                }}
              />
            </td>
          </tr>
        ))}
      </CardTable>
      {(offset > 0 || more) && (
        <div className="row-actions">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            {t('invoices.previous')}
          </button>
          <button type="button" disabled={!more} onClick={() => setOffset(offset + PAGE)}>
            {t('invoices.next')}
          </button>
        </div>
      )}
    </section>
  );
}
