import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient, type AnyVariables, type CombinedError, type TypedDocumentNode } from 'urql';

export interface Connection<N> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: N[];
}

export interface PagedList<N> {
  nodes: N[];
  /** True until the first page (or, with `all`, every page) has arrived. */
  loading: boolean;
  error: CombinedError | null;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** Reads the first page again (the loading state shows meanwhile). */
  reload: () => void;
  /**
   * Reads again from the start as many rows as are shown, so what "Load more" added stays (with
   * `all`, every page); the rows on screen stay until the new ones arrive, with no loading state.
   * For following a change made beside the list.
   */
  refresh: () => void;
}

export const PAGE_SIZE = 100;

/**
 * Reads a cursor connection page by page (always from the network). With `all`, follows every
 * page before showing the list (for the tenant tree, which needs every node); otherwise shows
 * the first page and offers `loadMore`.
 */
export function usePagedList<D, V extends AnyVariables & { first?: number | null; after?: string | null }, N>(
  document: TypedDocumentNode<D, V>,
  select: (data: D) => Connection<N>,
  options: { all?: boolean; variables?: Omit<V, 'first' | 'after'>; pause?: boolean } = {},
): PagedList<N> {
  const client = useClient();
  const [nodes, setNodes] = useState<N[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<CombinedError | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const generation = useRef(0);
  const selectRef = useRef(select);
  selectRef.current = select;
  const shown = useRef(0);
  shown.current = nodes.length;
  // Extra variables (filters) by value: a new object with the same content does not refetch.
  const extraKey = JSON.stringify(options.variables ?? {});

  const fetchFrom = useCallback(
    async (after: string | null, mode: 'replace' | 'more' | 'refresh', atLeast = 0) => {
      const mine = ++generation.current;
      if (mode === 'replace') setLoading(true);
      else if (mode === 'more') setLoadingMore(true);
      setError(null);
      const collected: N[] = [];
      let next = after;
      let more = false;
      do {
        const variables = { ...(JSON.parse(extraKey) as object), first: PAGE_SIZE, after: next } as unknown as V;
        const result = await client.query(document, variables, { requestPolicy: 'network-only' }).toPromise();
        if (mine !== generation.current) return;
        if (result.error || !result.data) {
          setError(result.error ?? null);
          setLoading(false);
          setLoadingMore(false);
          return;
        }
        const connection = selectRef.current(result.data);
        collected.push(...connection.nodes);
        next = connection.pageInfo.endCursor;
        more = connection.pageInfo.hasNextPage && next !== null;
      } while (more && (options.all || collected.length < atLeast));
      setNodes((old) => (mode === 'more' ? [...old, ...collected] : collected));
      setCursor(next);
      setHasMore(more);
      setLoading(false);
      setLoadingMore(false);
    },
    [client, document, options.all, extraKey],
  );

  useEffect(() => {
    if (options.pause) return;
    void fetchFrom(null, 'replace');
    return () => {
      generation.current += 1;
    };
  }, [fetchFrom, options.pause]);

  const reload = useCallback(() => void fetchFrom(null, 'replace'), [fetchFrom]);
  const loadMore = useCallback(() => void fetchFrom(cursor, 'more'), [fetchFrom, cursor]);
  const refresh = useCallback(() => void fetchFrom(null, 'refresh', shown.current), [fetchFrom]);

  return { nodes, loading, error, hasMore, loadingMore, loadMore, reload, refresh };
}
