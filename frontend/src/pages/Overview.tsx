import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { useAccountNames } from '../api/accountNames';
import { useAllPayers } from '../api/payers';
import { useFreshQuery } from '../api/useFreshQuery';
import { CardTable } from '../components/CardTable';
import { CostByTagCard } from '../components/CostByTag';
import { CsvDownloadButton } from '../components/CsvDownloadButton';
import { Chart } from '../components/Chart';
import { PayerDashboardLinks } from '../components/DashboardLink';
import { PeriodInput } from '../components/PeriodInput';
import { EmptyState, ErrorState, ListStates, LoadingState } from '../components/States';
import { MonthFallback, useCostOpeningMonth, useMonthParam } from '../components/useMonth';
import { usePageTitle } from '../components/usePageTitle';
import {
  CostForecastDocument,
  CostSummaryDocument,
  IngestionHealthDocument,
  MonthOverMonthDocument,
  OptimizationSavingsByCustomerDocument,
  type CostDimension,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { healthReason, lagText } from '../i18n/codes';
import { ServiceLabel } from '../components/ServiceLabel';
import { barOption, currentMonth, donutOption, monthlyTotals, monthsEnding, monthsRange, serviceLabel, topMovers, trendOption } from '../lib/costs';
import { compareDecimal, isNegative, percentChange, subtractDecimal } from '../lib/decimal';
import { formatDateTime, formatMoney, roundDecimal } from '../lib/format';
import { csvFileName } from '../lib/csv';
import { bySavings, customerLabel, customerNames, savingsByCustomerCsv } from '../lib/insights';
import { HEALTH_BADGE } from '../lib/onboarding';
import { isResellerPayer } from '../lib/resellers';

const ALL = 'all';

export function OverviewPage() {
  const { t } = useI18n();
  usePageTitle(t('overview.title'));
  const payers = useAllPayers();
  const [params, setParams] = useSearchParams();
  const chosen = params.get('payer') ?? ALL;
  const payerIds = useMemo(
    () => (chosen === ALL ? payers.nodes.map((p) => p.id) : payers.nodes.filter((p) => p.id === chosen).map((p) => p.id)),
    [chosen, payers.nodes],
  );
  // This month, or the latest with cost data when this one has none yet (and the page says so).
  const opening = useCostOpeningMonth({ payerIds, pause: payers.loading });
  const { month, insteadOf, setMonth } = useMonthParam(opening);

  return (
    <section aria-labelledby="overview-title">
      <div className="page-head">
        <div>
          <h1 id="overview-title">{t('overview.title')}</h1>
          <p className="intro">{t('overview.intro')}</p>
        </div>
        <div className="row-actions">
          {payers.nodes.length > 1 && (
            <div className="field inline">
              <label htmlFor="overview-payer">{t('overview.payer')}</label>
              <select
                id="overview-payer"
                value={chosen}
                onChange={(e) =>
                  setParams((old) => {
                    const next = new URLSearchParams(old);
                    if (e.target.value === ALL) next.delete('payer');
                    else next.set('payer', e.target.value);
                    return next;
                  })
                }
              >
                <option value={ALL}>{t('overview.allPayers')}</option>
                {payers.nodes.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.accountId})
                  </option>
                ))}
              </select>
            </div>
          )}
          {month && payerIds.length > 0 && <PeriodInput id="overview-month" label={t('overview.month')} value={month} onChange={setMonth} />}
        </div>
      </div>
      <ListStates
        loading={payers.loading}
        error={payers.error}
        empty={payers.nodes.length === 0}
        emptyText={t('overview.noPayers')}
        onRetry={payers.reload}
      >
        <HealthBadges payers={payers.nodes.filter((p) => payerIds.includes(p.id))} />
        <PayerDashboardLinks payers={payers.nodes.filter((p) => payerIds.includes(p.id))} />
        <MonthFallback insteadOf={insteadOf} month={month} />
        {payerIds.length > 0 && (month ? <CostDashboard payers={payers.nodes.filter((p) => payerIds.includes(p.id))} payerIds={payerIds} month={month} /> : <LoadingState />)}
        <UpsellCard payers={payers.nodes} payerIds={payerIds} />
      </ListStates>
    </section>
  );
}

function HealthBadges({ payers }: { payers: PayerFieldsFragment[] }) {
  const { t } = useI18n();
  return (
    <ul className="health plain" aria-label={t('overview.health')}>
      {payers.map((p) => (
        <HealthBadge key={p.id} payer={p} />
      ))}
    </ul>
  );
}

