// Mercurius on Fastify: schema.graphql, resolvers, loaders, subscriptions over
// graphql-ws on the same path, errors with codes. (GraphiQL: http/web-app.ts.)
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import mercurius from 'mercurius';
import type { Services } from '../services.js';
import type { WebSocket } from 'ws';
import { createConnectionHeartbeat } from '../modules/subscriptions/connection-heartbeat.js';
import { isClientError } from './errors.js';
import { installSingleCoercion } from './single-coercion.js';
import { buildLoaders, buildResolvers } from './resolvers.js';
import { projectPath } from '../project-paths.js';

export const SCHEMA_PATH = projectPath('schema.graphql');

export interface GraphQLPluginOptions {
  services: Services;
}

/** Keeps errors the client can act on (with a code), masks everything else. */
function toClientError(err: GraphQLError, app: FastifyInstance): GraphQLFormattedError {
  const original = err.originalError;
  if (err.extensions?.code) return err.toJSON();
  // By name too: Mercurius' graphql-js may be another copy of the module than ours (vitest).
  if (!original || original instanceof GraphQLError || original.name === 'GraphQLError' || isClientError(original)) {
    // Parse and validation errors from graphql-js carry no code of their own.
    return { ...err.toJSON(), extensions: { ...err.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } };
  }
  app.log.error({ err: original, path: err.path }, 'unexpected error in resolver');
  return {
    message: 'Internal server error',
    path: err.path,
    locations: err.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

export default fp<GraphQLPluginOptions>(
  async (app: FastifyInstance, options) => {
    const { services } = options;
    const heartbeat = createConnectionHeartbeat(services.config.wsKeepAliveMs);
    // Registered before Mercurius' own (which closes sockets with no code): clients
    // learn the server is going away (1001) and reconnect elsewhere.
    app.addHook('preClose', async () => heartbeat.closeAll());
    app.addHook('onClose', async () => heartbeat.stop());
    const coercion = installSingleCoercion(app);
    await app.register(mercurius, {
      schema: readFileSync(SCHEMA_PATH, 'utf8'),
      resolvers: buildResolvers() as never,
      loaders: buildLoaders() as never,
      // Compiled queries (graphql-jit) from a document's second use; they coerce the
      // variables, once (single-coercion.ts).
      jit: 1,
      // Mercurius' own GraphiQL loads React and GraphiQL from a CDN; ours is built with the web app.
      graphiql: false,
      path: '/graphql',
      queryDepth: 12,
      context: () => ({ services }),
      subscription: {
        // Subscription resolvers read the subscription hub (modules/subscriptions),
        // which listens on this emitter once per topic and fans out in process.
        emitter: app.events.emitter,
        context: (socket: WebSocket) => {
          heartbeat.track(socket);
          return { services };
        },
        // graphql-transport-ws pings (application level) on top of the ws-level heartbeat.
        keepAlive: services.config.wsKeepAliveMs || undefined,
        fullWsTransport: true,
      },
      errorFormatter: (execution, ctx) => {
        const formatted = mercurius.defaultErrorFormatter(execution, ctx);
        const errors = (execution.errors ?? []).flatMap((err): GraphQLFormattedError[] => {
          // Mercurius wraps all validation errors of a request in one error.
          const inner = (err.originalError as { errors?: unknown } | undefined)?.errors;
          if (Array.isArray(inner)) {
            return inner.map((e: GraphQLError) => ({
              message: e.message,
              locations: e.locations,
              extensions: { ...e.extensions, code: e.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED' },
            }));
          }
          return [toClientError(err, app)];
        });
        // No data and no error tied to a field: the request itself was refused (its variables).
        const refused =
          execution.data === undefined && errors.length > 0 && (execution.errors ?? []).every((e) => !e.path);
        if (refused)
          return { statusCode: 400, response: { data: null, errors: coercion.variableErrors(ctx) ?? errors } };
        return { statusCode: formatted.statusCode, response: { data: execution.data ?? null, errors } };
      },
    });
    coercion.attach();
  },
  { name: 'graphql', dependencies: ['database', 'pubsub'] },
);
