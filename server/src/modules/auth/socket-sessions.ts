// WebSocket connections and their keys. graphql-ws clients send the key in
// connection_init's payload (`connectionParams.authorization`); Mercurius hands
// its subscription context function the socket but not that payload, so the
// payload is read here as the first message arrives (listeners run in order:
// ours, added on 'connection', before Mercurius' own). The key is checked
// when the context is built (socket-auth.ts); a socket that never says who
// it is within the init timeout is closed, and so are a revoked key's sockets.
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';

export interface SocketSession {
  socket: WebSocket;
  /** The authorization the client presented in connection_init, if any. */
  authorization: unknown;
  keyId: string | null;
  /** The client's address (rate limits without a key). */
  ip: string;
  subscriptions: number;
  maxSubscriptions: number;
}

export interface SocketSessionsOptions {
  maxSocketsPerKey: number;
  maxSubscriptionsPerSocket: number;
  /** A socket without connection_init after this long is closed (graphql-ws' 4408). */
  initTimeoutMs: number;
}

/** The `type` of a graphql-ws message (a JSON object with a string `type`), else null. */
function messageType(data: unknown): string | null {
  try {
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data as Buffer[]).toString('utf8')
        : String(data);
    const message = JSON.parse(text) as unknown;
    if (!message || typeof message !== 'object' || Array.isArray(message)) return null;
    const type = (message as { type?: unknown }).type;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}

/**
 * Closes the socket as the graphql-ws protocol says, before Mercurius sees the
 * message: 4400 for one that is not a protocol message (not JSON, not an object, no
 * type; Mercurius throws on some, `null`, and logs that as a server error), 4401 for
 * a subscription before connection_init (Mercurius closes without a code). Wraps
 * `emit`, so it runs before every 'message' listener whatever their order.
 */
function refuseInvalidMessages(socket: WebSocket): void {
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  let initialised = false;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event !== 'message') return emit(event, ...args);
    const type = messageType(args[0]);
    if (type === null) {
      socket.close(4400, 'Invalid message: a JSON object with a "type" is expected');
      return false;
    }
    if (type === 'connection_init') initialised = true;
    else if (!initialised && (type === 'subscribe' || type === 'start')) {
      socket.close(4401, 'Unauthorized: send connection_init first');
      return false;
    }
    return emit(event, ...args);
  }) as WebSocket['emit'];
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
      wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
        const session: SocketSession = {
          socket,
          authorization: undefined,
          keyId: null,
          ip: request.socket.remoteAddress ?? 'unknown',
          subscriptions: 0,
          maxSubscriptions: options.maxSubscriptionsPerSocket,
        };
        sessions.set(socket, session);
        refuseInvalidMessages(socket);
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
