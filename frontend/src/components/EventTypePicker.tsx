import { useId } from 'react';
import { useI18n } from '../i18n';
import { EVENT_TYPES, toggleIn } from '../lib/events';

/** Checkboxes for event types, in a labelled group, with the field error under it. */
export function EventTypePicker({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const { t } = useI18n();
  const id = useId();
  const all: readonly string[] = EVENT_TYPES;
  return (
    <fieldset className={error ? 'field field-invalid checks' : 'field checks'} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{t('events.label')}</legend>
      {all.map((type) => (
        <label key={type} className="check">
          <input type="checkbox" checked={value.includes(type)} onChange={(e) => onChange(toggleIn(value, type, e.target.checked, all))} />{' '}
          <code>{type}</code>
        </label>
      ))}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {t('error.fieldLine', { label: t('events.label'), detail: error })}
        </p>
      )}
    </fieldset>
  );
}
