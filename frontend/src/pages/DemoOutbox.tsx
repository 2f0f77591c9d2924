import { useQuery } from 'urql';
import { ListStates } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { DemoOutboxDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { MailBody } from '../components/MailBody';
import { formatDateTime } from '../lib/format';

/**
 * Demo only: the mails the server's sink caught instead of sending them (`PB_MAIL_SINK=outbox`),
 * newest first, each as its recipient would read it, links clickable. The API answers only a
 * global admin of a server in that mode; the navigation offers the page only then.
 */
export function DemoOutboxPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('demoOutbox.title'));
  const [result, reexecute] = useQuery({ query: DemoOutboxDocument, variables: { first: 100 }, requestPolicy: 'network-only' });
  const mails = result.data?.demoOutbox ?? [];
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  return (
    <section aria-labelledby="outbox-title">
      <div className="page-head">
        <div>
          <h1 id="outbox-title">{t('demoOutbox.title')}</h1>
          <p className="intro">{t('demoOutbox.intro')}</p>
        </div>
        <button type="button" onClick={reload}>
          {t('common.refresh')}
        </button>
      </div>
      <ListStates loading={result.fetching && !result.data} error={result.error ?? null} empty={mails.length === 0} emptyText={t('demoOutbox.empty')} onRetry={reload}>
        <p className="count">{t('demoOutbox.count', { count: mails.length })}</p>
        {mails.map((mail) => (
          <article key={mail.id} className="card" data-testid="demo-mail">
            <h2>{mail.subject}</h2>
            <p className="muted small">
              {t('demoOutbox.to')}: <strong data-testid="demo-mail-to">{mail.to}</strong> · {t('demoOutbox.caughtAt', { time: formatDateTime(mail.caughtAt, lang) })} ·{' '}
              {t('demoOutbox.event', { type: mail.eventType })}
            </p>
            <MailBody text={mail.text} />
          </article>
        ))}
      </ListStates>
    </section>
  );
}
