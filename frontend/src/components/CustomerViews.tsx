import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useQuery, type CombinedError } from 'urql';
import type { CustomerPayer } from '../api/customerPayers';
import { useFreshQuery } from '../api/useFreshQuery';
import { CardTable } from './CardTable';
import { Chart } from './Chart';
import { CostByTagCard } from './CostByTag';
import { CsvDownloadButton } from './CsvDownloadButton';
import { FocusDownload } from './FocusDownload';
import { InvoiceStatusBadge } from './InvoiceBadges';
import { PeriodInput } from './PeriodInput';
import { ServiceLabel } from './ServiceLabel';
import { ErrorState, LoadingState } from './States';
import { MonthFallback, useMonthParam } from './useMonth';
import {
  CostSummaryDocument,
  InvoicesDocument,
  MonthOverMonthDocument,
  OptimizationInsightsDocument,
  type CostDimension,
  type CostSummaryQuery,
} from '../generated/graphql';
import { useI18n, type MessageKey, type Translate } from '../i18n';
import { monthsRange, openingMonth, previousMonth, topMovers, trendOption } from '../lib/costs';
import { csvFileName } from '../lib/csv';
import {
  accountCsv,
  categoryCsv,
  combinedTotals,
  moversCsv,
  sameDays,
  serviceCsv,
  trendCsv,
  type CsvTable,
  type DateRange,
} from '../lib/customerHome';
import { compareDecimal, isNegative, percentChange } from '../lib/decimal';
import { recommendationsCsv } from '../lib/insights';
import { codeLabel } from '../i18n/codes';
import { formatDate, formatMoney, roundDecimal } from '../lib/format';

// What an end customer sees in their home (pages/CustomerHome.tsx), as components the partner's
// view of one customer (pages/CustomerView.tsx) renders too: with `customerTenantId`, every
// question the components ask names that customer, so both sides see the same numbers.

/** How many recent invoices the home lists (the rest are on My invoices). */
const RECENT_INVOICES = 5;

/** How many savings recommendations the home lists per payer (the largest). */
const TOP_SAVINGS = 10;

/** Partner side: the customer whose views these are. Absent: the signed-in end customer's own. */
export interface ViewedCustomer {
  tenantId: string;
  name: string;
}

/** The customer's charges and the rest of their home, given their payers (with 13 months of charges each). */
export function CustomerViews({
  payers,
  months,
  customer,
  monthExtra,
}: {
  payers: CustomerPayer[];
  months: string[];
  customer?: ViewedCustomer;
  /** Shown under the month picker for the month shown (the partner's cost and margin card). */
  monthExtra?: (month: string) => ReactNode;
}) {
  const totals = useMemo(() => combinedTotals(payers.map((p) => p.series), months), [payers, months]);
  const hasCharges = totals.some((amount) => compareDecimal(amount, '0') !== 0);
  const payerIds = payers.map((p) => p.id);
  const customerTenantId = customer?.tenantId;
  if (payers.length === 0 || !hasCharges) {
    return (
      <>
        <NothingYet />
        <SavingsOpportunities payerIds={payerIds} customerTenantId={customerTenantId} />
        <RecentInvoices customer={customer} />
      </>
    );
  }
  return <ChargesDashboard payerIds={payerIds} currency={payers[0].currency} months={months} totals={totals} customer={customer} monthExtra={monthExtra} />;
}

/** A new customer: what will appear, and when. */
function NothingYet() {
  const { t } = useI18n();
  return (
    <div className="card" data-testid="home-empty">
      <h2>{t('home.emptyTitle')}</h2>
      <p>{t('home.emptyBody')}</p>
      <p className="muted">{t('home.emptyInvoices')}</p>
    </div>
  );
}

