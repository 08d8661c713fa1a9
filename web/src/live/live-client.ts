// Builds the urql client: queries and mutations over HTTP, subscriptions over
// graphql-ws. The socket's state is exposed so the UI can say when live updates
// are paused and fall back to polling until the socket reconnects.
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { cacheExchange, Client, fetchExchange, subscriptionExchange } from 'urql';
import { apiKeyHeaders } from '../app/api-key';
import { ConnectionStore } from './connection-store';

export interface LiveClient {
  client: Client;
  connection: ConnectionStore;
  dispose(): void;
}

function socketUrl(location: Location): string {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${location.host}/graphql`;
}

/** Waits 1 s, 2 s, 4 s … capped at 10 s: a restarted server is picked up quickly. */
function retryWait(retries: number): Promise<void> {
  const ms = Math.min(10_000, 1000 * 2 ** retries) + Math.random() * 500;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createLiveClient(location: Location = window.location): LiveClient {
  const connection = new ConnectionStore();
  const ws: WsClient = createWsClient({
    url: socketUrl(location),
    // Connect at once (not on first subscription) so the banner is truthful from the start.
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait,
    // The signed-in key, read at every (re)connection: `connectionParams.authorization`.
    connectionParams: () => apiKeyHeaders(),
    on: {
      connected: () => connection.set('live'),
      closed: () => connection.set('offline'),
    },
  });

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
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return { client, connection, dispose: () => void ws.dispose() };
}
