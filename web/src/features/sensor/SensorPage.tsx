// One sensor: readings chart, trust history, reasons in words and its tickets.
// Readings and trust arrive live; tickets refresh on ticketUpdated for the sensor.
// The charts show one time window (a preset ending now, or a custom or zoomed range,
// kept in the URL); the downloads export that window.
import { useState } from 'react';
import { useSubscription } from 'urql';
import { Link, navigate, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { formatDateTime } from '../../components/time-format';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import { ReadingsDownload } from '../history/DownloadButtons';
import { RangePicker } from '../history/RangePicker';
import { customWindow, isLive, windowFromParams, windowParams, type TimeWindow } from '../history/time-window';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { MaintenancePanel } from '../registry/MaintenancePanel';
import { SensorAdmin } from '../registry/SensorAdmin';
import { TargetNotes } from '../silences/MaintenanceNote';
import { SilenceForm, SilenceNotes } from '../silences/SilencePanel';
import { TicketCard } from '../tickets/TicketCard';
import { ReadingsChart, type LivePoint } from './ReadingsChart';
import { SensorTrustPanel } from './SensorTrustPanel';
import { TrustHistoryChart } from './TrustHistoryChart';

export const SensorQuery = graphql(`
  query Sensor($id: ID!, $from: DateTime!, $to: DateTime!, $points: Int) {
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
        ...MaintenanceNote_window
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

/** Buckets asked of Sensor.series: about one per two pixels of a wide chart. */
const SERIES_POINTS = 600;
/** Live readings kept for the right edge of a window that ends now. */
const LIVE_KEPT = 5000;

export function SensorPage({ sensorId, params }: { sensorId: string; params?: URLSearchParams }) {
  // The window starts from the URL; a click, a drag or the custom picker sets it (and the URL).
  const [shown, setWindow] = useState<TimeWindow>(() => windowFromParams(params, Date.now()));
  const pick = (next: TimeWindow) => {
    setWindow(next);
    navigate(paths.sensor(sensorId, windowParams(next)), { replace: true });
  };
  const select = (from: number, to: number) => pick(customWindow(from, to));
  const [result, refetch] = useLiveQuery({
    query: SensorQuery,
    variables: {
      id: sensorId,
      from: new Date(shown.from).toISOString(),
      to: new Date(shown.to).toISOString(),
      points: SERIES_POINTS,
    },
  });
  const [pushedTrust] = useSubscription({ query: SensorUpdatedSubscription, variables: { sensorId } });
  const [live] = useSubscription(
    { query: SensorReadingSubscription, variables: { sensorId } },
    (points: LivePoint[] = [], event) => [...points.slice(-LIVE_KEPT), event.readingAdded],
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
  // While a new window loads, urql keeps the previous data: draw it with the window it is for.
  const asked = result.operation?.variables as { from?: string; to?: string } | undefined;
  const drawn =
    asked?.from && asked.to
      ? { from: Date.parse(asked.from), to: Date.parse(asked.to) }
      : { from: shown.from, to: shown.to };
  const loading = drawn.from !== shown.from || drawn.to !== shown.to;
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
          <strong>Retired</strong> since {formatDateTime(retiredAt)}
          {sensor.retiredBy && <> by {sensor.retiredBy}</>}
          {sensor.retireNote && <>: “{sensor.retireNote}”</>}. Out of fleet figures, sweeps and tickets; new readings
          are refused. Its history below is as it was.
        </p>
      )}
      {!retiredAt && <TargetNotes maintenance={sensor.maintenance} silences={sensor.silences} testId="sensor-notes" />}
      <div className="sensor-layout">
        <div className="sensor-main">
          <section className="panel" aria-labelledby="readings-heading">
            <div className="panel-head">
              <h2 id="readings-heading">Readings</h2>
              <RangePicker value={shown} onChange={pick} />
            </div>
            <ReadingsChart
              sensor={sensor}
              live={retiredAt || !isLive(shown) ? undefined : live.data}
              from={drawn.from}
              to={drawn.to}
              points={SERIES_POINTS}
              loading={loading}
              onSelectRange={select}
            />
            <ReadingsDownload target={{ sensorId: sensor.id }} from={shown.from} to={shown.to} />
          </section>
          <section className="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">Trust history</h2>
            <TrustHistoryChart sensor={sensor} from={drawn.from} to={drawn.to} onSelectRange={select} />
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
