// What the socket fan-out (modules/subscriptions/ws-fanout-transport.ts) relies on in
// Mercurius and ws beyond their documented APIs.
//
// 1. Mercurius' subscription id in the context. Over graphql-ws, Mercurius runs a
//    subscription with a context of its own that carries `id`: the id the client gave in
//    its `subscribe` message (mercurius/lib/subscription-connection.js), which Mercurius
//    then writes as `{"type":"next","id":…,"payload":…}` frames. The fan-out writes those
//    frames itself, so it needs that id, and the frame shape Mercurius writes.
// 2. ws' net socket. ws keeps the socket under a WebSocket private (`_socket`). The
//    fan-out writes a whole WebSocket frame (header and payload, built once and shared by
//    every socket of a subscription) to it, and corks it when a socket hears several items
//    of one event, so that socket gets one write; ws corks around each frame itself and
//    corks nest, and `bufferedAmount` counts what the socket holds.
// 3. ws' sender state. Writing past ws' Sender is only in order while the Sender holds
//    nothing back: no queued frame (it queues while compressing or reading a Blob, under
//    `_state` and `_queue`) and no fragmented message half sent (`_firstFragment`). The
//    server negotiates no compression, so in practice it always is idle; when it is not,
//    the fan-out sends through ws.
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

/** The net socket under a ws WebSocket, or null (the fan-out then writes through ws). */
export function netSocketOf(socket: WebSocket): Duplex | null {
  return (socket as unknown as { _socket?: Duplex | null })._socket ?? null;
}

interface SenderInternals {
  _state?: unknown;
  _queue?: unknown[];
  _firstFragment?: unknown;
}

/** Whether bytes written to the net socket now go out after everything ws was asked to send. */
export function senderIdle(socket: WebSocket): boolean {
  const sender = (socket as unknown as { _sender?: SenderInternals | null })._sender;
  return Boolean(sender && sender._state === 0 && sender._queue?.length === 0 && sender._firstFragment === true);
}

/** An unmasked, final WebSocket text frame carrying `payload` (RFC 6455 §5.2), as a server writes it. */
export function serverTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + n);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, header);
  return frame;
}
