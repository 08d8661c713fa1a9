import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './app/App';
import { ConnectionProvider } from './live/connection-context';
import { createLiveClient, type LiveClient } from './live/live-client';
import { AuthGate } from './app/SignIn';
import './styles.css';

// Built once signed in (or once the server says it runs open), so the socket
// connects with the key from its first attempt.
let live: LiveClient | null = null;
function Live() {
  live ??= createLiveClient();
  return (
    <Provider value={live.client}>
      <ConnectionProvider store={live.connection}>
        <App />
      </ConnectionProvider>
    </Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthGate>{() => <Live />}</AuthGate>
  </StrictMode>,
);
