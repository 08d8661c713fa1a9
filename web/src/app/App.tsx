// The shell: header with navigation and connection state, then the routed page.
import { OverviewPage } from '../features/overview/OverviewPage';
import { SensorPage } from '../features/sensor/SensorPage';
import { TicketsPage } from '../features/tickets/TicketsPage';
import { ZonePage } from '../features/zone/ZonePage';
import { RegistryPage } from '../features/registry/RegistryPage';
import { HeaderSearch, SearchPage } from '../features/search/SearchPage';
import { Empty } from '../components/StatePanel';
import { ConnectionBanner, LiveIndicator } from './ConnectionBanner';
import { SignedInAs } from './SignIn';
import { Link, paths, useRoute, type Route } from './router';
import { useDocumentTitle } from './use-document-title';
import { useTheme } from './use-theme';

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'overview':
      return <OverviewPage />;
    case 'zone':
      return <ZonePage key={route.zoneId} zoneId={route.zoneId} params={route.params} />;
    case 'sensor':
      return <SensorPage key={route.sensorId} sensorId={route.sensorId} params={route.params} />;
    case 'search':
      return <SearchPage params={route.params} />;
    case 'registry':
      return <RegistryPage />;
    case 'tickets':
      return <TicketsPage params={route.params} />;
    case 'not-found':
      return <NotFound path={route.path} />;
  }
}

function NotFound({ path }: { path: string }) {
  useDocumentTitle('Not found');
  return (
    <Empty>
      Nothing at “{path}”. <Link to={paths.overview()}>Go to the overview</Link>
    </Empty>
  );
}

export function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href={paths.overview()}>
          <span aria-hidden="true" className="brand-mark">
            ◆
          </span>{' '}
          Sensor Trust
        </a>
        <nav className="main-nav" aria-label="Main">
          <Link to={paths.overview()} aria-current={route.name === 'overview' ? 'page' : undefined}>
            Overview
          </Link>
          <Link to={paths.tickets()} aria-current={route.name === 'tickets' ? 'page' : undefined}>
            Tickets
          </Link>
          <Link to={paths.registry()} aria-current={route.name === 'registry' ? 'page' : undefined}>
            Registry
          </Link>
        </nav>
        <span className="header-spacer" />
        {route.name !== 'search' && <HeaderSearch />}
        <LiveIndicator />
        <SignedInAs />
        <button
          type="button"
          className="theme-toggle"
          onClick={toggleTheme}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
          <span className="theme-word">{theme === 'dark' ? ' Light' : ' Dark'}</span>
        </button>
      </header>
      <ConnectionBanner />
      <main className="app-main">
        <Page route={route} />
      </main>
    </div>
  );
}
