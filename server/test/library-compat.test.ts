// src/compat/ leans on library behaviour no documented API promises. Each check here
// fails when an upgrade of Mercurius, graphql-js, ws or mqemitter-redis changes what we
// rely on (variables coerced once: single-coercion.test.ts; loaders over SSE: sse.test.ts).
import { createServer, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { GraphQLError as EsmGraphQLError, type ExecutionResult } from 'graphql';
import mercurius from 'mercurius';
import redisEmitter from 'mqemitter-redis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  getComplexity,
  graphql,
  isArgumentValueError,
  isGraphQLError,
  isSyntaxError,
  isTokenLimitError,
} from '../src/compat/graphql-js.js';
import {
  defaultStatusCode,
  kFactory,
  kLoaders,
  kSubscriptionFactory,
  wrappedValidationErrors,
} from '../src/compat/mercurius.js';
import { quietClientErrors } from '../src/compat/mercurius-socket-logs.js';
import { redisEmitterInternals } from '../src/compat/mqemitter-redis.js';
import {
  netSocketOf,
  nextFrame,
  senderIdle,
  serverTextFrame,
  subscriptionIdOf,
} from '../src/compat/ws-fanout-internals.js';
import { collect, wsClient } from './support/graphql-ws-client.js';
import { redisReachable, redisUrl } from './support/redis.js';

const SCHEMA = `
  type Item { id: ID!, label: String }
  type Query { ok: Int, boom: Int, refused: Int!, item: Item }
  type Subscription { tick: Int }
`;

class Refused extends Error {
  statusCode = 429;
}

