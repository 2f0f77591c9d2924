import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { DangerAction } from './DangerAction';
import { Notice } from './Form';
import { EmptyState, ErrorState, LoadingState, TableHead } from './States';
import {
  BillingConductorStatusDocument,
  ImportBillingConductorDocument,
  SetPayerBillingModeDocument,
  type BillingMode,
  type BillingSyncStatus,
  type PayerFieldsFragment,
} from '../generated/graphql';
import { useI18n } from '../i18n';
import { importedCounts, otherMode, overallSync, SYNC_BADGE, syncCounts, syncObjectKind, type ImportReport } from '../lib/billingConductor';

export function SyncBadge({ status, count }: { status: BillingSyncStatus; count?: number }) {
  const { t } = useI18n();
  const badge = SYNC_BADGE[status];
  return (
    <span className={`badge ${badge.className}`}>
      <span aria-hidden="true">{badge.icon}</span> {count === undefined ? t(`sync.${status}`) : t(`sync.count.${status}`, { count })}
    </span>
  );
}

/** The mode in a payer's row, with the sync state as a whole in Billing Conductor mode. */
export function BillingModeCell({ payerId }: { payerId: string }) {
  const { t } = useI18n();
  const [result] = useQuery({ query: BillingConductorStatusDocument, variables: { payerId } });
  const status = result.data?.billingConductorStatus;
  if (result.fetching && !status) return <span className="muted">…</span>;
  if (!status) return <span className="muted">—</span>;
  const overall = overallSync(status);
  return (
    <span data-testid="billing-mode-cell">
      {t(`billingMode.${status.mode}`)} {overall && <SyncBadge status={overall} />}
    </span>
  );
}

/**
 * A payer's billing mode and its Billing Conductor sync: the mode with a switch, the objects by
 * sync state with AWS's reason for each failure, and an import of an existing setup. Switching and
 * importing are for the payer's admins, after a confirmation.
 */
export function PayerBillingPanel({ payer, administer, onClose }: { payer: PayerFieldsFragment; administer: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery({ query: BillingConductorStatusDocument, variables: { payerId: payer.id }, requestPolicy: 'cache-and-network' });
  const [, setMode] = useMutation(SetPayerBillingModeDocument);
  const [, runImport] = useMutation(ImportBillingConductorDocument);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const status = result.data?.billingConductorStatus;
  const titleId = `billing-mode-${payer.id}`;

  async function confirmSwitch(mode: BillingMode) {
    const res = await setMode({ payerId: payer.id, mode });
    const next = res.data?.setPayerBillingMode;
    if (next) {
      setNotice(t('billingMode.switched', { name: payer.name, mode: t(`billingMode.${next.mode}`) }));
      reexecute({ requestPolicy: 'network-only' });
    }
    return res;
  }

  async function confirmImport() {
    const res = await runImport({ payerId: payer.id });
    const done = res.data?.importBillingConductor;
    if (done) {
      setReport(done);
      setNotice(t('billingMode.imported', { name: payer.name }));
      reexecute({ requestPolicy: 'network-only' });
    }
    return res;
  }

  return (
    <section className="card" aria-labelledby={titleId} data-testid="billing-mode-panel">
      <div className="page-head">
        <h2 id={titleId}>{t('billingMode.title', { name: payer.name })}</h2>
        <div className="row-actions">
          <button type="button" className="small" onClick={() => reexecute({ requestPolicy: 'network-only' })} disabled={result.fetching}>
            {t('billingMode.reload')}
          </button>
          <button type="button" className="small" onClick={onClose}>
            {t('common.close')}
          </button>
        </div>
      </div>
      <p className="muted">{t('billingMode.intro')}</p>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {result.error && !status ? (
        <ErrorState error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !status ? (
        <LoadingState />
      ) : (
        <>
          <dl className="facts">
            <dt>{t('billingMode.current')}</dt>
            <dd>
              <strong data-testid="billing-mode">{t(`billingMode.${status.mode}`)}</strong>
              <div className="muted small">{t(`billingMode.about.${status.mode}`)}</div>
            </dd>
          </dl>
          {administer && (
            <div className="row-actions">
              <DangerAction
                tone="plain"
                label={t(`billingMode.switchTo.${otherMode(status.mode)}`)}
                title={t('billingMode.switchTitle', { name: payer.name, mode: t(`billingMode.${otherMode(status.mode)}`) })}
                confirmLabel={t('billingMode.switchConfirm')}
                onConfirm={() => confirmSwitch(otherMode(status.mode))}
              >
                <p>{t(`billingMode.switchBody.${otherMode(status.mode)}`)}</p>
              </DangerAction>
              <DangerAction
                tone="plain"
                label={t('billingMode.import')}
                title={t('billingMode.importTitle', { name: payer.name })}
                confirmLabel={t('billingMode.importConfirm')}
                onConfirm={confirmImport}
              >
                <p>{t('billingMode.importBody')}</p>
              </DangerAction>
            </div>
          )}
          <h3>{t('billingMode.sync')}</h3>
          {status.mode === 'NATIVE' ? (
            <EmptyState>{t('billingMode.nativeSync')}</EmptyState>
          ) : syncCounts(status).length === 0 ? (
            <EmptyState>{t('billingMode.noObjects')}</EmptyState>
          ) : (
            <>
              <p className="row-actions" data-testid="sync-counts">
                {syncCounts(status).map((c) => (
                  <SyncBadge key={c.status} status={c.status} count={c.count} />
                ))}
              </p>
              {status.pending > 0 && <p className="muted small">{t('billingMode.pendingHint')}</p>}
              {status.failed.length > 0 && (
                <table className="table">
                  <caption className="sr-only">{t('billingMode.failedCaption')}</caption>
                  <TableHead columns={[t('billingMode.kind'), t('common.name'), t('common.status'), t('billingMode.awsReason')]} />
                  <tbody>
                    {status.failed.map((f) => {
                      const kind = syncObjectKind(f.kind);
                      return (
                        <tr key={`${f.kind}-${f.id}`} data-testid="sync-failure">
                          <td>{kind ? t(`billingMode.object.${kind}`) : f.kind}</td>
                          <th scope="row">{f.name}</th>
                          <td>
                            <SyncBadge status="FAILED" />
                          </td>
                          <td>{f.error}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </>
          )}
          {report && <ImportOutcome report={report} />}
        </>
      )}
    </section>
  );
}

function ImportOutcome({ report }: { report: ImportReport }) {
  const { t } = useI18n();
  const counts = importedCounts(report);
  return (
    <div data-testid="import-outcome">
      <h3>{t('billingMode.importOutcome')}</h3>
      {counts.length === 0 ? (
        <p>{t('billingMode.importedNothing')}</p>
      ) : (
        <ul>
          {counts.map((c) => (
            <li key={c.kind}>{t(`billingMode.importedCount.${c.kind}`, { count: c.count })}</li>
          ))}
        </ul>
      )}
      {report.skipped.length > 0 && (
        <>
          <p>{t('billingMode.skipped')}</p>
          <ul className="small">
            {report.skipped.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
