import type { BillingTransferStatus } from '../generated/graphql';
import { useI18n } from '../i18n';
import { TRANSFER_BADGE } from '../lib/transfers';

/** Where a billing transfer stands: an icon and a word beside the colour. */
export function TransferStatusBadge({ status }: { status: BillingTransferStatus }) {
  const { t } = useI18n();
  const badge = TRANSFER_BADGE[status];
  return (
    <span className={`badge ${badge.className}`} data-testid="transfer-status">
      <span aria-hidden="true">{badge.icon}</span> {t(`transferStatus.${status}`)}
    </span>
  );
}
