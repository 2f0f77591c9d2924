import { useMemo } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { useCustomerPayers } from '../api/customerPayers';
import { useMe } from '../auth/MeProvider';
import { CustomerViews } from '../components/CustomerViews';
import { DashboardLink } from '../components/DashboardLink';
import { ErrorState, LoadingState } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { MyTenantDashboardDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { connectTenants } from '../lib/connect';
import { currentMonth, monthsEnding, monthsRange } from '../lib/costs';

/**
 * An end customer's start page: their own charges (PRO_FORMA, their price; never the partner's
 * AWS cost) this month so far against the same days of last month, the last 12 months, by
 * service, account, category and (when their payers keep cost allocation tags) tag, the biggest
 * changes, and their recent invoices. Every table has a CSV download. The sections are
 * components/CustomerViews, which the partner's view of one customer (CustomerView.tsx) shows too.
 */
export function CustomerHomePage() {
  const { t } = useI18n();
  usePageTitle(t('home.title'));
  // 13 months: the 12 the trend shows, and the month before them for the month a table opens on.
  const current = currentMonth();
  const months = useMemo(() => monthsEnding(current, 13), [current]);
  const range = useMemo(() => monthsRange(months), [months]);
  const payers = useCustomerPayers(range);

  return (
    <section aria-labelledby="home-title">
      <div className="page-head">
        <div>
          <h1 id="home-title">{t('home.title')}</h1>
          <p className="intro">{t('home.intro')}</p>
        </div>
        <OwnDashboardLinks />
      </div>
      <ConnectEntry />
      {payers.status === 'loading' ? (
        <LoadingState />
      ) : payers.status === 'error' ? (
        <ErrorState error={payers.error} onRetry={payers.reload} />
      ) : (
        <CustomerViews payers={payers.payers} months={months} />
      )}
    </section>
  );
}

/**
 * For the customer's admins only: the way to connect their own AWS management account (/connect),
 * or to continue where they left off. Viewers never see it.
 */
function ConnectEntry() {
  const { t } = useI18n();
  const { me } = useMe();
  if (connectTenants(me.memberships).length === 0) return null;
  return (
    <div className="card connect-entry" data-testid="connect-entry">
      <p>{t('connect.entryBody')}</p>
      <Link className="button" to="/connect">
        {t('connect.entry')}
      </Link>
    </div>
  );
}

/**
 * The customer's own tenant's Cloud Intelligence Dashboards / QuickSight link, when it has one,
 * beside the charts (a link, never a frame). The customer's tenants are those of its memberships.
 */
function OwnDashboardLinks() {
  const { me } = useMe();
  const tenantIds = useMemo(
    () => [...new Set(me.memberships.flatMap((m) => (m.tenant?.kind === 'CUSTOMER' && !m.payer ? [m.tenant.id] : [])))],
    [me.memberships],
  );
  if (tenantIds.length === 0) return null;
  return (
    <div className="row-actions">
      {tenantIds.map((id) => (
        <OwnDashboardLink key={id} tenantId={id} named={tenantIds.length > 1} />
      ))}
    </div>
  );
}

function OwnDashboardLink({ tenantId, named }: { tenantId: string; named: boolean }) {
  const { t } = useI18n();
  const [result] = useQuery({ query: MyTenantDashboardDocument, variables: { id: tenantId }, requestPolicy: 'network-only' });
  const tenant = result.data?.tenant;
  if (!tenant) return null;
  return <DashboardLink url={tenant.dashboardUrl} text={named ? t('dashboardLink.openNamed', { name: tenant.name }) : t('dashboardLink.openOwn')} />;
}
