import { useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { CostSummaryDocument } from '../generated/graphql';
import { useI18n } from '../i18n';
import { currentMonth, monthsEnding, monthsRange, openingMonth, type OpeningMonth } from '../lib/costs';
import { formatMonth } from '../lib/format';

const MONTH = /^\d{4}-\d{2}$/;

/**
 * The month a page shows, kept in the address (`?month=YYYY-MM`, so a view can be linked and
 * survives a reload): the one picked, else `opening` (this month, or the latest month with data
 * when this one has none yet). `month` is null while the opening month is still being found.
 */
export function useMonthParam(opening: OpeningMonth | null, param = 'month') {
  const [params, setParams] = useSearchParams();
  const raw = params.get(param);
  const picked = raw && MONTH.test(raw) ? raw : null;
  const month = picked ?? opening?.month ?? null;
  const insteadOf = picked ? null : (opening?.insteadOf ?? null);
  const setMonth = (next: string) => {
    if (!MONTH.test(next)) return;
    setParams(
      (old) => {
        const copy = new URLSearchParams(old);
        copy.set(param, next);
        return copy;
      },
      { replace: true },
    );
  };
  return { month, insteadOf, picked: picked !== null, setMonth };
}

/**
 * Where a page over some payers' cost (optionally some accounts of them) opens: this month, or the
 * latest of the 12 before it with cost data (one costSummary over 13 months). Null while loading;
 * this month when the question fails (the page's own query then shows the error).
 */
export function useCostOpeningMonth({ payerIds, accountIds, pause = false }: { payerIds: string[]; accountIds?: string[]; pause?: boolean }): OpeningMonth | null {
  const current = currentMonth();
  const range = monthsRange(monthsEnding(current, 13));
  const [result] = useQuery({
    query: CostSummaryDocument,
    variables: {
      input: { payerIds, from: range.from, to: range.to, granularity: 'MONTH', groupBy: [], filter: accountIds ? { accountIds } : null },
    },
    pause: pause || payerIds.length === 0,
    // Cost data arrives outside this app (ingestion jobs, the CLI): never an old answer.
    requestPolicy: 'network-only',
  });
  if (pause || payerIds.length === 0) return { month: current, insteadOf: null };
  if (result.error) return { month: current, insteadOf: null };
  if (!result.data) return null;
  return openingMonth(current, result.data.costSummary.series);
}

/** "No data for December 2026 yet — showing November 2026." above a page that fell back. */
export function MonthFallback({ insteadOf, month }: { insteadOf: string | null; month: string | null }) {
  const { t, lang } = useI18n();
  if (!insteadOf || !month) return null;
  return (
    <p className="notice" role="status" data-testid="month-fallback">
      {t('month.fallback', { empty: formatMonth(insteadOf, lang), shown: formatMonth(month, lang) })}
    </p>
  );
}
