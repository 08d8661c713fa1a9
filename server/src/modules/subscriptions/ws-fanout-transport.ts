// The socket fan-out: one event heard by thousands of graphql-ws subscribers costs one
// execution and one serialisation per distinct subscription, not one per subscriber.
//
// Mercurius runs a subscription's selection for every event and every subscriber, then
// stringifies each result for its socket. Here, a hub stream (event-stream.ts) opened over
// a WebSocket takes its items straight to the socket instead:
// - the selection is executed once per event item and group (document, variables, role:
//   what the result can depend on), with the first subscriber's context, and the result
//   is serialised once; the `next` frame is built once per subscription id (clients
//   number their subscriptions alike, so most sockets share one frame too);
// - the frame goes to the socket as it is found, not at the end of the fan-out: the
//   WebSocket frame (header and payload) is built once per subscription id and written
//   as is to every socket that shares it (one write per socket, no per-socket framing),
//   so the first subscribers are reading while the last are still being written to; a
//   socket that hears several items of one event (a zone subscriber, several
//   subscriptions on one socket) is corked from its second item until the fan-out is
//   over, so it gets two writes at most;
// - nothing waits on a socket: a socket whose write buffer holds more than
//   SOCKET_BACKED_UP_BYTES is declined, so its items queue in its stream as before, which
//   ends it with SUBSCRIBER_TOO_SLOW past its limit (counted in /metrics);
// - what cannot be shared (a result with errors, such as the notice of dropped events, or
//   a selection whose resolvers are asynchronous) is declined too: Mercurius executes it
//   for that subscriber, as for SSE subscribers, which never come here.
// Auth and per-key caps are untouched: the hub still opens, budgets and ends every stream,
// and a revoked key's socket is closed as before.
import type { Duplex } from 'node:stream';
import type { DocumentNode, ExecutionResult, GraphQLResolveInfo } from 'graphql';
import type { WebSocket } from 'ws';
import { graphql } from '../../compat/graphql-js.js';
import {
  netSocketOf,
  nextFrame,
  senderIdle,
  serverTextFrame,
  subscriptionIdOf,
} from '../../compat/ws-fanout-internals.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { EventStream } from './event-stream.js';
import { DroppedNotice } from './key-budgets.js';

/** Bytes waiting in a socket's write buffer past which it is left to its own queue. */
export const SOCKET_BACKED_UP_BYTES = 64 * 1024;

interface Shared {
  /** The serialised result, or null: this group's subscribers execute on their own. */
  payload: string | null;
  /** Its resolvers answered with a promise: none of this subscription's events are shared. */
  async: boolean;
  frames: Map<string, Frame>;
}

interface Frame {
  /** The `next` message, for ws to frame when its sender holds something back. */
  text: Buffer;
  /** The whole WebSocket frame of it, written to the net socket as is. */
  wire: Buffer;
}

export interface SharedCounters {
  executions: number;
  frames: number;
  /** Fan-outs (one per event and instance with socket subscribers) and their time: from the first frame to every socket written to the kernel (the next check phase). */
  fanouts: number;
  fanoutSeconds: number;
}

export function createWsFanout(counters: SharedCounters) {
  // Per event item, per group. Items are shared by every subscriber they go to (the hub
  // pushes one object to all), and dropped with them.
  const byItem = new WeakMap<object, Map<string, Shared>>();
  // Net sockets written to in this fan-out, and those corked since their second frame
  // (with the bytes written to them meanwhile). A fan-out ends at the next check phase.
  const touched = new Set<Duplex>();
  const corked = new Map<Duplex, number>();
  let endScheduled = false;
  let fanoutStarted = 0;

  function endFanout(): void {
    endScheduled = false;
    for (const raw of corked.keys()) raw.uncork();
    corked.clear();
    touched.clear();
    counters.fanouts++;
    counters.fanoutSeconds += (performance.now() - fanoutStarted) / 1000;
  }

  /** Bytes the client has not taken yet, what this fan-out holds back aside. */
  function backlog(socket: WebSocket): number {
    const raw = netSocketOf(socket);
    return socket.bufferedAmount - ((raw && corked.get(raw)) ?? 0);
  }

  function write(socket: WebSocket, frame: Frame): void {
    if (!endScheduled) {
      endScheduled = true;
      fanoutStarted = performance.now();
      setImmediate(endFanout);
    }
    const raw = netSocketOf(socket);
    if (!raw || !senderIdle(socket)) {
      socket.send(frame.text, { binary: false });
      return;
    }
    if (touched.has(raw)) {
      const held = corked.get(raw);
      if (held === undefined) raw.cork();
      corked.set(raw, (held ?? 0) + frame.wire.length);
    } else touched.add(raw);
    raw.write(frame.wire);
  }

  function sharedFor(item: object, group: string, execute: () => unknown): Shared {
    let groups = byItem.get(item);
    if (!groups) byItem.set(item, (groups = new Map<string, Shared>()));
    let entry = groups.get(group);
    if (entry) return entry;
    const result = execute();
    counters.executions++;
    const async = result instanceof Promise;
    if (async) result.catch(() => undefined);
    const failed = async || Boolean((result as ExecutionResult).errors?.length);
    entry = { payload: failed ? null : JSON.stringify(result), async, frames: new Map() };
    groups.set(group, entry);
    return entry;
  }

  return {
    /**
     * Lets `stream` write straight to its subscriber's socket (graphql-ws only; SSE and
     * other callers get the stream as it is). Returns the stream.
     */
    attach<T>(stream: EventStream<T>, ctx: GraphQLContext, info: GraphQLResolveInfo): EventStream<T> {
      const socket = ctx.wsSession?.socket;
      const id = subscriptionIdOf(ctx);
      if (!socket || id === null) return stream;
      const document: DocumentNode = {
        kind: graphql.Kind.DOCUMENT,
        definitions: [info.operation, ...Object.values(info.fragments)],
      };
      const group = `${ctx.auth?.role ?? '-'}\n${JSON.stringify(info.variableValues)}\n${graphql.print(document)}`;
      const execute = (item: object) => () =>
        graphql.execute({
          schema: info.schema,
          document,
          rootValue: item,
          contextValue: ctx,
          variableValues: info.variableValues,
        });
      let sharable = true;
      stream.sendDirectly((item) => {
        if (!sharable || typeof item !== 'object' || item === null || item instanceof DroppedNotice) return false;
        if (socket.readyState !== socket.OPEN || backlog(socket) > SOCKET_BACKED_UP_BYTES) return false;
        const shared = sharedFor(item, group, execute(item));
        if (shared.async) sharable = false;
        if (shared.payload === null) return false;
        let frame = shared.frames.get(id);
        if (!frame) {
          const text = nextFrame(id, shared.payload);
          frame = { text, wire: serverTextFrame(text) };
          shared.frames.set(id, frame);
        }
        write(socket, frame);
        counters.frames++;
        return true;
      });
      return stream;
    },
  };
}

export type WsFanout = ReturnType<typeof createWsFanout>;
