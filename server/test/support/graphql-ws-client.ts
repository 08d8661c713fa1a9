// A real graphql-ws client (graphql-transport-ws over the `ws` package) for
// subscription tests, collecting what each subscription receives.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T = Record<string, any>> {
  items: T[];
  /** performance.now() at each item's arrival. */
  arrivals: number[];
  errors: unknown[];
  /** Resolves once at least `count` items arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  dispose(): void;
}

export function wsClient(
  httpUrl: string,
  options: { retryAttempts?: number; lazy?: boolean; apiKey?: string } = {},
): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    retryAttempts: options.retryAttempts ?? 0,
    lazy: options.lazy ?? true,
    ...(options.apiKey ? { connectionParams: { authorization: `Bearer ${options.apiKey}` } } : {}),
  });
}

/** Subscribes and resolves once the server acknowledged the subscription's connection. */
export function collect<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Collected<T> {
  const items: T[] = [];
  const arrivals: number[] = [];
  const errors: unknown[] = [];
  let wake: (() => void) | null = null;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors) errors.push(...msg.errors);
        if (msg.data) {
          items.push(msg.data);
          arrivals.push(performance.now());
        }
        wake?.();
      },
      error: (err) => {
        errors.push(err);
        wake?.();
      },
      complete: () => wake?.(),
    },
  );
  return {
    items,
    arrivals,
    errors,
    dispose,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `expected ${count} items, got ${items.length}: ${JSON.stringify(items).slice(0, 500)} errors: ${JSON.stringify(errors)}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return items;
    },
  };
}

/** Resolves when the client is connected (the server acked connection_init). */
export function connected(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('connected', () => {
      off();
      resolve();
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true (rejects after timeoutMs). */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
