// The one place that reaches into Mercurius internals. Mercurius resolves the schema's
// loader fields (Sensor.trust, Ticket.sensor, …) through `context.reply[kLoaders]`,
// which only its own HTTP route and WebSocket subscriptions set up. Subscriptions over
// another transport (Server-Sent Events, sse-transport.ts) build the same thing the
// WebSocket path does (mercurius/lib/subscription-connection.js): the app's
// subscription loader factory, uncached per event. Its test is the SSE test selecting
// a loader field: if Mercurius renames these, that test fails.
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const symbols = createRequire(import.meta.url)('mercurius/lib/symbols') as {
  kLoaders: symbol;
  kSubscriptionFactory: symbol;
};

interface LoaderFactory {
  create(context: object): unknown;
}

/** The `reply` member a subscription's context needs for Mercurius loaders to work. */
export function subscriptionLoaderReply(app: FastifyInstance, request: FastifyRequest, context: object): object {
  const factory = (app as unknown as Record<symbol, LoaderFactory | undefined>)[symbols.kSubscriptionFactory];
  return { request, [symbols.kLoaders]: factory?.create(context) };
}
