// mqemitter-redis' private state, which plugins/pubsub.ts needs and the library does
// not expose: `state`, the EventEmitter its connections report errors on (without a
// listener a Redis hiccup is an unhandled 'error' that kills the process), and
// `subConn`/`pubConn`, the two ioredis connections (subscribing before both are ready
// puts the subscriber connection in subscriber mode mid ready-check, and the first
// instance to start then never received anything). Checked at runtime: an upgrade that
// renames them fails loudly at startup, and test/library-compat.test.ts fails first.
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

export interface RedisEmitterInternals {
  state: EventEmitter;
  subConn: Redis;
  pubConn: Redis;
}

const isEmitter = (x: unknown): x is EventEmitter =>
  typeof x === 'object' && x !== null && typeof (x as EventEmitter).on === 'function';
const isConnection = (x: unknown): x is Redis => isEmitter(x) && typeof (x as Redis).status === 'string';

export function redisEmitterInternals(emitter: object): RedisEmitterInternals {
  const { state, subConn, pubConn } = emitter as Record<string, unknown>;
  if (!isEmitter(state) || !isConnection(subConn) || !isConnection(pubConn))
    throw new Error('mqemitter-redis no longer has state, subConn and pubConn: see src/compat/mqemitter-redis.ts');
  return { state, subConn, pubConn };
}
