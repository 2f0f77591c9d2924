import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useAuth } from '../auth/SessionProvider';
import { Field, FormErrorMessage } from '../components/Form';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { usePageTitle } from '../components/usePageTitle';
import { SetPasswordDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { checkNewPassword, inviteToken, type PasswordProblem } from '../lib/invitations';

const FIELDS = { token: 'token', password: 'password' } as const;

/**
 * The page an invitation mail links to (`/set-password?token=pbs_…`). Public: the token is the
 * proof. On success it signs the person in with the returned tokens, as the sign-in page does.
 */
export function SetPasswordPage() {
  const { t } = useI18n();
  usePageTitle(t('setPassword.title'));
  const { status, signIn, signOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const token = inviteToken(location.search);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problems, setProblems] = useState<{ password?: PasswordProblem; confirm?: PasswordProblem }>({});
  const [result, setPasswordMutation] = useMutation(SetPasswordDocument);
  const errors = mapErrors(result.error, FIELDS);
  const linkInvalid = token === null || errors.fields.token !== undefined;

  const problemText = (p: PasswordProblem | undefined) =>
    p === 'empty' ? t('setPassword.empty') : p === 'mismatch' ? t('setPassword.mismatch') : undefined;
  const passwordError =
    problemText(problems.password) ?? (errors.fields.password !== undefined ? t('setPassword.weak', { detail: errors.fields.password }) : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    const found = checkNewPassword(password, confirm);
    setProblems(found);
    if (found.password || found.confirm) return;
    const res = await setPasswordMutation({ token, password });
    const payload = res.data?.setPassword;
    if (!payload) return;
    setPassword('');
    setConfirm('');
    // Someone else signed in in this tab: end that session first, so nothing of it is kept.
    if (status === 'signedIn') await signOut().catch(() => {});
    signIn({ accessToken: payload.accessToken, refreshToken: payload.refreshToken, expiresAt: payload.expiresAt });
    navigate('/', { replace: true });
  }

  return (
    <div className="signin">
      <div className="signin-top">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitch />
      </div>
      <main id="main" className="card signin-card">
        <h1 id="set-password-title">{t('setPassword.title')}</h1>
        {linkInvalid ? (
          <>
            <div className="form-error" role="alert">
              {t('setPassword.invalidLink')}
            </div>
            <p>
              <Link to="/signin">{t('setPassword.toSignIn')}</Link>
            </p>
          </>
        ) : (
          <form onSubmit={submit} aria-labelledby="set-password-title" noValidate>
            <p>{t('setPassword.intro')}</p>
            <FormErrorMessage error={errors.form} />
            <Field label={t('setPassword.new')} name="password" error={passwordError} hint={t('setPassword.hint')}>
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete="new-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
            <Field label={t('setPassword.confirm')} name="confirm" error={problemText(problems.confirm)}>
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete="new-password"
                  required
                  value={confirm}
                  onChange={(e) => setConfirm(e.target.value)}
                />
              )}
            </Field>
            <button type="submit" className="primary" disabled={result.fetching}>
              {result.fetching ? t('setPassword.submitting') : t('setPassword.submit')}
            </button>
          </form>
        )}
      </main>
    </div>
  );
}
