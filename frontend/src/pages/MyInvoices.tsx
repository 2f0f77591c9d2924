import { useQuery } from 'urql';
import { useDocumentLoader } from '../api/invoiceDocuments';
import { CardTable } from '../components/CardTable';
import { DocumentDownloads } from '../components/DocumentDownloads';
import { InvoiceStatusBadge } from '../components/InvoiceBadges';
import { usePageTitle } from '../components/usePageTitle';
import { InvoicesDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDate, formatMoney } from '../lib/format';

/** An end customer's invoices and notes (issued, paid and void: the API never shows them drafts), each with PDF and CSV downloads. */
export function MyInvoicesPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('myInvoices.title'));
  const [result, reexecute] = useQuery({ query: InvoicesDocument, variables: { filter: null, limit: 200, offset: 0 }, requestPolicy: 'network-only' });
  const load = useDocumentLoader();
  const rows = result.data?.invoices ?? [];
  return (
    <section aria-labelledby="my-invoices-title">
      <div className="page-head">
        <div>
          <h1 id="my-invoices-title">{t('myInvoices.title')}</h1>
          <p className="intro">{t('myInvoices.intro')}</p>
        </div>
      </div>
      <CardTable
        title={t('invoices.list')}
        loading={result.fetching && !result.data}
        error={result.error ?? null}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
        empty={rows.length === 0}
        emptyText={t('myInvoices.empty')}
        columns={[t('invoices.number'), t('invoices.kind'), t('billing.period'), t('invoices.status'), t('invoices.total'), t('invoice.issueDate'), t('invoice.dueDate'), t('myInvoices.downloads')]}
      >
        {rows.map((inv) => (
          <tr key={inv.id} data-testid="my-invoice-row">
            <th scope="row">{inv.number}</th>
            <td>{t(`documentKind.${inv.kind}`)}</td>
            <td>{inv.billingPeriod}</td>
            <td>
              <InvoiceStatusBadge status={inv.status} />
            </td>
            <td className="num">{formatMoney(inv.total, inv.currency, lang)}</td>
            <td>{inv.issueDate ? formatDate(inv.issueDate, lang, 'UTC') : '—'}</td>
            <td>{inv.dueDate ? formatDate(inv.dueDate, lang, 'UTC') : '—'}</td>
            <td>
              <DocumentDownloads small id={inv.id} label={inv.number ?? inv.id} load={load} />
            </td>
          </tr>
        ))}
      </CardTable>
    </section>
  );
}
