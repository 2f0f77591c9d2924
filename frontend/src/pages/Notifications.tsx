import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllPayers } from '../api/payers';
import { useAllTenants, useTenantOptions } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { DangerAction } from '../components/DangerAction';
import { DeliveryTable, DELIVERY_STATUSES as STATUSES } from '../components/DeliveryTable';
import { EventTypePicker } from '../components/EventTypePicker';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { ListStates, LoadingState, LoadMore, TableHead } from '../components/States';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';
import {
  NotificationSubscriptionsDocument,
  NotificationTemplatesDocument,
  NotificationsDocument,
  PreviewNotificationTemplateDocument,
  ResetNotificationTemplateDocument,
  SubscribeDocument,
  UnsubscribeDocument,
  UpdateNotificationTemplateDocument,
  type SubscriptionFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { localeName } from '../i18n/codes';
import { formatDateTime } from '../lib/format';

type Tab = 'subscriptions' | 'templates' | 'log';

export function NotificationsPage() {
  const { t } = useI18n();
  usePageTitle(t('notifications.title'));
  const { can } = useMe();
  const [tab, setTab] = useState<Tab>('subscriptions');
  const tabs: Tab[] = can.administer ? ['subscriptions', 'templates', 'log'] : ['subscriptions', 'log'];
  return (
    <section aria-labelledby="notifications-title">
      <div className="page-head">
        <div>
          <h1 id="notifications-title">{t('notifications.title')}</h1>
          <p className="intro">{t('notifications.intro')}</p>
        </div>
      </div>
      <div className="tabs" role="tablist" aria-label={t('notifications.title')}>
        {tabs.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={tab === name} className={tab === name ? 'tab active' : 'tab'} onClick={() => setTab(name)}>
            {t(`notifications.tab.${name}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'subscriptions' && <Subscriptions />}
        {tab === 'templates' && <Templates />}
        {tab === 'log' && <DeliveryLog />}
      </div>
    </section>
  );
}

function Subscriptions() {
  const { t, lang } = useI18n();
  const { me } = useMe();
  const [result, reexecute] = useQuery({ query: NotificationSubscriptionsDocument, requestPolicy: 'network-only' });
  const tenants = useAllTenants();
  const payers = useAllPayers();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [, unsubscribe] = useMutation(UnsubscribeDocument);
  const list = result.data?.notificationSubscriptions ?? [];
  const tenantName = new Map(tenants.nodes.map((x) => [x.id, x.name]));
  const payerName = new Map(payers.nodes.map((x) => [x.id, x.name]));
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const recipient = (s: SubscriptionFieldsFragment) =>
    s.accountOwner ? t('subs.accountOwner') : s.email ? s.email : s.userId === me.id ? t('subs.me', { email: me.email }) : (s.userId ?? '—');

  return (
    <div>
      <div className="page-head">
        <h2>{t('notifications.tab.subscriptions')}</h2>
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('subs.new')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {creating && (
        <SubscribeForm
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            setNotice(t('subs.created'));
            reload();
          }}
        />
      )}
      <ListStates loading={result.fetching && !result.data} error={result.error ?? null} empty={list.length === 0} emptyText={t('subs.empty')} onRetry={reload}>
        <table className="table">
          <TableHead columns={[t('events.label'), t('subs.scope'), t('subs.recipient'), t('subs.locale'), t('common.created'), t('common.actions')]} />
          <tbody>
            {list.map((s) => (
              <tr key={s.id} data-testid="subscription-row">
                <td>
                  {s.eventTypes.map((e) => (
                    <code key={e} className="tag">
                      {e}
                    </code>
                  ))}
                </td>
                <td>
                  {s.tenantId ? (tenantName.get(s.tenantId) ?? s.tenantId) : s.payerId ? t('subs.payerScope', { name: payerName.get(s.payerId) ?? s.payerId }) : '—'}
                </td>
                <td>{recipient(s)}</td>
                <td>{s.locale ? localeName(t, s.locale) : '—'}</td>
                <td>{formatDateTime(s.createdAt, lang)}</td>
                <td>
                  <DangerAction
                    small
                    label={t('subs.remove')}
                    name={t('subs.removeNamed', { who: recipient(s) })}
                    title={t('subs.removeTitle')}
                    confirmLabel={t('subs.remove')}
                    onConfirm={async () => {
                      const res = await unsubscribe({ id: s.id });
                      if (res.data) {
                        setNotice(t('subs.removed'));
                        reload();
                      }
                      return res;
                    }}
                  >
                    <p>{t('subs.removeBody', { who: recipient(s) })}</p>
                  </DangerAction>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </div>
  );
}

type RecipientKind = 'me' | 'email' | 'accountOwner';

function SubscribeForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: () => void }) {
  const { t } = useI18n();
  const { me, can } = useMe();
  const tenants = useAllTenants();
  const options = useTenantOptions(tenants.nodes, me.memberships, 'VIEWER');
  const [eventTypes, setEventTypes] = useState<string[]>([]);
  const [tenantId, setTenantId] = useState('');
  const [kind, setKind] = useState<RecipientKind>('me');
  const [email, setEmail] = useState('');
  const [locale, setLocale] = useState('');
  const [result, subscribe] = useMutation(SubscribeDocument);
  const errors = mapErrors(result.error, { eventTypes: 'eventTypes', tenantId: 'tenantId', email: 'email', locale: 'locale' } as const);
  const effectiveTenant = tenantId || options[0]?.id || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await subscribe({
      input: {
        eventTypes,
        tenantId: effectiveTenant,
        userId: kind === 'me' ? me.id : null,
        email: kind === 'email' ? email.trim() : null,
        accountOwner: kind === 'accountOwner',
        locale: locale || null,
      },
    });
    if (res.data?.subscribe) onCreated();
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="subscribe-title" noValidate>
      <h3 id="subscribe-title">{t('subs.formTitle')}</h3>
      <FormErrorMessage error={errors.form} />
      <EventTypePicker value={eventTypes} onChange={setEventTypes} error={errors.fields.eventTypes} />
      <Field label={t('common.tenant')} name="tenantId" error={errors.fields.tenantId}>
        {(p) => <TenantSelect value={effectiveTenant} onChange={setTenantId} options={options} props={p} />}
      </Field>
      <Field label={t('subs.recipient')} name="recipient">
        {(p) => (
          <select {...p} value={kind} onChange={(e) => setKind(e.target.value as RecipientKind)}>
            <option value="me">{t('subs.me', { email: me.email })}</option>
            {can.administer && <option value="email">{t('subs.address')}</option>}
            {can.administer && <option value="accountOwner">{t('subs.accountOwner')}</option>}
          </select>
        )}
      </Field>
      {kind === 'email' && (
        <Field label={t('subs.address')} name="email" error={errors.fields.email}>
          {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
      )}
      <Field label={t('subs.locale')} name="locale" error={errors.fields.locale}>
        {(p) => (
          <select {...p} value={locale} onChange={(e) => setLocale(e.target.value)}>
            <option value="">{t('subs.localeDefault')}</option>
            <option value="en">{t('locale.en')}</option>
            <option value="zh-CN">{t('locale.zh-CN')}</option>
          </select>
        )}
      </Field>
      <FormActions onCancel={onCancel} submitLabel={t('subs.submit')} disabled={result.fetching || !effectiveTenant} />
    </form>
  );
}

function Templates() {
  const { t } = useI18n();
  const { me } = useMe();
  const tenants = useAllTenants();
  const options = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const [tenantId, setTenantId] = useState('');
  const effectiveTenant = tenantId || options[0]?.id || '';
  const [result, reexecute] = useQuery({
    query: NotificationTemplatesDocument,
    variables: { tenantId: effectiveTenant },
    pause: !effectiveTenant,
    requestPolicy: 'network-only',
  });
  const [selected, setSelected] = useState<{ eventType: string; locale: string } | null>(null);
  const list = result.data?.notificationTemplates ?? [];
  const template = selected ? list.find((x) => x.eventType === selected.eventType && x.locale === selected.locale) : undefined;

  if (tenants.loading) return <LoadingState />;
  return (
    <div>
      <h2>{t('notifications.tab.templates')}</h2>
      <div className="field inline">
        <label htmlFor="template-tenant">{t('common.tenant')}</label>
        <TenantSelect value={effectiveTenant} onChange={(id) => { setTenantId(id); setSelected(null); }} options={options} props={{ id: 'template-tenant' }} />
      </div>
      <div className="grid-2 templates">
        <ListStates
          loading={result.fetching && !result.data}
          error={result.error ?? null}
          empty={list.length === 0}
          emptyText={t('templates.empty')}
          onRetry={() => reexecute({ requestPolicy: 'network-only' })}
        >
          <ul className="plain template-list">
            {list.map((x) => {
              const active = selected?.eventType === x.eventType && selected.locale === x.locale;
              return (
                <li key={`${x.eventType}/${x.locale}`}>
                  <button type="button" className={active ? 'link active' : 'link'} aria-pressed={active} onClick={() => setSelected({ eventType: x.eventType, locale: x.locale })}>
                    <code>{x.eventType}</code> · {localeName(t, x.locale)}
                  </button>{' '}
                  {x.overridden && <span className="badge status-warn">{t('templates.overridden')}</span>}
                </li>
              );
            })}
          </ul>
        </ListStates>
        {template ? (
          <TemplateEditor
            key={`${effectiveTenant}/${template.eventType}/${template.locale}`}
            tenantId={effectiveTenant}
            template={template}
            onSaved={() => reexecute({ requestPolicy: 'network-only' })}
          />
        ) : (
          <p className="muted">{t('templates.pick')}</p>
        )}
      </div>
    </div>
  );
}

function TemplateEditor({
  tenantId,
  template,
  onSaved,
}: {
  tenantId: string;
  template: { eventType: string; locale: string; subject: string; html: string; text: string; overridden: boolean };
  onSaved: () => void;
}) {
  const { t } = useI18n();
  const [subject, setSubject] = useState(template.subject);
  const [html, setHtml] = useState(template.html);
  const [text, setText] = useState(template.text);
  const [debounced, setDebounced] = useState({ subject, html, text });
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced({ subject, html, text }), 400);
    return () => clearTimeout(timer);
  }, [subject, html, text]);
  const [preview] = useQuery({
    query: PreviewNotificationTemplateDocument,
    variables: { input: { tenantId, eventType: template.eventType, locale: template.locale, ...debounced } },
    requestPolicy: 'network-only',
  });
  const [saveResult, save] = useMutation(UpdateNotificationTemplateDocument);
  const [resetResult, reset] = useMutation(ResetNotificationTemplateDocument);
  const errors = mapErrors(saveResult.error ?? resetResult.error, { subject: 'subject', html: 'html', text: 'text' } as const);
  const previewErrors = mapErrors(preview.error, { subject: 'subject', html: 'html', text: 'text' } as const);
  const rendered = preview.data?.previewNotificationTemplate;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await save({ input: { tenantId, eventType: template.eventType, locale: template.locale, subject, html, text } });
    if (res.data) {
      setNotice(t('templates.saved'));
      onSaved();
    }
  }

  async function resetTemplate() {
    const res = await reset({ tenantId, eventType: template.eventType, locale: template.locale });
    if (res.data) {
      setNotice(t('templates.resetDone'));
      onSaved();
    }
  }

  return (
    <div>
      <form className="form" onSubmit={submit} aria-labelledby="template-editor-title" noValidate>
        <h3 id="template-editor-title">
          {t('templates.editTitle', { event: template.eventType, locale: localeName(t, template.locale) })}
        </h3>
        {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
        <FormErrorMessage error={errors.form} />
        <Field label={t('templates.subject')} name="subject" error={errors.fields.subject ?? previewErrors.fields.subject}>
          {(p) => <input {...p} value={subject} onChange={(e) => setSubject(e.target.value)} />}
        </Field>
        <Field label={t('templates.text')} name="text" error={errors.fields.text ?? previewErrors.fields.text}>
          {(p) => <textarea {...p} rows={6} value={text} onChange={(e) => setText(e.target.value)} />}
        </Field>
        <Field label={t('templates.html')} name="html" error={errors.fields.html ?? previewErrors.fields.html}>
          {(p) => <textarea {...p} rows={6} value={html} onChange={(e) => setHtml(e.target.value)} />}
        </Field>
        <div className="actions">
          {template.overridden && (
            <button type="button" onClick={() => void resetTemplate()} disabled={resetResult.fetching}>
              {t('templates.reset')}
            </button>
          )}
          <button type="submit" className="primary" disabled={saveResult.fetching}>
            {t('templates.save')}
          </button>
        </div>
      </form>
      <section className="card preview" aria-labelledby="preview-title" aria-live="polite">
        <h3 id="preview-title">{t('templates.preview')}</h3>
        {preview.error && !previewErrors.fields.subject && !previewErrors.fields.html && !previewErrors.fields.text && (
          <FormErrorMessage error={previewErrors.form} />
        )}
        {rendered && (
          <>
            <p>
              <strong>{t('templates.subject')}:</strong> <span data-testid="preview-subject">{rendered.subject}</span>
            </p>
            <pre className="mail-text" data-testid="preview-text">
              {rendered.text}
            </pre>
            {/* The HTML rendering in a sandboxed frame: no scripts, no access to this page. */}
            <iframe title={t('templates.htmlPreview')} sandbox="" srcDoc={rendered.html} className="mail-html" />
          </>
        )}
      </section>
    </div>
  );
}


function DeliveryLog() {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState('');
  const [channel, setChannel] = useState('');
  const filter = status || channel ? { status: status || null, channel: channel || null } : null;
  const list = usePagedList(NotificationsDocument, (d) => d.notifications, { variables: { filter } });
  return (
    <div>
      <div className="page-head">
        <h2>{t('notifications.tab.log')}</h2>
        <div className="row-actions">
          <div className="field inline">
            <label htmlFor="log-status">{t('common.status')}</label>
            <select id="log-status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">{t('common.all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`delivery.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field inline">
            <label htmlFor="log-channel">{t('log.channel')}</label>
            <select id="log-channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
              <option value="">{t('common.all')}</option>
              <option value="email">{t('log.email')}</option>
              <option value="webhook">{t('log.webhook')}</option>
            </select>
          </div>
          <button type="button" onClick={list.reload}>
            {t('common.refresh')}
          </button>
        </div>
      </div>
      <ListStates loading={list.loading} error={list.error} empty={list.nodes.length === 0} emptyText={t('log.empty')} onRetry={list.reload}>
        <DeliveryTable rows={list.nodes} lang={lang} />
        <LoadMore list={list} />
      </ListStates>
    </div>
  );
}
