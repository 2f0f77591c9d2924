import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useClient, useQuery, type CombinedError } from 'urql';
import { CUSTOMER_VIEW_PAYERS, useCustomerPayers, type CustomerPayerName } from '../api/customerPayers';
import { CardTable } from '../components/CardTable';
import { CustomerViews, type ViewedCustomer } from '../components/CustomerViews';
import { DashboardLink } from '../components/DashboardLink';
import { ErrorState, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { CostSummaryDocument, CustomerViewTenantDocument, type CostMetric } from '../generated/graphql';
import { useI18n } from '../i18n';
import { currentMonth, monthsEnding, monthsRange } from '../lib/costs';
import { costAndMargin, type PayerCostAndCharge } from '../lib/customerView';
import { formatMoney, roundDecimal } from '../lib/format';

/**
 * /customers/:tenantId, partner side (issue #22 item 7): one customer's home as the customer
 * sees it — the same components (components/CustomerViews) asking the same questions with the
 * customer's `customerTenantId`, so support conversations happen on the same numbers — plus, for
 * the partner only, the month's AWS cost, the customer's charge and the margin. End customers
 * never get here (App's EndCustomerGate sends them home).
 */
export function CustomerViewPage() {
  const { t } = useI18n();
  const { tenantId = '' } = useParams();
  const [tenantResult, retryTenant] = useQuery({ query: CustomerViewTenantDocument, variables: { id: tenantId }, requestPolicy: 'network-only' });
  const tenant = tenantResult.data?.tenant;
  usePageTitle(tenant ? t('customerView.titleNamed', { name: tenant.name }) : t('customerView.title'));
  // The same 13 months as the customer's home: the 12 of the trend and the one before them.
  const current = currentMonth();
  const months = useMemo(() => monthsEnding(current, 13), [current]);
  const range = useMemo(() => monthsRange(months), [months]);
  const payers = useCustomerPayers(range, tenantId);

  if (!tenant) {
    return (
      <section aria-labelledby="customer-view-title">
        <h1 id="customer-view-title">{t('customerView.title')}</h1>
        {tenantResult.error ? <ErrorState error={tenantResult.error} onRetry={() => retryTenant({ requestPolicy: 'network-only' })} /> : <LoadingState />}
      </section>
    );
  }
  const customer: ViewedCustomer = { tenantId: tenant.id, name: tenant.name };
  return (
    <section aria-labelledby="customer-view-title">
      <p className="crumbs">
        <Link to="/tenants">{t('nav.tenants')}</Link> › {tenant.name}
      </p>
      <div className="page-head">
        <div>
          <h1 id="customer-view-title">{t('customerView.titleNamed', { name: tenant.name })}</h1>
          <p className="intro">{t('customerView.intro', { name: tenant.name })}</p>
        </div>
        <div className="row-actions">
          <DashboardLink url={tenant.dashboardUrl} text={t('dashboardLink.openNamed', { name: tenant.name })} />
        </div>
      </div>
      {payers.status === 'loading' ? (
        <LoadingState />
      ) : payers.status === 'error' ? (
        <ErrorState error={payers.error} onRetry={payers.reload} />
      ) : (
        <>
          <CustomerPayers name={tenant.name} payers={payers.named ?? []} morePayers={payers.morePayers ?? false} />
          {payers.payers.length > 0 && (
            <CustomerViews
              payers={payers.payers}
              months={months}
              customer={customer}
              monthExtra={(month) => <CostAndMargin payers={payers.named ?? []} customerTenantId={tenant.id} month={month} />}
            />
          )}
        </>
      )}
    </section>
  );
}

/** The payers the customer has billing groups on (each linked to its Billing page), or that it has none. */
function CustomerPayers({ name, payers, morePayers }: { name: string; payers: CustomerPayerName[]; morePayers: boolean }) {
  const { t } = useI18n();
  return (
    <div className="card" data-testid="customer-payers">
      {payers.length === 0 ? (
        <p data-testid="customer-no-payers">{t('customerView.noPayers', { name })}</p>
      ) : (
        <>
          <h2>{t('customerView.payers', { name })}</h2>
          <ul className="plain">
            {payers.map((p) => (
              <li key={p.id} data-testid="customer-payer">
                <Link to={`/payers/${p.id}/billing`}>{p.name}</Link>
                {': '}
                {p.groups.join(', ')}
              </li>
            ))}
          </ul>
        </>
      )}
      {morePayers && (
        <p className="muted small" data-testid="customer-more-payers">
          {t('customerView.morePayers', { count: CUSTOMER_VIEW_PAYERS })}
        </p>
      )}
    </div>
  );
}

type Figures = { status: 'loading' } | { status: 'error'; error: CombinedError } | { status: 'ready'; payers: PayerCostAndCharge[] };

/**
 * Each payer's `costSummary` total for the month in UNBLENDED (the AWS cost) and PRO_FORMA (the
 * charge), narrowed to the customer: two questions per payer, asked together. Any error is the answer.
 */
function useCostAndCharge(payerIds: readonly string[], customerTenantId: string, month: string): Figures & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<Figures>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const key = payerIds.join(',');
  useEffect(() => {
    let stopped = false;
    setState({ status: 'loading' });
    const range = monthsRange([month]);
    const total = (payerId: string, metric: CostMetric) =>
      client
        .query(
          CostSummaryDocument,
          { input: { payerIds: [payerId], from: range.from, to: range.to, granularity: 'MONTH', groupBy: [], metric, customerTenantId } },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
    void Promise.all(key.split(',').filter(Boolean).map((id) => Promise.all([total(id, 'UNBLENDED'), total(id, 'PRO_FORMA')]).then(([cost, charge]) => ({ id, cost, charge })))).then(
      (answers) => {
        if (stopped) return;
        const failed = answers.find((a) => a.cost.error || a.charge.error);
        if (failed) return setState({ status: 'error', error: (failed.cost.error ?? failed.charge.error)! });
        setState({
          status: 'ready',
          payers: answers.flatMap(({ id, cost, charge }) => {
            const c = cost.data?.costSummary;
            const p = charge.data?.costSummary;
            return c && p ? [{ payerId: id, cost: { currency: c.currency, total: c.total }, charge: { currency: p.currency, total: p.total } }] : [];
          }),
        });
      },
    );
    return () => {
      stopped = true;
    };
  }, [client, key, customerTenantId, month, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}

/**
 * Partner only: for the month shown, the AWS cost of the customer's accounts (UNBLENDED), what
 * the customer is charged (PRO_FORMA, the numbers above) and the margin, per currency. Asked per
 * payer since payers may bill in different currencies; never summed across currencies.
 */
function CostAndMargin({ payers, customerTenantId, month }: { payers: CustomerPayerName[]; customerTenantId: string; month: string }) {
  const { t, lang } = useI18n();
  const figures = useCostAndCharge(
    payers.map((p) => p.id),
    customerTenantId,
    month,
  );
  const { rows, mismatched } = useMemo(() => costAndMargin(figures.status === 'ready' ? figures.payers : []), [figures]);
  const mismatchedNames = payers.filter((p) => mismatched.includes(p.id)).map((p) => p.name);
  const percent = (v: string | null) => (v === null ? '—' : `${roundDecimal(v, 1)}%`);
  return (
    <CardTable
      title={t('customerView.marginTitle', { month })}
      testId="customer-margin"
      intro={
        <>
          <p className="muted">{t('customerView.marginIntro')}</p>
          {mismatchedNames.length > 0 && (
            <p className="muted" data-testid="customer-margin-mismatched">
              {t('customerView.mismatched', { payers: mismatchedNames.join(', ') })}
            </p>
          )}
        </>
      }
      columns={[t('customerView.currency'), t('customerView.awsCost'), t('customerView.charge'), t('customerView.margin'), t('customerView.marginPercent')]}
      loading={figures.status === 'loading'}
      error={figures.status === 'error' ? figures.error : null}
      onRetry={figures.reload}
      empty={rows.length === 0}
      emptyText={t('customerView.noMargin', { month })}
    >
      {rows.map((r) => (
        <tr key={r.currency} data-testid="customer-margin-row">
          <th scope="row">{r.currency}</th>
          <td className="num">{formatMoney(r.cost, r.currency, lang)}</td>
          <td className="num">{formatMoney(r.charge, r.currency, lang)}</td>
          <td className="num">{formatMoney(r.margin, r.currency, lang)}</td>
          <td className="num">{percent(r.marginPercent)}</td>
        </tr>
      ))}
    </CardTable>
  );
}
