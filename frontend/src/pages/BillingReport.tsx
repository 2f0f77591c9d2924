import { useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { useAccountNames } from '../api/accountNames';
import { useFreshQuery } from '../api/useFreshQuery';
import { Chart } from '../components/Chart';
import { PeriodInput } from '../components/PeriodInput';
import { EmptyState, ErrorState, LoadingState, TableHead } from '../components/States';
import { MonthFallback, useMonthParam } from '../components/useMonth';
import { usePageTitle } from '../components/usePageTitle';
import { BillingGroupCostReportDocument, BillingGroupPayerDocument, type BillingReportGroupBy } from '../generated/graphql';
import { useI18n } from '../i18n';
import { reportView } from '../lib/billing';
import { ServiceLabel } from '../components/ServiceLabel';
import { barOption, currentMonth, monthsEnding, openingMonth, serviceLabel, trendOption } from '../lib/costs';
import { formatMoney, roundDecimal } from '../lib/format';

const GROUPINGS: BillingReportGroupBy[] = ['SERVICE', 'ACCOUNT', 'PERIOD'];

/**
 * One billing group's report over a range of months (`?from=&to=&by=`). It opens on this month,
 * or on the latest month with cost when this one has none yet (and says so).
 */
export function BillingReportPage() {
  const { t, lang } = useI18n();
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const groupBy = (GROUPINGS as string[]).includes(params.get('by') ?? '') ? (params.get('by') as BillingReportGroupBy) : 'SERVICE';
  const setParam = (key: string, value: string) =>
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        next.set(key, value);
        return next;
      },
      { replace: true },
    );

  // Where it opens: the group's cost per month over the last 13 months.
  const current = currentMonth();
  const probeMonths = monthsEnding(current, 13);
  const [probe] = useQuery({
    query: BillingGroupCostReportDocument,
    variables: { billingGroupId: id, from: probeMonths[0], to: current, groupBy: 'PERIOD' },
    pause: params.has('from') || params.has('to'),
    requestPolicy: 'network-only',
  });
  const opening = params.has('from') || params.has('to')
    ? { month: current, insteadOf: null }
    : probe.error
      ? { month: current, insteadOf: null }
      : probe.data
        ? openingMonth(current, probe.data.billingGroupCostReport.lines.filter((l) => !l.customLineItem).map((l) => ({ period: l.key, amount: l.awsCost })))
        : null;
  const { month: from, insteadOf } = useMonthParam(opening, 'from');
  const { month: toParam } = useMonthParam(opening, 'to');
  const to = toParam ?? from;
  // Both ends go into the address together, so picking one keeps the other where it was shown.
  const setRange = (next: { from?: string; to?: string }) =>
    setParams(
      (old) => {
        const copy = new URLSearchParams(old);
        copy.set('from', next.from ?? from ?? current);
        copy.set('to', next.to ?? to ?? current);
        return copy;
      },
      { replace: true },
    );
  const badRange = from !== null && to !== null && to < from;

  const [result, reexecute] = useFreshQuery({
    query: BillingGroupCostReportDocument,
    variables: { billingGroupId: id, from: from ?? current, to: to ?? current, groupBy },
    requestPolicy: 'network-only',
    pause: from === null || badRange,
  });
  const [group] = useQuery({ query: BillingGroupPayerDocument, variables: { id } });
  const payerId = group.data?.billingGroup.payerId;
  const names = useAccountNames(groupBy === 'ACCOUNT' && payerId ? [payerId] : []);
  const report = result.data?.billingGroupCostReport;
  usePageTitle(report ? t('report.title', { name: report.billingGroupName }) : t('billing.title'));
  const currency = report?.currency ?? 'USD';
  const money = (v: string) => formatMoney(v, currency, lang);
  // The table's rows and the chart's bars are the same lines (by period: every month of the range).
  const view = useMemo(() => (report && from && to ? reportView(report.lines, groupBy, from, to) : null), [report, groupBy, from, to]);
  const chart = useMemo(() => {
    if (!view) return null;
    const serviceNames = new Map(view.rows.map((r) => [r.key, r.serviceName]));
    const label = (key: string) =>
      groupBy === 'ACCOUNT' && names.get(key) ? `${names.get(key)} (${key})` : groupBy === 'SERVICE' ? serviceLabel(serviceNames.get(key), key) : key;
    if (groupBy === 'PERIOD') {
      return trendOption({ months: view.rows.map((r) => r.key), totals: view.rows.map((r) => r.proformaCost), currency, lang, name: t('billing.proforma') });
    }
    const slices = view.bars.map((b) => ({
      label: b.key === null ? t('report.other', { count: b.count }) : label(b.key),
      code: groupBy === 'SERVICE' ? b.key : null,
      amount: b.amount,
    }));
    return barOption({ slices, currency, lang, name: t('billing.proforma') });
  }, [view, groupBy, currency, lang, t, names]);

  return (
    <section aria-labelledby="report-title">
      <p className="crumbs">
        {report && (
          <>
            <Link to="/payers">{t('nav.payers')}</Link> › {payerId ? <Link to={`/payers/${payerId}/billing`}>{report.billingGroupName}</Link> : report.billingGroupName}
          </>
        )}
      </p>
      <div className="page-head">
        <div>
          <h1 id="report-title">{t('report.title', { name: report?.billingGroupName ?? '' })}</h1>
          <p className="intro">{t('report.intro')}</p>
        </div>
      </div>
      <div className="card filters">
        {from && (
          <>
            <PeriodInput id="report-from" label={t('report.from')} value={from} onChange={(m) => setRange({ from: m })} />
            <PeriodInput id="report-to" label={t('report.to')} value={to ?? from} onChange={(m) => setRange({ to: m })} />
          </>
        )}
        <div className="field inline">
          <label htmlFor="report-group">{t('report.groupBy')}</label>
          <select id="report-group" value={groupBy} onChange={(e) => setParam('by', e.target.value)}>
            {GROUPINGS.map((g) => (
              <option key={g} value={g}>
                {t(`reportGroup.${g}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <MonthFallback insteadOf={insteadOf} month={from} />
      {badRange ? (
        <p className="form-error" role="alert">
          {t('report.badRange')}
        </p>
      ) : from === null || (result.fetching && !report) ? (
        // A new range or grouping: its own loading state, never the previous range's figures.
        <LoadingState />
      ) : result.error ? (
        <ErrorState error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : report && view ? (
        <>
          <div className="kpis">
            <div className="kpi card">
              <h2>{t('billing.awsCost')}</h2>
              <p className="kpi-value">{money(report.awsCost)}</p>
            </div>
            <div className="kpi card">
              <h2>{t('billing.proforma')}</h2>
              <p className="kpi-value" data-testid="report-proforma">
                {money(report.proformaCost)}
              </p>
            </div>
            <div className="kpi card">
              <h2>{t('billing.margin')}</h2>
              <p className="kpi-value">{money(report.margin)}</p>
              <p className="muted">{report.marginPercentage !== null && `${roundDecimal(report.marginPercentage, 1)}%`}</p>
            </div>
          </div>
          {view.rows.length === 0 ? (
            <EmptyState>{t('report.empty')}</EmptyState>
          ) : (
            <>
              <div className="card">
                {chart && (
                  <Chart
                    option={chart}
                    label={t('report.chartLabel')}
                    testId="chart-report"
                    height={groupBy === 'PERIOD' ? 280 : Math.max(160, view.bars.length * 28 + 40)}
                  />
                )}
              </div>
              <table className="table" aria-label={t('report.title', { name: report.billingGroupName })}>
                <TableHead columns={[t(`reportGroup.${groupBy}`), t('billing.awsCost'), t('billing.proforma'), t('billing.margin')]} />
                <tbody>
                  {view.rows.map((l) => (
                    <tr key={`${l.customLineItem ? 'item' : 'line'}-${l.key}`} data-testid="report-line">
                      <th scope="row">
                        {groupBy === 'ACCOUNT' ? (
                          <>
                            <code>{l.key}</code> {names.get(l.key)}
                          </>
                        ) : groupBy === 'SERVICE' && !l.customLineItem ? (
                          <ServiceLabel name={l.serviceName} code={l.key} />
                        ) : (
                          l.key
                        )}{' '}
                        {l.customLineItem && <span className="badge status-none">{t('report.customItem')}</span>}
                      </th>
                      <td className="num">{money(l.awsCost)}</td>
                      <td className="num">{money(l.proformaCost)}</td>
                      <td className="num">
                        {money(l.margin)} {l.marginPercentage !== null && <span className="muted small">{roundDecimal(l.marginPercentage, 1)}%</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      ) : null}
    </section>
  );
}
