import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { MeProvider } from './auth/MeProvider';
import { SessionProvider, useAuth } from './auth/SessionProvider';
import type { Session } from './auth/session';
import { Layout } from './components/Layout';
import { LoadingState } from './components/States';
import { I18nProvider, useI18n } from './i18n';
import { useMe } from './auth/MeProvider';
import { endCustomerAllows } from './lib/nav';
import { isEndCustomer } from './lib/roles';
import { AccountPage } from './pages/Account';
import { AccountDetailPage } from './pages/AccountDetail';
import { AccountsPage } from './pages/Accounts';
import { AuditPage } from './pages/Audit';
import { JobDetailPage, JobsPage } from './pages/Jobs';
import { NotificationsPage } from './pages/Notifications';
import { OnboardingPage } from './pages/Onboarding';
import { PayersPage } from './pages/Payers';
import { PoliciesPage } from './pages/Policies';
import { BillingPage } from './pages/Billing';
import { BillingReportPage } from './pages/BillingReport';
import { MyChargesPage } from './pages/MyCharges';
import { PricingPage } from './pages/Pricing';
import { WebhooksPage } from './pages/Webhooks';
import { ApiTokensPage } from './pages/ApiTokens';
import { SetPasswordPage } from './pages/SetPassword';
import { SignInPage } from './pages/SignIn';
import { TenantsPage } from './pages/Tenants';
import { UserRolesPage } from './pages/UserRoles';
import { UsersPage } from './pages/Users';

// The overview carries ECharts; it loads on first visit so sign-in stays light.
const OverviewPage = lazy(() => import('./pages/Overview').then((m) => ({ default: m.OverviewPage })));

function Overview() {
  return (
    <Suspense fallback={<LoadingState />}>
      <OverviewPage />
    </Suspense>
  );
}

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
  if (isEndCustomer(me.memberships) && !endCustomerAllows(location.pathname)) return <Navigate to="/my-charges" replace />;
  return <>{children}</>;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <Link to="/tenants">{t('notFound.back')}</Link>
    </section>
  );
}

/** Public: the link in an invitation mail; the token in the address is the proof. */
function SetPasswordRoute() {
  const { status } = useAuth();
  const { t } = useI18n();
  if (status === 'restoring') return <LoadingState label={t('signIn.restoring')} />;
  return <SetPasswordPage />;
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
              <Route index element={<Navigate to="/tenants" replace />} />
              <Route path="overview" element={<Overview />} />
              <Route path="payers" element={<PayersPage />} />
              <Route path="payers/:payerId/accounts" element={<AccountsPage />} />
              <Route path="payers/:payerId/accounts/:accountId" element={<AccountDetailPage />} />
              <Route path="payers/:payerId/policies" element={<PoliciesPage />} />
              <Route path="payers/:payerId/billing" element={<BillingPage />} />
              <Route path="payers/:payerId/pricing" element={<PricingPage />} />
              <Route path="billing-groups/:id/report" element={<BillingReportPage />} />
              <Route path="onboarding" element={<OnboardingPage />} />
              <Route path="my-charges" element={<MyChargesPage />} />
              <Route path="jobs" element={<JobsPage />} />
              <Route path="jobs/:id" element={<JobDetailPage />} />
              <Route path="notifications" element={<NotificationsPage />} />
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
