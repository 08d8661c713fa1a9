// useQuery that stays fresh without polling while the socket is up: callers
// refetch on subscription events (useRefetchOn); while the socket is down it
// re-runs the query every POLL_INTERVAL_MS, and once more when the socket returns.
//
// Stale-while-offline: the last data a query received is kept (per query and
// variables, for the life of the tab) and shown when a refetch fails or while
// the page is revisited and refreshing; `freshness` says how old it is, so the
// page can mark it instead of replacing it with an error.
import { useCallback, useEffect, useRef } from 'react';
import {
  createRequest,
  useQuery,
  useSubscription,
  type AnyVariables,
  type DocumentInput,
  type UseQueryArgs,
} from 'urql';
import { useConnectionState } from './connection-context';

export const POLL_INTERVAL_MS = 10_000;

export interface Freshness {
  /** When the data shown was received; null while nothing has been received. */
  asOf: Date | null;
  /** The data shown may be out of date: why. null when it is current. */
  stale: null | 'offline' | 'refreshing';
}

interface Kept {
  data: unknown;
  at: Date;
}

/** Last data per operation key (query + variables): what a revisit shows until its refetch lands. */
const lastReceived = new Map<number, Kept>();
const KEEP_LIMIT = 200;

function remember(key: number, data: unknown, at: Date) {
  lastReceived.delete(key);
  lastReceived.set(key, { data, at });
  if (lastReceived.size > KEEP_LIMIT) lastReceived.delete(lastReceived.keys().next().value!);
}

/** Tests start from an empty memory. */
export function forgetReceived() {
  lastReceived.clear();
}

export function useLiveQuery<Data, Variables extends AnyVariables>(args: UseQueryArgs<Variables, Data>) {
  // cache-and-network: a revisit shows what urql has at once, marked stale, and refreshes it.
  const [result, reexecute] = useQuery<Data, Variables>({ requestPolicy: 'cache-and-network', ...args });
  const connection = useConnectionState();
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const previous = useRef(connection);
  const key = createRequest(args.query, args.variables as Variables).key;

  // A refetch in flight keeps its data current enough: only urql's `stale` (a cached copy) or an error is old.
  const fresh = result.data !== undefined && !result.error && !result.stale;
  if (fresh && lastReceived.get(key)?.data !== result.data) remember(key, result.data, new Date());

  useEffect(() => {
    const was = previous.current;
    previous.current = connection;
    if (connection === 'offline') {
      const timer = setInterval(refetch, POLL_INTERVAL_MS);
      return () => clearInterval(timer);
    }
    // Catch up on whatever happened while the socket was down.
    if (connection === 'live' && was === 'offline') refetch();
    return undefined;
  }, [connection, refetch]);

  const kept = lastReceived.get(key);
  const data = (result.error || result.data === undefined ? (kept?.data ?? result.data) : result.data) as
    Data | undefined;
  const freshness: Freshness = {
    asOf: kept?.at ?? null,
    stale:
      data === undefined || fresh
        ? connection === 'offline' && data !== undefined
          ? 'offline'
          : null
        : result.error || connection === 'offline'
          ? 'offline'
          : 'refreshing',
  };
  return [{ ...result, data, freshness }, refetch] as const;
}

/**
 * Calls `refetch` when the subscription delivers an event, at most once per
 * `minGapMs` (trailing), so a burst of events costs one query.
 */
export function useRefetchOn<Data, Variables extends AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
  refetch: () => void,
  minGapMs = 1000,
  pause = false,
) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(0);
  const refetchRef = useRef(refetch);
  useEffect(() => {
    refetchRef.current = refetch;
  }, [refetch]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const onEvent = useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + minGapMs - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      refetchRef.current();
    }, wait);
  }, [minGapMs]);

  useSubscription<Data, number, Variables>({ query, variables, pause } as never, (count = 0) => {
    onEvent();
    return count + 1;
  });
}
