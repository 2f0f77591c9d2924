import { useState } from 'react';
import type { DocumentLoader } from '../api/invoiceDocuments';
import { mapErrors, type ClientError } from '../api/errors';
import type { DocumentFormat } from '../generated/graphql';
import { useI18n } from '../i18n';
import { documentBlob } from '../lib/invoicing';
import { FormErrorMessage } from './Form';

/** Saves a Blob under a file name through a temporary link (the browser's download). */
export function saveBlob(blob: Blob, fileName: string) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/**
 * "Download PDF" and "Download CSV" of a document: each asks the API for the file (base64) and
 * saves it under the API's file name. `label` names the document for screen readers
 * ("Download PDF of INIT-2026-000001"). A refusal shows next to the buttons.
 */
export function DocumentDownloads({
  id,
  label,
  load,
  save = saveBlob,
  small = false,
}: {
  id: string;
  label: string;
  load: DocumentLoader;
  save?: (blob: Blob, fileName: string) => void;
  small?: boolean;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<DocumentFormat | null>(null);
  const [error, setError] = useState<ClientError | null>(null);
  async function download(format: DocumentFormat) {
    setBusy(format);
    setError(null);
    try {
      const res = await load(id, format);
      if (res.data) save(documentBlob(res.data), res.data.fileName);
      else setError(res.error);
    } finally {
      setBusy(null);
    }
  }
  return (
    <span className="row-actions">
      {(['PDF', 'CSV'] as const).map((format) => (
        <button
          key={format}
          type="button"
          className={small ? 'small' : undefined}
          disabled={busy !== null}
          aria-label={t('invoices.downloadNamed', { format, name: label })}
          onClick={() => void download(format)}
        >
          {t('invoices.download', { format })}
        </button>
      ))}
      {error && <FormErrorMessage error={mapErrors(error, {}).form} />}
    </span>
  );
}