function ChargesDashboard({
  payerIds,
  currency,
  months,
  totals,
  customer,
  monthExtra,
}: {
  payerIds: string[];
  currency: string;
  months: string[];
  totals: string[];
  customer?: ViewedCustomer;
  monthExtra?: (month: string) => ReactNode;
}) {
  const { t } = useI18n();
  const customerTenantId = customer?.tenantId;
  const current = months[months.length - 1];
  // The tables open on this month, or on the latest month with charges when this one has none yet.
  const opening = useMemo(() => openingMonth(current, months.map((period, i) => ({ period, amount: totals[i] }))), [current, months, totals]);
  const { month, insteadOf, setMonth } = useMonthParam(opening);
  const shown = month ?? current;
  return (
    <>
      <MonthToDate payerIds={payerIds} currency={currency} customerTenantId={customerTenantId} />
      <TrendCard months={months.slice(1)} totals={totals.slice(1)} currency={currency} />
      <div className="page-head home-month">
        <PeriodInput id="home-month" label={t('home.showMonth')} value={shown} onChange={setMonth} />
        <FocusDownload
          billingPeriod={shown}
          customerTenantId={customerTenantId}
          name={customer ? t('focus.customer', { name: customer.name, month: shown }) : t('focus.own', { month: shown })}
        />
      </div>
      <MonthFallback insteadOf={insteadOf} month={month} />
      {monthExtra?.(shown)}
      <div className="grid-2">
        <ChargesByDimensionTable dimension={BY_SERVICE} payerIds={payerIds} month={shown} customerTenantId={customerTenantId} />
        <ChargesByDimensionTable dimension={BY_CATEGORY} payerIds={payerIds} month={shown} customerTenantId={customerTenantId} />
      </div>
      <div className="grid-2">
        <ChargesByDimensionTable dimension={BY_ACCOUNT} payerIds={payerIds} month={shown} customerTenantId={customerTenantId} />
        <MoversTable payerIds={payerIds} month={shown} currency={currency} customerTenantId={customerTenantId} />
      </div>
      <CostByTagCard payerIds={payerIds} month={shown} customerTenantId={customerTenantId} />
      <SavingsOpportunities payerIds={payerIds} customerTenantId={customerTenantId} />
      <RecentInvoices customer={customer} />
    </>
  );
}

/** `customerTenantId` when one is named (partner side), nothing otherwise (the end customer's own). */
function forCustomer(customerTenantId: string | undefined) {
  return customerTenantId ? { customerTenantId } : {};
}

function useCharges(payerIds: string[], range: DateRange, groupBy: CostDimension[], customerTenantId: string | undefined) {
  return useFreshQuery({
    query: CostSummaryDocument,
    variables: { input: { payerIds, from: range.from, to: range.to, granularity: 'MONTH', groupBy, metric: 'PRO_FORMA', ...forCustomer(customerTenantId) } },
    requestPolicy: 'network-only',
  });
}

/** This month so far against the same days of last month (fees and credits of each month in full). */
function MonthToDate({ payerIds, currency, customerTenantId }: { payerIds: string[]; currency: string; customerTenantId?: string }) {
  const { t, lang } = useI18n();
  const [days] = useState(() => sameDays(new Date()));
  const [now, retryNow] = useCharges(payerIds, days.current, [], customerTenantId);
  const [before, retryBefore] = useCharges(payerIds, days.before, [], customerTenantId);
  const money = (amount: string) => formatMoney(amount, now.data?.costSummary.currency ?? currency, lang);
  const error = now.error ?? before.error;
  if (error)
    return (
      <ErrorState
        error={error}
        onRetry={() => {
          retryNow({ requestPolicy: 'network-only' });
          retryBefore({ requestPolicy: 'network-only' });
        }}
      />
    );
  const thisTotal = now.data?.costSummary.total;
  const beforeTotal = before.data?.costSummary.total;
  const change = thisTotal !== undefined && beforeTotal !== undefined ? percentChange(thisTotal, beforeTotal) : null;
  return (
    <>
      <div className="kpis two">
        <div className="kpi card" data-testid="kpi-month-to-date">
          <h2>{t('home.monthToDate')}</h2>
          {thisTotal === undefined ? (
            <LoadingState />
          ) : (
            <>
              <p className="kpi-value">{money(thisTotal)}</p>
              <p className="muted">{t('home.monthToDateDays', { month: days.month, day: days.day })}</p>
            </>
          )}
        </div>
        <div className="kpi card" data-testid="kpi-same-days-before">
          <h2>{t('home.sameDaysBefore')}</h2>
          {beforeTotal === undefined ? (
            <LoadingState />
          ) : (
            <>
              <p className="kpi-value">{money(beforeTotal)}</p>
              <p className="muted" data-testid="kpi-change">
                {thisTotal === undefined
                  ? t('home.monthToDateDays', { month: days.previous, day: days.previousDay })
                  : change === null
                    ? t('home.noPrevious', { month: days.previous })
                    : t(isNegative(change) ? 'home.down' : 'home.up', { percent: change.replace('-', ''), month: days.previous })}
              </p>
            </>
          )}
        </div>
      </div>
      <p className="muted small" data-testid="same-days-note">
        {t('home.sameDaysNote', { day: days.day })}
      </p>
    </>
  );
}

