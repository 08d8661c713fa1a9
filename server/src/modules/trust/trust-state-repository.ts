// SQL of the trust shell: lock trust rows, persist engine states and verdicts
// in bulk (one statement per table), load the fleet for a sweep. Always inside
// the caller's transaction.
import {
  isTicketReason,
  type FaultKind,
  type SensorProfile,
  type Severity,
  type TrustPointReason,
  type TrustReason,
  type TrustStatus,
} from '../../trust/types.js';
import { sensorProfileSelectList, toSensorProfile } from '../sensors/index.js';
import type { Tx } from './trust-changes.js';

/** A trust_state row locked FOR UPDATE, with the engine state already parsed. */
export interface LockedTrust {
  sensorId: string;
  /** Raw engine state JSON, null before the first reading or when `cached`. */
  engineState: string | null;
  /** The caller's cached engine state is this row's current version (engineState not sent). */
  cached: boolean;
  status: TrustStatus;
  score: number;
  /** kinds of the stored active, non-advisory reasons (what tickets follow) */
  reasonKinds: FaultKind[];
  /** epoch ms */
  statusSince: number | null;
  version: number;
  /** The trust stream's log position the stored state includes (xid8 text). */
  streamPosition: string;
  /** When the sensor was registered, epoch ms (sweeps only: OFFLINE of a sensor that never reported). */
  registeredAt?: number;
}

/** Everything persisted for one sensor after an evaluation. */
export interface TrustWrite {
  sensorId: string;
  /** The engine state object (serialised with the whole document). */
  engineState: unknown;
  score: number;
  status: TrustStatus;
  severity: Severity;
  reasons: TrustReason[];
  /** epoch ms */
  lastEvaluated: number;
  lastReadingAt: number | null;
  /** null keeps the stored value (the batch had no reading newer than the newest seen) */
  lastValue: number | null;
  statusSince: number | null;
  /** Compare-and-set: write only if the row is still at this version (the trust stream). */
  expectVersion?: number;
  /** The log position this state includes (xid8 text; the trust stream); absent keeps the stored one. */
  streamPosition?: string;
}

export interface TrustPointWrite {
  sensorId: string;
  at: number;
  score: number;
  status: TrustStatus;
  /** the kinds active at that point (stored as jsonb; absent: none) */
  reasons?: TrustPointReason[];
}

interface LockedRow {
  sensor_id: string;
  es: string | null;
  hit?: boolean;
  status: TrustStatus;
  score: number;
  reasons: unknown;
  status_since: Date | null;
  version: number;
  stream_position: string;
  registered_at?: Date | null;
}

function kindsOf(reasons: unknown): FaultKind[] {
  const list = typeof reasons === 'string' ? (JSON.parse(reasons) as unknown) : reasons;
  return Array.isArray(list) ? (list as TrustReason[]).filter(isTicketReason).map((r) => r.kind) : [];
}

function toLocked(row: LockedRow): LockedTrust {
  return {
    sensorId: row.sensor_id,
    engineState: row.es,
    cached: row.hit === true,
    status: row.status,
    score: row.score,
    reasonKinds: kindsOf(row.reasons),
    statusSince: row.status_since ? row.status_since.getTime() : null,
    version: row.version,
    streamPosition: row.stream_position,
    ...(row.registered_at ? { registeredAt: row.registered_at.getTime() } : {}),
  };
}

// The profile columns come from the shared list (sensor-profile.ts), as in ingestion.
// Retired sensors are never swept (nor peers for DRIFT).
const LOCK_FLEET_SQL = `
  SELECT t.sensor_id, (t.version = c.v) AS hit,
         CASE WHEN t.version = c.v THEN NULL ELSE t.engine_state #>> '{}' END AS es,
         t.status::text AS status, t.score, t.reasons, t.status_since, t.version,
         t.stream_position::text AS stream_position, s.created_at AS registered_at,
         ${sensorProfileSelectList('s')}
    FROM trust_state t JOIN sensor s ON s.id = t.sensor_id
    LEFT JOIN unnest($1::text[], $2::int[]) AS c(id, v) ON c.id = t.sensor_id
   WHERE s.retired_at IS NULL
     AND ($1::text[] IS NULL OR s.id = ANY($1::text[])
          OR (s.zone_id, s.kind) IN (SELECT p.zone_id, p.kind FROM sensor p WHERE p.id = ANY($1::text[]) AND p.zone_id IS NOT NULL))
   ORDER BY t.sensor_id FOR UPDATE OF t`;

