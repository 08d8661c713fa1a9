// The live connection's state as a tiny external store (read with useSyncExternalStore):
// whether live updates flow, and over which transport.
export type ConnectionState = 'connecting' | 'live' | 'offline';
/** WebSocket (graphql-ws) first; Server-Sent Events (graphql-sse) when WebSockets cannot get through. */
export type Transport = 'websocket' | 'sse';

export class ConnectionStore {
  private state: ConnectionState;
  private currentTransport: Transport = 'websocket';
  private readonly listeners = new Set<() => void>();

  constructor(initial: ConnectionState = 'connecting') {
    this.state = initial;
  }

  get = (): ConnectionState => this.state;

  transport = (): Transport => this.currentTransport;

  set(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    this.notify();
  }

  setTransport(next: Transport): void {
    if (next === this.currentTransport) return;
    this.currentTransport = next;
    this.notify();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private notify() {
    for (const listener of this.listeners) listener();
  }
}
