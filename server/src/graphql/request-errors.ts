// Requests refused before GraphQL runs (Fastify's body parsing and limits, rate
// limits, Mercurius' own request checks) are the client's fault: they keep their
// 4xx status and get a code, are logged at info without a stack, and echo at
// most MAX_MESSAGE characters of whatever the client sent.
import { isGraphQLError } from '../compat/graphql-js.js';

const MAX_MESSAGE = 300;

export function cutMessage(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  return `${message.slice(0, MAX_MESSAGE)}… (${message.length - MAX_MESSAGE} more characters cut)`;
}

const CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  MER_ERR_GQL_CSRF_PREVENTION: 'CSRF_PREVENTED',
};

const BY_STATUS: Record<number, string> = {
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Status and code of an error that refused the request as such, or null for anything else. */
export function requestFault(original: unknown): { status: number; code: string; message: string } | null {
  if (!original || typeof original !== 'object') return null;
  const err = original as { statusCode?: unknown; code?: unknown; message?: unknown; errors?: unknown; name?: unknown };
  if (Array.isArray(err.errors) || isGraphQLError(original)) return null; // GraphQL's own, reported per error
  if ((original as { extensions?: unknown }).extensions) return null; // ErrorWithProps: carries its code
  const status = typeof err.statusCode === 'number' ? err.statusCode : null;
  if (status === null || status < 400 || status >= 500) return null;
  const code = (typeof err.code === 'string' && CODES[err.code]) || BY_STATUS[status] || 'BAD_REQUEST';
  return { status, code, message: cutMessage(typeof err.message === 'string' ? err.message : 'Bad request') };
}
