// Bulk SQL of ticket automation: every statement handles all tickets of a batch at
// once (unnest arrays), runs inside the caller's transaction and writes its events
// in the same statement. Times travel as epoch ms (float8) like the ingest path.
import type { SqlTx } from '../../db/sql-transaction.js';
import type { FaultKind, Severity } from '../../trust/types.js';
import type {
  ActiveWindow,
  EventDraft,
  KnownTicket,
  TicketInsert,
  TicketPatch,
  TicketReopen,
} from './ticket-planner.js';
import { AUTOMATION_ACTOR, type TicketStatus } from './ticket-rules.js';

type Tx = SqlTx;

const ms = (d: Date | null) => (d === null ? null : d.getTime());

export interface ChangedTicket {
  ticketId: string;
  sensorId: string;
}

/** Per (sensor, kind): the unresolved ticket if there is one, else the most recently resolved. */
export async function knownTickets(tx: Tx, sensorIds: readonly string[]): Promise<KnownTicket[]> {
  const rows = await tx.$queryRaw<
    {
      id: string;
      sensor_id: string;
      kind: FaultKind;
      status: TicketStatus;
      severity: Severity;
      severity_manual: boolean;
      resolved_at: Date | null;
      resolved_by: string | null;
      recovered_at: Date | null;
      last_seen_at: Date | null;
    }[]
  >`
    SELECT DISTINCT ON (sensor_id, kind) id, sensor_id, kind::text AS kind, status::text AS status, severity::text AS severity,
           severity_manual, resolved_at, resolved_by, recovered_at, last_seen_at
      FROM ticket
     WHERE sensor_id = ANY(${[...sensorIds]}::text[])
     ORDER BY sensor_id, kind, (status = 'RESOLVED'), resolved_at DESC NULLS LAST`;
  return rows.map((r) => ({
    id: r.id,
    sensorId: r.sensor_id,
    kind: r.kind,
    status: r.status,
    severity: r.severity,
    severityManual: r.severity_manual,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    recoveredAt: r.recovered_at,
    lastSeenAt: r.last_seen_at,
  }));
}

/** The maintenance window (if any) covering each sensor, directly or through its zone, at its own time. */
export async function activeWindows(
  tx: Tx,
  sensors: readonly { sensorId: string; zoneId: string | null; at: Date }[],
): Promise<Map<string, ActiveWindow | null>> {
  const out = new Map<string, ActiveWindow | null>(sensors.map((s) => [s.sensorId, null]));
  if (!sensors.length) return out;
  const times = sensors.map((s) => s.at.getTime());
  const zoneIds = [...new Set(sensors.map((s) => s.zoneId).filter((z): z is string => z !== null))];
  const windows = await tx.$queryRaw<
    { id: string; sensor_id: string | null; zone_id: string | null; starts_at: Date; ends_at: Date }[]
  >`
    SELECT id, sensor_id, zone_id, starts_at, ends_at FROM maintenance_window
     WHERE (sensor_id = ANY(${sensors.map((s) => s.sensorId)}::text[]) OR zone_id = ANY(${zoneIds}::text[]))
       AND starts_at <= to_timestamp(${Math.max(...times)}::float8 / 1000)
       AND ends_at > to_timestamp(${Math.min(...times)}::float8 / 1000)`;
  for (const s of sensors) {
    const at = s.at.getTime();
    const w = windows.find(
      (w) =>
        (w.sensor_id === s.sensorId || (w.zone_id !== null && w.zone_id === s.zoneId)) &&
        w.starts_at.getTime() <= at &&
        at < w.ends_at.getTime(),
    );
    if (w) out.set(s.sensorId, { id: w.id, endsAt: w.ends_at });
  }
  return out;
}

/**
 * Serialises automation on these (sensor, kind) keys until the transaction ends, so two
 * batches never both open or reopen the same ticket. Locks are taken in a fixed order.
 */
