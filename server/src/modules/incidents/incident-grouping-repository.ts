// SQL of incident grouping, inside ticket automation's transaction. One open incident per
// cause: the unique index on incident.group_key; INSERT … ON CONFLICT (group_key) makes two
// instances (or a restarted one) that open the same cause at once end with one incident.
import type { SqlTx } from '../../db/sql-transaction.js';
import type { Severity } from '../../trust/types.js';
import type { Cause, SensorFacts } from './incident-causes.js';

type Tx = SqlTx;

export async function sensorFacts(tx: Tx, sensorIds: readonly string[]): Promise<Map<string, SensorFacts>> {
  const rows = await tx.$queryRaw<
    { id: string; zone_id: string | null; kind: string; gateway_id: string | null; source: string | null }[]
  >`
    SELECT s.id, s.zone_id, s.kind, s.gateway_id, src.source
      FROM sensor s LEFT JOIN sensor_source src ON src.sensor_id = s.id
     WHERE s.id = ANY(${[...sensorIds]}::text[])`;
  return new Map(
    rows.map((r) => [
      r.id,
      { sensorId: r.id, zoneId: r.zone_id, sensorKind: r.kind, gatewayId: r.gateway_id, source: r.source },
    ]),
  );
}

/**
 * The fleet is silent at `at` when at least two sensors have reported and none has a reading
 * newer than `intervals` of its own expected interval (event time).
 */
export async function fleetSilent(tx: Tx, at: Date, intervals: number): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ reporting: number; live: number }[]>`
    SELECT count(*)::int AS reporting,
           count(*) FILTER (WHERE ts.last_reading_at >= to_timestamp(${at.getTime()}::float8 / 1000)
                              - make_interval(secs => s.expected_interval_seconds * ${intervals}::int))::int AS live
      FROM trust_state ts JOIN sensor s ON s.id = ts.sensor_id
     WHERE s.retired_at IS NULL AND ts.last_reading_at IS NOT NULL`;
  return !!row && row.reporting >= 2 && row.live === 0;
}

/** Open causes whose last ticket joined more than the window before `at` take no more tickets. */
export async function closeLapsedGroups(tx: Tx, keys: readonly string[], at: Date, windowMs: number): Promise<void> {
  await tx.$executeRaw`
    UPDATE incident SET group_key = NULL
     WHERE group_key = ANY(${[...keys]}::text[])
       AND last_joined_at < to_timestamp(${at.getTime() - windowMs}::float8 / 1000)`;
}

export async function openIncidentIds(tx: Tx, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await tx.$queryRaw<{ id: string; group_key: string }[]>`
    SELECT id, group_key FROM incident WHERE group_key = ANY(${[...keys]}::text[])`;
  return new Map(rows.map((r) => [r.group_key, r.id]));
}

