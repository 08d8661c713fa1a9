// Every GraphQL error answer, over HTTP and WebSocket: errors the client can act
// on keep (or get) a code and are logged at info without a stack; requests
// refused as such keep their HTTP status (400, 413, 415, 429); anything else is
// logged with its stack and masked, carrying the request id its log line has.
import type { FastifyBaseLogger } from 'fastify';
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { isGraphQLError, isSyntaxError } from '../compat/graphql-js.js';
import { defaultStatusCode, wrappedValidationErrors } from '../compat/mercurius.js';
import type { installSingleCoercion } from '../compat/single-coercion.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.js';
import { isDomainError } from '../kernel/errors.js';
import { cutMessage, requestFault } from './request-errors.js';

type Coercion = ReturnType<typeof installSingleCoercion>;

/** Code of an error Mercurius collected before execution: syntax, body shape, or validation. */
function innerCode(err: Error): string {
  if (isSyntaxError(err)) return 'GRAPHQL_PARSE_FAILED';
  // Fastify's schema check of the body (no query, query not a string) or unparsable variables.
  if (!isGraphQLError(err)) return 'BAD_REQUEST';
  return 'GRAPHQL_VALIDATION_FAILED';
}

/** Keeps errors the client can act on (with a code), masks everything else with the id the log line has. */
export function toClientError(err: GraphQLError, log: FastifyBaseLogger, requestId: string): GraphQLFormattedError {
  const original = err.originalError;
  if (err.extensions?.code) return { ...err.toJSON(), message: cutMessage(err.message) };
  if (
    !original ||
    isGraphQLError(original) ||
    isDomainError(original) ||
    original instanceof mercurius.ErrorWithProps
  ) {
    // Parse and validation errors from graphql-js carry no code of their own.
    const code = isSyntaxError(err) ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED';
    return { ...err.toJSON(), message: cutMessage(err.message), extensions: { ...err.extensions, code } };
  }
  if (isDatabaseUnavailable(original)) {
    log.warn({ path: err.path, requestId, reason: original.message }, 'database unavailable');
    return {
      message: DATABASE_UNAVAILABLE_MESSAGE,
      path: err.path,
      locations: err.locations,
      extensions: { code: 'SERVICE_UNAVAILABLE', requestId },
    };
  }
  log.error({ err: original, path: err.path, requestId }, 'unexpected error in resolver');
  return {
    message: `Internal server error (request ${requestId})`,
    path: err.path,
    locations: err.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}

export function formatErrors(
  execution: ExecutionResult & { statusCode?: number },
  ctx: MercuriusContext,
  appLog: FastifyBaseLogger,
  coercion: Coercion,
): { statusCode: number; response: { data: ExecutionResult['data']; errors: GraphQLFormattedError[] } } {
  const request = ctx.reply?.request;
  const log = request?.log ?? appLog;
  const requestId = request?.id ?? (ctx as { wsRequestId?: string }).wsRequestId ?? 'ws';
  const all = execution.errors ?? [];
  // Fastify's own refusals (body too large, broken JSON, wrong content type, rate limit)
  // reach here through Mercurius' error handler: keep their status, give them a code.
  const [only] = all;
  const fault = only && all.length === 1 ? requestFault(only.originalError) : null;
  if (fault) {
    log.info({ code: fault.code, status: fault.status }, fault.message);
    return {
      statusCode: fault.status,
      response: { data: null, errors: [{ message: fault.message, extensions: { code: fault.code } }] },
    };
  }
  const errors = all.flatMap((err): GraphQLFormattedError[] => {
    // Mercurius wraps all validation errors of a request in one error.
    const inner = wrappedValidationErrors(err);
    if (inner) {
      return inner.map((e) => ({
        message: cutMessage(e.message),
        locations: e.locations,
        extensions: { ...e.extensions, code: e.extensions?.code ?? innerCode(e) },
      }));
    }
    return [toClientError(err, log, requestId)];
  });
  const clientErrors = errors.filter((e) => e.extensions?.code !== 'INTERNAL_SERVER_ERROR');
  const [firstClientError] = clientErrors;
  if (firstClientError) {
    log.info({ codes: clientErrors.map((e) => e.extensions?.code) }, cutMessage(firstClientError.message));
  }
  // No data and no error tied to a field: the request itself was refused (its variables).
  const refused = execution.data === undefined && errors.length > 0 && all.every((e) => !e.path);
  if (refused) {
    const internal = clientErrors.length < errors.length;
    const variableErrors = coercion.variableErrors(ctx)?.map((e) => ({ ...e, message: cutMessage(e.message) }));
    return { statusCode: internal ? 500 : 400, response: { data: null, errors: variableErrors ?? errors } };
  }
  // Nothing answered because the database is away: 503, so clients and balancers retry.
  const unavailable = errors.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
  const statusCode = !execution.data && unavailable ? 503 : defaultStatusCode(execution);
  return { statusCode, response: { data: execution.data ?? null, errors } };
}
