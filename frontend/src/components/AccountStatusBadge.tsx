import { useI18n } from '../i18n';

/** A member account's state in the organization (an unknown state shows as AWS names it). */
export function AccountStatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const known = status === 'ACTIVE' || status === 'SUSPENDED' || status === 'PENDING_CLOSURE';
  const cls = status === 'ACTIVE' ? 'status-on' : status === 'SUSPENDED' ? 'status-off' : 'status-warn';
  return <span className={`badge ${cls}`}>{known ? t(`accountStatus.${status}`) : status}</span>;
}
