import { Link } from 'react-router';
import { useMe } from '../auth/MeProvider';
import { useI18n } from '../i18n';
import { isEndCustomer } from '../lib/roles';

/**
 * "Customer view": the partner's view of one customer (/customers/:tenantId), what they see in
 * their own home plus cost and margin. Partners only: nothing for an end customer (who would be
 * sent back to their home anyway).
 */
export function CustomerViewLink({ tenantId, name, className = 'button small' }: { tenantId: string; name: string; className?: string }) {
  const { t } = useI18n();
  const { me } = useMe();
  if (isEndCustomer(me.memberships)) return null;
  return (
    <Link className={className} to={`/customers/${encodeURIComponent(tenantId)}`} aria-label={t('customerView.openNamed', { name })} data-testid="customer-view-link">
      {t('customerView.open')}
    </Link>
  );
}
