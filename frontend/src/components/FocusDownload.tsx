import { useState } from 'react';
import { useClient, type CombinedError } from 'urql';
import { mapErrors } from '../api/errors';
import { FocusExportDocument, type FocusFormat } from '../generated/graphql';
import { useI18n } from '../i18n';
import { documentBlob } from '../lib/invoicing';
import { saveBlob } from './DocumentDownloads';
import { FormErrorMessage } from './Form';

/** The formats offered, by the names they go by (not translated). */
const FORMATS: readonly (readonly [FocusFormat, string])[] = [
  ['CSV', 'CSV'],
  ['PARQUET', 'Parquet'],
];

/**
 * "Download FOCUS: CSV | Parquet" of one month's charges as a FOCUS 1.2 file the API builds
 * (`focusExport`), saved under the API's file name. Without `customerTenantId` the caller's own
 * charges (an end customer's); with it, that customer's (partner side). `name` says whose, for
 * screen readers ("Download FOCUS CSV of your charges, 2026-12"). A refusal shows beside it.
 */
export function FocusDownload({
  billingPeriod,
  customerTenantId,
  name,
  save = saveBlob,
}: {
  billingPeriod: string;
  customerTenantId?: string;
  name: string;
  save?: (blob: Blob, fileName: string) => void;
}) {
  const { t } = useI18n();
  const client = useClient();
  const [busy, setBusy] = useState<FocusFormat | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  async function download(format: FocusFormat) {
    setBusy(format);
    setError(null);
    try {
      const variables = customerTenantId ? { customerTenantId, billingPeriod, format } : { billingPeriod, format };
      const res = await client.query(FocusExportDocument, variables, { requestPolicy: 'network-only' }).toPromise();
      const file = res.data?.focusExport;
      if (file) save(documentBlob(file), file.fileName);
      else if (res.error) setError(res.error);
    } finally {
      setBusy(null);
    }
  }
  return (
    <span className="row-actions focus-download" role="group" aria-label={t('focus.label')} title={t('focus.hint')} data-testid="focus-download">
      <span className="muted small">{t('focus.label')}</span>
      {FORMATS.map(([format, label]) => (
        <button
          key={format}
          type="button"
          className="small"
          disabled={busy !== null}
          aria-label={t('focus.downloadNamed', { format: label, name })}
          onClick={() => void download(format)}
        >
          {label}
        </button>
      ))}
      {error && <FormErrorMessage error={mapErrors(error, {}).form} />}
    </span>
  );
}
