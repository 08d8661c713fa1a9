// Errors of the plain routes (/metrics, /graphql/stream, /readyz, the web app's files):
// GraphQL's own route has Mercurius' handler and our formatter (graphql/error-formatter.ts).
// A client's fault (4xx) is answered as Fastify does, with its code; the database away
// is 503 SERVICE_UNAVAILABLE; anything else is logged with its stack and answered masked,
// with the request id its log line has (Fastify's default echoed the error's message).
import type { FastifyError, FastifyInstance } from 'fastify';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.js';

export function setPlainRouteErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) return reply.send(error);
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ reason: error.message }, 'database unavailable');
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'Service Unavailable', code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE_MESSAGE });
    }
    request.log.error({ err: error, requestId: request.id }, 'unexpected error');
    return reply.code(500).send({
      error: 'Internal Server Error',
      code: 'INTERNAL_SERVER_ERROR',
      message: `Internal server error (request ${request.id})`,
      requestId: request.id,
    });
  });
}
