// The WebSocket's state as a tiny external store (read with useSyncExternalStore).
export type ConnectionState = 'connecting' | 'live' | 'offline';

export class ConnectionStore {
  private state: ConnectionState;
  private readonly listeners = new Set<() => void>();

  constructor(initial: ConnectionState = 'connecting') {
    this.state = initial;
  }

  get = (): ConnectionState => this.state;

  set(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
