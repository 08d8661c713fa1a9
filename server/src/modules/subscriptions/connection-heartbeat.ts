// Keeps WebSocket subscribers honest: a ws-level ping every period; a socket
// that left two pings in a row unanswered (dead peer, half-open TCP) is
// terminated, so its subscriptions end and nothing is queued for it any more.
// Browsers and the `ws` client answer pings by themselves. On shutdown every
// socket is closed with 1001 (going away) so clients reconnect elsewhere.
//
// The sockets are pinged a slice at a time (SLICES slices, one every period / SLICES),
// not all at once: 5,000 sockets pinged in one tick are 5,000 writes and then 5,000
// pongs to read, a burst of about a quarter of a second of one core that delays any
// event fanned out meanwhile (measured with the fan-out bench, docs/scaling.md).
import type { WebSocket } from 'ws';

const MAX_MISSED = 2;
/** Each period's pings are spread over this many ticks. */
export const HEARTBEAT_SLICES = 10;

export function createConnectionHeartbeat(periodMs: number) {
  const missed = new Map<WebSocket, number>();
  // Sockets by slice, filled in turn: slice k is pinged on ticks k, k + SLICES, …
  const slices = Array.from({ length: HEARTBEAT_SLICES }, () => new Set<WebSocket>());
  let nextSlice = 0;
  let tick = 0;

  function beat(): void {
    const slice = slices[tick++ % HEARTBEAT_SLICES]!;
    for (const socket of slice) {
      const count = missed.get(socket) ?? 0;
      if (count >= MAX_MISSED) {
        forget(socket);
        socket.terminate();
        continue;
      }
      missed.set(socket, count + 1);
      try {
        socket.ping();
      } catch {
        // closing already: its 'close' handler removes it
      }
    }
  }

  function forget(socket: WebSocket): void {
    missed.delete(socket);
    for (const slice of slices) if (slice.delete(socket)) break;
  }

  // Judged in the check phase, after pending I/O: when the event loop was
  // stalled, pongs that arrived meanwhile are counted before anyone is dropped.
  const timer = periodMs > 0 ? setInterval(() => setImmediate(beat), periodMs / HEARTBEAT_SLICES) : null;
  timer?.unref();

  return {
    track(socket: WebSocket): void {
      if (missed.has(socket)) return;
      missed.set(socket, 0);
      slices[nextSlice++ % HEARTBEAT_SLICES]!.add(socket);
      socket.on('pong', () => {
        if (missed.has(socket)) missed.set(socket, 0);
      });
      socket.once('close', () => forget(socket));
    },
    get size(): number {
      return missed.size;
    },
    /**
     * Starts the closing handshake on every socket; a peer that does not answer
     * within graceMs (dead or stalled) is cut, so shutdown never waits on it.
     */
    closeAll(code = 1001, reason = 'server shutting down', graceMs = 2000): void {
      const sockets = [...missed.keys()];
      for (const socket of sockets) socket.close(code, reason);
      setTimeout(() => {
        for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
      }, graceMs).unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
    },
  };
}

export type ConnectionHeartbeat = ReturnType<typeof createConnectionHeartbeat>;
