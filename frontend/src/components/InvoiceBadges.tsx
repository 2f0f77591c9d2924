import type { BillingPeriodStatus, InvoiceStatus } from '../generated/graphql';
import { useI18n } from '../i18n';
import { INVOICE_BADGE, PERIOD_BADGE } from '../lib/invoicing';

/** A document's state: an icon and a word beside the colour. */
export function InvoiceStatusBadge({ status }: { status: InvoiceStatus }) {
  const { t } = useI18n();
  const badge = INVOICE_BADGE[status];
  return (
    <span className={`badge ${badge.className}`} data-testid="invoice-status">
      <span aria-hidden="true">{badge.icon}</span> {t(`invoiceStatus.${status}`)}
    </span>
  );
}

/** A billing period's state (open or closed). */
export function PeriodStatusBadge({ status }: { status: BillingPeriodStatus }) {
  const { t } = useI18n();
  const badge = PERIOD_BADGE[status];
  return (
    <span className={`badge ${badge.className}`} data-testid="period-status">
      <span aria-hidden="true">{badge.icon}</span> {t(`periodStatus.${status}`)}
    </span>
  );
}
