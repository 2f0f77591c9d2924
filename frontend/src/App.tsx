import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { MeProvider } from './auth/MeProvider';
import { SessionProvider, useAuth } from './auth/SessionProvider';
import type { Session } from './auth/session';
import { Layout } from './components/Layout';
import { LoadingState } from './components/States';
import { usePageTitle } from './components/usePageTitle';
import { I18nProvider, useI18n } from './i18n';
import { useMe } from './auth/MeProvider';
import { endCustomerAllows, homePath } from './lib/nav';
import { isEndCustomer } from './lib/roles';
import { SignInPage } from './pages/SignIn';

/**
 * A page loaded on first visit (its own chunk, so signing in and each page stay light; ECharts
 * comes only with the pages that draw charts). `Layout` shows a loading state meanwhile.
 */
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((m) => ({ default: m[name] })));
}

const AccountPage = page(() => import('./pages/Account'), 'AccountPage');
const AccountDetailPage = page(() => import('./pages/AccountDetail'), 'AccountDetailPage');
const AccountsPage = page(() => import('./pages/Accounts'), 'AccountsPage');
const ApiTokensPage = page(() => import('./pages/ApiTokens'), 'ApiTokensPage');
const AuditPage = page(() => import('./pages/Audit'), 'AuditPage');
const BillingPage = page(() => import('./pages/Billing'), 'BillingPage');
const BillingReportPage = page(() => import('./pages/BillingReport'), 'BillingReportPage');
const ConnectPage = page(() => import('./pages/Connect'), 'ConnectPage');
const CostAllocationPage = page(() => import('./pages/CostAllocation'), 'CostAllocationPage');
const CustomerHomePage = page(() => import('./pages/CustomerHome'), 'CustomerHomePage');
const CustomerViewPage = page(() => import('./pages/CustomerView'), 'CustomerViewPage');
const DemoOutboxPage = page(() => import('./pages/DemoOutbox'), 'DemoOutboxPage');
const InvoiceDetailPage = page(() => import('./pages/InvoiceDetail'), 'InvoiceDetailPage');
const InsightsPage = page(() => import('./pages/Insights'), 'InsightsPage');
const InvoicesPage = page(() => import('./pages/Invoices'), 'InvoicesPage');
const JobDetailPage = page(() => import('./pages/Jobs'), 'JobDetailPage');
const JobsPage = page(() => import('./pages/Jobs'), 'JobsPage');
const MyChargesPage = page(() => import('./pages/MyCharges'), 'MyChargesPage');
const MyInvoicesPage = page(() => import('./pages/MyInvoices'), 'MyInvoicesPage');
const NotificationsPage = page(() => import('./pages/Notifications'), 'NotificationsPage');
const OnboardingPage = page(() => import('./pages/Onboarding'), 'OnboardingPage');
const OverviewPage = page(() => import('./pages/Overview'), 'OverviewPage');
const PayersPage = page(() => import('./pages/Payers'), 'PayersPage');
const PeriodsPage = page(() => import('./pages/Periods'), 'PeriodsPage');
const PoliciesPage = page(() => import('./pages/Policies'), 'PoliciesPage');
const PricingPage = page(() => import('./pages/Pricing'), 'PricingPage');
const SetPasswordPage = page(() => import('./pages/SetPassword'), 'SetPasswordPage');
const TenantsPage = page(() => import('./pages/Tenants'), 'TenantsPage');
const TransfersPage = page(() => import('./pages/Transfers'), 'TransfersPage');
const UserRolesPage = page(() => import('./pages/UserRoles'), 'UserRolesPage');
const UsersPage = page(() => import('./pages/Users'), 'UsersPage');
const WebhooksPage = page(() => import('./pages/Webhooks'), 'WebhooksPage');

