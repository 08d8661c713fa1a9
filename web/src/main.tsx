import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './app/App';
import { ConnectionProvider } from './live/connection-context';
import { createLiveClient } from './live/live-client';
import './styles.css';

const { client, connection } = createLiveClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={client}>
      <ConnectionProvider store={connection}>
        <App />
      </ConnectionProvider>
    </Provider>
  </StrictMode>,
);
