// A budget of failed authentications per client address (AUTH_FAILURE_LIMIT per
// minute): once an address has used it, requests and WebSocket connections from it
// that do not carry a key which passed a check before are refused with RATE_LIMITED
// before their key is looked up, until the minute is over. Without it every new random
// key costs an indexed lookup and pushes valid keys out of the checked-key cache, and
// refused requests never reach the per-key limiter (which counts after the key check).
// Failures are counted in @fastify/rate-limit's store (Redis with REDIS_URL, so the
// budget is shared by the instances); an instance remembers the addresses it saw go
// over, so a refusal costs no round trip.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Addresses remembered as over their budget; the oldest is forgotten beyond this. */
const MAX_BLOCKED = 10_000;

export interface AuthFailureLimit {
  /** Whole seconds until this address may present keys again; 0 when it may now. */
  retryAfter(ip: string): number;
  /** Counts a failed authentication from this address. */
  fail(ip: string): Promise<void>;
}

export function createAuthFailureLimit(app: FastifyInstance, max: number): AuthFailureLimit {
  const blockedUntil = new Map<string, number>();
  let limiter: ReturnType<FastifyInstance['createRateLimit']> | null | undefined;

  // The limiter is registered after the auth plugin (abuse-limits.ts): made on first use.
  function counter() {
    if (limiter === undefined) {
      limiter =
        max > 0 && app.hasDecorator('createRateLimit')
          ? app.createRateLimit({
              max,
              timeWindow: AUTH_FAILURE_WINDOW_MS,
              keyGenerator: (request) => `auth-failures:${request.ip}`,
              allowList: () => false,
            })
          : null;
    }
    return limiter;
  }

  return {
    retryAfter(ip) {
      const until = blockedUntil.get(ip);
      if (until === undefined) return 0;
      const left = until - Date.now();
      if (left > 0) return Math.ceil(left / 1000);
      blockedUntil.delete(ip);
      return 0;
    },

    async fail(ip) {
      const limit = counter();
      if (!limit) return;
      // What the limiter reads of a request: the address (and a route's group, none here).
      const result = await limit({ ip, routeOptions: { config: {} } } as unknown as FastifyRequest);
      // Counted in Redis, or in this process while Redis is away (rate-limit-store.ts).
      if (result.isAllowed || result.ttl <= 0 || result.remaining > 0) return;
      if (blockedUntil.size >= MAX_BLOCKED && !blockedUntil.has(ip)) {
        blockedUntil.delete(blockedUntil.keys().next().value!);
      }
      blockedUntil.set(ip, Date.now() + result.ttl);
    },
  };
}
