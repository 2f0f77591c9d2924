import { useI18n } from '../i18n';
import { shownDashboardUrl, type DashboardUrlProblem } from '../lib/links';
import { Field } from './Form';

/**
 * A Cloud Intelligence Dashboards / QuickSight link beside the native charts: a plain link that
 * opens in a new tab (no opener, no referrer), never a frame. A stored value that does not start
 * with https:// is not shown at all.
 */
export function DashboardLink({ url, text }: { url: string | null | undefined; text: string }) {
  const { t } = useI18n();
  const href = shownDashboardUrl(url);
  if (!href) return null;
  return (
    <a className="dashboard-link" href={href} target="_blank" rel="noopener noreferrer" data-testid="dashboard-link">
      {text}
      <span aria-hidden="true"> ↗</span>
      <span className="sr-only"> {t('dashboardLink.newTab')}</span>
    </a>
  );
}

/** The dashboard links of the payers shown (those that have one), or nothing. */
export function PayerDashboardLinks({ payers }: { payers: readonly { id: string; name: string; dashboardUrl?: string | null }[] }) {
  const { t } = useI18n();
  const linked = payers.filter((p) => shownDashboardUrl(p.dashboardUrl));
  if (linked.length === 0) return null;
  return (
    <ul className="dashboard-links plain" aria-label={t('dashboardLink.payers')}>
      {linked.map((p) => (
        <li key={p.id}>
          <DashboardLink url={p.dashboardUrl} text={t('dashboardLink.openNamed', { name: p.name })} />
        </li>
      ))}
    </ul>
  );
}

/**
 * The dashboard link's field in a payer's or tenant's edit form: the browser's own check
 * (`problem`) first, else the API's error on `dashboardUrl`. Typing clears the browser's check.
 */
export function DashboardUrlField({
  value,
  onChange,
  problem,
  apiError,
}: {
  value: string;
  onChange: (value: string) => void;
  problem: DashboardUrlProblem | null;
  apiError: string | undefined;
}) {
  const { t } = useI18n();
  return (
    <Field label={t('dashboardLink.label')} name="dashboardUrl" error={problem ? t(`dashboardLink.problem.${problem}`) : apiError} hint={t('dashboardLink.hint')}>
      {(p) => <input {...p} type="url" inputMode="url" autoComplete="off" placeholder="https://" value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}