/** The last 12 months as bars (as the partner's Overview draws its trend), with a CSV of them. */
function TrendCard({ months, totals, currency }: { months: string[]; totals: string[]; currency: string }) {
  const { t, lang } = useI18n();
  const option = useMemo(() => trendOption({ months, totals, currency, lang, name: t('home.charge') }), [months, totals, currency, lang, t]);
  const title = t('home.trend');
  const table = trendCsv({ month: t('home.month'), amount: t('home.charge'), currency: t('home.currency') }, months, totals, currency);
  return (
    <div className="card" data-testid="home-trend">
      <div className="page-head">
        <h2>{title}</h2>
        <div className="row-actions">
          <CsvDownloadButton name={title} fileName={csvFileName('charges-by-month', months[0], months[months.length - 1])} table={table} />
        </div>
      </div>
      <Chart option={option} label={t('home.trendLabel', { from: months[0], to: months[months.length - 1] })} testId="chart-trend" />
    </div>
  );
}

/** A card with a table of one month's charges by one dimension, and its CSV. */
function MonthTableCard({
  title,
  fileName,
  columns,
  table,
  loading,
  error,
  onRetry,
  empty,
  emptyText,
  testId,
  children,
}: {
  title: string;
  fileName: string;
  columns: string[];
  table: CsvTable | null;
  loading: boolean;
  error: CombinedError | null;
  onRetry: () => void;
  empty: boolean;
  emptyText: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <CardTable
      title={title}
      testId={testId}
      columns={columns}
      loading={loading}
      error={error}
      onRetry={onRetry}
      empty={empty}
      emptyText={emptyText}
      actions={<CsvDownloadButton name={title} fileName={fileName} table={table} />}
    >
      {children}
    </CardTable>
  );
}

type ChargeGroup = CostSummaryQuery['costSummary']['groups'][number];

/** What sets one month table of charges apart from the others: the dimension it groups by, its texts and ids, its CSV and its key cell. */
interface ChargesDimension {
  groupBy: CostDimension;
  /** Heading, with `{month}`. */
  title: MessageKey;
  /** Header of the key column (the other column is the charge). */
  column: MessageKey;
  testId: string;
  rowTestId: string;
  /** File name stem, before the month. */
  fileName: string;
  csv: (t: Translate, groups: readonly ChargeGroup[], currency: string) => CsvTable;
  rowKey: (group: ChargeGroup) => string;
  keyCell: (group: ChargeGroup) => ReactNode;
}

const BY_SERVICE: ChargesDimension = {
  groupBy: 'SERVICE',
  title: 'home.byService',
  column: 'home.service',
  testId: 'home-by-service',
  rowTestId: 'home-service-row',
  fileName: 'charges-by-service',
  csv: (t, groups, currency) =>
    serviceCsv({ service: t('home.service'), code: t('home.serviceCode'), amount: t('home.charge'), currency: t('home.currency') }, groups, currency),
  rowKey: (g) => g.key.service ?? '',
  keyCell: (g) => <ServiceLabel name={g.key.serviceName} code={g.key.service} />,
};

const BY_CATEGORY: ChargesDimension = {
  groupBy: 'SERVICE_CATEGORY',
  title: 'home.byCategory',
  column: 'home.category',
  testId: 'home-by-category',
  rowTestId: 'home-category-row',
  fileName: 'charges-by-category',
  csv: (t, groups, currency) => categoryCsv({ category: t('home.category'), amount: t('home.charge'), currency: t('home.currency') }, groups, currency),
  rowKey: (g) => g.key.serviceCategory ?? '',
  keyCell: (g) => g.key.serviceCategory ?? '—',
};

const BY_ACCOUNT: ChargesDimension = {
  groupBy: 'ACCOUNT',
  title: 'home.byAccount',
  column: 'home.account',
  testId: 'home-by-account',
  rowTestId: 'home-account-row',
  fileName: 'charges-by-account',
  csv: (t, groups, currency) => accountCsv({ account: t('home.account'), name: t('home.accountName'), amount: t('home.charge'), currency: t('home.currency') }, groups, currency),
  rowKey: (g) => g.key.accountId ?? '',
  // The account's name from its organization when known, its id beside it.
  keyCell: (g) =>
    g.key.accountName ? (
      <>
        {g.key.accountName} <code className="service-code">{g.key.accountId}</code>
      </>
    ) : (
      <code>{g.key.accountId}</code>
    ),
};