function HealthBadge({ payer }: { payer: PayerFieldsFragment }) {
  const { t, lang } = useI18n();
  const [result] = useQuery({ query: IngestionHealthDocument, variables: { payerId: payer.id }, requestPolicy: 'network-only' });
  const health = result.data?.ingestionHealth;
  const lag = health && health.status !== 'SUCCESS' ? lagText(t, health.lagDays) : null;
  // A run in progress, or one abandoned (killed, cancelled, its lease out), is shown as such.
  const last = health?.lastIngestion;
  const shownRun = last && (last.status === 'RUNNING' || last.status === 'ABANDONED') ? last : null;
  return (
    <li data-testid="health-badge">
      <span className="health-name">{payer.name}</span>{' '}
      {health ? (
        <span className={`badge ${HEALTH_BADGE[health.status].className}`}>
          {HEALTH_BADGE[health.status].icon} {t(`health.${health.status}`)}
          {lag && ` · ${lag}`}
        </span>
      ) : result.error ? (
        <span className="badge status-none">{t('health.unknown')}</span>
      ) : (
        <span className="muted">{t('common.loading')}</span>
      )}
      {health && <span className="muted small"> {healthReason(t, health)}</span>}
      {shownRun && (
        <span data-testid="ingestion-run" className="muted small">
          {' '}
          <span className={`badge ${shownRun.status === 'RUNNING' ? 'status-warn' : 'status-off'}`}>{t(`ingestionStatus.${shownRun.status}`)}</span>{' '}
          {shownRun.status === 'RUNNING' &&
            t('ingestion.runningSince', {
              time: formatDateTime(shownRun.startedAt, lang),
              beat: shownRun.heartbeatAt ? formatDateTime(shownRun.heartbeatAt, lang) : '—',
            })}
          {shownRun.holder && ` ${t('ingestion.holder', { holder: shownRun.holder })}`}
        </span>
      )}
    </li>
  );
}

function useCosts(payerIds: string[], months: string[], groupBy: CostDimension[]) {
  const range = monthsRange(months);
  return useFreshQuery({
    query: CostSummaryDocument,
    variables: { input: { payerIds, from: range.from, to: range.to, granularity: 'MONTH', groupBy } },
    requestPolicy: 'network-only',
  });
}

