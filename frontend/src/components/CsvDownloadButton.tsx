import { useI18n } from '../i18n';
import { csvBlob, toCsv } from '../lib/csv';
import type { CsvTable } from '../lib/customerHome';
import { saveBlob } from './DocumentDownloads';

/**
 * "Download CSV" of a table the page already shows: built in the browser (formula-safe, UTF-8
 * with BOM; see lib/csv.ts), no request. `name` is the table's heading, for screen readers
 * ("Download CSV of By service, 2026-12"). Disabled while there is nothing to download.
 */
export function CsvDownloadButton({
  name,
  fileName,
  table,
  save = saveBlob,
}: {
  name: string;
  fileName: string;
  table: CsvTable | null;
  save?: (blob: Blob, fileName: string) => void;
}) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className="small"
      disabled={!table || table.rows.length === 0}
      aria-label={t('home.csvNamed', { name })}
      onClick={() => table && save(csvBlob(toCsv(table.header, table.rows)), fileName)}
    >
      {t('home.csv')}
    </button>
  );
}
