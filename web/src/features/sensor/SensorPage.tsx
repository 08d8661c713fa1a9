// One sensor: readings chart, trust history, reasons in words and its tickets.
// Readings and trust arrive live; tickets refresh on ticketUpdated for the sensor.
import { useState } from 'react';
import { useSubscription } from 'urql';
import { Link, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
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

const HISTORY_HOURS = 6;
const READING_COUNT = 1500;

export function SensorPage({ sensorId }: { sensorId: string }) {
  const [since] = useState(() => new Date(Date.now() - HISTORY_HOURS * 3600_000).toISOString());
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
  const range =
    sensor.minValue != null || sensor.maxValue != null
      ? `${sensor.minValue ?? '−∞'} – ${sensor.maxValue ?? '∞'}${sensor.unit ? ` ${sensor.unit}` : ''}`
      : 'not set';

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
          {sensor.id} · {sensor.kind} · plausible range {range} · a reading every {sensor.expectedIntervalSeconds} s
        </span>
      </header>
      <FreshnessNote freshness={result.freshness} />
      <div className="sensor-layout">
        <div className="sensor-main">
          <section className="panel" aria-labelledby="readings-heading">
            <h2 id="readings-heading">Readings</h2>
            <ReadingsChart sensor={sensor} live={live.data} />
          </section>
          <section className="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">
              Trust history <span className="muted small">(last {HISTORY_HOURS} h)</span>
            </h2>
            <TrustHistoryChart sensor={sensor} />
          </section>
        </div>
        <div className="sensor-side">
          <SensorTrustPanel sensor={trust} />
          <section className="panel" aria-labelledby="tickets-heading">
            <h2 id="tickets-heading">Tickets</h2>
            {sensor.tickets.length === 0 ? (
              <Empty>No tickets for this sensor.</Empty>
            ) : (
              sensor.tickets.map((t) => <TicketCard key={t.id} ticket={t} showSensor={false} />)
            )}
          </section>
        </div>
      </div>
    </div>
  );
}
