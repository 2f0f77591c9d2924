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
  reload: () => void;
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
  // Extra variables (filters) by value: a new object with the same content does not refetch.
  const extraKey = JSON.stringify(options.variables ?? {});

  const fetchFrom = useCallback(
    async (after: string | null, replace: boolean) => {
      const mine = ++generation.current;
      if (replace) setLoading(true);
      else setLoadingMore(true);
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
      } while (options.all && more);
      setNodes((old) => (replace ? collected : [...old, ...collected]));
      setCursor(next);
      setHasMore(more);
      setLoading(false);
      setLoadingMore(false);
    },
    [client, document, options.all, extraKey],
  );

  useEffect(() => {
    if (options.pause) return;
    void fetchFrom(null, true);
    return () => {
      generation.current += 1;
    };
  }, [fetchFrom, options.pause]);

  const reload = useCallback(() => void fetchFrom(null, true), [fetchFrom]);
  const loadMore = useCallback(() => void fetchFrom(cursor, false), [fetchFrom, cursor]);

  return { nodes, loading, error, hasMore, loadingMore, loadMore, reload };
}
