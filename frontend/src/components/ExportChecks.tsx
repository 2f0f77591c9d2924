import type { CostExportValidationFieldsFragment } from '../generated/graphql';
import { useI18n } from '../i18n';
import { CHECK_BADGE, CHECK_MARK, CHECK_WORDS, checkItems } from '../lib/onboarding';

type Export = CostExportValidationFieldsFragment['exports'][number];

/**
 * One export's settings on a line, then its checks (failed first, then advice, then passed), each
 * with its reason and, when not met, its fix. The onboarding page and the connect wizard show it.
 */
export function ExportChecks({ x }: { x: Pick<Export, 'format' | 'compression' | 'granularity' | 'bucket' | 'prefix' | 'region' | 'checks'> }) {
  const { t } = useI18n();
  return (
    <>
      <p className="muted small">{[x.format, x.compression, x.granularity, x.bucket && `s3://${x.bucket}/${x.prefix ?? ''}`, x.region].filter(Boolean).join(' · ')}</p>
      <ul className="checks-list plain">
        {checkItems(x.checks).map((c) => (
          <li key={c.key} data-testid="export-check">
            <span className={`badge ${CHECK_BADGE[c.status]}`}>
              <span aria-hidden="true">{CHECK_MARK[c.status]}</span> {t(CHECK_WORDS[c.status])}
            </span>{' '}
            <strong>{c.known ? t(`exportCheck.${c.known}`) : c.key}</strong>: {c.reason}
            {c.fix && <div className="small">{t('exports.fix', { fix: c.fix })}</div>}
          </li>
        ))}
      </ul>
    </>
  );
}