/** The cost of `month` and the 12 months up to it: KPIs, trend, by service, category, account and tag, movers. */
function CostDashboard({ payers, payerIds, month }: { payers: PayerFieldsFragment[]; payerIds: string[]; month: string }) {
  const { t, lang } = useI18n();
  const months = useMemo(() => monthsEnding(month, 12), [month]);
  const isCurrent = month === currentMonth();
  const previousMonth = months[months.length - 2];
  const [trend, retryTrend] = useCosts(payerIds, months, []);
  const [byService] = useCosts(payerIds, [month], ['SERVICE']);
  const [byAccount] = useCosts(payerIds, [month], ['ACCOUNT']);
  const [byCategory] = useCosts(payerIds, [month], ['SERVICE_CATEGORY']);
  const [mom] = useFreshQuery({
    query: MonthOverMonthDocument,
    variables: { input: { payerIds, month, groupBy: ['SERVICE'] } },
    requestPolicy: 'network-only',
  });
  // A forecast is of the month under way; a past month is complete.
  const [forecast] = useFreshQuery({ query: CostForecastDocument, variables: { payerIds, month }, requestPolicy: 'network-only', pause: !isCurrent });
  const names = useAccountNames(payerIds);

  const summary = trend.data?.costSummary;
  const currency = summary?.currency ?? 'USD';
  const totals = useMemo(() => (summary ? monthlyTotals(summary.series, months) : []), [summary, months]);
  const trendChart = useMemo(
    () => trendOption({ months, totals, currency, lang, name: t('overview.cost') }),
    [months, totals, currency, lang, t],
  );
  const serviceSlices = useMemo(
    () => (byService.data?.costSummary.groups ?? []).map((g) => ({ label: serviceLabel(g.key.serviceName, g.key.service), code: g.key.service, amount: g.amount })),
    [byService.data],
  );
  const serviceChart = useMemo(
    () => donutOption({ slices: serviceSlices, currency, lang, name: t('overview.byService', { month }) }),
    [serviceSlices, currency, lang, t, month],
  );
  const categorySlices = useMemo(
    () => (byCategory.data?.costSummary.groups ?? []).map((g) => ({ label: g.key.serviceCategory ?? '—', amount: g.amount })),
    [byCategory.data],
  );
  const categoryChart = useMemo(
    () => barOption({ slices: categorySlices, currency, lang, name: t('overview.byCategory', { month }) }),
    [categorySlices, currency, lang, t, month],
  );
  const movers = useMemo(() => topMovers(mom.data?.monthOverMonth.changes ?? [], 8), [mom.data]);
  const shownPayers = useMemo(() => ({ payers: payers.map((p) => ({ id: p.id, name: p.name, reseller: isResellerPayer(p) })) }), [payers]);

  if (trend.fetching && !summary) return <LoadingState />;
  if (trend.error) return <ErrorState error={trend.error} onRetry={() => retryTrend({ requestPolicy: 'network-only' })} />;
  if (!summary) return null;
  if (compareDecimal(summary.total, '0') === 0) return <EmptyState>{t('overview.noData')}</EmptyState>;

  const current = totals[totals.length - 1];
  const previous = totals[totals.length - 2];
  const change = percentChange(current, previous);
  const money = (amount: string) => formatMoney(amount, currency, lang);
  const fc = forecast.data?.costForecast;

  return (
    <>
      <div className="kpis">
        <div className="kpi card" data-testid="kpi-this-month">
          <h2>{isCurrent ? t('overview.thisMonth', { month }) : t('overview.inMonth', { month })}</h2>
          <p className="kpi-value">{money(current)}</p>
          <p className="muted">
            {change === null
              ? t('overview.noPrevious', { month: previousMonth })
              : t(isNegative(change) ? 'overview.down' : 'overview.up', {
                  percent: change.replace('-', ''),
                  month: previousMonth,
                })}
          </p>
        </div>
        <div className="kpi card" data-testid="kpi-last-month">
          <h2>{isCurrent ? t('overview.lastMonth', { month: previousMonth }) : t('overview.monthBefore', { month: previousMonth })}</h2>
          <p className="kpi-value">{money(previous)}</p>
          <p className="muted">{t('overview.difference', { month: previousMonth, amount: money(subtractDecimal(current, previous)) })}</p>
        </div>
        {isCurrent && (
          <div className="kpi card" data-testid="kpi-forecast">
            <h2>{t('overview.forecast')}</h2>
            {fc ? (
              <>
                <p className="kpi-value">{money(fc.projected)}</p>
                <p className="muted">
                  {t('overview.forecastBasis', { mtd: money(fc.monthToDate), days: fc.daysWithData, total: fc.daysInMonth })}
                </p>
              </>
            ) : forecast.error ? (
              <p className="muted">{t('overview.forecastNone')}</p>
            ) : (
              <LoadingState />
            )}
          </div>
        )}
      </div>

      <div className="card">
        <h2>{t('overview.trend')}</h2>
        <Chart option={trendChart} label={t('overview.trendLabel', { from: months[0], to: month })} testId="chart-trend" />
      </div>

      <div className="grid-2">
        <div className="card">
          <h2>{t('overview.byService', { month })}</h2>
          {byService.fetching && !byService.data ? (
            <LoadingState />
          ) : serviceSlices.length === 0 ? (
            <EmptyState>{t('overview.noDataMonth', { month })}</EmptyState>
          ) : (
            <Chart option={serviceChart} label={t('overview.byServiceLabel', { month })} testId="chart-services" />
          )}
        </div>
        <div className="card">
          <h2>{t('overview.byCategory', { month })}</h2>
          {byCategory.fetching && !byCategory.data ? (
            <LoadingState />
          ) : categorySlices.length === 0 ? (
            <EmptyState>{t('overview.noDataMonth', { month })}</EmptyState>
          ) : (
            <Chart option={categoryChart} label={t('overview.byCategoryLabel', { month })} testId="chart-categories" />
          )}
        </div>
      </div>

      <div className="grid-2">
        <CardTable
          title={t('overview.byAccount', { month })}
          columns={[t('accounts.accountId'), t('common.name'), t('overview.cost')]}
          loading={byAccount.fetching && !byAccount.data}
          error={byAccount.error ?? null}
          empty={(byAccount.data?.costSummary.groups.length ?? 0) === 0}
          emptyText={t('overview.noDataMonth', { month })}
        >
          {(byAccount.data?.costSummary.groups ?? []).slice(0, 15).map((g) => (
            <tr key={g.key.accountId} data-testid="account-cost-row">
              <th scope="row">
                <code>{g.key.accountId}</code>
              </th>
              <td>{(g.key.accountId && names.get(g.key.accountId)) || <span className="muted">—</span>}</td>
              <td className="num">{money(g.amount)}</td>
            </tr>
          ))}
        </CardTable>
        <CardTable
          title={t('overview.movers', { month, previous: previousMonth })}
          columns={[t('overview.service'), t('overview.change'), month]}
          loading={mom.fetching && !mom.data}
          empty={movers.length === 0}
          emptyText={t('overview.noMovers')}
        >
          {movers.map((c) => (
            <tr key={c.key.service} data-testid="mover-row">
              <th scope="row">
                <ServiceLabel name={c.key.serviceName} code={c.key.service} />
              </th>
              <td className={`num ${isNegative(c.delta) ? 'down' : 'up'}`}>
                {isNegative(c.delta) ? '▼' : '▲'} {money(c.delta)}
                {c.isNew ? ` · ${t('overview.new')}` : c.deltaPercent !== null ? ` · ${roundDecimal(c.deltaPercent, 1)}%` : ''}
              </td>
              <td className="num">{money(c.current)}</td>
            </tr>
          ))}
        </CardTable>
      </div>
      <CostByTagCard payerIds={payerIds} month={month} partner={shownPayers} />
      <p className="muted small">
        <Link to="/payers">{t('overview.managePayers')}</Link>
      </p>
    </>
  );
}