/** Unresolved tickets of this cause, in no incident, opened within the window before `at`. */
export async function unattachedPeers(tx: Tx, cause: Cause, kind: string, at: Date, windowMs: number) {
  const from = at.getTime() - windowMs;
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT t.id FROM ticket t
      JOIN sensor s ON s.id = t.sensor_id
      LEFT JOIN sensor_source src ON src.sensor_id = t.sensor_id
     WHERE t.status <> 'RESOLVED' AND t.incident_id IS NULL AND t.kind::text = ${kind}
       AND t.opened_at >= to_timestamp(${from}::float8 / 1000)
       AND CASE ${cause.cause}
             WHEN 'FLEET_SILENT' THEN true
             WHEN 'SOURCE_SILENT' THEN COALESCE('gateway:' || s.gateway_id, src.source) = ${cause.source}
             ELSE t.zone_id IS NOT DISTINCT FROM ${cause.zoneId}::text
           END`;
  return rows.map((r) => r.id);
}

/** Opens the incident of a cause, or finds the one another writer opened. */
export async function openIncident(
  tx: Tx,
  cause: Cause,
  severity: Severity,
  at: Date,
): Promise<{ id: string; created: boolean }> {
  const atMs = at.getTime();
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO incident (cause, scope, group_key, severity, summary, zone_id, source, opened_at, last_joined_at, notified_at)
    VALUES (${cause.cause}, ${cause.scope}, ${cause.scope}, ${severity}::"Severity", ${cause.summary}, ${cause.zoneId},
            ${cause.source}, to_timestamp(${atMs}::float8 / 1000), to_timestamp(${atMs}::float8 / 1000),
            to_timestamp(${atMs}::float8 / 1000))
    ON CONFLICT (group_key) DO NOTHING
    RETURNING id`;
  if (inserted[0]) return { id: inserted[0].id, created: true };
  const [found] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM incident WHERE group_key = ${cause.scope}`;
  if (!found) throw new Error(`incident for ${cause.scope} neither inserted nor found`);
  return { id: found.id, created: false };
}

/**
 * Attaches tickets, refreshes the incident's counts and severity, and writes its event:
 * `opened` (notified) when it was just created, else `joined` (counted for the next update).
 */
export async function attach(
  tx: Tx,
  incidentId: string,
  ticketIds: readonly string[],
  at: Date,
  created: boolean,
): Promise<number> {
  const atMs = at.getTime();
  const [row] = await tx.$queryRaw<{ n: number; sensors: number }[]>`
    WITH joined AS (
      UPDATE ticket SET incident_id = ${incidentId}
       WHERE id = ANY(${[...ticketIds]}::text[]) AND incident_id IS NULL
      RETURNING id
    ), counts AS (
      SELECT count(DISTINCT sensor_id)::int AS sensors, max(severity) AS severity
        FROM ticket WHERE incident_id = ${incidentId} OR id IN (SELECT id FROM joined)
    ), up AS (
      UPDATE incident i SET
             sensor_count = counts.sensors,
             severity = GREATEST(i.severity, COALESCE(counts.severity, i.severity)),
             last_joined_at = GREATEST(i.last_joined_at, to_timestamp(${atMs}::float8 / 1000)),
             pending_joined = i.pending_joined + CASE WHEN ${created} THEN 0 ELSE (SELECT count(*)::int FROM joined) END,
             updated_at = now()
        FROM counts WHERE i.id = ${incidentId}
      RETURNING i.sensor_count, i.summary
    ), ev AS (
      INSERT INTO incident_event (incident_id, at, type, actor, note)
      SELECT ${incidentId}, to_timestamp(${atMs}::float8 / 1000), CASE WHEN ${created} THEN 'opened' ELSE 'joined' END,
             'automation', up.summary || ': ' || (SELECT count(*) FROM joined) || ' ticket(s) joined, '
                            || up.sensor_count || ' sensor(s) in all'
        FROM up WHERE ${created} OR EXISTS (SELECT 1 FROM joined)
    )
    SELECT (SELECT count(*)::int FROM joined) AS n, (SELECT sensors FROM counts) AS sensors`;
  return row?.n ?? 0;
}

/**
 * For the sensors of one zone and kind: how many are in service, and which of them show the
 * fault kind now (about to open a ticket, an active reason in their trust, or a ticket opened
 * within the window), each with the direction of its readings over the window.
 */
export async function zoneMovers(
  tx: Tx,
  zoneId: string,
  sensorKind: string,
  faultKind: string,
  candidates: readonly string[],
  at: Date,
  windowMs: number,
): Promise<{ peers: number; movers: { sensorId: string; direction: number }[] }> {
  const atMs = at.getTime();
  const fromMs = atMs - windowMs;
  const [peers] = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM sensor WHERE zone_id = ${zoneId} AND kind = ${sensorKind} AND retired_at IS NULL`;
  const rows = await tx.$queryRaw<{ sensor_id: string; direction: number }[]>`
    WITH movers AS (
      SELECT unnest(${[...candidates]}::text[]) AS sensor_id
      UNION
      SELECT ts.sensor_id FROM trust_state ts JOIN sensor s ON s.id = ts.sensor_id
       WHERE s.zone_id = ${zoneId} AND s.kind = ${sensorKind} AND s.retired_at IS NULL
         AND EXISTS (SELECT 1 FROM jsonb_array_elements(ts.reasons) r
                      WHERE r->>'kind' = ${faultKind} AND COALESCE((r->>'active')::boolean, true))
      UNION
      SELECT t.sensor_id FROM ticket t JOIN sensor s ON s.id = t.sensor_id
       WHERE s.zone_id = ${zoneId} AND s.kind = ${sensorKind} AND t.kind::text = ${faultKind}
         AND t.status <> 'RESOLVED' AND t.opened_at >= to_timestamp(${fromMs}::float8 / 1000)
    )
    SELECT m.sensor_id,
           COALESCE(sign((SELECT r.value FROM reading r WHERE r.sensor_id = m.sensor_id
                            AND r.ts <= to_timestamp(${atMs}::float8 / 1000) ORDER BY r.ts DESC LIMIT 1)
                       - (SELECT r.value FROM reading r WHERE r.sensor_id = m.sensor_id
                            AND r.ts >= to_timestamp(${fromMs}::float8 / 1000) ORDER BY r.ts ASC LIMIT 1)), 0)::int AS direction
      FROM movers m`;
  return { peers: peers?.n ?? 0, movers: rows.map((r) => ({ sensorId: r.sensor_id, direction: r.direction })) };
}