export async function lockKeys(tx: Tx, keys: readonly string[]): Promise<void> {
  if (!keys.length) return;
  await tx.$queryRaw`
    SELECT count(*)::int AS n FROM (
      SELECT pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(key, 7305) AS k FROM unnest(${[...keys]}::text[]) AS key ORDER BY 1
      ) ordered
    ) locked`;
}

/**
 * Opens tickets. Should an unresolved ticket for the same sensor and kind exist after all
 * (another writer won), the partial unique index turns the insert into an update of it.
 */
export async function insertTickets(
  tx: Tx,
  rows: readonly TicketInsert[],
): Promise<(ChangedTicket & { kind: FaultKind; inserted: boolean })[]> {
  if (!rows.length) return [];
  const result = await tx.$queryRaw<{ id: string; sensor_id: string; kind: FaultKind; inserted: boolean }[]>`
    WITH input AS (
      SELECT * FROM unnest(${rows.map((r) => r.sensorId)}::text[], ${rows.map((r) => r.kind)}::text[],
                           ${rows.map((r) => r.severity)}::text[], ${rows.map((r) => r.title)}::text[],
                           ${rows.map((r) => r.at.getTime())}::float8[], ${rows.map((r) => r.note)}::text[])
             AS i(sensor_id, kind, severity, title, at_ms, note)
    ), up AS (
      INSERT INTO ticket (sensor_id, kind, severity, title, opened_at, updated_at, last_seen_at, occurrences)
      SELECT sensor_id, kind::"FaultKind", severity::"Severity", title,
             to_timestamp(at_ms / 1000), to_timestamp(at_ms / 1000), to_timestamp(at_ms / 1000), 1
        FROM input
      ON CONFLICT (sensor_id, kind) WHERE status <> 'RESOLVED' DO UPDATE SET
        last_seen_at = GREATEST(ticket.last_seen_at, EXCLUDED.last_seen_at),
        occurrences = ticket.occurrences + 1,
        recovered_at = NULL,
        severity = CASE WHEN ticket.severity_manual THEN ticket.severity ELSE GREATEST(ticket.severity, EXCLUDED.severity) END,
        updated_at = EXCLUDED.updated_at
      RETURNING id, sensor_id, kind::text AS kind, (xmax = 0) AS inserted
    ), ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT up.id, to_timestamp(input.at_ms / 1000), CASE WHEN up.inserted THEN 'opened' ELSE 'repeated' END, ${AUTOMATION_ACTOR}, input.note
        FROM up JOIN input ON input.sensor_id = up.sensor_id AND input.kind = up.kind
    )
    SELECT id, sensor_id, kind, inserted FROM up`;
  return result.map((r) => ({ ticketId: r.id, sensorId: r.sensor_id, kind: r.kind, inserted: r.inserted }));
}

/** Reopens recently resolved tickets (the caller holds their keys' locks). */
export async function reopenTickets(tx: Tx, rows: readonly TicketReopen[]): Promise<ChangedTicket[]> {
  if (!rows.length) return [];
  const result = await tx.$queryRaw<{ id: string; sensor_id: string }[]>`
    WITH input AS (
      SELECT * FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.severity)}::text[],
                           ${rows.map((r) => r.at.getTime())}::float8[], ${rows.map((r) => r.note)}::text[])
             AS i(id, severity, at_ms, note)
    ), up AS (
      UPDATE ticket t SET status = 'OPEN', resolved_at = NULL, resolved_by = NULL, recovered_at = NULL,
             occurrences = t.occurrences + 1,
             severity = COALESCE(input.severity::"Severity", t.severity),
             last_seen_at = to_timestamp(input.at_ms / 1000), updated_at = to_timestamp(input.at_ms / 1000)
        FROM input
       WHERE t.id = input.id AND t.status = 'RESOLVED'
         AND NOT EXISTS (SELECT 1 FROM ticket o WHERE o.sensor_id = t.sensor_id AND o.kind = t.kind AND o.status <> 'RESOLVED')
      RETURNING t.id, t.sensor_id
    ), ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT up.id, to_timestamp(input.at_ms / 1000), 'reopened', ${AUTOMATION_ACTOR}, input.note FROM up JOIN input ON input.id = up.id
    )
    SELECT id, sensor_id FROM up`;
  return result.map((r) => ({ ticketId: r.id, sensorId: r.sensor_id }));
}

