import type { PayerFieldsFragment } from '../generated/graphql';
import { useI18n } from '../i18n';

const STATUS_CLASS = { PENDING: 'status-none', CONNECTED: 'status-on', ERROR: 'status-off', RESELLER: 'status-none' } as const;

/** A payer's connection state; the API's reason is its tooltip. */
export function PayerStatusBadge({ payer }: { payer: Pick<PayerFieldsFragment, 'status' | 'statusReason'> }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${STATUS_CLASS[payer.status]}`} title={payer.statusReason ?? undefined}>
      {t(`payerStatus.${payer.status}`)}
    </span>
  );
}