/** One month's charges grouped by one dimension (service, category or account), with its CSV. */
function ChargesByDimensionTable({
  dimension,
  payerIds,
  month,
  customerTenantId,
}: {
  dimension: ChargesDimension;
  payerIds: string[];
  month: string;
  customerTenantId?: string;
}) {
  const { t, lang } = useI18n();
  const [result, retry] = useCharges(payerIds, monthsRange([month]), [dimension.groupBy], customerTenantId);
  const summary = result.data?.costSummary;
  const groups = summary?.groups ?? [];
  const currency = summary?.currency ?? 'USD';
  const table = summary ? dimension.csv(t, groups, currency) : null;
  return (
    <MonthTableCard
      title={t(dimension.title, { month })}
      testId={dimension.testId}
      fileName={csvFileName(dimension.fileName, month)}
      columns={[t(dimension.column), t('home.charge')]}
      table={table}
      loading={result.fetching && !summary}
      error={result.error ?? null}
      onRetry={() => retry({ requestPolicy: 'network-only' })}
      empty={groups.length === 0}
      emptyText={t('home.noDataMonth', { month })}
    >
      {groups.map((g) => (
        <tr key={dimension.rowKey(g)} data-testid={dimension.rowTestId}>
          <th scope="row">{dimension.keyCell(g)}</th>
          <td className="num">{formatMoney(g.amount, currency, lang)}</td>
        </tr>
      ))}
    </MonthTableCard>
  );
}

/** The services (and fees and credits) whose charge moved most from the month before. */
function MoversTable({ payerIds, month, currency, customerTenantId }: { payerIds: string[]; month: string; currency: string; customerTenantId?: string }) {
  const { t, lang } = useI18n();
  const previous = previousMonth(month);
  const [result, retry] = useFreshQuery({
    query: MonthOverMonthDocument,
    variables: { input: { payerIds, month, groupBy: ['SERVICE'], metric: 'PRO_FORMA', ...forCustomer(customerTenantId) } },
    requestPolicy: 'network-only',
  });
  const changes = result.data?.monthOverMonth.changes;
  const movers = useMemo(() => topMovers(changes ?? [], 8), [changes]);
  // monthOverMonth carries no currency: it is the payers' (from their 12-month series).
  const money = (amount: string) => formatMoney(amount, currency, lang);
  const table = changes
    ? moversCsv(
        {
          service: t('home.service'),
          code: t('home.serviceCode'),
          previous: previous,
          current: month,
          change: t('home.change'),
          changePercent: t('home.changePercent'),
          currency: t('home.currency'),
        },
        movers,
        currency,
      )
    : null;
  return (
    <MonthTableCard
      title={t('home.movers', { month, previous })}
      testId="home-movers"
      fileName={csvFileName('charges-changes', month)}
      columns={[t('home.service'), t('home.change'), month]}
      table={table}
      loading={result.fetching && !changes}
      error={result.error ?? null}
      onRetry={() => retry({ requestPolicy: 'network-only' })}
      empty={movers.length === 0}
      emptyText={t('home.noMovers', { previous })}
    >
      {movers.map((c) => (
        <tr key={c.key.service ?? ''} data-testid="home-mover-row">
          <th scope="row">
            <ServiceLabel name={c.key.serviceName} code={c.key.service} />
          </th>
          <td className={`num ${isNegative(c.delta) ? 'down' : 'up'}`}>
            {isNegative(c.delta) ? '▼' : '▲'} {money(c.delta)}
            {c.isNew ? ` · ${t('home.new')}` : c.isGone ? ` · ${t('home.gone')}` : c.deltaPercent !== null ? ` · ${roundDecimal(c.deltaPercent, 1)}%` : ''}
          </td>
          <td className="num">{money(c.current)}</td>
        </tr>
      ))}
    </MonthTableCard>
  );
}

/**
 * The newest few invoices and notes (issued, paid or void: customers never see drafts), with a
 * link to all of them. Partner side: that customer's (`invoices(filter: { customerTenantId })`),
 * drafts included as the partner sees them, each linked to the document.
 */
