// Notification receivers (ADMIN): create a webhook, a Slack-compatible incoming webhook or an
// email receiver, send it a test, see its deliveries, delete it.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useDocumentTitle } from '../../app/use-document-title';
import { useCan } from '../../app/use-permission';
import { MutationError } from '../../components/MutationError';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import type { NotificationReceiverKind, ReceiversQuery as ReceiversData, Severity } from '../../gql/graphql';

export const ReceiversQuery = graphql(`
  query Receivers {
    notificationReceivers {
      id
      kind
      name
      url
      minSeverity
      zoneIds
      createdAt
      deliveries(first: 10) {
        id
        event
        ticketId
        status
        attempts
        lastStatusCode
        lastError
        createdAt
        deliveredAt
      }
    }
  }
`);

export const CreateReceiverMutation = graphql(`
  mutation CreateReceiver($input: NotificationReceiverInput!) {
    createNotificationReceiver(input: $input) {
      id
    }
  }
`);

export const TestReceiverMutation = graphql(`
  mutation TestReceiver($id: ID!) {
    sendTestNotification(receiverId: $id) {
      id
      status
      lastError
    }
  }
`);

export const DeleteReceiverMutation = graphql(`
  mutation DeleteReceiver($id: ID!) {
    deleteNotificationReceiver(id: $id)
  }
`);

const KINDS: { kind: NotificationReceiverKind; label: string; hint: string }[] = [
  { kind: 'WEBHOOK', label: 'Webhook', hint: 'https://hooks.example.com/sensor-trust' },
  { kind: 'SLACK', label: 'Slack-compatible', hint: 'https://hooks.slack.com/services/T…/B…/…' },
  { kind: 'EMAIL', label: 'Email (SMTP)', hint: 'mailto:ops@example.com,lead@example.com' },
];
const SEVERITIES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function ReceiversPage() {
  useDocumentTitle('Receivers');
  const allowed = useCan('manageNotifications');
  const [result, refetch] = useQuery({ query: ReceiversQuery, pause: !allowed });
  const again = () => refetch({ requestPolicy: 'network-only' });
  if (!allowed) return <Empty>Receivers are managed by ADMIN keys.</Empty>;
  if (!result.data && result.fetching) return <Loading what="receivers" />;
  if (!result.data && result.error) return <ErrorState error={result.error} what="receivers" />;
  const receivers = result.data?.notificationReceivers ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Notification receivers</h1>
        <span className="muted">
          Told once when a ticket opens, escalates, reopens or resolves (silenced tickets tell nobody).
        </span>
      </header>
      <CreateReceiver onDone={again} />
      {receivers.length === 0 ? (
        <Empty>No receivers yet: nobody is told about tickets.</Empty>
      ) : (
        receivers.map((r) => <ReceiverPanel key={r.id} receiver={r} onChange={again} />)
      )}
    </div>
  );
}

function CreateReceiver({ onDone }: { onDone: () => void }) {
  const [kind, setKind] = useState<NotificationReceiverKind>('WEBHOOK');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [minSeverity, setMinSeverity] = useState<Severity | ''>('');
  const [zones, setZones] = useState('');
  const [state, create] = useMutation(CreateReceiverMutation);
  const hint = KINDS.find((k) => k.kind === kind)!.hint;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create({
      input: {
        kind,
        name,
        url,
        secret: secret || null,
        minSeverity: minSeverity || null,
        zoneIds: zones
          .split(',')
          .map((z) => z.trim())
          .filter(Boolean),
      },
    });
    if (!r.error) {
      setName('');
      setUrl('');
      setSecret('');
      onDone();
    }
  }

  return (
    <section className="panel" aria-labelledby="new-receiver-heading">
      <h2 id="new-receiver-heading">New receiver</h2>
      <form className="registry-form" onSubmit={(e) => void submit(e)} aria-label="New receiver">
        <div className="form-grid">
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value as NotificationReceiverKind)}>
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Name
            <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="on-call" />
          </label>
          <label className="wide">
            {kind === 'EMAIL' ? 'Addresses' : 'URL'}
            <input required value={url} onChange={(e) => setUrl(e.target.value)} placeholder={hint} />
          </label>
          {kind === 'WEBHOOK' && (
            <label>
              Signing secret
              <input required type="password" value={secret} onChange={(e) => setSecret(e.target.value)} />
            </label>
          )}
          <label>
            Minimum severity
            <select value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as Severity | '')}>
              <option value="">all</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Zones (ids, comma-separated; empty: all)
            <input value={zones} onChange={(e) => setZones(e.target.value)} placeholder="hall-a, cold-store" />
          </label>
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={state.fetching}>
            Create receiver
          </button>
        </div>
        <MutationError error={state.error} />
      </form>
    </section>
  );
}

type Receiver = ReceiversData['notificationReceivers'][number];

function ReceiverPanel({ receiver: r, onChange }: { receiver: Receiver; onChange: () => void }) {
  const [tested, test] = useMutation(TestReceiverMutation);
  const [deleted, remove] = useMutation(DeleteReceiverMutation);
  const [confirm, setConfirm] = useState(false);
  const label = KINDS.find((k) => k.kind === r.kind)?.label ?? r.kind;
  return (
    <section className="panel receiver" aria-label={`Receiver ${r.name}`} data-testid={`receiver-${r.name}`}>
      <div className="panel-head">
        <h2>
          {r.name} <span className="reason-chip">{label}</span>
        </h2>
        <div className="button-row">
          <button
            type="button"
            disabled={tested.fetching}
            onClick={() =>
              void test({ id: r.id }).then(() => {
                onChange();
              })
            }
          >
            Send test
          </button>
          {confirm ? (
            <>
              <button type="button" className="danger" onClick={() => void remove({ id: r.id }).then(onChange)}>
                Confirm delete
              </button>
              <button type="button" onClick={() => setConfirm(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirm(true)} disabled={deleted.fetching}>
              Delete…
            </button>
          )}
        </div>
      </div>
      <p className="muted small receiver-target">
        {r.url} · {r.minSeverity ? `${r.minSeverity} and above` : 'all severities'} ·{' '}
        {r.zoneIds?.length ? `zones ${r.zoneIds.join(', ')}` : 'all zones'}
      </p>
      {tested.data && (
        <p role="status" className="small" data-testid="test-outcome">
          Test {tested.data.sendTestNotification.status.toLowerCase()}
          {tested.data.sendTestNotification.lastError && `: ${tested.data.sendTestNotification.lastError}`}
        </p>
      )}
      <MutationError error={tested.error ?? deleted.error} />
      <h3 className="small">Recent deliveries</h3>
      {r.deliveries.length === 0 ? (
        <p className="muted small">None yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="deliveries">
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {r.deliveries.map((d) => (
                <tr key={d.id} data-testid="delivery">
                  <td>{when(d.createdAt)}</td>
                  <td>{d.event.replace(/_/g, ' ').toLowerCase()}</td>
                  <td>
                    <span className={`badge delivery-${d.status.toLowerCase()}`}>{d.status}</span>
                  </td>
                  <td>{d.attempts}</td>
                  <td className="small">{d.lastError ?? (d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
