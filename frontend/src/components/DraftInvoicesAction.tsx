import { useMutation } from 'urql';
import { mapErrors } from '../api/errors';
import { DraftInvoicesDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { FormErrorMessage } from './Form';

/**
 * "Draft invoices" of a closed period (operators): drafts one invoice per customer with a
 * contract (drafting again replaces the drafts) and says how many were drafted and who was
 * skipped and why.
 */
export function DraftInvoicesAction({ payerId, billingPeriod, onDrafted }: { payerId: string; billingPeriod: string; onDrafted: () => void }) {
  const { t } = useI18n();
  const [result, draft] = useMutation(DraftInvoicesDocument);
  const outcome = result.data?.draftInvoices;
  return (
    <div className="draft-invoices" data-testid="draft-invoices">
      <button
        type="button"
        className="small"
        disabled={result.fetching}
        aria-label={t('invoices.draftNamed', { period: billingPeriod })}
        onClick={() =>
          void draft({ payerId, billingPeriod }).then((res) => {
            if (res.data) onDrafted();
          })
        }
      >
        {t('invoices.draftAction')}
      </button>
      {result.error && <FormErrorMessage error={mapErrors(result.error, {}).form} />}
      {outcome && (
        <div role="status" className="muted small" data-testid="draft-outcome">
          <p>{t('invoices.drafted', { count: outcome.drafted.length })}</p>
          {outcome.skipped.length > 0 && (
            <>
              <p>{t('invoices.skipped')}</p>
              <ul data-testid="draft-skipped">
                {outcome.skipped.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </div>
  );
}
