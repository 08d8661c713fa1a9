// Builds the urql client: queries and mutations over HTTP; subscriptions over
// graphql-ws, or over Server-Sent Events (graphql-sse at /graphql/stream) when
// WebSockets cannot get through (a proxy that drops the upgrade) while the server
// itself answers. When neither carries live updates the connection reads
// 'offline' and pages poll (use-live-query.ts) until one does again.
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { cacheExchange, Client, fetchExchange, subscriptionExchange } from 'urql';
import { apiKeyHeaders } from '../app/api-key';
import { ConnectionStore } from './connection-store';

export interface LiveClient {
  client: Client;
  connection: ConnectionStore;
  dispose(): void;
}

/** WebSocket failures in a row, with the server answering HTTP, before switching to SSE. */
export const WS_FAILURES_BEFORE_SSE = 2;

function socketUrl(location: Location): string {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${location.host}/graphql`;
}

/** Waits 1 s, 2 s, 4 s … capped at 10 s: a restarted server is picked up quickly. */
function retryWait(retries: number): Promise<void> {
  const ms = Math.min(10_000, 1000 * 2 ** retries) + Math.random() * 500;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Request {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}
interface Sink {
  next(value: unknown): void;
  error(error: unknown): void;
  complete(): void;
}
/** A subscription urql holds; `stop` ends its current transport's stream without completing it for urql. */
interface Active {
  request: Request;
  sink: Sink;
  stop: () => void;
}

export function createLiveClient(location: Location = window.location): LiveClient {
  const connection = new ConnectionStore();
  const active = new Set<Active>();
  let sse: SseClient | null = null;
  let wsFailures = 0;
  let disposed = false;

  const ws: WsClient = createWsClient({
    url: socketUrl(location),
    // Connect at once (not on first subscription) so the banner is truthful from the start.
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => !sse,
    retryWait,
    // The signed-in key, read at every (re)connection: `connectionParams.authorization`.
    connectionParams: () => apiKeyHeaders(),
    on: {
      connected: () => {
        wsFailures = 0;
        connection.set('live');
      },
      closed: () => {
        if (sse || disposed) return;
        connection.set('offline');
        wsFailures += 1;
        if (wsFailures >= WS_FAILURES_BEFORE_SSE) void switchToSseIfServerAnswers();
      },
    },
  });

  /** graphql-ws' dispose awaits the connection in progress, which rejects with the CloseEvent when it fails. */
  function closeSocket() {
    Promise.resolve(ws.dispose()).catch(() => undefined);
  }

  /** The socket keeps failing: if the server answers plain HTTP, WebSockets are what is blocked. */
  async function switchToSseIfServerAnswers() {
    const up = await fetch('/readyz').then(
      (r) => r.ok,
      () => false,
    );
    if (!up || sse || disposed) return;
    sse = createSseClient({
      url: `${location.protocol}//${location.host}/graphql/stream`,
      headers: () => apiKeyHeaders(),
      retryAttempts: Number.POSITIVE_INFINITY,
      retry: retryWait,
    });
    connection.setTransport('sse');
    closeSocket();
    for (const subscription of active) {
      subscription.stop();
      subscription.stop = start(subscription.request, subscription.sink);
    }
  }

  /** Starts the stream on the current transport; the returned function stops it quietly. */
  function start(request: Request, sink: Sink): () => void {
    let stopped = false;
    const quiet: Sink = {
      next: (value) => !stopped && sink.next(value),
      error: (error) => {
        if (stopped) return;
        if (sse) connection.set('offline');
        sink.error(error);
      },
      complete: () => !stopped && sink.complete(),
    };
    const unsubscribe = sse
      ? sse.subscribe(request, quiet, {
          connecting: (reconnecting) => reconnecting && connection.set('offline'),
          connected: () => connection.set('live'),
        })
      : ws.subscribe(request, quiet);
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  const client = new Client({
    url: '/graphql',
    // POST always: the server refuses GET queries without a preflight-forcing header (CSRF).
    preferGetMethod: false,
    // `Authorization: Bearer <key>` on every HTTP request (none in open mode).
    fetchOptions: () => ({ headers: apiKeyHeaders() }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(operation) {
          const request: Request = {
            query: operation.query ?? '',
            variables: operation.variables as Record<string, unknown> | undefined,
            operationName: operation.operationName,
          };
          return {
            subscribe(sink) {
              const subscription: Active = { request, sink, stop: () => undefined };
              subscription.stop = start(request, sink);
              active.add(subscription);
              return {
                unsubscribe: () => {
                  active.delete(subscription);
                  subscription.stop();
                },
              };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    connection,
    dispose: () => {
      disposed = true;
      for (const subscription of active) subscription.stop();
      active.clear();
      closeSocket();
      sse?.dispose();
    },
  };
}