describe('Mercurius and graphql-js', () => {
  let app: FastifyInstance;
  let url: string;
  const executions: (ExecutionResult & { statusCode?: number })[] = [];
  const statuses: { ours: number; theirs: number }[] = [];

  beforeAll(async () => {
    app = Fastify();
    await app.register(mercurius, {
      schema: SCHEMA,
      resolvers: {
        Query: {
          ok: () => 1,
          boom: () => {
            throw new Error('boom');
          },
          refused: () => {
            throw new Refused('slow down');
          },
          item: () => ({ id: 'i1' }),
        },
      },
      loaders: { Item: { label: async (queries: { obj: { id: string } }[]) => queries.map((q) => q.obj.id) } },
      subscription: true,
      errorFormatter: (execution, ctx) => {
        executions.push(execution);
        const theirs = mercurius.defaultErrorFormatter(execution, ctx);
        statuses.push({ ours: defaultStatusCode(execution), theirs: theirs.statusCode ?? 200 });
        return theirs;
      },
    });
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/graphql`;
  });
  afterAll(() => app?.close());

  const post = async (query: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { errors?: { message: string }[] } };
  };
  const lastExecution = () => {
    const execution = executions.at(-1);
    if (!execution) throw new Error('the error formatter saw no execution');
    return execution;
  };

  it('loads the copy of graphql-js compat/graphql-js.ts loads (a schema from another copy is refused)', () => {
    const mercuriusRequire = createRequire(createRequire(import.meta.url).resolve('mercurius'));
    expect(mercuriusRequire('graphql')).toBe(graphql);
    expect(app.graphql.schema).toBeInstanceOf(graphql.GraphQLSchema);
  });

  it('recognises GraphQLErrors of either copy of graphql-js, and nothing else', () => {
    expect(isGraphQLError(new graphql.GraphQLError('x'))).toBe(true);
    expect(isGraphQLError(new EsmGraphQLError('x'))).toBe(true);
    expect(isGraphQLError(new Error('x'))).toBe(false);
    expect(isGraphQLError({ name: 'GraphQLError', message: 'x' })).toBe(false);
  });

  it('hands validation errors to the formatter wrapped in one error that lists them', async () => {
    await post('{ nope zzz }');
    const execution = lastExecution();
    expect(execution.errors).toHaveLength(1);
    const [wrapper] = execution.errors ?? [];
    const inner = wrapper ? wrappedValidationErrors(wrapper) : null;
    expect(inner?.map((e) => e.message)).toEqual([
      'Cannot query field "nope" on type "Query".',
      'Cannot query field "zzz" on type "Query".',
    ]);
    expect(inner?.every((e) => isGraphQLError(e))).toBe(true);
  });

  it('reports a syntax error as a GraphQLError whose message starts with "Syntax Error"', async () => {
    await post('{ ok');
    const [err] = lastExecution().errors ?? [];
    const found = (err && wrappedValidationErrors(err)) ?? (err ? [err] : []);
    expect(found.map((e) => [isGraphQLError(e), isSyntaxError(e)])).toEqual([[true, true]]);
  });

  const thrown = (work: () => unknown): unknown => {
    try {
      work();
    } catch (err) {
      return err;
    }
    throw new Error('expected it to throw');
  };

  it("tells the parser's token limit from other syntax errors by the message", () => {
    const tooLong = thrown(() => graphql.parse('{ a b c d e }', { maxTokens: 4 }));
    expect([isSyntaxError(tooLong as Error), isTokenLimitError(tooLong)]).toEqual([true, true]);
    // A syntax error whose message names "tokens" is not the limit.
    const broken = thrown(() => graphql.parse('{ a } tokens', { maxTokens: 100 }));
    expect((broken as Error).message).toContain('tokens');
    expect([isSyntaxError(broken as Error), isTokenLimitError(broken)]).toEqual([true, false]);
  });

  it('tells an argument value graphql-js refuses (thrown by getComplexity) by the message', () => {
    const schema = graphql.buildSchema('type Query { f(n: Int!): Int, g: Int }');
    const cost = (query: string) => () =>
      getComplexity({ schema, query: graphql.parse(query), estimators: [() => 1], variables: {} });
    expect(isArgumentValueError(thrown(cost('{ f }')))).toBe(true);
    expect(isArgumentValueError(thrown(cost('{ f(n: "x") }')))).toBe(true);
    expect(cost('{ f(n: 1) g }')()).toBe(2);
    expect(isArgumentValueError(new Error('Syntax Error: Argument'))).toBe(false);
  });

  it('gives the HTTP status our formatter gives (defaultStatusCode), with and without data', async () => {
    expect((await post('{ ok boom }')).status).toBe(200);
    expect((await post('{ refused }')).status).toBe(429);
    expect(wrappedValidationErrors(lastExecution().errors?.[0] ?? new graphql.GraphQLError('none'))).toBeNull();
    await post('{ nope }');
    await post('{ nope zzz }');
    expect(statuses.length).toBeGreaterThanOrEqual(4);
    for (const s of statuses) expect(s.ours).toBe(s.theirs);
    expect(statuses.map((s) => s.theirs)).toContain(429);
  });

  it('keeps the loader symbols SSE subscriptions and graphql-ws queries use, and both loader factories', async () => {
    expect(typeof kLoaders).toBe('symbol');
    expect(typeof kSubscriptionFactory).toBe('symbol');
    expect(typeof kFactory).toBe('symbol');
    for (const symbol of [kSubscriptionFactory, kFactory]) {
      const factory = (app as unknown as Record<symbol, { create?: unknown } | undefined>)[symbol];
      expect(typeof factory?.create).toBe('function');
    }
    const res = await post('{ item { id label } }');
    expect(res.body).toEqual({ data: { item: { id: 'i1', label: 'i1' } } });
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('Mercurius socket error logs (compat/mercurius-socket-logs.ts)', () => {
  let app: FastifyInstance;
  let url: string;
  const lines: { level: number; msg?: string; codes?: string[] }[] = [];

  beforeAll(async () => {
    app = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
    });
    await app.register(mercurius, {
      schema: `type Query { ok: Int } type Subscription { tick(n: Int!): Int, refused: Int, broken: Int }`,
      resolvers: {
        Subscription: {
          tick: { subscribe: (_root, _args, ctx) => ctx.pubsub.subscribe('TICK') },
          refused: {
            subscribe: () => {
              throw new mercurius.ErrorWithProps('not for you', { code: 'FORBIDDEN' });
            },
          },
          broken: {
            subscribe: () => {
              throw new Error('a bug');
            },
          },
        },
      },
      subscription: { fullWsTransport: true },
    });
    quietClientErrors(app.log);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app?.close());

  /** Subscribes, waits until the client got its error, and returns what was logged meanwhile. */
  async function refusal(query: string, variables: Record<string, unknown> = {}) {
    const client = wsClient(url);
    try {
      const from = lines.length;
      const sub = collect(client, query, variables);
      await vi.waitFor(() => expect(sub.errors.length).toBeGreaterThan(0));
      // Everything but the access log (request lines).
      return lines.slice(from).filter((l) => !('req' in l) && !('res' in l));
    } finally {
      await client.dispose();
    }
  }

  it('logs a subscription refused by its resolver at info with its code, not at error', async () => {
    const logged = await refusal('subscription { refused }');
    expect(logged.map((l) => [l.level, l.codes])).toEqual([[30, ['FORBIDDEN']]]);
  });

  it('logs a subscription graphql-js refused (bad variables) at info, not at error', async () => {
    const logged = await refusal('subscription($n: Int!) { tick(n: $n) }', { n: 'x' });
    expect(logged.map((l) => [l.level, l.codes])).toEqual([[30, ['GRAPHQL_VALIDATION_FAILED']]]);
  });

  it('keeps an unknown failure at error level', async () => {
    const logged = await refusal('subscription { broken }');
    expect(logged.map((l) => l.level)).toEqual([50]);
  });
});

const liveRedis = await redisReachable();

describe('mqemitter-redis internals (plugins/pubsub.ts)', () => {
  it('has state, subConn and pubConn, and reports connection errors on state', async () => {
    const emitter = redisEmitter({ connectionString: `redis://127.0.0.1:${await closedPort()}` });
    const internals = redisEmitterInternals(emitter);
    try {
      const [err] = (await once(internals.state, 'error')) as [Error & { code?: string }];
      expect(err.code).toBe('ECONNREFUSED');
      expect(internals.subConn.status).not.toBe('ready');
    } finally {
      internals.subConn.disconnect();
      internals.pubConn.disconnect();
    }
  });

  it.runIf(liveRedis)('both connections reach "ready" against a live Redis', async () => {
    const emitter = redisEmitter({ connectionString: redisUrl });
    const { subConn, pubConn } = redisEmitterInternals(emitter);
    await Promise.all([subConn, pubConn].map((c) => (c.status === 'ready' ? Promise.resolve() : once(c, 'ready'))));
    expect([subConn.status, pubConn.status]).toEqual(['ready', 'ready']);
    await new Promise<void>((resolve) => emitter.close(() => resolve()));
  });

  it('refuses an emitter without those fields, naming the compat module', () => {
    expect(() => redisEmitterInternals({})).toThrow(/src\/compat\/mqemitter-redis\.ts/);
  });
});

