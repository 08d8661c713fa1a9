// Keeps WebSocket subscribers honest: a ws-level ping every period; a socket
// that left two pings in a row unanswered (dead peer, half-open TCP) is
// terminated, so its subscriptions end and nothing is queued for it any more.
// Browsers and the `ws` client answer pings by themselves. On shutdown every
// socket is closed with 1001 (going away) so clients reconnect elsewhere.
import type { WebSocket } from 'ws';

const MAX_MISSED = 2;

export function createConnectionHeartbeat(periodMs: number) {
  const missed = new Map<WebSocket, number>();

  function beat(): void {
    for (const [socket, count] of missed) {
      if (count >= MAX_MISSED) {
        missed.delete(socket);
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

  // Judged in the check phase, after pending I/O: when the event loop was
  // stalled, pongs that arrived meanwhile are counted before anyone is dropped.
  const timer = periodMs > 0 ? setInterval(() => setImmediate(beat), periodMs) : null;
  timer?.unref();

  return {
    track(socket: WebSocket): void {
      if (missed.has(socket)) return;
      missed.set(socket, 0);
      socket.on('pong', () => {
        if (missed.has(socket)) missed.set(socket, 0);
      });
      socket.once('close', () => missed.delete(socket));
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
