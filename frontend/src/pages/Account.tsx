import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { useMe } from '../auth/MeProvider';
import { EmptyState } from '../components/States';
import { Field, FormErrorMessage, Notice } from '../components/Form';
import { usePageTitle } from '../components/usePageTitle';
import { ChangePasswordDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { scopeLabel } from '../lib/membershipText';

const FIELDS = { currentPassword: 'currentPassword', newPassword: 'newPassword' } as const;

export function AccountPage() {
  const { t } = useI18n();
  usePageTitle(t('account.title'));
  const { me } = useMe();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const [result, change] = useMutation(ChangePasswordDocument);
  const errors = mapErrors(result.error, FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const res = await change({ currentPassword: current, newPassword: next });
    if (res.data?.changePassword) {
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(true);
    }
  }

  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">{t('account.title')}</h1>
      <p>{t('account.signedInAs', { email: me.email })}</p>
      <h2>{t('account.roles')}</h2>
      {me.memberships.length === 0 ? (
        <EmptyState>{t('users.noRoles')}</EmptyState>
      ) : (
        <ul className="plain">
          {me.memberships.map((m) => (
            <li key={m.id}>
              <span className={`badge role-${m.role.toLowerCase()}`}>{t(`role.${m.role}`)}</span> {scopeLabel(m, t)}
            </li>
          ))}
        </ul>
      )}
      <form className="card form" onSubmit={submit} aria-labelledby="password-title" noValidate>
        <h2 id="password-title">{t('account.changePassword')}</h2>
        {done && <Notice>{t('account.changed')}</Notice>}
        <FormErrorMessage error={errors.form} />
        <Field label={t('account.currentPassword')} name="currentPassword" error={errors.fields.currentPassword}>
          {(p) => (
            <input {...p} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
          )}
        </Field>
        <Field label={t('account.newPassword')} name="newPassword" error={errors.fields.newPassword} hint={t('account.passwordHint')}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />}
        </Field>
        <Field label={t('account.confirmPassword')} name="confirmPassword" error={mismatch ? t('account.mismatch') : undefined}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={result.fetching}>
            {t('account.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