/** Pages behind sign-in: sends signed-out visitors to /signin and back afterwards. */
function RequireSession() {
  const { status } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (status === 'restoring') return <LoadingState label={t('signIn.restoring')} />;
  if (status === 'signedOut') return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  return (
    <MeProvider>
      <EndCustomerGate>
        <Layout />
      </EndCustomerGate>
    </MeProvider>
  );
}

/** End customers see only their own pages; any other address takes them to the first of them. */
function EndCustomerGate({ children }: { children: ReactNode }) {
  const { me } = useMe();
  const location = useLocation();
  if (isEndCustomer(me.memberships) && !endCustomerAllows(location.pathname)) return <Navigate to={homePath(true)} replace />;
  return <>{children}</>;
}

/** `/` (where signing in lands unless a page asked for it): the user's own start page. */
function Home() {
  const { me } = useMe();
  return <Navigate to={homePath(isEndCustomer(me.memberships))} replace />;
}

function NotFound() {
  const { t } = useI18n();
  usePageTitle(t('notFound.title'));
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <Link to="/">{t('notFound.back')}</Link>
    </section>
  );
}

/** Public: the link in an invitation mail; the token in the address is the proof. */
function SetPasswordRoute() {
  const { status } = useAuth();
  const { t } = useI18n();
  if (status === 'restoring') return <LoadingState label={t('signIn.restoring')} />;
  return (
    <Suspense fallback={<LoadingState />}>
      <SetPasswordPage />
    </Suspense>
  );
}

function SignInRoute() {
  const { status } = useAuth();
  const { t } = useI18n();
  if (status === 'restoring') return <LoadingState label={t('signIn.restoring')} />;
  return <SignInPage />;
}

export function App({ session }: { session?: Session }) {
  return (
    <I18nProvider>
      <SessionProvider session={session}>
        <BrowserRouter>
          <Routes>
            <Route path="/signin" element={<SignInRoute />} />
            <Route path="/set-password" element={<SetPasswordRoute />} />
            <Route element={<RequireSession />}>
              <Route index element={<Home />} />
              <Route path="overview" element={<OverviewPage />} />
              <Route path="payers" element={<PayersPage />} />
              <Route path="payers/:payerId/accounts" element={<AccountsPage />} />
              <Route path="payers/:payerId/accounts/:accountId" element={<AccountDetailPage />} />
              <Route path="payers/:payerId/policies" element={<PoliciesPage />} />
              <Route path="payers/:payerId/billing" element={<BillingPage />} />
              <Route path="payers/:payerId/pricing" element={<PricingPage />} />
              <Route path="payers/:payerId/periods" element={<PeriodsPage />} />
              <Route path="payers/:payerId/transfers" element={<TransfersPage />} />
              <Route path="payers/:payerId/insights" element={<InsightsPage />} />
              <Route path="payers/:payerId/cost-allocation" element={<CostAllocationPage />} />
              <Route path="invoices" element={<InvoicesPage />} />
              <Route path="invoices/:id" element={<InvoiceDetailPage />} />
              <Route path="billing-groups/:id/report" element={<BillingReportPage />} />
              <Route path="onboarding" element={<OnboardingPage />} />
              <Route path="customers/:tenantId" element={<CustomerViewPage />} />
              <Route path="home" element={<CustomerHomePage />} />
              <Route path="connect" element={<ConnectPage />} />
              <Route path="my-charges" element={<MyChargesPage />} />
              <Route path="my-invoices" element={<MyInvoicesPage />} />
              <Route path="jobs" element={<JobsPage />} />
              <Route path="jobs/:id" element={<JobDetailPage />} />
              <Route path="notifications" element={<NotificationsPage />} />
              <Route path="demo-outbox" element={<DemoOutboxPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="audit" element={<AuditPage />} />
              <Route path="tenants" element={<TenantsPage />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="users/:id" element={<UserRolesPage />} />
              <Route path="api-tokens" element={<ApiTokensPage />} />
              <Route path="account" element={<AccountPage />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </I18nProvider>
  );
}
