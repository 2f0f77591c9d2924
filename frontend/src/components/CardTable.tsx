import { useId, type ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { EmptyState, ErrorState, LoadingState, TableHead } from './States';

/**
 * A card with a heading (and actions beside it) over a table: its column headers, its rows, an
 * optional footer, and under it what `below` holds (a "Load more"); the loading, error and empty
 * states take the table's place. The table is
 * named by the heading for screen readers.
 */
export function CardTable({
  title,
  actions,
  columns,
  children,
  footer,
  below,
  empty = false,
  emptyText,
  loading = false,
  error = null,
  onRetry,
  intro,
  testId,
  tableTestId,
  level = 2,
}: {
  title: ReactNode;
  actions?: ReactNode;
  /** Column headers; a falsy entry is a column not shown. */
  columns: (string | false | null | undefined)[];
  /** The rows (`<tr>`s). */
  children: ReactNode;
  /** `<tr>`s of a `<tfoot>` (totals). */
  footer?: ReactNode;
  /** Under the table, while it shows (a paged list's `LoadMore`). */
  below?: ReactNode;
  empty?: boolean;
  emptyText?: string;
  loading?: boolean;
  error?: CombinedError | null;
  onRetry?: () => void;
  /** A line under the heading. */
  intro?: ReactNode;
  testId?: string;
  tableTestId?: string;
  level?: 2 | 3;
}) {
  const titleId = useId();
  const Heading = level === 2 ? 'h2' : 'h3';
  const heading = <Heading id={titleId}>{title}</Heading>;
  return (
    <section className="card" aria-labelledby={titleId} data-testid={testId}>
      {actions ? (
        <div className="page-head">
          {heading}
          <div className="row-actions">{actions}</div>
        </div>
      ) : (
        heading
      )}
      {intro}
      {loading ? (
        <LoadingState />
      ) : error ? (
        <ErrorState error={error} onRetry={onRetry} />
      ) : empty ? (
        <EmptyState>{emptyText}</EmptyState>
      ) : (
        <>
          <table className="table" aria-labelledby={titleId} data-testid={tableTestId}>
            <TableHead columns={columns} />
            <tbody>{children}</tbody>
            {footer && <tfoot>{footer}</tfoot>}
          </table>
          {below}
        </>
      )}
    </section>
  );
}