function RecentInvoices({ customer }: { customer?: ViewedCustomer }) {
  const { t, lang } = useI18n();
  const [result, retry] = useFreshQuery({
    query: InvoicesDocument,
    variables: { filter: customer ? { customerTenantId: customer.tenantId } : null, limit: RECENT_INVOICES, offset: 0 },
    requestPolicy: 'network-only',
  });
  const rows = result.data?.invoices;
  const title = t('home.invoices');
  const table: CsvTable | null = rows
    ? {
        header: [t('invoices.number'), t('invoices.kind'), t('billing.period'), t('invoices.status'), t('invoices.total'), t('home.currency'), t('invoice.issueDate'), t('invoice.dueDate')],
        rows: rows.map((inv) => [inv.number, t(`documentKind.${inv.kind}`), inv.billingPeriod, t(`invoiceStatus.${inv.status}`), inv.total, inv.currency, inv.issueDate, inv.dueDate]),
      }
    : null;
  return (
    <CardTable
      title={title}
      testId="home-invoices"
      columns={[t('invoices.number'), t('billing.period'), t('invoices.status'), t('invoices.total'), t('invoice.issueDate')]}
      loading={result.fetching && !rows}
      error={result.error ?? null}
      onRetry={() => retry({ requestPolicy: 'network-only' })}
      empty={(rows?.length ?? 0) === 0}
      emptyText={t('home.noInvoices')}
      actions={
        <>
          <CsvDownloadButton name={title} fileName={csvFileName('recent-invoices')} table={table} />
          {!customer && <Link to="/my-invoices">{t('home.allInvoices')}</Link>}
        </>
      }
    >
      {(rows ?? []).map((inv) => (
        <tr key={inv.id} data-testid="home-invoice-row">
          <th scope="row">{customer ? <Link to={`/invoices/${inv.id}`}>{inv.number ?? t('customerView.draftNumber')}</Link> : (inv.number ?? '—')}</th>
          <td>{inv.billingPeriod}</td>
          <td>
            <InvoiceStatusBadge status={inv.status} />
          </td>
          <td className="num">{formatMoney(inv.total, inv.currency, lang)}</td>
          <td>{inv.issueDate ? formatDate(inv.issueDate, lang, 'UTC') : '—'}</td>
        </tr>
      ))}
    </CardTable>
  );
}

/**
 * What AWS Cost Optimization Hub estimates the customer could save on their own accounts, one
 * section per payer their billing groups are on: the total per month and the largest
 * recommendations, with a CSV. When the payer's hub is not active, a short neutral note (the
 * customer cannot fix it; the API's error is for partners and never shown here).
 */
function SavingsOpportunities({ payerIds, customerTenantId }: { payerIds: string[]; customerTenantId?: string }) {
  return (
    <>
      {payerIds.map((id, i) => (
        <PayerSavings key={id} payerId={id} index={i + 1} count={payerIds.length} customerTenantId={customerTenantId} />
      ))}
    </>
  );
}

function PayerSavings({ payerId, index, count, customerTenantId }: { payerId: string; index: number; count: number; customerTenantId?: string }) {
  const { t, lang } = useI18n();
  const [result, retry] = useQuery({
    query: OptimizationInsightsDocument,
    variables: { payerId, first: TOP_SAVINGS, ...forCustomer(customerTenantId) },
    requestPolicy: 'network-only',
  });
  const insights = result.data?.optimizationInsights;
  const status = insights?.enrollment.status ?? null;
  const rows = insights?.recommendations ?? [];
  const title = count > 1 ? t('savings.titleNumbered', { index, count }) : t('savings.title');
  const note =
    !insights || status === 'ACTIVE' ? null : status === 'INACTIVE' ? t('savings.inactive') : status === null ? t('savings.notYet') : t('savings.unavailable');
  const amounts = (insights?.totals ?? []).map((x) => formatMoney(x.estimatedMonthlySavings, x.currency, lang)).join(' + ');
  return (
    <CardTable
      title={title}
      testId="home-savings"
      intro={
        <>
          <p className="muted">{t('savings.intro')}</p>
          {note && rows.length > 0 && (
            <p className="muted" data-testid="home-savings-note">
              {note}
            </p>
          )}
          {insights && insights.totals.length > 0 && (
            <p data-testid="home-savings-total">
              <strong>{t('savings.total', { amounts })}</strong> ·{' '}
              {t(insights.recommendationCount === 1 ? 'insights.count.one' : 'insights.count.other', { count: insights.recommendationCount })}
            </p>
          )}
        </>
      }
      columns={[t('insights.account'), t('insights.resourceType'), t('insights.action'), t('insights.change'), t('insights.savings')]}
      loading={result.fetching && !insights}
      error={result.error ?? null}
      onRetry={() => retry({ requestPolicy: 'network-only' })}
      empty={rows.length === 0}
      emptyText={note ?? t('savings.none')}
      actions={
        <CsvDownloadButton
          name={title}
          fileName={csvFileName('savings-opportunities', ...(count > 1 ? [String(index)] : []))}
          table={insights ? recommendationsCsv(t, rows, null) : null}
        />
      }
    >
      {rows.map((r) => (
        <tr key={r.id} data-testid="home-savings-row">
          <th scope="row">
            <code>{r.accountId}</code>
          </th>
          <td>{r.resourceType}</td>
          <td>{codeLabel(t, 'optimizationAction', r.actionType)}</td>
          <td>
            {r.currentSummary} → {r.recommendedSummary}
          </td>
          <td className="num">{formatMoney(r.estimatedMonthlySavings, r.currency, lang)}</td>
        </tr>
      ))}
    </CardTable>
  );
}
