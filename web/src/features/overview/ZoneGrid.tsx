// Zones as a heat-map: each tile's colour follows its average trust; the text says the same.
import { StatusBadge, STATUS_ORDER } from '../../components/StatusBadge';
import { trustBand } from '../../components/TrustBar';
import { Empty } from '../../components/StatePanel';
import { Link, paths } from '../../app/router';
import { graphql, useFragment, type FragmentType } from '../../gql';

export const ZoneTileFragment = graphql(`
  fragment ZoneTile_stats on ZoneStats {
    zoneId
    zoneName
    sensorCount
    averageTrust
    statusCounts {
      status
      count
    }
    openTickets
  }
`);

/**
 * Red (≤50) → amber (75) → green (100), light enough for dark text. Healthy
 * zones sit in the 90s, so the scale spends its hues where differences matter.
 */
export function trustHue(score: number | null | undefined): string {
  if (score == null) return 'hsl(220 10% 88%)';
  const hue = Math.round(Math.max(0, Math.min(1, (score - 50) / 50)) * 120);
  return `hsl(${hue} 70% 85%)`;
}

function ZoneTile(props: { stats: FragmentType<typeof ZoneTileFragment> }) {
  const zone = useFragment(ZoneTileFragment, props.stats);
  const counts = STATUS_ORDER.map((status) => ({
    status,
    count: zone.statusCounts.find((c) => c.status === status)?.count ?? 0,
  })).filter((c) => c.count > 0);
  const trust = zone.averageTrust == null ? '–' : Math.round(zone.averageTrust);
  return (
    <li>
      <Link
        to={paths.zone(zone.zoneId)}
        className={`zone-tile trust-${trustBand(zone.averageTrust)}`}
        style={{ background: trustHue(zone.averageTrust) }}
        data-testid={`zone-tile-${zone.zoneId}`}
      >
        <span className="zone-name">{zone.zoneName}</span>
        <span className="zone-trust" aria-label={`Average trust ${trust}`}>
          {trust}
          <small>trust</small>
        </span>
        <span className="zone-meta">
          {zone.sensorCount} sensor{zone.sensorCount === 1 ? '' : 's'}
          {zone.openTickets > 0 && ` · ${zone.openTickets} open ticket${zone.openTickets === 1 ? '' : 's'}`}
        </span>
        <span className="zone-counts">
          {counts.map((c) => (
            <StatusBadge key={c.status} status={c.status} count={c.count} />
          ))}
        </span>
      </Link>
    </li>
  );
}

export function ZoneGrid(props: { zones: FragmentType<typeof ZoneTileFragment>[] }) {
  if (props.zones.length === 0) {
    return (
      <Empty>
        No zones yet. Register zones and sensors with <code>upsertZone</code> / <code>upsertSensor</code>, or run{' '}
        <code>npm run demo</code>.
      </Empty>
    );
  }
  return (
    <ul className="zone-grid" aria-label="Zones by trust">
      {props.zones.map((z, i) => (
        <ZoneTile key={i} stats={z} />
      ))}
    </ul>
  );
}
