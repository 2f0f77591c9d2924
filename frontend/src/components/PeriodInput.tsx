import { useI18n } from '../i18n';

/** A month (`YYYY-MM`) picker labelled "Billing period"; an emptied field keeps the last month. */
export function PeriodInput({ value, onChange, id, label }: { value: string; onChange: (v: string) => void; id: string; label?: string }) {
  const { t } = useI18n();
  return (
    <div className="field inline">
      <label htmlFor={id}>{label ?? t('billing.period')}</label>
      <input id={id} type="month" value={value} onChange={(e) => e.target.value && onChange(e.target.value)} />
    </div>
  );
}
