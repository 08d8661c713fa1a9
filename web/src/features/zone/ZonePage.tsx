// One zone: its sensors, kept live by sensorUpdated and readingAdded for the zone.
import { useMemo, useState } from 'react';
import { useSubscription } from 'urql';
import { Link, navigate, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { useCan } from '../../app/use-permission';
import { ZoneReadingsDownload } from '../history/ZoneReadingsDownload';
import { MaintenancePanel } from '../registry/MaintenancePanel';
import { TargetNotes } from '../silences/MaintenanceNote';
import { SilenceForm, SilenceNotes } from '../silences/SilencePanel';
import { SensorForm } from '../registry/SensorForm';
import { ZoneForm } from '../registry/ZoneForm';
import { readTableState, tableQuery, ZoneSensorTable, type LiveReading } from './ZoneSensorTable';

export const ZoneQuery = graphql(`
  query Zone($id: ID!) {
    zone(id: $id) {
      id
      name
      description
      silences {
        id
        ...Silence_silence
      }
      maintenance {
        id
        ...MaintenanceNote_window
      }
      sensors {
        id
        ...ZoneSensorRow_sensor
      }
    }
  }
`);

export const ZoneSensorsSubscription = graphql(`
  subscription ZoneSensorUpdated($zoneId: ID) {
    sensorUpdated(zoneId: $zoneId) {
      id
      ...ZoneSensorRow_sensor
    }
  }
`);

export const ZoneReadingsSubscription = graphql(`
  subscription ZoneReadingAdded($zoneId: ID) {
    readingAdded(zoneId: $zoneId) {
      sensorId
      timestamp
      value
    }
  }
`);

type Pushed = NonNullable<ReturnType<typeof useZoneSensorPushes>>;

function useZoneSensorPushes(zoneId: string) {
  const [result] = useSubscription(
    { query: ZoneSensorsSubscription, variables: { zoneId } },
    (seen: Map<string, { id: string }> = new Map(), event) =>
      new Map(seen).set(event.sensorUpdated.id, event.sensorUpdated),
  );
  return result.data;
}

export function ZonePage({ zoneId, params }: { zoneId: string; params?: URLSearchParams }) {
  const admin = useCan('manageRegistry');
  const [form, setForm] = useState<null | 'zone' | 'sensor'>(null);
  const [result, refetch] = useLiveQuery({ query: ZoneQuery, variables: { id: zoneId } });
  const pushedSensors = useZoneSensorPushes(zoneId);
  const [readings] = useSubscription(
    { query: ZoneReadingsSubscription, variables: { zoneId } },
    (seen: Map<string, LiveReading> = new Map(), event) => {
      const r = event.readingAdded;
      const known = seen.get(r.sensorId);
      return known && known.timestamp >= r.timestamp ? seen : new Map(seen).set(r.sensorId, r);
    },
  );
  // A sensor added to the zone arrives as an update we have no row for: refetch the list.
  useRefetchOn(ZoneSensorsSubscription, { zoneId }, refetch, 30_000, !result.data);

  const sensors = useMemo(() => {
    const list = result.data?.zone?.sensors ?? [];
    const pushed: Pushed | undefined = pushedSensors;
    // A pushed sensor carries the row fragment's fields; only its masked type differs
    // (typescript-eslint sees the two as one type, tsc does not).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    return pushed ? list.map((s) => (pushed.get(s.id) as typeof s | undefined) ?? s) : list;
  }, [result.data, pushedSensors]);

  useDocumentTitle(result.data?.zone?.name ?? `Zone ${zoneId}`);

  if (!result.data && result.fetching) return <Loading what="the zone" />;
  if (!result.data && result.error) return <ErrorState error={result.error} what="the zone" />;
  const zone = result.data?.zone;
  if (!zone)
    return (
      <Empty>
        Zone “{zoneId}” does not exist. <Link to={paths.overview()}>Back to the overview</Link>
      </Empty>
    );

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to={paths.overview()}>Overview</Link> › <span>{zone.name}</span>
      </nav>
      <header className="page-header">
        <h1>{zone.name}</h1>
        {zone.description && <p className="muted">{zone.description}</p>}
        <Link to={paths.tickets({ zone: zone.id })}>Tickets in this zone →</Link>
        {admin && (
          <div className="button-row">
            <button
              type="button"
              aria-expanded={form === 'zone'}
              onClick={() => setForm(form === 'zone' ? null : 'zone')}
            >
              Edit zone…
            </button>
            <button
              type="button"
              aria-expanded={form === 'sensor'}
              onClick={() => setForm(form === 'sensor' ? null : 'sensor')}
            >
              Add sensor…
            </button>
          </div>
        )}
      </header>
      {form === 'zone' && (
        <section className="panel">
          <ZoneForm zone={zone} onDone={() => setForm(null)} onCancel={() => setForm(null)} />
        </section>
      )}
      {form === 'sensor' && (
        <section className="panel">
          <SensorForm
            zoneId={zone.id}
            onDone={(id) => {
              setForm(null);
              navigate(paths.sensor(id));
            }}
            onCancel={() => setForm(null)}
          />
        </section>
      )}
      <FreshnessNote freshness={result.freshness} />
      <TargetNotes maintenance={zone.maintenance} testId="zone-notes" />
      <section className="panel" aria-labelledby="zone-silences-heading">
        <h2 id="zone-silences-heading">Silences</h2>
        {zone.silences.length === 0 && <p className="muted small">Not silenced: tickets of its sensors notify.</p>}
        <SilenceNotes silences={zone.silences} onChange={() => refetch()} />
        <SilenceForm target={{ zoneId: zone.id }} label="this zone" onDone={() => refetch()} />
      </section>
      <section className="panel">
        <ZoneSensorTable
          sensors={sensors}
          liveReadings={readings.data}
          state={readTableState(params ?? new URLSearchParams())}
          onStateChange={(next) => navigate(paths.zone(zoneId, tableQuery(next)), { replace: true })}
        />
      </section>
      <MaintenancePanel zoneId={zone.id} />
      <ZoneReadingsDownload zoneId={zone.id} />
    </div>
  );
}
