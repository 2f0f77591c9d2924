import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { mapErrors } from '../api/errors';
import { useFreshQuery } from '../api/useFreshQuery';
import { CardTable } from '../components/CardTable';
import { CsvDownloadButton } from '../components/CsvDownloadButton';
import { FormErrorMessage } from '../components/Form';
import { WatchedJob } from '../components/JobStatus';
import { ErrorState, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { usePayerRoute } from '../components/usePayerRoute';
import {
  OptimizationInsightsDocument,
  RefreshOptimizationInsightsDocument,
  type JobFieldsFragment,
  type OptimizationInsightsQuery,
  type OptimizationRecommendationFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { codeLabel } from '../i18n/codes';
import { csvFileName } from '../lib/csv';
import { bySavings, customerLabel, customerNames, filterCustomers, HUB_STATUS_CLASS, recommendationsCsv, savingsByCustomerCsv } from '../lib/insights';
import { formatDateTime, formatMoney } from '../lib/format';

/** How many recommendations the page lists (the API allows 1–500); the count says when there are more. */
export const INSIGHTS_FIRST = 100;

type Insights = OptimizationInsightsQuery['optimizationInsights'];
type Enrollment = Insights['enrollment'];

/**
 * A payer's savings insights (partner side): where its AWS Cost Optimization Hub stands, and how
 * to fix it when it is not active; its estimated savings per currency and per customer; its
 * recommendations, filtered by customer (`?customer=`), each table with a CSV download. Operators
 * and up pull the recommendations now ("Refresh now"), as a job shown as it runs.
 */
export function InsightsPage() {
  const { t } = useI18n();
  const { payerId, payer, can, result: payerResult, retry } = usePayerRoute();
  usePageTitle(payer ? t('insights.pageTitle', { name: payer.name }) : t('insights.title'));
  const [params, setParams] = useSearchParams();
  const customer = params.get('customer') ?? '';
  const [all, reexecuteAll] = useQuery({ query: OptimizationInsightsDocument, variables: { payerId, first: INSIGHTS_FIRST }, requestPolicy: 'network-only' });
  const [filtered, reexecuteFiltered] = useFreshQuery({
    query: OptimizationInsightsDocument,
    variables: { payerId, customerTenantId: customer, first: INSIGHTS_FIRST },
    requestPolicy: 'network-only',
    pause: customer === '',
  });
  const [refreshResult, refresh] = useMutation(RefreshOptimizationInsightsDocument);
  const [job, setJob] = useState<JobFieldsFragment | null>(null);
  const reload = () => {
    reexecuteAll({ requestPolicy: 'network-only' });
    if (customer) reexecuteFiltered({ requestPolicy: 'network-only' });
  };

  if (!payer) {
    if (payerResult.error) return <ErrorState error={payerResult.error} onRetry={retry} />;
    return <LoadingState />;
  }
  const insights = all.data?.optimizationInsights;

  async function startRefresh() {
    const res = await refresh({ payerId });
    if (res.data?.refreshOptimizationInsights) setJob(res.data.refreshOptimizationInsights);
  }

  function chooseCustomer(id: string) {
    setParams((old) => {
      const next = new URLSearchParams(old);
      if (id) next.set('customer', id);
      else next.delete('customer');
      return next;
    });
  }

  return (
    <section aria-labelledby="insights-title">
      <p className="crumbs">
        <Link to="/payers">{t('nav.payers')}</Link> › <Link to={`/payers/${payerId}/billing`}>{t('billing.pageTitle', { name: payer.name })}</Link> ›{' '}
        {t('insights.title')}
      </p>
      <div className="page-head">
        <div>
          <h1 id="insights-title">{t('insights.pageTitle', { name: payer.name })}</h1>
          <p className="intro">{t('insights.intro')}</p>
        </div>
        {can.operate && (
          <div className="row-actions">
            <button type="button" disabled={refreshResult.fetching} onClick={() => void startRefresh()}>
              {t('insights.refresh')}
            </button>
          </div>
        )}
      </div>
      {refreshResult.error && <FormErrorMessage error={mapErrors(refreshResult.error, {}).form} />}
      {job && <WatchedJob key={job.id} job={job} title={t('insights.refreshJob')} onFinished={reload} />}
      {all.fetching && !insights ? (
        <LoadingState />
      ) : all.error && !insights ? (
        <ErrorState error={all.error} onRetry={reload} />
      ) : insights ? (
        <>
          <EnrollmentCard enrollment={insights.enrollment} />
          <TotalsCard insights={insights} />
          <ByCustomerTable payerName={payer.name} insights={insights} />
          <RecommendationsCard
            payerName={payer.name}
            names={customerNames(insights.byCustomer)}
            customers={filterCustomers(insights.byCustomer)}
            customer={customer}
            onCustomer={chooseCustomer}
            shown={customer ? filtered.data?.optimizationInsights : insights}
            fetching={customer ? filtered.fetching : false}
            error={customer ? (filtered.error ?? null) : null}
            onRetry={reload}
          />
        </>
      ) : null}
    </section>
  );
}

/** Where the payer's Cost Optimization Hub stands, when it was last checked, and how to fix it when it is not active. */
function EnrollmentCard({ enrollment }: { enrollment: Enrollment }) {
  const { t, lang } = useI18n();
  const status = enrollment.status;
  return (
    <div className="card" data-testid="insights-enrollment">
      <h2>{t('insights.hub')}</h2>
      <p>
        <span className={`badge ${HUB_STATUS_CLASS[status ?? 'none']}`} data-testid="hub-status">
          {status ? t(`hubStatus.${status}`) : t('insights.statusNone')}
        </span>{' '}
        <span className="muted small" data-testid="hub-checked">
          {enrollment.checkedAt ? t('insights.lastChecked', { time: formatDateTime(enrollment.checkedAt, lang) }) : t('insights.neverChecked')}
        </span>
      </p>
      {status !== 'ACTIVE' && <p data-testid="hub-fix">{t(status ? `insights.fix.${status}` : 'insights.fix.none')}</p>}
      {(status === 'FAILED' || status === 'ACCESS_DENIED') && enrollment.lastError && (
        <p className="field-error" data-testid="hub-last-error">
          {t('insights.lastError', { error: enrollment.lastError })}
        </p>
      )}
      {status === 'ACTIVE' && !enrollment.memberAccountsIncluded && <p className="muted">{t('insights.memberAccountsMissing')}</p>}
      {enrollment.truncated && <p className="muted">{t('insights.truncated')}</p>}
    </div>
  );
}

/** The estimated savings per month, per currency, and how many recommendations there are. */
function TotalsCard({ insights }: { insights: Insights }) {
  const { t, lang } = useI18n();
  const count = insights.recommendationCount;
  return (
    <div className="kpi card" data-testid="insights-totals">
      <h2>{t('insights.totals')}</h2>
      {insights.totals.length === 0 ? (
        <p className="muted">{t('insights.noTotals')}</p>
      ) : (
        insights.totals.map((total) => (
          <p key={total.currency} className="kpi-value" data-testid="insights-total">
            {formatMoney(total.estimatedMonthlySavings, total.currency, lang)}
          </p>
        ))
      )}
      <p className="muted">{t(count === 1 ? 'insights.count.one' : 'insights.count.other', { count })}</p>
    </div>
  );
}

/** Savings per customer (and currency), largest first; accounts in no customer's billing group are "No customer". */
function ByCustomerTable({ payerName, insights }: { payerName: string; insights: Insights }) {
  const { t, lang } = useI18n();
  const rows = useMemo(() => bySavings(insights.byCustomer), [insights.byCustomer]);
  const names = useMemo(() => customerNames(rows), [rows]);
  const title = t('insights.byCustomer');
  return (
    <CardTable
      title={title}
      testId="insights-by-customer"
      columns={[t('insights.customer'), t('insights.countColumn'), t('insights.savings'), t('insights.currency')]}
      empty={rows.length === 0}
      emptyText={t('insights.noByCustomer')}
      actions={<CsvDownloadButton name={title} fileName={csvFileName('savings-by-customer', payerName)} table={savingsByCustomerCsv(t, rows)} />}
    >
      {rows.map((r) => (
        <tr key={`${r.customerTenantId ?? ''}-${r.currency}`} data-testid="insights-customer-row">
          <th scope="row">{r.customerTenantId ? customerLabel(t, r.customerTenantId, names, r.customerName) : <span className="muted">{t('insights.noCustomer')}</span>}</th>
          <td className="num">{r.recommendationCount}</td>
          <td className="num">{formatMoney(r.estimatedMonthlySavings, r.currency, lang)}</td>
          <td>{r.currency}</td>
        </tr>
      ))}
    </CardTable>
  );
}

/** The recommendations, largest savings first, of every customer or one; with the customer filter and a CSV. */
function RecommendationsCard({
  payerName,
  names,
  customers,
  customer,
  onCustomer,
  shown,
  fetching,
  error,
  onRetry,
}: {
  payerName: string;
  names: ReadonlyMap<string, string>;
  customers: { id: string; name: string }[];
  customer: string;
  onCustomer: (id: string) => void;
  shown: Insights | undefined;
  fetching: boolean;
  error: CombinedError | null;
  onRetry: () => void;
}) {
  const { t, lang } = useI18n();
  const rows: OptimizationRecommendationFieldsFragment[] = shown?.recommendations ?? [];
  const customerName = customer ? (names.get(customer) ?? customer) : null;
  const title = customerName ? t('insights.recommendationsOf', { name: customerName }) : t('insights.recommendations');
  const count = shown?.recommendationCount ?? 0;
  return (
    <CardTable
      title={title}
      testId="insights-recommendations"
      columns={[
        t('insights.account'),
        t('insights.customer'),
        t('insights.region'),
        t('insights.resourceType'),
        t('insights.resourceId'),
        t('insights.action'),
        t('insights.change'),
        t('insights.effort'),
        t('insights.restart'),
        t('insights.savings'),
        t('insights.currency'),
      ]}
      loading={fetching && !shown}
      error={error}
      onRetry={onRetry}
      empty={rows.length === 0}
      emptyText={t('insights.noRecommendations')}
      intro={
        <>
          {(customers.length > 0 || customer) && (
            <div className="field inline">
              <label htmlFor="insights-customer">{t('insights.filter')}</label>
              <select id="insights-customer" value={customer} onChange={(e) => onCustomer(e.target.value)}>
                <option value="">{t('insights.allCustomers')}</option>
                {customers.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
                {customer && !customers.some((c) => c.id === customer) && <option value={customer}>{customer}</option>}
              </select>
            </div>
          )}
          {shown && count > rows.length && (
            <p className="muted small" data-testid="insights-shown">
              {t('insights.shown', { shown: rows.length, count })}
            </p>
          )}
        </>
      }
      actions={
        <CsvDownloadButton
          name={title}
          fileName={csvFileName('savings-recommendations', payerName, ...(customerName ? [customerName] : []))}
          table={shown ? recommendationsCsv(t, rows, names) : null}
        />
      }
    >
      {rows.map((r) => (
        <tr key={r.id} data-testid="insights-recommendation-row">
          <th scope="row">
            <code>{r.accountId}</code>
          </th>
          <td>{r.customerTenantId ? customerLabel(t, r.customerTenantId, names) : <span className="muted">{t('insights.noCustomer')}</span>}</td>
          <td>{r.region}</td>
          <td>{r.resourceType}</td>
          <td>
            <code className="small">{r.resourceId}</code>
          </td>
          <td>{codeLabel(t, 'optimizationAction', r.actionType)}</td>
          <td>
            {r.currentSummary} → {r.recommendedSummary}
          </td>
          <td>{codeLabel(t, 'effort', r.implementationEffort)}</td>
          <td>{r.restartNeeded ? t('insights.yes') : t('insights.no')}</td>
          <td className="num">{formatMoney(r.estimatedMonthlySavings, r.currency, lang)}</td>
          <td>{r.currency}</td>
        </tr>
      ))}
    </CardTable>
  );
}
