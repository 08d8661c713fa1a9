// The sensors in service, with what an ingesting client needs (id, kind, unit,
// zone, expected interval). Shown on the registry to keys that cannot open the
// sensor pages (INTEGRATOR); only registry fields, so no FORBIDDEN.
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import { useLiveQuery } from '../../live/use-live-query';

export const INGEST_SENSORS_PAGE = 1000;

export const IngestSensorsQuery = graphql(`
  query IngestSensors($first: Int) {
    sensors(first: $first) {
      totalCount
      nodes {
        id
        name
        kind
        unit
        expectedIntervalSeconds
        zone {
          id
          name
        }
      }
    }
  }
`);

export function IngestSensors() {
  const [result] = useLiveQuery({ query: IngestSensorsQuery, variables: { first: INGEST_SENSORS_PAGE } });
  const data = result.data;
  return (
    <section className="panel" aria-labelledby="ingest-sensors-heading">
      <h2 id="ingest-sensors-heading">Sensors in service</h2>
      {!data && result.fetching ? (
        <Loading what="the sensors" />
      ) : !data && result.error ? (
        <ErrorState error={result.error} what="the sensors" />
      ) : !data || data.sensors.nodes.length === 0 ? (
        <Empty>No sensors in service yet.</Empty>
      ) : (
        <>
          {data.sensors.totalCount > data.sensors.nodes.length && (
            <p className="muted small">
              The first {data.sensors.nodes.length} of {data.sensors.totalCount}, by id.
            </p>
          )}
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Sensor id</th>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Zone</th>
                  <th scope="col">Expected every</th>
                </tr>
              </thead>
              <tbody>
                {data.sensors.nodes.map((s) => (
                  <tr key={s.id} data-testid={`ingest-sensor-${s.id}`}>
                    <td>
                      <code>{s.id}</code>
                    </td>
                    <td>{s.name}</td>
                    <td>
                      {s.kind}
                      {s.unit && <span className="muted"> ({s.unit})</span>}
                    </td>
                    <td>{s.zone?.name ?? <span className="muted">no zone</span>}</td>
                    <td>{s.expectedIntervalSeconds} s</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
