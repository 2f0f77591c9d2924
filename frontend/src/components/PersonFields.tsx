import { useI18n } from '../i18n';
import { Field } from './Form';

/** A new user's email and display name, with the API's errors for them. */
export function PersonFields({
  email,
  displayName,
  onEmail,
  onDisplayName,
  errors,
}: {
  email: string;
  displayName: string;
  onEmail: (v: string) => void;
  onDisplayName: (v: string) => void;
  errors: { email?: string; displayName?: string };
}) {
  const { t } = useI18n();
  return (
    <>
      <Field label={t('users.email')} name="email" error={errors.email}>
        {(p) => <input {...p} type="email" autoComplete="off" value={email} onChange={(e) => onEmail(e.target.value)} />}
      </Field>
      <Field label={t('users.displayName')} name="displayName" error={errors.displayName}>
        {(p) => <input {...p} value={displayName} onChange={(e) => onDisplayName(e.target.value)} />}
      </Field>
    </>
  );
}

/** The language of a user's mail. */
export function LocaleField({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useI18n();
  return (
    <Field label={t('users.form.locale')} name="locale" error={error}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="en">{t('locale.en')}</option>
          <option value="zh-CN">{t('locale.zh-CN')}</option>
        </select>
      )}
    </Field>
  );
}
