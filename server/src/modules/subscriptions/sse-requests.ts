// What graphql-sse would refuse in a /graphql/stream request, refused first with a code
// (graphql-sse answers "Missing query", "Invalid variables", a 415 or a 404 with no code,
// some with no body at all). The checks are graphql-sse's own (parseReq in its handler,
// distinct connections mode): Accept exactly text/event-stream; GET with the parameters
// in the URL (variables and extensions as JSON), POST with a JSON object body.
import { cutMessage } from '../../graphql/request-errors.js';

export interface SseFault {
  status: number;
  code: string;
  message: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fault(status: number, code: string, message: string): SseFault {
  return { status, code, message: cutMessage(message) };
}

/** The parameters as graphql-sse will read them, or why it would refuse them. */
type Params = { ok: true; params: Record<string, unknown> } | { ok: false; fault: SseFault };

function params(method: string, url: string, body: unknown): Params {
  if (method === 'GET') {
    const search = new URLSearchParams(url.split('?')[1] ?? '');
    const json = (name: string) => {
      const raw = search.get(name);
      return raw ? (JSON.parse(raw) as unknown) : undefined;
    };
    try {
      return {
        ok: true,
        params: {
          query: search.get('query') ?? undefined,
          operationName: search.get('operationName') ?? undefined,
          variables: json('variables'),
          extensions: json('extensions'),
        },
      };
    } catch {
      return { ok: false, fault: fault(400, 'BAD_REQUEST', 'variables and extensions in the URL must be JSON') };
    }
  }
  // Fastify has parsed the body: JSON gives a value, text/plain a string.
  if (typeof body === 'string' || body === undefined)
    return {
      ok: false,
      fault: fault(415, 'UNSUPPORTED_MEDIA_TYPE', 'POST a JSON body (content-type: application/json)'),
    };
  if (!isObject(body)) return { ok: false, fault: fault(400, 'BAD_REQUEST', 'The JSON body must be an object') };
  return { ok: true, params: body };
}

export function sseRequestFault(request: {
  method: string;
  url: string;
  headers: { accept?: string };
  body?: unknown;
}): SseFault | null {
  if (request.headers.accept !== 'text/event-stream')
    return fault(406, 'NOT_ACCEPTABLE', 'Send "Accept: text/event-stream" (graphql-sse, distinct connections mode)');
  const read = params(request.method, request.url, request.body);
  if (!read.ok) return read.fault;
  const p = read.params;
  if (p.query === undefined || p.query === null) return fault(400, 'BAD_REQUEST', 'Missing query');
  if (typeof p.query !== 'string') return fault(400, 'BAD_REQUEST', 'query must be a string');
  if (p.operationName != null && typeof p.operationName !== 'string')
    return fault(400, 'BAD_REQUEST', 'operationName must be a string');
  if (p.variables != null && !isObject(p.variables)) return fault(400, 'BAD_REQUEST', 'variables must be an object');
  if (p.extensions != null && !isObject(p.extensions)) return fault(400, 'BAD_REQUEST', 'extensions must be an object');
  return null;
}
