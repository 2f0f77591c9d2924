import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../auth/SessionProvider';
import { useMe } from '../auth/MeProvider';
import { useI18n } from '../i18n';
import { isEndCustomer } from '../lib/roles';
import { navLinks } from '../lib/nav';
import { LanguageSwitch } from './LanguageSwitch';
import { LoadingState } from './States';

export function Layout() {
  const { t } = useI18n();
  const { me, role, can, demoOutbox } = useMe();
  const { signOut } = useAuth();
  const links = navLinks(isEndCustomer(me.memberships), can).map((link) => ({ to: link.to, label: t(link.label) }));
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav aria-label={t('nav.main')}>
          <ul>
            {links.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to}>{link.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-user">
          <span className="who">
            <span className="email" title={me.email}>
              {me.email}
            </span>
            {role && <span className={`badge role-${role.toLowerCase()}`}>{t(`role.${role}`)}</span>}
          </span>
          <LanguageSwitch />
          <button type="button" onClick={() => void signOut()}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      {demoOutbox && (
        // The demo's mail sink: a line under the bar (the navigation has no room at 1,280 px).
        <p className="demo-banner" role="note" aria-label={t('demoOutbox.title')}>
          {t('demoOutbox.banner')} <NavLink to="/demo-outbox">{t('demoOutbox.open')}</NavLink>
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {/* Each page is its own chunk: the navigation stays while one loads. */}
        <Suspense fallback={<LoadingState />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
