// Time-driven ticket automation (run by the owner of a trust stream partition, inside its
// checkpoint transaction, for the tickets of its sensors): auto-resolution after sustained
// recovery and escalation of long-open tickets.
import type { SqlTx } from '../../db/sql-transaction.js';
import { AUTOMATION_ACTOR, formatDuration } from './ticket-rules.js';

type Tx = SqlTx;

export interface SweptTicket {
  ticketId: string;
  sensorId: string;
  zoneId: string | null;
}

const ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

type Row = { id: string; sensor_id: string; zone_id: string | null };
const toSwept = (rows: Row[]): SweptTicket[] =>
  rows.map((r) => ({ ticketId: r.id, sensorId: r.sensor_id, zoneId: r.zone_id }));

/**
 * OPEN tickets whose fault has been absent for `keepOpenMs` are resolved by automation.
 * Acknowledged or in-progress tickets belong to a person: automation only notes the
 * recovery (once per recovery) and leaves the status alone.
 */
/** `sensorIds`: only these sensors' tickets (null: every sensor's). */
export async function resolveRecovered(
  tx: Tx,
  now: Date,
  keepOpenMs: number,
  sensorIds: string[] | null,
): Promise<SweptTicket[]> {
  const nowMs = now.getTime();
  const cutoffMs = nowMs - keepOpenMs;
  const keep = formatDuration(keepOpenMs);
  const resolved = await tx.$queryRaw<Row[]>`
    WITH up AS (
      UPDATE ticket t SET status = 'RESOLVED', resolved_at = to_timestamp(${nowMs}::float8 / 1000),
             resolved_by = ${AUTOMATION_ACTOR}, updated_at = to_timestamp(${nowMs}::float8 / 1000)
       WHERE t.status = 'OPEN' AND t.recovered_at <= to_timestamp(${cutoffMs}::float8 / 1000)
         AND (${sensorIds}::text[] IS NULL OR t.sensor_id = ANY(${sensorIds}::text[]))
      RETURNING t.id, t.sensor_id, t.kind::text AS kind, t.recovered_at
    ), ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT id, to_timestamp(${nowMs}::float8 / 1000), 'auto_resolved', ${AUTOMATION_ACTOR},
             kind || ' not reported since ' || to_char(recovered_at AT TIME ZONE 'UTC', ${ISO}::text) ||
             ' (longer than the keep-open period of ' || ${keep}::text || '): resolved automatically'
        FROM up
    )
    SELECT up.id, up.sensor_id, s.zone_id FROM up JOIN sensor s ON s.id = up.sensor_id`;
  const noted = await tx.$queryRaw<Row[]>`
    WITH ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT t.id, to_timestamp(${nowMs}::float8 / 1000), 'recovered', ${AUTOMATION_ACTOR},
             t.kind::text || ' not reported since ' || to_char(t.recovered_at AT TIME ZONE 'UTC', ${ISO}::text) ||
             '; left ' || t.status::text || ' for ' || COALESCE(t.assignee, 'its owner') || ' to resolve'
        FROM ticket t
       WHERE t.status IN ('ACKNOWLEDGED', 'IN_PROGRESS') AND t.recovered_at <= to_timestamp(${cutoffMs}::float8 / 1000)
         AND (${sensorIds}::text[] IS NULL OR t.sensor_id = ANY(${sensorIds}::text[]))
         AND NOT EXISTS (SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id AND e.type = 'recovered' AND e.at >= t.recovered_at)
      RETURNING ticket_id
    )
    SELECT t.id, t.sensor_id, s.zone_id FROM ev JOIN ticket t ON t.id = ev.ticket_id JOIN sensor s ON s.id = t.sensor_id`;
  return [...toSwept(resolved), ...toSwept(noted)];
}

/**
 * Raises by one level the severity of unresolved tickets whose fault has gone on for
 * `escalateAfterMs` since they were opened, reopened, relapsed or last escalated. A
 * person's severity is left alone, and so are sensors under maintenance.
 */
/** `sensorIds`: only these sensors' tickets (null: every sensor's). */
export async function escalateLongOpen(
  tx: Tx,
  now: Date,
  escalateAfterMs: number,
  sensorIds: string[] | null,
): Promise<SweptTicket[]> {
  const nowMs = now.getTime();
  const rows = await tx.$queryRaw<Row[]>`
    WITH due AS (
      SELECT t.id, t.severity AS before,
             (enum_range(NULL::"Severity"))[array_position(enum_range(NULL::"Severity"), t.severity) + 1] AS after
        FROM ticket t JOIN sensor s ON s.id = t.sensor_id
       WHERE t.status <> 'RESOLVED' AND NOT t.severity_manual AND t.recovered_at IS NULL AND t.severity <> 'CRITICAL'
         AND (${sensorIds}::text[] IS NULL OR t.sensor_id = ANY(${sensorIds}::text[]))
         AND GREATEST(t.opened_at, (SELECT max(e.at) FROM ticket_event e
                                     WHERE e.ticket_id = t.id AND e.type IN ('escalated', 'reopened', 'relapsed')))
             <= to_timestamp(${nowMs - escalateAfterMs}::float8 / 1000)
         AND NOT EXISTS (SELECT 1 FROM maintenance_window w
                          WHERE (w.sensor_id = t.sensor_id OR w.zone_id = s.zone_id)
                            AND w.starts_at <= to_timestamp(${nowMs}::float8 / 1000) AND w.ends_at > to_timestamp(${nowMs}::float8 / 1000))
    ), up AS (
      UPDATE ticket t SET severity = due.after, updated_at = to_timestamp(${nowMs}::float8 / 1000)
        FROM due WHERE t.id = due.id
      RETURNING t.id, t.sensor_id, due.before::text AS before, due.after::text AS after
    ), ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT id, to_timestamp(${nowMs}::float8 / 1000), 'escalated', ${AUTOMATION_ACTOR},
             before || ' → ' || after || ': still unresolved after ' || ${formatDuration(escalateAfterMs)}::text
        FROM up
    )
    SELECT up.id, up.sensor_id, s.zone_id FROM up JOIN sensor s ON s.id = up.sensor_id`;
  return toSwept(rows);
}
