// The four subscriptions over Server-Sent Events at /graphql/stream, for clients that
// cannot hold a WebSocket: the graphql-sse protocol (graphql-sse, its maintained
// implementation), "distinct connections" mode: POST { query, variables } with
// `Accept: text/event-stream`, then `next` events and one `complete`. The same schema,
// resolvers, filters and backpressure as the WebSocket path (the subscription hub);
// only subscriptions (queries and mutations go to POST /graphql). Streams are ended
// when the server shuts down.
//
// Access is the HTTP path's: the auth plugin's onRequest hook refuses a request without
// a valid `Authorization: Bearer <key>` (401) before this handler runs, and the caller
// it resolved goes into the context, where the roles guard checks each subscription
// field exactly as on the WebSocket (FORBIDDEN arrives as an error event).
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createHandler } from 'graphql-sse/lib/use/fastify';
import { graphql } from '../../compat/graphql-js.js';
import { subscriptionLoaderReply } from '../../compat/mercurius.js';
import type { Services } from '../../services.js';

export const SSE_PATH = '/graphql/stream';

const jsonError = (status: number, message: string, code: string) =>
  [
    JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    { status, statusText: code, headers: { 'content-type': 'application/json; charset=utf-8' } },
  ] as const;

export default fp<{ services: Services }>(
  async (app: FastifyInstance, { services }) => {
    const open = new Set<ServerResponse>();
    const handler = createHandler({
      schema: () => app.graphql.schema,
      validate: graphql.validate,
      execute: graphql.execute,
      subscribe: graphql.subscribe,
      onSubscribe: (_req, params) => {
        let operation;
        try {
          operation = graphql.getOperationAST(graphql.parse(params.query), params.operationName);
        } catch {
          return undefined; // graphql-sse answers the syntax error itself
        }
        if (operation && operation.operation !== graphql.OperationTypeNode.SUBSCRIPTION)
          return [
            ...jsonError(
              400,
              `${SSE_PATH} serves subscriptions; send queries and mutations to POST /graphql`,
              'BAD_REQUEST',
            ),
          ];
        return undefined;
      },
      context: (req) => {
        const context = { services, app, auth: req.raw.auth };
        return { ...context, reply: subscriptionLoaderReply(app, req.raw, context) };
      },
    });

    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url: SSE_PATH,
      handler: async (request, reply) => {
        reply.hijack();
        open.add(reply.raw);
        reply.raw.once('close', () => open.delete(reply.raw));
        try {
          await handler(request, reply);
        } catch (err) {
          request.log.error({ err }, 'SSE stream failed');
          if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
          else reply.raw.end();
        }
      },
    });
    // Streams are long-lived requests: end them so that close() does not wait on them.
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });
  },
  { name: 'sse-transport', dependencies: ['graphql'] },
);
