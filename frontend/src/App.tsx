import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { MeProvider } from './auth/MeProvider';
import { SessionProvider, useAuth } from './auth/SessionProvider';
import type { Session } from './auth/session';
import { Layout } from './components/Layout';
import { LoadingState } from './components/States';
import { I18nProvider, useI18n } from './i18n';
import { AccountPage } from './pages/Account';
import { ApiTokensPage } from './pages/ApiTokens';
import { SignInPage } from './pages/SignIn';
import { TenantsPage } from './pages/Tenants';
import { UserRolesPage } from './pages/UserRoles';
import { UsersPage } from './pages/Users';

/** Pages behind sign-in: sends signed-out visitors to /signin and back afterwards. */
function RequireSession() {
  const { status } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (status === 'restoring') return <LoadingState label={t('signIn.restoring')} />;
  if (status === 'signedOut') return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  return (
    <MeProvider>
      <Layout />
    </MeProvider>
  );
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
            <Route element={<RequireSession />}>
              <Route index element={<Navigate to="/tenants" replace />} />
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
