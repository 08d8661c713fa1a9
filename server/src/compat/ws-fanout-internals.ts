// What the socket fan-out (modules/subscriptions/ws-fanout-transport.ts) relies on in
// Mercurius and ws beyond their documented APIs.
//
// 1. Mercurius' subscription id in the context. Over graphql-ws, Mercurius runs a
//    subscription with a context of its own that carries `id`: the id the client gave in
//    its `subscribe` message (mercurius/lib/subscription-connection.js), which Mercurius
//    then writes as `{"type":"next","id":…,"payload":…}` frames. The fan-out writes those
//    frames itself, so it needs that id, and the frame shape Mercurius writes.
// 2. ws' net socket. ws keeps the socket under a WebSocket private (`_socket`). The
//    fan-out corks it while one event is written to thousands of sockets, so a socket
//    hearing several items gets one write; ws corks around each frame itself and corks
//    nest, and `bufferedAmount` counts what the corked socket holds.
// test/library-compat.test.ts checks each against the installed Mercurius and ws.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The graphql-ws subscription id Mercurius puts in a subscription's context, or null. */
export function subscriptionIdOf(context: object): string | null {
  const id = (context as { id?: unknown }).id;
  return typeof id === 'string' ? id : null;
}

/** The `next` frame Mercurius writes for a subscription's result, `payload` already serialised. */
export function nextFrame(id: string, payload: string): Buffer {
  return Buffer.from(`{"type":"next","id":${JSON.stringify(id)},"payload":${payload}}`);
}

/** The net socket under a ws WebSocket, or null (the fan-out then writes without corking). */
export function netSocketOf(socket: WebSocket): Duplex | null {
  return (socket as unknown as { _socket?: Duplex | null })._socket ?? null;
}
