// useQuery that stays fresh without polling while the socket is up: callers
// refetch on subscription events (useRefetchOn); while the socket is down it
// re-runs the query every POLL_INTERVAL_MS, and once more when the socket returns.
import { useCallback, useEffect, useRef } from 'react';
import { useQuery, useSubscription, type AnyVariables, type DocumentInput, type UseQueryArgs } from 'urql';
import { useConnectionState } from './connection-context';

export const POLL_INTERVAL_MS = 10_000;

export function useLiveQuery<Data, Variables extends AnyVariables>(args: UseQueryArgs<Variables, Data>) {
  const [result, reexecute] = useQuery<Data, Variables>(args);
  const connection = useConnectionState();
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const previous = useRef(connection);

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

  return [result, refetch] as const;
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
