// WebSocket connections and their keys. graphql-ws clients send the key in
// connection_init's payload (`connectionParams.authorization`); Mercurius hands
// its subscription context function the socket but not that payload, so the
// payload is read here as the first message arrives (listeners run in order:
// ours, added on 'connection', before Mercurius' own). The key is checked
// when the context is built (socket-auth.ts); a socket that never says who
// it is within the init timeout is closed, and so are a revoked key's sockets.
import type { WebSocket, WebSocketServer } from 'ws';

export interface SocketSession {
  socket: WebSocket;
  /** The authorization the client presented in connection_init, if any. */
  authorization: unknown;
  keyId: string | null;
  subscriptions: number;
  maxSubscriptions: number;
}

export interface SocketSessionsOptions {
  maxSocketsPerKey: number;
  maxSubscriptionsPerSocket: number;
  /** A socket without connection_init after this long is closed (graphql-ws' 4408). */
  initTimeoutMs: number;
}

export function createSocketSessions(options: SocketSessionsOptions) {
  const sessions = new WeakMap<WebSocket, SocketSession>();
  const byKey = new Map<string, Set<WebSocket>>();

  function forget(socket: WebSocket): void {
    const session = sessions.get(socket);
    if (!session?.keyId) return;
    const set = byKey.get(session.keyId);
    set?.delete(socket);
    if (set?.size === 0) byKey.delete(session.keyId);
  }

  return {
    /** Starts tracking the server's sockets. */
    attach(wss: WebSocketServer): void {
      wss.on('connection', (socket: WebSocket) => {
        const session: SocketSession = {
          socket,
          authorization: undefined,
          keyId: null,
          subscriptions: 0,
          maxSubscriptions: options.maxSubscriptionsPerSocket,
        };
        sessions.set(socket, session);
        const timer = setTimeout(() => socket.close(4408, 'Connection initialisation timeout'), options.initTimeoutMs);
        timer.unref();
        socket.once('message', (data: Buffer, isBinary: boolean) => {
          clearTimeout(timer);
          if (isBinary) return;
          try {
            const message = JSON.parse(data.toString()) as { type?: unknown; payload?: { authorization?: unknown } };
            if (message?.type === 'connection_init') session.authorization = message.payload?.authorization;
          } catch {
            // Mercurius answers malformed messages
          }
        });
        socket.once('close', () => {
          clearTimeout(timer);
          forget(socket);
        });
      });
    },

    session(socket: WebSocket): SocketSession | undefined {
      return sessions.get(socket);
    },

    /** Ties the socket to its key; false when the key already has its maximum of sockets. */
    bind(session: SocketSession, keyId: string | null): boolean {
      if (keyId === null) return true;
      let set = byKey.get(keyId);
      if (!set) byKey.set(keyId, (set = new Set()));
      if (set.size >= options.maxSocketsPerKey) return false;
      set.add(session.socket);
      session.keyId = keyId;
      return true;
    },

    keyIds(): string[] {
      return [...byKey.keys()];
    },

    closeKey(keyId: string, code: number, reason: string): number {
      const set = byKey.get(keyId);
      if (!set) return 0;
      for (const socket of set) socket.close(code, reason);
      return set.size;
    },

    /** Open sockets and their running subscriptions (metrics). */
    counts(wss: WebSocketServer): { sockets: number; subscriptions: number } {
      let subscriptions = 0;
      for (const socket of wss.clients) subscriptions += sessions.get(socket)?.subscriptions ?? 0;
      return { sockets: wss.clients.size, subscriptions };
    },
  };
}

export type SocketSessions = ReturnType<typeof createSocketSessions>;
