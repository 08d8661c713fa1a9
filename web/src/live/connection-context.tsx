// Makes the socket state available to components; tests pass a fixed store.
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { ConnectionStore, type ConnectionState, type Transport } from './connection-store';

const ConnectionContext = createContext<ConnectionStore>(new ConnectionStore('live'));

export function ConnectionProvider({ store, children }: { store: ConnectionStore; children: ReactNode }) {
  return <ConnectionContext.Provider value={store}>{children}</ConnectionContext.Provider>;
}

export function useConnectionState(): ConnectionState {
  const store = useContext(ConnectionContext);
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

export function useTransport(): Transport {
  const store = useContext(ConnectionContext);
  return useSyncExternalStore(store.subscribe, store.transport, store.transport);
}
