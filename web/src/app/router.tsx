// A dependency-free hash router: #/, #/zones/:id, #/sensors/:id, #/tickets?status=…
import { useEffect, useState, type AnchorHTMLAttributes } from 'react';

export type Route =
  | { name: 'overview' }
  | { name: 'zone'; zoneId: string; params: URLSearchParams }
  | { name: 'sensor'; sensorId: string; params: URLSearchParams }
  | { name: 'tickets'; params: URLSearchParams }
  | { name: 'search'; params: URLSearchParams }
  | { name: 'registry' }
  | { name: 'incidents' }
  | { name: 'incident'; incidentId: string }
  | { name: 'receivers' }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'overview' };
  if (parts[0] === 'zones' && parts[1]) return { name: 'zone', zoneId: parts[1], params: new URLSearchParams(query) };
  if (parts[0] === 'sensors' && parts[1])
    return { name: 'sensor', sensorId: parts[1], params: new URLSearchParams(query) };
  if (parts[0] === 'search') return { name: 'search', params: new URLSearchParams(query) };
  if (parts[0] === 'registry') return { name: 'registry' };
  if (parts[0] === 'incidents' && parts[1]) return { name: 'incident', incidentId: parts[1] };
  if (parts[0] === 'incidents') return { name: 'incidents' };
  if (parts[0] === 'receivers') return { name: 'receivers' };
  if (parts[0] === 'tickets') return { name: 'tickets', params: new URLSearchParams(query) };
  return { name: 'not-found', path };
}

export const paths = {
  overview: () => '#/',
  zone: (id: string, params?: Record<string, string>) => {
    const query = new URLSearchParams(params).toString();
    return `#/zones/${encodeURIComponent(id)}${query ? `?${query}` : ''}`;
  },
  sensor: (id: string, params?: Record<string, string>) => {
    const query = new URLSearchParams(params).toString();
    return `#/sensors/${encodeURIComponent(id)}${query ? `?${query}` : ''}`;
  },
  search: (params?: Record<string, string>) => {
    const query = new URLSearchParams(params).toString();
    return query ? `#/search?${query}` : '#/search';
  },
  registry: () => '#/registry',
  incidents: () => '#/incidents',
  incident: (id: string) => `#/incidents/${encodeURIComponent(id)}`,
  receivers: () => '#/receivers',
  tickets: (params?: Record<string, string>) => {
    const query = new URLSearchParams(params).toString();
    return query ? `#/tickets?${query}` : '#/tickets';
  },
};

/** Goes to `to` (a '#/…' path); `replace` keeps the history entry (typing in a search box). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (!options.replace) {
    window.location.assign(to);
    return;
  }
  if (window.location.hash === to) return;
  window.history.replaceState(window.history.state, '', to);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const { to, ...rest } = props;
  return <a href={to} {...rest} />;
}
