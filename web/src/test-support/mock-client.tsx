// A urql client for component tests: queries answer from a table keyed by
// operation name, subscriptions stay silent unless given events, mutations are recorded.
import { render } from '@testing-library/react';
import { Kind } from 'graphql';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { concat, fromArray, fromValue, never, type Source } from 'wonka';
import { CombinedError, Provider, type Client, type GraphQLRequest, type OperationResult } from 'urql';
import { ConnectionProvider } from '../live/connection-context';
import { ConnectionStore, type ConnectionState } from '../live/connection-store';
import { forgetReceived } from '../live/use-live-query';

type Answer = Record<string, unknown> | Error | 'pending';

export interface MockClientOptions {
  queries?: Record<string, Answer | ((variables: Record<string, unknown>) => Answer)>;
  subscriptions?: Record<string, Record<string, unknown>[]>;
  mutations?: Record<string, (variables: Record<string, unknown>) => Record<string, unknown>>;
}

export function operationName(request: GraphQLRequest): string {
  const def = request.query.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return def && 'name' in def && def.name ? def.name.value : '';
}

// Like a real client, the stream stays open after its result (an ended stream resets `error`).
function toResult(operation: GraphQLRequest, answer: Answer): Source<OperationResult> {
  return concat([answerOf(operation, answer), never]);
}

function answerOf(operation: GraphQLRequest, answer: Answer): Source<OperationResult> {
  if (answer === 'pending') return never;
  if (answer instanceof Error) {
    return fromValue({
      operation,
      error: new CombinedError({ networkError: answer }),
      stale: false,
      hasNext: false,
    } as unknown as OperationResult);
  }
  if (Array.isArray(answer.errors)) {
    // A GraphQL error answer ({ errors: [{ message, extensions: { code } }] }), as the server sends it.
    return fromValue({
      operation,
      error: new CombinedError({ graphQLErrors: answer.errors as { message: string }[] }),
      stale: false,
      hasNext: false,
    } as unknown as OperationResult);
  }
  return fromValue({ operation, data: answer, stale: false, hasNext: false } as unknown as OperationResult);
}

export function createMockClient(options: MockClientOptions = {}) {
  // Each test starts with nothing received (the kept data lives for the tab).
  forgetReceived();
  const executeQuery = vi.fn((request: GraphQLRequest) => {
    const entry = options.queries?.[operationName(request)];
    if (entry === undefined) return never;
    const answer = typeof entry === 'function' ? entry(request.variables as Record<string, unknown>) : entry;
    return toResult(request, answer);
  });
  const executeSubscription = vi.fn((request: GraphQLRequest) => {
    const events = options.subscriptions?.[operationName(request)];
    if (!events) return never;
    return fromArray(
      events.map((data) => ({ operation: request, data, stale: false, hasNext: true }) as unknown as OperationResult),
    );
  });
  const executeMutation = vi.fn((request: GraphQLRequest) => {
    const answer = options.mutations?.[operationName(request)]?.(request.variables as Record<string, unknown>) ?? {};
    return toResult(request, answer);
  });
  const client = { executeQuery, executeSubscription, executeMutation } as unknown as Client;
  return { client, executeQuery, executeSubscription, executeMutation };
}

export function renderWithClient(
  ui: ReactNode,
  client: Client,
  connection: ConnectionState | ConnectionStore = 'live',
) {
  const store = connection instanceof ConnectionStore ? connection : new ConnectionStore(connection);
  return render(
    <Provider value={client}>
      <ConnectionProvider store={store}>{ui}</ConnectionProvider>
    </Provider>,
  );
}
