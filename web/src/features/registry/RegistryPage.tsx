// The registry: zones (create, edit, delete when empty), new sensors, and the
// retired sensors (reactivate). Everyone may read it; changing it is ADMIN's.
// A key that may not read the dashboard (INTEGRATOR) gets it as its home: what
// the key can do, the sensors in service to ingest for, and no links to pages
// it would only see FORBIDDEN on.
import { useState } from 'react';
import { useMutation } from 'urql';
import { Link, navigate, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { RoleNotice } from '../../app/RoleNotice';
import { useCan } from '../../app/use-permission';
import { FreshnessNote } from '../../components/FreshnessNote';
import { MutationError } from '../../components/MutationError';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { formatDateTime } from '../../components/time-format';
import { graphql } from '../../gql';
import { useLiveQuery } from '../../live/use-live-query';
import { IngestSensors } from './IngestSensors';
import { ReactivateSensorMutation } from './SensorAdmin';
import { SensorCsvImport } from './SensorCsvImport';
import { SensorForm } from './SensorForm';
import { ZoneForm } from './ZoneForm';

export const RegistryQuery = graphql(`
  query Registry {
    zones {
      id
      name
      description
      sensors {
        id
      }
    }
    retired: sensors(filter: { retired: true }, first: 500) {
      totalCount
      nodes {
        id
        name
        kind
        retiredAt
        zone {
          id
          name
        }
      }
    }
  }
`);

export const DeleteZoneMutation = graphql(`
  mutation DeleteZone($id: ID!) {
    deleteZone(id: $id)
  }
`);

type Open =
  | null
  | { form: 'new-zone' }
  | { form: 'new-sensor' }
  | { form: 'import' }
  | { form: 'edit-zone'; id: string }
  | { form: 'delete-zone'; id: string };

export function RegistryPage() {
  useDocumentTitle('Registry');
  const admin = useCan('manageRegistry');
  const reader = useCan('read');
  const [result, refetch] = useLiveQuery({ query: RegistryQuery });
  const [open, setOpen] = useState<Open>(null);
  const [deleted, deleteZone] = useMutation(DeleteZoneMutation);
  const [reactivated, reactivate] = useMutation(ReactivateSensorMutation);
  const reload = refetch;

  const notice = !reader && <RoleNotice />;
  if (!result.data && result.fetching)
    return (
      <div className="page">
        {notice}
        <Loading what="the registry" />
      </div>
    );
  if (!result.data && result.error)
    return (
      <div className="page">
        {notice}
        <ErrorState error={result.error} what="the registry" />
      </div>
    );
  const data = result.data;
  if (!data) return null;
  const close = () => setOpen(null);

  return (
    <div className="page">
      <header className="page-header">
        <h1>Registry</h1>
        <span className="muted">
          {data.zones.length} zones · {data.retired.totalCount} retired sensors
          {!admin && ' · changes need an ADMIN key'}
        </span>
      </header>
      {notice}
      <FreshnessNote freshness={result.freshness} />
      {admin && (
        <div className="button-row">
          <button type="button" className="primary" onClick={() => setOpen({ form: 'new-zone' })}>
            New zone…
          </button>
          <button type="button" onClick={() => setOpen({ form: 'new-sensor' })}>
            New sensor…
          </button>
          <button type="button" aria-expanded={open?.form === 'import'} onClick={() => setOpen({ form: 'import' })}>
            Import sensors from CSV…
          </button>
        </div>
      )}
      {open?.form === 'new-zone' && (
        <section className="panel">
          <ZoneForm
            onDone={(id) => {
              close();
              navigate(paths.zone(id));
            }}
            onCancel={close}
          />
        </section>
      )}
      {open?.form === 'new-sensor' && (
        <section className="panel">
          <SensorForm
            onDone={(id) => {
              close();
              navigate(paths.sensor(id));
            }}
            onCancel={close}
          />
        </section>
      )}
      {open?.form === 'import' && <SensorCsvImport onDone={reload} />}
      <section className="panel" aria-labelledby="registry-zones-heading">
        <h2 id="registry-zones-heading">Zones</h2>
        {data.zones.length === 0 ? (
          <Empty>No zones yet.</Empty>
        ) : (
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Zone</th>
                  <th scope="col">Id</th>
                  <th scope="col">Sensors in service</th>
                  {admin && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {data.zones.map((z) => (
                  <tr key={z.id} data-testid={`registry-zone-${z.id}`}>
                    <td>
                      {reader ? <Link to={paths.zone(z.id)}>{z.name}</Link> : <strong>{z.name}</strong>}
                      {z.description && <div className="muted small">{z.description}</div>}
                      {open?.form === 'edit-zone' && open.id === z.id && (
                        <ZoneForm zone={z} onDone={close} onCancel={close} />
                      )}
                      {open?.form === 'delete-zone' && open.id === z.id && (
                        <div className="confirm" role="group" aria-label={`Delete zone ${z.name}`}>
                          <span>
                            Delete “{z.name}”? Its maintenance windows go with it. Only an empty zone can be deleted.
                          </span>
                          <button
                            type="button"
                            className="danger"
                            disabled={deleted.fetching}
                            onClick={() =>
                              void deleteZone({ id: z.id }).then((r) => {
                                if (!r.error) {
                                  close();
                                  reload();
                                }
                              })
                            }
                          >
                            Confirm: delete
                          </button>
                          <button type="button" onClick={close}>
                            Cancel
                          </button>
                          <MutationError error={deleted.error} />
                        </div>
                      )}
                    </td>
                    <td>
                      <code>{z.id}</code>
                    </td>
                    <td>{z.sensors.length}</td>
                    {admin && (
                      <td>
                        <div className="button-row">
                          <button type="button" onClick={() => setOpen({ form: 'edit-zone', id: z.id })}>
                            Edit…
                          </button>
                          <button type="button" onClick={() => setOpen({ form: 'delete-zone', id: z.id })}>
                            Delete…
                          </button>
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {!reader && <IngestSensors />}
      <section className="panel" aria-labelledby="registry-retired-heading">
        <h2 id="registry-retired-heading">Retired sensors</h2>
        {data.retired.nodes.length === 0 ? (
          <Empty>No retired sensors.</Empty>
        ) : (
          <ul className="retired-list">
            {data.retired.nodes.map((s) => (
              <li key={s.id} data-testid={`retired-${s.id}`}>
                {reader ? <Link to={paths.sensor(s.id)}>{s.name}</Link> : <strong>{s.name}</strong>}{' '}
                <span className="muted small">
                  {s.id} · {s.kind} · {s.zone?.name ?? 'no zone'} · retired{' '}
                  {s.retiredAt ? formatDateTime(s.retiredAt) : ''}
                </span>
                {admin && (
                  <button
                    type="button"
                    disabled={reactivated.fetching}
                    onClick={() =>
                      void reactivate({ id: s.id }).then((r) => {
                        if (!r.error) reload();
                      })
                    }
                  >
                    Reactivate
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <MutationError error={reactivated.error} />
      </section>
    </div>
  );
}
