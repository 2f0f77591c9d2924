import { useState, type FormEvent } from 'react';
import { useClient } from 'urql';
import { mapErrors, type MappedErrors } from '../api/errors';
import { usePagedList } from '../api/usePagedList';
import { FormErrorMessage } from '../components/Form';
import { ListStates, LoadMore, TableHead } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { AuditEventsDocument, ExportAuditEventsDocument, type AuditEventFilter, type AuditEventsQuery } from '../generated/graphql';
import { useI18n } from '../i18n';
import { auditActor, codeLabel } from '../i18n/codes';
import { formatDateTime } from '../lib/format';
import { auditFilter, type AuditForm } from '../lib/audit';

const EMPTY: AuditForm = { eventName: '', from: '', to: '', errorsOnly: false, writesOnly: false };

export function AuditPage() {
  const { t, lang } = useI18n();
  usePageTitle(t('audit.title'));
  const client = useClient();
  const [form, setForm] = useState<AuditForm>(EMPTY);
  const [filter, setFilter] = useState<AuditEventFilter | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [exportError, setExportError] = useState<MappedErrors<never>['form']>(null);
  const list = usePagedList(AuditEventsDocument, (d) => d.auditEvents, { variables: { filter } });
  const rows = form.errorsOnly ? list.nodes.filter((e) => e.errorCode) : list.nodes;

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilter(auditFilter(form));
  }

  async function download() {
    setExportError(null);
    const res = await client.query(ExportAuditEventsDocument, { filter }, { requestPolicy: 'network-only' }).toPromise();
    if (res.error || res.data === undefined) {
      setExportError(mapErrors(res.error, {}).form);
      return;
    }
    const blob = new Blob([JSON.stringify(res.data.exportAuditEvents, null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'audit-events.json';
    link.click();
    URL.revokeObjectURL(link.href);
  }

  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <div>
          <h1 id="audit-title">{t('audit.title')}</h1>
          <p className="intro">{t('audit.intro')}</p>
        </div>
        <button type="button" onClick={() => void download()}>
          {t('audit.export')}
        </button>
      </div>
      <FormErrorMessage error={exportError} />
      <form className="card filters" onSubmit={apply} aria-label={t('audit.filters')}>
        <div className="field">
          <label htmlFor="audit-event">{t('audit.eventName')}</label>
          <input id="audit-event" value={form.eventName} placeholder="registerPayer" onChange={(e) => setForm({ ...form, eventName: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-from">{t('audit.from')}</label>
          <input id="audit-from" type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">{t('audit.to')}</label>
          <input id="audit-to" type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </div>
        <label className="check">
          <input type="checkbox" checked={form.writesOnly} onChange={(e) => setForm({ ...form, writesOnly: e.target.checked })} /> {t('audit.writesOnly')}
        </label>
        <label className="check">
          <input type="checkbox" checked={form.errorsOnly} onChange={(e) => setForm({ ...form, errorsOnly: e.target.checked })} /> {t('audit.errorsOnly')}
        </label>
        <div className="actions">
          <button type="button" onClick={() => { setForm(EMPTY); setFilter(null); }}>
            {t('audit.clear')}
          </button>
          <button type="submit" className="primary">
            {t('audit.apply')}
          </button>
        </div>
      </form>
      <ListStates loading={list.loading} error={list.error} empty={rows.length === 0} emptyText={t('audit.empty')} onRetry={list.reload}>
        <table className="table">
          <TableHead columns={[t('audit.time'), t('audit.eventName'), t('audit.source'), t('audit.who'), t('audit.outcome'), t('common.actions')]} />
          <tbody>
            {rows.map((e) => (
              <AuditRow key={e.sequence} event={e} open={open === e.sequence} onToggle={() => setOpen(open === e.sequence ? null : e.sequence)} lang={lang} />
            ))}
          </tbody>
        </table>
        <LoadMore list={list} />
      </ListStates>
    </section>
  );
}

type AuditNode = AuditEventsQuery['auditEvents']['nodes'][number];

function AuditRow({ event, open, onToggle, lang }: { event: AuditNode; open: boolean; onToggle: () => void; lang: 'en' | 'zh' }) {
  const { t } = useI18n();
  const who = auditActor(t, event.userIdentity);
  return (
    <>
      <tr data-testid="audit-row">
        <td>{event.eventTime ? formatDateTime(event.eventTime, lang) : '—'}</td>
        <th scope="row">
          <code>{event.eventName}</code>
          {event.readOnly && <span className="muted small"> {t('audit.read')}</span>}
        </th>
        <td>{event.eventSource}</td>
        <td className="break">{who}</td>
        <td>
          {event.errorCode ? (
            <span className="badge status-off" title={event.errorMessage ?? event.errorCode}>
              ✕ {codeLabel(t, 'errorCode', event.errorCode)}
            </span>
          ) : (
            <span className="badge status-on">✓ {t('audit.ok')}</span>
          )}
        </td>
        <td>
          <button type="button" className="small" aria-expanded={open} onClick={onToggle} aria-label={t('audit.detailsNamed', { name: event.eventName ?? '' })}>
            {open ? t('audit.hide') : t('audit.details')}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={6}>
            <pre className="json" data-testid="audit-json">
              {JSON.stringify(event.record, null, 2)}
            </pre>
          </td>
        </tr>
      )}
    </>
  );
}
