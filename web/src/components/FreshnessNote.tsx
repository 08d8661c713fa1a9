// Says how old the data on screen is when it may be out of date: kept from
// before the server became unreachable, or a revisit's cached copy being refreshed.
import type { Freshness } from '../live/use-live-query';
import { formatRecent } from './time-format';

export function FreshnessNote({ freshness }: { freshness: Freshness }) {
  if (!freshness.stale || !freshness.asOf) return null;
  const offline = freshness.stale === 'offline';
  return (
    <p className={`freshness freshness-${freshness.stale}`} role="status" data-testid="stale-marker">
      <span aria-hidden="true">{offline ? '⚠' : '↻'}</span> As of{' '}
      <time dateTime={freshness.asOf.toISOString()}>{formatRecent(freshness.asOf)}</time>
      {offline ? ' — the server cannot be reached; showing the last data received' : ' — refreshing…'}
    </p>
  );
}
