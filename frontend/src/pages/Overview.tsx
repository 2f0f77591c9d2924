import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { useAllPayers } from '../api/payers';
import { Chart } from '../components/Chart';
import { EmptyState, ErrorState, ListStates, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import {
  CostForecastDocument,
  CostSummaryDocument,
  IngestionHealthDocument,
  MonthOverMonthDocument,
  type CostDimension,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { healthReason, lagText } from '../i18n/codes';
import { barOption, donutOption, lastMonths, monthlyTotals, monthsRange, topMovers, trendOption } from '../lib/costs';
import { compareDecimal, isNegative, percentChange, subtractDecimal } from '../lib/decimal';
import { formatMoney, roundDecimal } from '../lib/format';
import { HEALTH_BADGE } from '../lib/onboarding';

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

  return (
    <section aria-labelledby="overview-title">
      <div className="page-head">
        <div>
          <h1 id="overview-title">{t('overview.title')}</h1>
          <p className="intro">{t('overview.intro')}</p>
        </div>
        {payers.nodes.length > 1 && (
          <div className="field inline">
            <label htmlFor="overview-payer">{t('overview.payer')}</label>
            <select id="overview-payer" value={chosen} onChange={(e) => setParams(e.target.value === ALL ? {} : { payer: e.target.value })}>
              <option value={ALL}>{t('overview.allPayers')}</option>
              {payers.nodes.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.accountId})
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <ListStates
        loading={payers.loading}
        error={payers.error}
        empty={payers.nodes.length === 0}
        emptyText={t('overview.noPayers')}
        onRetry={payers.reload}
      >
        <HealthBadges payers={payers.nodes.filter((p) => payerIds.includes(p.id))} />
        {payerIds.length > 0 && <CostDashboard payerIds={payerIds} />}
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
  const { t } = useI18n();
  const [result] = useQuery({ query: IngestionHealthDocument, variables: { payerId: payer.id }, requestPolicy: 'network-only' });
  const health = result.data?.ingestionHealth;
  return (
    <li data-testid="health-badge">
      <span className="health-name">{payer.name}</span>{' '}
      {health ? (
        <span className={`badge ${HEALTH_BADGE[health.status].className}`}>
          {HEALTH_BADGE[health.status].icon} {t(`health.${health.status}`)}
          {health.status !== 'SUCCESS' && lagText(t, health.lagDays) && ` · ${lagText(t, health.lagDays)}`}
        </span>
      ) : result.error ? (
        <span className="badge status-none">{t('health.unknown')}</span>
      ) : (
        <span className="muted">{t('common.loading')}</span>
      )}
      {health && <span className="muted small"> {healthReason(t, health)}</span>}
    </li>
  );
}

function useCosts(payerIds: string[], months: string[], groupBy: CostDimension[]) {
  const range = monthsRange(months);
  return useQuery({
    query: CostSummaryDocument,
    variables: { input: { payerIds, from: range.from, to: range.to, granularity: 'MONTH', groupBy } },
    requestPolicy: 'network-only',
  });
}

function CostDashboard({ payerIds }: { payerIds: string[] }) {
  const { t, lang } = useI18n();
  const months = useMemo(() => lastMonths(new Date(), 12), []);
  const thisMonth = months[months.length - 1];
  const lastMonth = months[months.length - 2];
  const [trend, retryTrend] = useCosts(payerIds, months, []);
  const [byService] = useCosts(payerIds, [thisMonth], ['SERVICE']);
  const [byAccount] = useCosts(payerIds, [thisMonth], ['ACCOUNT']);
  const [byCategory] = useCosts(payerIds, [thisMonth], ['SERVICE_CATEGORY']);
  const [mom] = useQuery({
    query: MonthOverMonthDocument,
    variables: { input: { payerIds, month: thisMonth, groupBy: ['SERVICE'] } },
    requestPolicy: 'network-only',
  });
  const [forecast] = useQuery({ query: CostForecastDocument, variables: { payerIds, month: thisMonth }, requestPolicy: 'network-only' });

  const summary = trend.data?.costSummary;
  const currency = summary?.currency ?? 'USD';
  const totals = useMemo(() => (summary ? monthlyTotals(summary.series, months) : []), [summary, months]);
  const trendChart = useMemo(
    () => trendOption({ months, totals, currency, lang, name: t('overview.cost') }),
    [months, totals, currency, lang, t],
  );
  const serviceSlices = useMemo(
    () => (byService.data?.costSummary.groups ?? []).map((g) => ({ label: g.key.service ?? '—', amount: g.amount })),
    [byService.data],
  );
  const serviceChart = useMemo(
    () => donutOption({ slices: serviceSlices, currency, lang, name: t('overview.byService') }),
    [serviceSlices, currency, lang, t],
  );
  const categorySlices = useMemo(
    () => (byCategory.data?.costSummary.groups ?? []).map((g) => ({ label: g.key.serviceCategory ?? '—', amount: g.amount })),
    [byCategory.data],
  );
  const categoryChart = useMemo(
    () => barOption({ slices: categorySlices, currency, lang, name: t('overview.byCategory') }),
    [categorySlices, currency, lang, t],
  );
  const movers = useMemo(() => topMovers(mom.data?.monthOverMonth.changes ?? [], 8), [mom.data]);

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
          <h2>{t('overview.thisMonth', { month: thisMonth })}</h2>
          <p className="kpi-value">{money(current)}</p>
          <p className="muted">
            {change === null
              ? t('overview.noPrevious')
              : t(isNegative(change) ? 'overview.down' : 'overview.up', {
                  percent: change.replace('-', ''),
                  month: lastMonth,
                })}
          </p>
        </div>
        <div className="kpi card" data-testid="kpi-last-month">
          <h2>{t('overview.lastMonth', { month: lastMonth })}</h2>
          <p className="kpi-value">{money(previous)}</p>
          <p className="muted">{t('overview.difference', { amount: money(subtractDecimal(current, previous)) })}</p>
        </div>
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
      </div>

      <div className="card">
        <h2>{t('overview.trend')}</h2>
        <Chart option={trendChart} label={t('overview.trendLabel', { from: months[0], to: thisMonth })} testId="chart-trend" />
      </div>

      <div className="grid-2">
        <div className="card">
          <h2>{t('overview.byService')}</h2>
          {serviceSlices.length === 0 ? (
            <EmptyState>{t('overview.noDataMonth')}</EmptyState>
          ) : (
            <Chart option={serviceChart} label={t('overview.byServiceLabel')} testId="chart-services" />
          )}
        </div>
        <div className="card">
          <h2>{t('overview.byCategory')}</h2>
          {categorySlices.length === 0 ? (
            <EmptyState>{t('overview.noDataMonth')}</EmptyState>
          ) : (
            <Chart option={categoryChart} label={t('overview.byCategoryLabel')} testId="chart-categories" />
          )}
        </div>
      </div>

      <div className="grid-2">
        <div className="card">
          <h2>{t('overview.byAccount')}</h2>
          <table className="table" aria-label={t('overview.byAccount')}>
            <thead>
              <tr>
                <th scope="col">{t('accounts.accountId')}</th>
                <th scope="col" className="num">
                  {t('overview.cost')}
                </th>
              </tr>
            </thead>
            <tbody>
              {(byAccount.data?.costSummary.groups ?? []).slice(0, 15).map((g) => (
                <tr key={g.key.accountId} data-testid="account-cost-row">
                  <th scope="row">
                    <code>{g.key.accountId}</code>
                  </th>
                  <td className="num">{money(g.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="card">
          <h2>{t('overview.movers', { month: thisMonth, previous: lastMonth })}</h2>
          {movers.length === 0 ? (
            <EmptyState>{t('overview.noMovers')}</EmptyState>
          ) : (
            <table className="table" aria-label={t('overview.moversLabel')}>
              <thead>
                <tr>
                  <th scope="col">{t('overview.service')}</th>
                  <th scope="col" className="num">
                    {t('overview.change')}
                  </th>
                  <th scope="col" className="num">
                    {t('overview.thisMonthShort')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {movers.map((c) => (
                  <tr key={c.key.service} data-testid="mover-row">
                    <th scope="row">{c.key.service}</th>
                    <td className={`num ${isNegative(c.delta) ? 'down' : 'up'}`}>
                      {isNegative(c.delta) ? '▼' : '▲'} {money(c.delta)}
                      {c.isNew ? ` · ${t('overview.new')}` : c.deltaPercent !== null ? ` · ${roundDecimal(c.deltaPercent, 1)}%` : ''}
                    </td>
                    <td className="num">{money(c.current)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      <p className="muted small">
        <Link to="/payers">{t('overview.managePayers')}</Link>
      </p>
    </>
  );
}
