import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useQuery } from 'urql';
import { mapErrors } from '../api/errors';
import { useAllTenants, useTenantOptions } from '../api/tenants';
import { usePagedList } from '../api/usePagedList';
import { useMe } from '../auth/MeProvider';
import { DangerAction } from '../components/DangerAction';
import { DeliveryTable } from '../components/DeliveryTable';
import { EventTypePicker } from '../components/EventTypePicker';
import { Field, FormErrorMessage, Notice, FormActions } from '../components/Form';
import { ListStates, TableHead } from '../components/States';
import { TenantSelect } from '../components/TenantSelect';
import { usePageTitle } from '../components/usePageTitle';
import {
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  RedeliverWebhookDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
  type WebhookEndpointFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';

export function WebhooksPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('webhooks.title'));
  const { me, can } = useMe();
  const [result, reexecute] = useQuery({ query: WebhookEndpointsDocument, requestPolicy: 'network-only' });
  const tenants = useAllTenants();
  const adminTenants = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [updateResult, update] = useMutation(UpdateWebhookEndpointDocument);
  const [, remove] = useMutation(DeleteWebhookEndpointDocument);
  const list = result.data?.webhookEndpoints ?? [];
  const tenantName = new Map(tenants.nodes.map((x) => [x.id, x.name]));
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  async function setEnabled(ep: WebhookEndpointFieldsFragment, enabled: boolean) {
    const res = await update({ id: ep.id, input: { enabled } });
    if (res.data) {
      setNotice(t(enabled ? 'webhooks.enabledDone' : 'webhooks.disabledDone', { url: ep.url }));
      reload();
    }
  }

  return (
    <section aria-labelledby="webhooks-title">
      <div className="page-head">
        <div>
          <h1 id="webhooks-title">{t('webhooks.title')}</h1>
          <p className="intro">{t('webhooks.intro')}</p>
        </div>
        {can.administer && adminTenants.length > 0 && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('webhooks.new')}
          </button>
        )}
      </div>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {updateResult.error && <FormErrorMessage error={mapErrors(updateResult.error, {}).form} />}
      {creating && (
        <CreateEndpointForm
          onCancel={() => setCreating(false)}
          onCreated={(url, s) => {
            setCreating(false);
            setSecret({ url, secret: s });
            reload();
          }}
        />
      )}
      {secret && (
        <section className="card secret" aria-labelledby="webhook-secret-title">
          <h2 id="webhook-secret-title">{t('webhooks.secretTitle', { url: secret.url })}</h2>
          <p className="warning">{t('webhooks.secretWarning')}</p>
          <div className="field">
            <label htmlFor="webhook-secret">{t('webhooks.secret')}</label>
            <input id="webhook-secret" readOnly value={secret.secret} onFocus={(e) => e.target.select()} />
          </div>
          <div className="actions">
            <button type="button" className="primary" onClick={() => setSecret(null)}>
              {t('tokens.secret.done')}
            </button>
          </div>
        </section>
      )}
      <ListStates loading={result.fetching && !result.data} error={result.error ?? null} empty={list.length === 0} emptyText={t('webhooks.empty')} onRetry={reload}>
        <table className="table">
          <TableHead columns={[t('webhooks.url'), t('common.tenant'), t('events.label'), t('common.status'), t('common.created'), t('common.actions')]} />
          <tbody>
            {list.map((ep) => (
              <tr key={ep.id} data-testid="webhook-row">
                <th scope="row" className="break">
                  {ep.url}
                  {ep.description && <div className="muted small">{ep.description}</div>}
                </th>
                <td>{tenantName.get(ep.tenantId) ?? ep.tenantId}</td>
                <td>
                  {ep.eventTypes.map((e) => (
                    <code key={e} className="tag">
                      {e}
                    </code>
                  ))}
                </td>
                <td>
                  <span className={ep.enabled ? 'badge status-on' : 'badge status-off'}>{ep.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}</span>
                  {ep.disabledReason && <div className="muted small">{ep.disabledReason}</div>}
                  {ep.consecutiveFailures > 0 && <div className="muted small">{t('webhooks.failures', { count: ep.consecutiveFailures })}</div>}
                </td>
                <td>{formatDateTime(ep.createdAt, lang)}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="small" aria-expanded={open === ep.id} onClick={() => setOpen(open === ep.id ? null : ep.id)}>
                      {t('webhooks.deliveries')}
                    </button>
                    {can.administer && (
                      <>
                        <button type="button" className="small" onClick={() => void setEnabled(ep, !ep.enabled)} disabled={updateResult.fetching}>
                          {ep.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                        </button>
                        <DangerAction
                          small
                          label={t('webhooks.delete')}
                          name={t('webhooks.deleteNamed', { url: ep.url })}
                          title={t('webhooks.deleteTitle', { url: ep.url })}
                          confirmLabel={t('webhooks.delete')}
                          onConfirm={async () => {
                            const res = await remove({ id: ep.id });
                            if (res.data) {
                              setNotice(t('webhooks.deleted', { url: ep.url }));
                              if (open === ep.id) setOpen(null);
                              reload();
                            }
                            return res;
                          }}
                        >
                          <p>{t('webhooks.deleteBody')}</p>
                        </DangerAction>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
      {open && <Deliveries endpointId={open} canRedeliver={can.administer} />}
    </section>
  );
}

function CreateEndpointForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (url: string, secret: string) => void }) {
  const { t } = useI18n();
  const { me } = useMe();
  const tenants = useAllTenants();
  const options = useTenantOptions(tenants.nodes, me.memberships, 'ADMIN');
  const [tenantId, setTenantId] = useState('');
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [eventTypes, setEventTypes] = useState<string[]>([]);
  const [all, setAll] = useState(true);
  const [result, create] = useMutation(CreateWebhookEndpointDocument);
  const errors = mapErrors(result.error, { tenantId: 'tenantId', url: 'url', eventTypes: 'eventTypes', description: 'description' } as const);
  const effectiveTenant = tenantId || options[0]?.id || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const res = await create({ input: { tenantId: effectiveTenant, url: url.trim(), description, eventTypes: all ? ['*'] : eventTypes } });
    const created = res.data?.createWebhookEndpoint;
    if (created) onCreated(created.endpoint.url, created.secret);
  }

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="webhook-form-title" noValidate>
      <h2 id="webhook-form-title">{t('webhooks.formTitle')}</h2>
      <FormErrorMessage error={errors.form} />
      <Field label={t('common.tenant')} name="tenantId" error={errors.fields.tenantId}>
        {(p) => <TenantSelect value={effectiveTenant} onChange={setTenantId} options={options} props={p} />}
      </Field>
      <Field label={t('webhooks.url')} name="url" error={errors.fields.url} hint={t('webhooks.urlHint')}>
        {(p) => <input {...p} type="url" value={url} onChange={(e) => setUrl(e.target.value)} />}
      </Field>
      <Field label={t('webhooks.description')} name="description" error={errors.fields.description}>
        {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> {t('webhooks.allEvents')}
      </label>
      {!all && <EventTypePicker value={eventTypes} onChange={setEventTypes} error={errors.fields.eventTypes} />}
      {all && errors.fields.eventTypes && <p className="field-error">{errors.fields.eventTypes}</p>}
      <FormActions onCancel={onCancel} submitLabel={t('webhooks.create')} disabled={result.fetching || !effectiveTenant} />
    </form>
  );
}

function Deliveries({ endpointId, canRedeliver }: { endpointId: string; canRedeliver: boolean }) {
  const { t, lang } = useI18n();
  const list = usePagedList(WebhookDeliveriesDocument, (d) => d.webhookDeliveries, { variables: { endpointId } });
  const [redeliverResult, redeliver] = useMutation(RedeliverWebhookDocument);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">{t('webhooks.deliveries')}</h2>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {redeliverResult.error && <FormErrorMessage error={mapErrors(redeliverResult.error, {}).form} />}
      <ListStates loading={list.loading} error={list.error} empty={list.nodes.length === 0} emptyText={t('webhooks.noDeliveries')} onRetry={list.reload}>
        <DeliveryTable
          rows={list.nodes}
          lang={lang}
          action={
            canRedeliver
              ? (row) => (
                  <button
                    type="button"
                    className="small"
                    disabled={redeliverResult.fetching}
                    onClick={() =>
                      void redeliver({ deliveryId: row.id }).then((res) => {
                        if (res.data) {
                          setNotice(t('webhooks.redelivered'));
                          list.reload();
                        }
                      })
                    }
                  >
                    {t('webhooks.redeliver')}
                  </button>
                )
              : undefined
          }
        />
      </ListStates>
    </section>
  );
}
