import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { TableHead } from './States';

/** The delivery states of a mail or webhook message. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'dead'] as const;
const STATUS_CLASS: Record<string, string> = { pending: 'status-warn', sent: 'status-on', dead: 'status-off' };
const STATUSES = DELIVERY_STATUSES;

/** Mail and webhook deliveries: event, channel, recipient, state with its error, attempts. */
export function DeliveryTable({
  rows,
  lang,
  action,
}: {
  rows: {
    id: string;
    eventType: string;
    channel: string;
    recipient: string;
    subject: string | null;
    status: string;
    attempts: number;
    lastError: string | null;
    sentAt: string | null;
    createdAt: string;
    nextAttemptAt: string | null;
  }[];
  lang: 'en' | 'zh';
  action?: (row: { id: string; status: string }) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <table className="table">
      <TableHead columns={[t('log.event'), t('log.channel'), t('subs.recipient'), t('common.status'), t('log.attempts'), t('common.created'), action && t('common.actions')]} />
      <tbody>
        {rows.map((n) => (
          <tr key={n.id} data-testid="delivery-row">
            <th scope="row">
              <code>{n.eventType}</code>
              {n.subject && <div className="muted small">{n.subject}</div>}
            </th>
            <td>{t(n.channel === 'webhook' ? 'log.webhook' : 'log.email')}</td>
            <td className="break">{n.recipient}</td>
            <td>
              <span className={`badge ${STATUS_CLASS[n.status] ?? ''}`}>{STATUSES.includes(n.status as never) ? t(`delivery.${n.status as 'sent'}`) : n.status}</span>
              {n.status === 'dead' && <div className="muted small">{t('log.deadLetter')}</div>}
              {n.lastError && <div className="field-error small">{n.lastError}</div>}
            </td>
            <td>
              {n.attempts}
              {n.nextAttemptAt && n.status === 'pending' && <div className="muted small">{t('log.next', { at: formatDateTime(n.nextAttemptAt, lang) })}</div>}
            </td>
            <td>{formatDateTime(n.sentAt ?? n.createdAt, lang)}</td>
            {action && <td>{action(n)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
