// The shell: header with navigation and connection state, then the routed page.
// A key that may not read the dashboard (INTEGRATOR) sees only what it can use:
// the registry (with a note on what the key can do), for every route, and no
// navigation to pages whose queries the server would refuse (FORBIDDEN).
import { OverviewPage } from '../features/overview/OverviewPage';
import { SensorPage } from '../features/sensor/SensorPage';
import { TicketsPage } from '../features/tickets/TicketsPage';
import { ZonePage } from '../features/zone/ZonePage';
import { RegistryPage } from '../features/registry/RegistryPage';
import { ReceiversPage } from '../features/receivers/ReceiversPage';
import { HeaderSearch, SearchPage } from '../features/search/SearchPage';
import { Empty } from '../components/StatePanel';
import { timeZoneLabel } from '../components/time-format';
import { IncidentPage, IncidentsPage } from '../features/incidents/IncidentsPage';
import { useFleetSilent } from '../features/incidents/OpenIncidents';
import { ConnectionBanner, LiveIndicator } from './ConnectionBanner';
import { SignedInAs } from './SignIn';
import { Link, paths, useRoute, type Route } from './router';
import { useDocumentTitle } from './use-document-title';
import { useCan } from './use-permission';
import { useTheme } from './use-theme';

function Page({ route, reader }: { route: Route; reader: boolean }) {
  // Everything but the registry reads trust, tickets or dashboards: not for this key.
  if (!reader && route.name !== 'not-found') return <RegistryPage />;
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
    case 'receivers':
      return <ReceiversPage />;
    case 'tickets':
      return <TicketsPage params={route.params} />;
    case 'incidents':
      return <IncidentsPage />;
    case 'incident':
      return <IncidentPage key={route.incidentId} incidentId={route.incidentId} />;
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

/** "No readings from the fleet" instead of "Live" while a FLEET_SILENT incident is open. */
function FleetAwareLiveIndicator() {
  const silent = useFleetSilent();
  return <LiveIndicator fleetSilent={silent} />;
}

export function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const reader = useCan('read');
  const notifier = useCan('manageNotifications');
  const current = (name: Route['name']) =>
    route.name === name || (!reader && name === 'registry' && route.name !== 'not-found') ? 'page' : undefined;
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
          {reader && (
            <Link to={paths.overview()} aria-current={current('overview')}>
              Overview
            </Link>
          )}
          {reader && (
            <Link to={paths.tickets()} aria-current={current('tickets')}>
              Tickets
            </Link>
          )}
          {reader && (
            <Link to={paths.incidents()} aria-current={current('incidents')}>
              Incidents
            </Link>
          )}
          <Link to={paths.registry()} aria-current={current('registry')}>
            Registry
          </Link>
          {notifier && (
            <Link to={paths.receivers()} aria-current={current('receivers')}>
              Receivers
            </Link>
          )}
        </nav>
        <span className="header-spacer" />
        {reader && route.name !== 'search' && <HeaderSearch />}
        {reader ? <FleetAwareLiveIndicator /> : <LiveIndicator />}
        <a href="/graphiql" className="header-link" title="Explore the GraphQL API">
          GraphiQL
        </a>
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
        <Page route={route} reader={reader} />
      </main>
      <footer className="app-footer muted small" data-testid="time-zone-note">
        Times are shown in {timeZoneLabel()}, the time zone of this browser.
      </footer>
    </div>
  );
}
