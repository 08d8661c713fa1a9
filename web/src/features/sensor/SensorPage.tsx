// One sensor: readings chart, trust history, reasons in words and its tickets.
// Readings and trust arrive live; tickets refresh on ticketUpdated for the sensor.
import { useState } from 'react';
import { useSubscription } from 'urql';
import { Link, navigate, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { MaintenancePanel } from '../registry/MaintenancePanel';
import { SensorAdmin } from '../registry/SensorAdmin';
import { MaintenanceNote } from '../silences/MaintenanceNote';
import { SilenceForm, SilenceNotes } from '../silences/SilencePanel';
import { TicketCard } from '../tickets/TicketCard';
import { ReadingsChart, type LivePoint } from './ReadingsChart';
import { SensorTrustPanel } from './SensorTrustPanel';
import { TrustHistoryChart } from './TrustHistoryChart';

export const SensorQuery = graphql(`
  query Sensor($id: ID!, $since: DateTime, $readingCount: Int) {
    sensor(id: $id) {
      id
      name
      kind
      unit
      minValue
      maxValue
      expectedIntervalSeconds
      heartbeatSeconds
      retiredAt
      retiredBy
      retireNote
      silences {
        id
        ...Silence_silence
      }
      maintenance {
        id
        active
        endsAt
        reason
        createdBy
        zoneId
      }
      zone {
        id
        name
      }
      ...SensorTrustPanel_sensor
      ...ReadingsChart_sensor
      ...TrustHistoryChart_sensor
      tickets {
        id
        ...TicketCard_ticket
      }
    }
  }
`);

export const SensorUpdatedSubscription = graphql(`
  subscription SensorUpdated($sensorId: ID) {
    sensorUpdated(sensorId: $sensorId) {
      id
      ...SensorTrustPanel_sensor
    }
  }
`);

export const SensorReadingSubscription = graphql(`
  subscription SensorReadingAdded($sensorId: ID) {
    readingAdded(sensorId: $sensorId) {
      timestamp
      value
    }
  }
`);

export const SensorTicketSubscription = graphql(`
  subscription SensorTicketUpdated($sensorId: ID) {
    ticketUpdated(sensorId: $sensorId) {
      id
    }
  }
`);

/** The chart's time ranges (the `range` URL parameter); 6 h by default. */
export const RANGES = [
  { key: '1h', label: '1 h', hours: 1 },
  { key: '6h', label: '6 h', hours: 6 },
  { key: '24h', label: '24 h', hours: 24 },
  { key: '7d', label: '7 d', hours: 168 },
] as const;
const DEFAULT_RANGE = RANGES[1];
/** The server's cap on readings per query: a long range of a fast sensor shows its newest ones. */
const READING_COUNT = 10_000;

type Range = (typeof RANGES)[number];

/** The range ending now (called on mount and on a click, never during render). */
function windowOf(range: Range): { range: Range; since: string } {
  return { range, since: new Date(Date.now() - range.hours * 3600_000).toISOString() };
}

export function SensorPage({ sensorId, params }: { sensorId: string; params?: URLSearchParams }) {
  // The range starts from the URL; a click sets it (and the URL) with its start time.
  const [{ range, since }, setWindow] = useState(() =>
    windowOf(RANGES.find((r) => r.key === params?.get('range')) ?? DEFAULT_RANGE),
  );
  const pick = (next: Range) => {
    setWindow(windowOf(next));
    navigate(paths.sensor(sensorId, next.key === DEFAULT_RANGE.key ? {} : { range: next.key }), { replace: true });
  };
  const [result, refetch] = useLiveQuery({
    query: SensorQuery,
    variables: { id: sensorId, since, readingCount: READING_COUNT },
  });
  const [pushedTrust] = useSubscription({ query: SensorUpdatedSubscription, variables: { sensorId } });
  const [live] = useSubscription(
    { query: SensorReadingSubscription, variables: { sensorId } },
    (points: LivePoint[] = [], event) => [...points.slice(-READING_COUNT), event.readingAdded],
  );
  // Trust history grows slowly: refresh it now and then while trust changes; tickets at once.
  useRefetchOn(SensorUpdatedSubscription, { sensorId }, refetch, 15_000);
  useRefetchOn(SensorTicketSubscription, { sensorId }, refetch, 1000);

  useDocumentTitle(result.data?.sensor?.name ?? `Sensor ${sensorId}`);

  if (!result.data && result.fetching) return <Loading what="the sensor" />;
  if (!result.data && result.error) return <ErrorState error={result.error} what="the sensor" />;
  const sensor = result.data?.sensor;
  if (!sensor)
    return (
      <Empty>
        Sensor “{sensorId}” does not exist. <Link to={paths.overview()}>Back to the overview</Link>
      </Empty>
    );

  const trust = pushedTrust.data?.sensorUpdated.id === sensor.id ? pushedTrust.data.sensorUpdated : sensor;
  const plausible =
    sensor.minValue != null || sensor.maxValue != null
      ? `${sensor.minValue ?? '−∞'} – ${sensor.maxValue ?? '∞'}${sensor.unit ? ` ${sensor.unit}` : ''}`
      : 'not set';

  const retiredAt = sensor.retiredAt ?? null;
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to={paths.overview()}>Overview</Link> ›{' '}
        {sensor.zone ? <Link to={paths.zone(sensor.zone.id)}>{sensor.zone.name}</Link> : 'No zone'} ›{' '}
        <span>{sensor.name}</span>
      </nav>
      <header className="page-header">
        <h1>{sensor.name}</h1>
        <span className="muted">
          {sensor.id} · {sensor.kind} · plausible range {plausible} · a reading every {sensor.expectedIntervalSeconds} s
        </span>
      </header>
      <FreshnessNote freshness={result.freshness} />
      {retiredAt && (
        <p className="retired-banner" role="status" data-testid="retired-banner">
          <strong>Retired</strong> since {new Date(retiredAt).toLocaleString()}
          {sensor.retiredBy && <> by {sensor.retiredBy}</>}
          {sensor.retireNote && <>: “{sensor.retireNote}”</>}. Out of fleet figures, sweeps and tickets; new readings
          are refused. Its history below is as it was.
        </p>
      )}
      {!retiredAt && (sensor.silences.length > 0 || sensor.maintenance.some((w) => w.active)) && (
        <div className="target-notes" data-testid="sensor-notes">
          <MaintenanceNote windows={sensor.maintenance} />
          <SilenceNotes silences={sensor.silences} />
        </div>
      )}
      <div className="sensor-layout">
        <div className="sensor-main">
          <section className="panel" aria-labelledby="readings-heading">
            <div className="panel-head">
              <h2 id="readings-heading">Readings</h2>
              <div className="range-picker" role="group" aria-label="Time range">
                {RANGES.map((r) => (
                  <button key={r.key} type="button" aria-pressed={r.key === range.key} onClick={() => pick(r)}>
                    {r.label}
                  </button>
                ))}
              </div>
            </div>
            <ReadingsChart sensor={sensor} live={retiredAt ? undefined : live.data} />
          </section>
          <section className="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">
              Trust history <span className="muted small">(last {range.label})</span>
            </h2>
            <TrustHistoryChart sensor={sensor} />
          </section>
        </div>
        <div className="sensor-side">
          <SensorTrustPanel sensor={trust} />
          <SensorAdmin
            retiredAt={retiredAt}
            sensor={{
              id: sensor.id,
              name: sensor.name,
              kind: sensor.kind,
              unit: sensor.unit,
              zoneId: sensor.zone?.id ?? null,
              minValue: sensor.minValue,
              maxValue: sensor.maxValue,
              expectedIntervalSeconds: sensor.expectedIntervalSeconds,
              heartbeatSeconds: sensor.heartbeatSeconds,
            }}
          />
          <section className="panel" aria-labelledby="tickets-heading">
            <h2 id="tickets-heading">Tickets</h2>
            {sensor.tickets.length === 0 ? (
              <Empty>No tickets for this sensor.</Empty>
            ) : (
              sensor.tickets.map((t) => <TicketCard key={t.id} ticket={t} showSensor={false} />)
            )}
          </section>
          {!retiredAt && <MaintenancePanel sensorId={sensor.id} />}
          {!retiredAt && (
            <section className="panel" aria-labelledby="silences-heading">
              <h2 id="silences-heading">Silences</h2>
              {sensor.silences.length === 0 && <p className="muted small">Not silenced: its tickets notify.</p>}
              <SilenceNotes silences={sensor.silences} onChange={() => refetch()} />
              <SilenceForm target={{ sensorId: sensor.id }} label="this sensor" onDone={() => refetch()} />
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