/**
 * The partner's upsell list: AWS Cost Optimization Hub's estimated monthly savings per customer
 * (and currency) on the payers shown, largest first, each linked to its payer's Savings insights
 * (filtered to that customer), with a CSV.
 */
function UpsellCard({ payers, payerIds }: { payers: PayerFieldsFragment[]; payerIds: string[] }) {
  const { t, lang } = useI18n();
  const [result, retry] = useQuery({ query: OptimizationSavingsByCustomerDocument, variables: {}, requestPolicy: 'network-only' });
  const list = result.data?.optimizationSavingsByCustomer;
  const rows = useMemo(() => bySavings((list ?? []).filter((r) => payerIds.includes(r.payerId))), [list, payerIds]);
  const names = useMemo(() => customerNames(rows), [rows]);
  const payerName = useMemo(() => {
    const byId = new Map(payers.map((p) => [p.id, p.name]));
    return (id: string) => byId.get(id) ?? id;
  }, [payers]);
  const title = t('upsell.title');
  return (
    <CardTable
      title={title}
      testId="upsell"
      intro={<p className="muted">{t('upsell.intro')}</p>}
      columns={[t('insights.customer'), t('upsell.payer'), t('insights.countColumn'), t('insights.savings'), t('insights.currency'), t('common.actions')]}
      loading={result.fetching && !list}
      error={result.error ?? null}
      onRetry={() => retry({ requestPolicy: 'network-only' })}
      empty={rows.length === 0}
      emptyText={t('upsell.empty')}
      actions={<CsvDownloadButton name={title} fileName={csvFileName('savings-by-customer')} table={list ? savingsByCustomerCsv(t, rows, payerName) : null} />}
    >
      {rows.map((r) => {
        const customer = customerLabel(t, r.customerTenantId, names, r.customerName);
        const to = `/payers/${r.payerId}/insights${r.customerTenantId ? `?customer=${encodeURIComponent(r.customerTenantId)}` : ''}`;
        return (
          <tr key={`${r.payerId}-${r.customerTenantId ?? ''}-${r.currency}`} data-testid="upsell-row">
            <th scope="row">{r.customerTenantId ? customer : <span className="muted">{customer}</span>}</th>
            <td>{payerName(r.payerId)}</td>
            <td className="num">{r.recommendationCount}</td>
            <td className="num">{formatMoney(r.estimatedMonthlySavings, r.currency, lang)}</td>
            <td>{r.currency}</td>
            <td>
              <Link to={to} aria-label={t('upsell.openNamed', { payer: payerName(r.payerId), customer })}>
                {t('upsell.open')}
              </Link>
            </td>
          </tr>
        );
      })}
    </CardTable>
  );
}