/**
 * Applies patches and writes their events; returns the tickets that got an event (the
 * ones worth publishing: a bare last-seen refresh is not news).
 */
export async function patchTickets(
  tx: Tx,
  patches: readonly TicketPatch[],
  events: readonly EventDraft[],
): Promise<ChangedTicket[]> {
  if (!patches.length && !events.length) return [];
  const result = await tx.$queryRaw<{ id: string; sensor_id: string }[]>`
    WITH input AS (
      SELECT * FROM unnest(${patches.map((p) => p.id)}::text[], ${patches.map((p) => ms(p.lastSeenAt))}::float8[],
                           ${patches.map((p) => p.recovered === 'keep')}::boolean[],
                           ${patches.map((p) => (p.recovered instanceof Date ? p.recovered.getTime() : null))}::float8[],
                           ${patches.map((p) => p.occurrencesDelta)}::int[], ${patches.map((p) => p.severity)}::text[],
                           ${patches.map((p) => p.onResolved)}::boolean[])
             AS i(id, seen_ms, keep_recovered, recovered_ms, occ, severity, on_resolved)
    ), up AS (
      UPDATE ticket t SET
             last_seen_at = COALESCE(GREATEST(t.last_seen_at, to_timestamp(input.seen_ms / 1000)), t.last_seen_at),
             recovered_at = CASE WHEN input.keep_recovered THEN t.recovered_at ELSE to_timestamp(input.recovered_ms / 1000) END,
             occurrences = t.occurrences + input.occ,
             severity = CASE WHEN t.severity_manual THEN t.severity ELSE COALESCE(input.severity::"Severity", t.severity) END,
             updated_at = CASE WHEN input.occ > 0 OR NOT input.keep_recovered OR input.severity IS NOT NULL
                               THEN GREATEST(t.updated_at, to_timestamp(COALESCE(input.seen_ms, input.recovered_ms) / 1000))
                               ELSE t.updated_at END
        FROM input
       WHERE t.id = input.id AND (t.status <> 'RESOLVED' OR input.on_resolved)
      RETURNING t.id
    ), ev_input AS (
      SELECT * FROM unnest(${events.map((e) => e.ticketId)}::text[], ${events.map((e) => e.at.getTime())}::float8[],
                           ${events.map((e) => e.type)}::text[], ${events.map((e) => e.note)}::text[], ${events.map((e) => e.once)}::boolean[])
             AS e(ticket_id, at_ms, type, note, once)
    ), ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT e.ticket_id, to_timestamp(e.at_ms / 1000), e.type, ${AUTOMATION_ACTOR}, e.note
        FROM ev_input e
       WHERE (e.ticket_id IN (SELECT id FROM up) OR NOT EXISTS (SELECT 1 FROM input WHERE input.id = e.ticket_id))
         AND NOT (e.once AND EXISTS (SELECT 1 FROM ticket_event x WHERE x.ticket_id = e.ticket_id AND x.type = e.type AND x.note = e.note))
      RETURNING ticket_id
    ), touched AS (
      UPDATE ticket t SET updated_at = GREATEST(t.updated_at, to_timestamp(e.at_ms / 1000))
        FROM (SELECT ticket_id, max(at_ms) AS at_ms FROM ev_input GROUP BY ticket_id) e
       WHERE t.id = e.ticket_id AND NOT EXISTS (SELECT 1 FROM input WHERE input.id = e.ticket_id)
         AND e.ticket_id IN (SELECT ticket_id FROM ev)
    )
    SELECT DISTINCT t.id, t.sensor_id FROM ticket t WHERE t.id IN (SELECT ticket_id FROM ev)`;
  return result.map((r) => ({ ticketId: r.id, sensorId: r.sensor_id }));
}