/** A sensor's registry entry with its locked trust row (sweeps). */
export interface FleetEntry {
  profile: SensorProfile;
  locked: LockedTrust;
}

export function createTrustStateRepository() {
  return {
    /**
     * Locks the rows in id order (callers pass sorted ids: no deadlocks between batches).
     * `cachedVersions[i]` is the version of the caller's cached engine state of
     * `sortedIds[i]` (-1: none); on a match the state is not sent back (`cached`).
     */
    async lockSensors(tx: Tx, sortedIds: string[], cachedVersions?: number[]): Promise<Map<string, LockedTrust>> {
      const versions = cachedVersions ?? new Array<number>(sortedIds.length).fill(-1);
      const rows = await tx.$queryRaw<LockedRow[]>`
        SELECT t.sensor_id, (t.version = c.v) AS hit,
               CASE WHEN t.version = c.v THEN NULL ELSE t.engine_state #>> '{}' END AS es,
               t.status::text AS status, t.score, t.reasons, t.status_since, t.version,
               t.stream_position::text AS stream_position
          FROM unnest(string_to_array(${sortedIds.join(',')}::text, ','),
                      string_to_array(${versions.join(',')}::text, ',')::int[]) AS c(id, v)
          JOIN trust_state t ON t.sensor_id = c.id
         ORDER BY t.sensor_id FOR UPDATE OF t`;
      const out = new Map<string, LockedTrust>();
      for (const row of rows) out.set(row.sensor_id, toLocked(row));
      return out;
    },

    /** Engine states of locked rows whose cached copy went missing (rare race). */
    async engineStates(tx: Tx, ids: string[]): Promise<Map<string, string | null>> {
      const rows = await tx.$queryRaw<{ sensor_id: string; es: string | null }[]>`
        SELECT sensor_id, engine_state #>> '{}' AS es FROM trust_state WHERE sensor_id = ANY(${ids}::text[])`;
      return new Map(rows.map((r) => [r.sensor_id, r.es]));
    },

    /** Creates missing trust rows (a sensor always has one; this only repairs). */
    async ensureRows(tx: Tx, ids: string[]): Promise<void> {
      await tx.$executeRaw`
        INSERT INTO trust_state (sensor_id) SELECT unnest(${ids}::text[]) ORDER BY 1 ON CONFLICT DO NOTHING`;
    },

    /**
     * Sensors' trust rows locked in id order, with their profiles. With `ids`,
     * those sensors plus their peers (same zone and kind), which DRIFT compares against.
     */
    async lockFleet(tx: Tx, ids: string[] | null, cachedVersions?: number[]): Promise<FleetEntry[]> {
      const versions = ids ? (cachedVersions ?? new Array<number>(ids.length).fill(-1)) : null;
      const rows = await tx.$queryRawUnsafe<(LockedRow & SensorProfile)[]>(LOCK_FLEET_SQL, ids, versions);
      return rows.map((row) => ({ profile: toSensorProfile(row), locked: toLocked(row) }));
    },

    /**
     * One statement for all rows and their history points. Rows travel as ONE JSON document
     * (json_to_recordset) and the engine states as one string of JSON texts separated by
     * U+0001 (which JSON.stringify always escapes): no per-element array escaping.
     * engine_state is stored as a jsonb STRING holding the state's JSON: PostgreSQL then
     * does not convert the ~100 numbers of every state to numeric, which made the
     * statement ~3× slower (1,000 sensors: ~110 ms → ~35 ms). Readers use engine_state #>> '{}'.
     * Bumps version (engine-state caches key on it). Returns the sensors of writes with
     * `expectVersion` whose row was at another version (not written; the caller rolls back).
     */
    async persist(tx: Tx, writes: TrustWrite[], points: TrustPointWrite[]): Promise<string[]> {
      if (writes.length === 0 && points.length === 0) return [];
      const states = new Array<string>(writes.length);
      const rows = new Array<Omit<TrustWrite, 'engineState'>>(writes.length);
      for (const [i, { engineState, ...rest }] of writes.entries()) {
        states[i] = JSON.stringify(engineState);
        rows[i] = rest;
      }
      const doc = JSON.stringify(rows);
      const pts = JSON.stringify(points);
      const updated = await tx.$queryRaw<{ id: string }[]>`
        WITH points AS (
          INSERT INTO trust_point (sensor_id, at, score, status, reasons)
          SELECT p."sensorId", to_timestamp(p.at / 1000.0), p.score, p.status::"TrustStatus", COALESCE(p.reasons, '[]')
            FROM json_to_recordset(${pts}::json) AS p("sensorId" text, at float8, score float8, status text, reasons jsonb)
        ), u AS (
          -- ROWS FROM zips the document's rows with the state texts, position by position.
          SELECT * FROM ROWS FROM (
                   json_to_recordset(${doc}::json) AS ("sensorId" text, score float8, status text, severity text, reasons jsonb,
                        "lastEvaluated" float8, "lastReadingAt" float8, "lastValue" float8, "statusSince" float8,
                        "expectVersion" int, "streamPosition" text),
                   unnest(string_to_array(${states.join('\u0001')}::text, chr(1))))
                 AS r("sensorId", score, status, severity, reasons, "lastEvaluated", "lastReadingAt", "lastValue", "statusSince",
                      "expectVersion", "streamPosition", es)
        )
        UPDATE trust_state AS t SET
               engine_state = to_jsonb(u.es), score = u.score, status = u.status::"TrustStatus",
               severity = u.severity::"Severity", reasons = u.reasons, last_evaluated = to_timestamp(u."lastEvaluated" / 1000.0),
               last_reading_at = COALESCE(to_timestamp(u."lastReadingAt" / 1000.0), t.last_reading_at),
               last_value = COALESCE(u."lastValue", t.last_value), status_since = to_timestamp(u."statusSince" / 1000.0),
               stream_position = COALESCE(u."streamPosition"::xid8, t.stream_position),
               version = t.version + 1, updated_at = now()
          FROM u
         WHERE t.sensor_id = u."sensorId" AND (u."expectVersion" IS NULL OR t.version = u."expectVersion")
        RETURNING t.sensor_id AS id`;
      if (!writes.some((w) => w.expectVersion !== undefined)) return [];
      const done = new Set(updated.map((r) => r.id));
      return writes.filter((w) => w.expectVersion !== undefined && !done.has(w.sensorId)).map((w) => w.sensorId);
    },

    /** Sensor ids grouped into chunks of whole zones (about `size` sensors each) for sweeping. */
    async sweepChunks(tx: Tx, size: number): Promise<string[][]> {
      const zones = await tx.$queryRaw<{ ids: string[] }[]>`
        SELECT array_agg(id ORDER BY id) AS ids FROM sensor WHERE retired_at IS NULL
         GROUP BY zone_id ORDER BY zone_id NULLS LAST`;
      const chunks: string[][] = [];
      let current: string[] = [];
      for (const { ids } of zones) {
        if (current.length > 0 && current.length + ids.length > size) {
          chunks.push(current);
          current = [];
        }
        current.push(...ids);
      }
      if (current.length > 0) chunks.push(current);
      return chunks;
    },

    /** Serialises sweeps across instances; false when another transaction holds it. */
    async tryLockSweep(tx: Tx): Promise<boolean> {
      const rows = await tx.$queryRaw<
        { ok: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}::bigint) AS ok`;
      return rows[0]?.ok === true;
    },

    async lockSweep(tx: Tx): Promise<void> {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${SWEEP_LOCK_KEY}::bigint)::text`;
    },
  };
}

/** Arbitrary constant naming the trust sweep among advisory locks. */
export const SWEEP_LOCK_KEY = 7_411_001;

export type TrustStateRepository = ReturnType<typeof createTrustStateRepository>;
