import { useI18n } from '../i18n';
import { ROLES, type Role } from '../lib/roles';

/** The roles, least powerful first (the first is what forms start with: `DEFAULT_ROLE`). */
export function RoleSelect({ value, onChange, props }: { value: Role; onChange: (r: Role) => void; props: object }) {
  const { t } = useI18n();
  return (
    <select {...props} value={value} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}`)}
        </option>
      ))}
    </select>
  );
}
