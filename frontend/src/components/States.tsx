import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { firstErrorCode, queryAwsUnavailable } from '../api/errors';
import { useI18n } from '../i18n';

export function LoadingState({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </p>
  );
}

export function ErrorState({ error, onRetry }: { error: CombinedError | null; onRetry?: () => void }) {
  const { t } = useI18n();
  const code = firstErrorCode(error) ?? 'INTERNAL';
  const unavailable = queryAwsUnavailable(error);
  if (unavailable) {
    // Not a failure to retry: the AWS endpoint here does not offer the call.
    return (
      <p className="state state-empty" data-testid="aws-unavailable">
        <strong>{t('error.awsUnavailable')}</strong> {t('error.awsUnavailableDetail', { call: unavailable.call })}
      </p>
    );
  }
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>{t('common.loadError')}</strong> {t(`error.${code}`)}
      </p>
      {error?.message && <p className="detail">{error.message.replace(/^\[(GraphQL|Network)\] /, '')}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** Loading, error and empty states in front of a list. */
export function ListStates({
  loading,
  error,
  empty,
  emptyText,
  onRetry,
  children,
}: {
  loading: boolean;
  error: CombinedError | null;
  empty: boolean;
  emptyText: string;
  onRetry: () => void;
  children: ReactNode;
}) {
  if (loading) return <LoadingState />;
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (empty) return <EmptyState>{emptyText}</EmptyState>;
  return <>{children}</>;
}

/** "Load more" under a paged list, while the API has more. */
export function LoadMore({ list }: { list: { hasMore: boolean; loadingMore: boolean; loadMore: () => void } }) {
  const { t } = useI18n();
  if (!list.hasMore) return null;
  return (
    <button type="button" onClick={list.loadMore} disabled={list.loadingMore}>
      {t('common.loadMore')}
    </button>
  );
}

/** A table's column headers; a falsy entry is a column not shown. */
export function TableHead({ columns }: { columns: (string | false | null | undefined)[] }) {
  return (
    <thead>
      <tr>
        {columns.filter((c): c is string => typeof c === 'string').map((c, i) => (
          <th key={i} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