/** Resolves the movers' unresolved tickets of this kind that opened within the window: the sensors were right. */
export async function releaseMovers(
  tx: Tx,
  sensorIds: readonly string[],
  faultKind: string,
  at: Date,
  windowMs: number,
  note: string,
): Promise<{ id: string; sensor_id: string }[]> {
  const atMs = at.getTime();
  return tx.$queryRaw<{ id: string; sensor_id: string }[]>`
    WITH done AS (
      UPDATE ticket SET status = 'RESOLVED', resolved_at = to_timestamp(${atMs}::float8 / 1000),
             resolved_by = 'automation', updated_at = to_timestamp(${atMs}::float8 / 1000)
       WHERE sensor_id = ANY(${[...sensorIds]}::text[]) AND kind::text = ${faultKind} AND status <> 'RESOLVED'
         AND opened_at >= to_timestamp(${atMs - windowMs}::float8 / 1000)
      RETURNING id, sensor_id
    ), ev AS (
      INSERT INTO ticket_event (ticket_id, at, type, actor, note)
      SELECT id, to_timestamp(${atMs}::float8 / 1000), 'auto_resolved', 'automation', ${note} FROM done
    )
    SELECT id, sensor_id FROM done`;
}

/** An ENVIRONMENT incident's sensors: set to the movers seen now when more. */
export async function noteMove(tx: Tx, incidentId: string, sensors: number, at: Date, created: boolean): Promise<void> {
  await tx.$executeRaw`
    UPDATE incident SET sensor_count = GREATEST(sensor_count, ${sensors}::int),
           pending_joined = pending_joined + CASE WHEN ${created} OR ${sensors}::int <= sensor_count THEN 0
                                                  ELSE ${sensors}::int - sensor_count END,
           last_joined_at = GREATEST(last_joined_at, to_timestamp(${at.getTime()}::float8 / 1000)), updated_at = now()
     WHERE id = ${incidentId}`;
  if (created)
    await tx.$executeRaw`
      INSERT INTO incident_event (incident_id, at, type, actor, note)
      SELECT id, to_timestamp(${at.getTime()}::float8 / 1000), 'opened', 'automation', summary || ': ' || sensor_count || ' sensor(s)'
        FROM incident WHERE id = ${incidentId}`;
}