describe('Mercurius subscription ids and ws net sockets (compat/ws-fanout-internals.ts)', () => {
  let app: FastifyInstance;
  let wsUrl: string;
  const contexts: object[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    app = Fastify();
    await app.register(mercurius, {
      schema: `type Query { ok: Int } type Subscription { tick: Int }`,
      resolvers: {
        Subscription: {
          tick: {
            subscribe: (_root, _args, ctx) => {
              contexts.push(ctx);
              return ctx.pubsub.subscribe('TICK');
            },
          },
        },
      },
      subscription: {
        fullWsTransport: true,
        context: (socket: WebSocket) => {
          sockets.push(socket);
          return {};
        },
      },
    });
    wsUrl = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws') + '/graphql';
  });
  afterAll(() => app?.close());

  /** A raw graphql-transport-ws client: every frame it receives, as text. */
  async function rawClient() {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(data.toString()));
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await vi.waitFor(() => expect(frames).toContain('{"type":"connection_ack"}'));
    return { ws, frames };
  }

  it("puts the client's subscription id in the context and writes next frames as nextFrame builds them", async () => {
    const { ws, frames } = await rawClient();
    try {
      ws.send(JSON.stringify({ id: 'sub-42', type: 'subscribe', payload: { query: 'subscription { tick }' } }));
      await vi.waitFor(() => expect(contexts).toHaveLength(1));
      expect(subscriptionIdOf(contexts[0]!)).toBe('sub-42');
      const from = frames.length;
      void app.graphql.pubsub.publish({ topic: 'TICK', payload: { tick: 7 } });
      await vi.waitFor(() => expect(frames.length).toBeGreaterThan(from));
      // Byte for byte: a client cannot tell the fan-out's frames from Mercurius' own.
      expect(frames[from]).toBe(nextFrame('sub-42', JSON.stringify({ data: { tick: 7 } })).toString());
    } finally {
      ws.close();
    }
  });

  it("exposes ws' net socket: corking it holds frames back, bufferedAmount counts them, uncork sends", async () => {
    const { ws, frames } = await rawClient();
    try {
      const server = sockets.at(-1)!;
      const raw = netSocketOf(server);
      expect(raw).toBeInstanceOf(Socket);
      const before = server.bufferedAmount;
      const from = frames.length;
      raw!.cork();
      server.send('x'.repeat(10_000));
      server.send('y'.repeat(10_000));
      expect(server.bufferedAmount - before).toBeGreaterThanOrEqual(20_000);
      await new Promise((r) => setTimeout(r, 50));
      expect(frames.length).toBe(from);
      raw!.uncork();
      await vi.waitFor(() => expect(frames.slice(from).map((f) => f[0])).toEqual(['x', 'y']));
      expect(server.bufferedAmount).toBe(before);
    } finally {
      ws.close();
    }
  });
  it('takes a serverTextFrame written to the net socket as a message, in order with ws sends, while the sender is idle', async () => {
    const { ws, frames } = await rawClient();
    try {
      const server = sockets.at(-1)!;
      const raw = netSocketOf(server)!;
      expect(senderIdle(server)).toBe(true);
      const from = frames.length;
      // The three header sizes: 7-bit, 16-bit and 64-bit lengths.
      const texts = ['short', 'm'.repeat(300), 'l'.repeat(70_000)];
      server.send('before');
      for (const t of texts) raw.write(serverTextFrame(Buffer.from(t)));
      server.send('after');
      await vi.waitFor(() => expect(frames.length - from).toBe(5));
      expect(frames.slice(from)).toEqual(['before', ...texts, 'after']);
      // A Blob keeps ws' sender busy until it is read: bytes written past it then would overtake it.
      server.send(new Blob(['blob']));
      expect(senderIdle(server)).toBe(false);
      await vi.waitFor(() => expect(frames.at(-1)).toBe('blob'));
      expect(senderIdle(server)).toBe(true);
    } finally {
      ws.close();
    }
  });
});
