import { useId, type ReactNode } from 'react';
import { awsUnavailable, type FormError } from '../api/errors';
import { useI18n } from '../i18n';

export interface FieldControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

/** A labelled control with its hint and its error (from the API's VALIDATION field) under it. */
export function Field({
  label,
  name,
  error,
  hint,
  children,
}: {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children: (props: FieldControlProps) => ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error && (
        <p className="field-error" id={errorId}>
          {t('error.fieldLine', { label, detail: error })}
        </p>
      )}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The error of a form that belongs to no single field. */
export function FormErrorMessage({ error, override }: { error: FormError | null; override?: string }) {
  const { t } = useI18n();
  if (!error && !override) return null;
  const unavailable = awsUnavailable(error);
  return (
    <div className="form-error" role="alert">
      {override ?? (unavailable ? (
        <>
          <strong>{t('error.awsUnavailable')}</strong> <span className="detail">{t('error.awsUnavailableDetail', { call: unavailable.call })}</span>
        </>
      ) : (
        <>
          <strong>{t(`error.${error!.code}`)}</strong>
          {((error!.code !== 'INTERNAL' && error!.code !== 'UNAUTHENTICATED') || error!.awsErrorCode) && <span className="detail"> {error!.message}</span>}
        </>
      ))}
    </div>
  );
}

/** A short confirmation after an action ("Tenant created."), read out by screen readers. */
export function Notice({ children, onClose }: { children: ReactNode; onClose?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="notice" role="status">
      <span>{children}</span>
      {onClose && (
        <button type="button" className="link" onClick={onClose}>
          {t('common.close')}
        </button>
      )}
    </div>
  );
}

/** A form's Cancel and submit buttons. */
export function FormActions({ onCancel, submitLabel, disabled }: { onCancel: () => void; submitLabel: string; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="primary" disabled={disabled}>
        {submitLabel}
      </button>
    </div>
  );
}

/** A select over named things (`{ id, name }`), for use inside a `Field`. */
export function NamedSelect({
  props,
  value,
  onChange,
  options,
}: {
  props: FieldControlProps;
  value: string;
  onChange: (id: string) => void;
  options: readonly { id: string; name: string }[];
}) {
  return (
    <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.name}
        </option>
      ))}
    </select>
  );
}

/**
 * A fieldset of checkboxes that picks ids from `options` (in the order they were ticked), with
 * a hint, a text when there is nothing to pick, and the API's error for the field under it.
 */
export function CheckList({
  legend,
  options,
  selected,
  onChange,
  error,
  hint,
  emptyText,
  busy,
}: {
  legend: string;
  options: readonly { id: string; label: ReactNode }[];
  selected: readonly string[];
  onChange: (ids: string[]) => void;
  error?: string;
  hint?: string;
  emptyText?: string;
  busy?: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <fieldset className={error ? 'field field-invalid checks' : 'field checks'}>
      <legend>{legend}</legend>
      {hint && <p className="field-hint">{hint}</p>}
      {busy}
      {options.length === 0 && emptyText && <span className="muted">{emptyText}</span>}
      {options.map((o) => (
        <label key={o.id} className="check">
          <input
            type="checkbox"
            checked={selected.includes(o.id)}
            onChange={(e) => onChange(e.target.checked ? [...selected.filter((x) => x !== o.id), o.id] : selected.filter((x) => x !== o.id))}
          />{' '}
          {o.label}
        </label>
      ))}
      {error && <p className="field-error">{t('error.fieldLine', { label: legend, detail: error })}</p>}
    </fieldset>
  );
}
