import { useQuery, type AnyVariables, type UseQueryArgs, type UseQueryResponse } from 'urql';

/**
 * Whether an answer was given for these variables. urql keeps the previous answer while a query
 * with new variables runs (a report's previous range); a page must not show it as the new one.
 */
export function answersVariables(answered: object | undefined, asked: object | undefined): boolean {
  return answered !== undefined && stable(answered) === stable(asked ?? {});
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * urql's useQuery for pages that switch ranges (a month, a period, a grouping): while the answer
 * for the new variables loads, `data` is undefined and `fetching` true, so the page shows its
 * loading state instead of the previous range's figures. Refetching the same variables (after a
 * change) keeps the figures on screen until the new ones arrive.
 */
export function useFreshQuery<Data, Variables extends AnyVariables>(args: UseQueryArgs<Variables, Data>): UseQueryResponse<Data, Variables> {
  const [result, reexecute] = useQuery(args);
  const nothingYet = result.data === undefined && !result.error;
  if (nothingYet || answersVariables(result.operation?.variables as object | undefined, args.variables as object | undefined)) return [result, reexecute];
  return [{ ...result, data: undefined, error: undefined, fetching: true, stale: false }, reexecute];
}
