import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { Chart } from '../components/Chart';
import { PeriodInput } from '../components/PeriodInput';
import { usePageTitle } from '../components/usePageTitle';
import { ErrorState, ListStates, LoadingState, TableHead } from '../components/States';
import { BillingGroupCostReportDocument, type BillingReportGroupBy } from '../generated/graphql';
import { useI18n } from '../i18n';
import { barOption, currentMonth } from '../lib/costs';
import { formatMoney, roundDecimal } from '../lib/format';

const GROUPINGS: BillingReportGroupBy[] = ['SERVICE', 'ACCOUNT', 'PERIOD'];

export function BillingReportPage() {
  const { t, lang } = useI18n();
  const { id = '' } = useParams();
  const [from, setFrom] = useState(currentMonth);
  const [to, setTo] = useState(currentMonth);
  const [groupBy, setGroupBy] = useState<BillingReportGroupBy>('SERVICE');
  const [result, reexecute] = useQuery({
    query: BillingGroupCostReportDocument,
    variables: { billingGroupId: id, from, to, groupBy },
    requestPolicy: 'network-only',
  });
  const report = result.data?.billingGroupCostReport;
  usePageTitle(report ? t('report.title', { name: report.billingGroupName }) : t('billing.title'));
  const currency = report?.currency ?? 'USD';
  const money = (v: string) => formatMoney(v, currency, lang);
  const chart = useMemo(
    () => barOption({ slices: (report?.lines ?? []).slice(0, 12).map((l) => ({ label: l.key, amount: l.proformaCost })), currency, lang, name: t('billing.proforma') }),
    [report, currency, lang, t],
  );

  return (
    <section aria-labelledby="report-title">
      <p className="crumbs">
        {report && (
          <>
            <Link to="/payers">{t('nav.payers')}</Link> › {report.billingGroupName}
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
        <PeriodInput id="report-from" value={from} onChange={setFrom} />
        <div className="field inline">
          <label htmlFor="report-to">{t('report.to')}</label>
          <input id="report-to" type="month" value={to} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </div>
        <div className="field inline">
          <label htmlFor="report-group">{t('report.groupBy')}</label>
          <select id="report-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value as BillingReportGroupBy)}>
            {GROUPINGS.map((g) => (
              <option key={g} value={g}>
                {t(`reportGroup.${g}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {result.fetching && !report ? (
        <LoadingState />
      ) : result.error ? (
        <ErrorState error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : report ? (
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
          <ListStates loading={false} error={null} empty={report.lines.length === 0} emptyText={t('report.empty')} onRetry={() => reexecute({ requestPolicy: 'network-only' })}>
            <div className="card">
              <Chart option={chart} label={t('report.chartLabel')} testId="chart-report" height={Math.max(160, Math.min(12, report.lines.length) * 28 + 40)} />
            </div>
            <table className="table">
              <TableHead columns={[t(`reportGroup.${groupBy}`), t('billing.awsCost'), t('billing.proforma'), t('billing.margin')]} />
              <tbody>
                {report.lines.map((l) => (
                  <tr key={l.key} data-testid="report-line">
                    <th scope="row">
                      {l.key} {l.customLineItem && <span className="badge status-none">{t('report.customItem')}</span>}
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
          </ListStates>
        </>
      ) : null}
    </section>
  );
}
