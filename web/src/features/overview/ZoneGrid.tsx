// Zones worst first: each tile takes the colour of its worst sensor's status (a
// zone with a FAULTY sensor is never green) and says it in words too.
import { StatusBadge, STATUS_ORDER, statusLabel } from '../../components/StatusBadge';
import { Empty } from '../../components/StatePanel';
import { Link, paths } from '../../app/router';
import { graphql, useFragment, type FragmentType } from '../../gql';
import type { TrustStatus, ZoneNotesQuery as ZoneNotesData, ZoneTile_StatsFragment } from '../../gql/graphql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { TargetNotes } from '../silences/MaintenanceNote';
import { DashboardUpdatedSubscription } from './OverviewPage';

/** What each tile says beside its figures: maintenance in force and silences (who, why, until). */
export const ZoneNotesQuery = graphql(`
  query ZoneNotes {
    zones {
      id
      silences {
        id
        ...Silence_silence
      }
      maintenance {
        id
        ...MaintenanceNote_window
      }
    }
  }
`);

type ZoneNotes = ZoneNotesData['zones'][number];

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

/** A zone is as bad as its worst sensor: one FAULTY sensor makes a red tile, whatever the average. */
const WORST_FIRST: TrustStatus[] = ['FAULTY', 'OFFLINE', 'DEGRADED', 'UNKNOWN', 'HEALTHY'];

type ZoneTileData = ZoneTile_StatsFragment;

export function worstStatus(zone: Pick<ZoneTileData, 'statusCounts'>): TrustStatus | null {
  return WORST_FIRST.find((s) => zone.statusCounts.some((c) => c.status === s && c.count > 0)) ?? null;
}

/** Worst status first, then more open tickets, then lower trust, then name. */
export function worstFirst(a: ZoneTileData, b: ZoneTileData): number {
  const rank = (z: ZoneTileData) => {
    const worst = worstStatus(z);
    return worst ? WORST_FIRST.indexOf(worst) : WORST_FIRST.length;
  };
  return (
    rank(a) - rank(b) ||
    b.openTickets - a.openTickets ||
    (a.averageTrust ?? 101) - (b.averageTrust ?? 101) ||
    a.zoneName.localeCompare(b.zoneName)
  );
}

function ZoneTile({ zone, notes }: { zone: ZoneTileData; notes?: ZoneNotes }) {
  const counts = STATUS_ORDER.map((status) => ({
    status,
    count: zone.statusCounts.find((c) => c.status === status)?.count ?? 0,
  })).filter((c) => c.count > 0);
  const trust = zone.averageTrust == null ? '–' : Math.round(zone.averageTrust);
  const worst = worstStatus(zone);
  /** Sensors that stopped reporting (OFFLINE). */
  const silent = zone.statusCounts.find((c) => c.status === 'OFFLINE')?.count ?? 0;
  return (
    <li>
      <Link
        to={paths.zone(zone.zoneId)}
        className={`zone-tile zone-${(worst ?? 'empty').toLowerCase()}`}
        data-testid={`zone-tile-${zone.zoneId}`}
        data-worst={worst ?? 'NONE'}
      >
        <span className="zone-name">{zone.zoneName}</span>
        <span className="zone-trust" aria-label={`Average trust ${trust}`}>
          {trust}
          <small>trust</small>
        </span>
        <span className="zone-meta">
          {worst ? (
            <>
              worst: <strong>{statusLabel(worst).toLowerCase()}</strong> ·{' '}
            </>
          ) : null}
          {zone.sensorCount} sensor{zone.sensorCount === 1 ? '' : 's'}
          {silent > 0 && (
            <>
              {' · '}
              <strong className="zone-silent" data-testid={`zone-silent-${zone.zoneId}`}>
                {silent === zone.sensorCount ? `all ${silent} silent` : `${silent} silent`}
              </strong>
            </>
          )}
          {zone.openTickets > 0 && ` · ${zone.openTickets} open ticket${zone.openTickets === 1 ? '' : 's'}`}
        </span>
        <span className="zone-counts">
          {counts.map((c) => (
            <StatusBadge key={c.status} status={c.status} count={c.count} />
          ))}
        </span>
        {notes && <TargetNotes maintenance={notes.maintenance} silences={notes.silences} compact />}
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
  return <SortedZones zones={props.zones} />;
}

function SortedZones(props: { zones: FragmentType<typeof ZoneTileFragment>[] }) {
  const zones = [...useFragment(ZoneTileFragment, props.zones)].sort(worstFirst);
  const [notes, refetch] = useLiveQuery({ query: ZoneNotesQuery });
  useRefetchOn(DashboardUpdatedSubscription, {}, refetch, 10_000);
  const notesOf = new Map((notes.data?.zones ?? []).map((z) => [z.id, z]));
  return (
    <ul className="zone-grid" aria-label="Zones, worst first">
      {zones.map((z) => (
        <ZoneTile key={z.zoneId} zone={z} notes={notesOf.get(z.zoneId)} />
      ))}
    </ul>
  );
}
