// Whether an error means "the database cannot be reached right now" (PostgreSQL
// down, restarting, or the connection cut) rather than a fault of the request or a
// bug: such errors answer SERVICE_UNAVAILABLE (HTTP 503) and are logged without a
// stack; the pool reconnects by itself once the database is back.

/** Node socket errors and PostgreSQL SQLSTATEs of connection loss / shutdown / start-up. */
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  // Prisma: can't reach the server, timed out, closed the connection, pool timeout.
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);

const MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not open|the database system is (starting up|shutting down|in recovery)|terminating connection due to (administrator command|unexpected postmaster exit)|Can't reach database server|Server has closed the connection|Cannot use a pool after calling end|DatabaseNotReachable|ConnectionClosed|SocketTimeout/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      originalError?: unknown;
      kind?: unknown;
      errors?: unknown;
    };
    if (typeof e.code === 'string' && CODES.has(e.code)) return true;
    if (typeof e.kind === 'string' && /^(DatabaseNotReachable|ConnectionClosed|SocketTimeout)$/.test(e.kind))
      return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    // AggregateError (ECONNREFUSED on IPv4 and IPv6).
    if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = e.cause ?? e.originalError;
  }
  return false;
}

export const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable; the request was not carried out, retry shortly';
