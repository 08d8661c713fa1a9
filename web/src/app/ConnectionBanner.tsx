// Says plainly when live updates are paused (the app then polls every 10 s).
import { useConnectionState, useTransport } from '../live/connection-context';
import { POLL_INTERVAL_MS } from '../live/use-live-query';

export function ConnectionBanner() {
  const state = useConnectionState();
  if (state !== 'offline') return null;
  return (
    <div className="banner banner-warning" role="status" data-testid="connection-banner">
      <span aria-hidden="true">⚠</span> Live updates paused — reconnecting; refreshing every {POLL_INTERVAL_MS / 1000} s
    </div>
  );
}

export function LiveIndicator({ fleetSilent = false }: { fleetSilent?: boolean }) {
  const state = useConnectionState();
  const transport = useTransport();
  // Connected but nobody is sending: "Live" would say the data is current; it is not.
  const label =
    state === 'live' && fleetSilent
      ? 'No readings from the fleet'
      : state === 'live'
        ? transport === 'sse'
          ? 'Live (SSE)'
          : 'Live'
        : state === 'connecting'
          ? 'Connecting…'
          : 'Polling';
  return (
    <span
      className={`live-indicator live-${state}${fleetSilent && state === 'live' ? ' live-fleet-silent' : ''}`}
      data-testid="live-indicator"
      title={
        fleetSilent
          ? 'Connected, but no readings were accepted from any sensor for several intervals: see the incident on the overview'
          : transport === 'sse'
            ? 'Live updates over Server-Sent Events: WebSockets do not get through to the server'
            : undefined
      }
    >
      <span aria-hidden="true" className="live-dot" /> {label}
    </span>
  );
}
