import type { TenantOption } from '../api/tenants';
import { useI18n } from '../i18n';

/** A select over tenants, indented by depth, each with its kind. */
export function TenantSelect({
  value,
  onChange,
  options,
  props,
}: {
  value: string;
  onChange: (id: string) => void;
  options: TenantOption[];
  props: object;
}) {
  const { t } = useI18n();
  return (
    <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.label} ({t(`kind.${o.tenant.kind}`)})
        </option>
      ))}
    </select>
  );
}
