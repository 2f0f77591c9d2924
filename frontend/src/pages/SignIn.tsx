import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useAuth } from '../auth/SessionProvider';
import { Field, FormErrorMessage, Notice } from '../components/Form';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { usePageTitle } from '../components/usePageTitle';
import { LoginDocument } from '../generated/graphql';
import { useI18n } from '../i18n';

const FIELDS = { email: 'email', password: 'password' } as const;

export function SignInPage() {
  const { t } = useI18n();
  usePageTitle(t('signIn.title'));
  const { status, endReason, signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  // Back to the page that asked for sign-in, else `/`: the user's start page (overview or charges).
  const next = (location.state as { from?: string } | null)?.from ?? '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [result, login] = useMutation(LoginDocument);
  const errors = mapErrors(result.error, FIELDS);

  if (status === 'signedIn') return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await login({ email: email.trim(), password });
    const payload = res.data?.login;
    if (payload) {
      setPassword('');
      signIn({ accessToken: payload.accessToken, refreshToken: payload.refreshToken, expiresAt: payload.expiresAt });
      navigate(next, { replace: true });
    }
  }

  return (
    <div className="signin">
      <div className="signin-top">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitch />
      </div>
      <main id="main" className="card signin-card">
        <h1>{t('signIn.title')}</h1>
        {endReason === 'expired' && <Notice>{t('signIn.expired')}</Notice>}
        {endReason === 'logout' && <Notice>{t('signIn.signedOut')}</Notice>}
        <form onSubmit={submit} noValidate>
          <FormErrorMessage
            error={errors.form}
            override={errors.form?.code === 'UNAUTHENTICATED' ? t('signIn.badCredentials') : undefined}
          />
          <Field label={t('signIn.email')} name="email" error={errors.fields.email}>
            {(p) => (
              <input {...p} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            )}
          </Field>
          <Field label={t('signIn.password')} name="password" error={errors.fields.password}>
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="primary" disabled={result.fetching}>
            {result.fetching ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}
