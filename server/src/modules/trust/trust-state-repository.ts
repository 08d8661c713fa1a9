// SQL of the trust shell: lock trust rows, persist engine states and verdicts
// in bulk (one statement per table), load the fleet for a sweep. Always inside
// the caller's transaction.
import type { FaultKind, SensorProfile, Severity, TrustReason, TrustStatus } from '../../trust/types.js';
import type { Tx } from './trust-changes.js';

/** A trust_state row locked FOR UPDATE, with the engine state already parsed. */
export interface LockedTrust {
  sensorId: string;
  /** Raw engine state JSON, null before the first reading. */
  engineState: string | null;
  status: TrustStatus;
  score: number;
  reasonKinds: FaultKind[];
  /** epoch ms */
  statusSince: number | null;
  version: number;
}

/** Everything persisted for one sensor after an evaluation. */
export interface TrustWrite {
  sensorId: string;
  engineState: string;
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
}

export interface TrustPointWrite {
  sensorId: string;
  at: number;
  score: number;
  status: TrustStatus;
}

interface LockedRow {
  sensor_id: string;
  es: string | null;
  status: TrustStatus;
  score: number;
  reasons: unknown;
  status_since: Date | null;
  version: number;
}

function kindsOf(reasons: unknown): FaultKind[] {
  const list = typeof reasons === 'string' ? (JSON.parse(reasons) as unknown) : reasons;
  return Array.isArray(list) ? list.map((r: TrustReason) => r.kind) : [];
}

function toLocked(row: LockedRow): LockedTrust {
  return {
    sensorId: row.sensor_id,
    engineState: row.es,
    status: row.status,
    score: row.score,
    reasonKinds: kindsOf(row.reasons),
    statusSince: row.status_since ? row.status_since.getTime() : null,
    version: row.version,
  };
}

/** A sensor's registry entry with its locked trust row (sweeps). */
export interface FleetEntry {
  profile: SensorProfile;
  locked: LockedTrust;
}

export function createTrustStateRepository() {
  return {
    /** Locks the rows in id order (callers pass sorted ids: no deadlocks between batches). */
    async lockSensors(tx: Tx, sortedIds: string[]): Promise<Map<string, LockedTrust>> {
      const rows = await tx.$queryRaw<LockedRow[]>`
        SELECT sensor_id, engine_state::text AS es, status::text AS status, score, reasons, status_since, version
          FROM trust_state WHERE sensor_id = ANY(${sortedIds}::text[])
         ORDER BY sensor_id FOR UPDATE`;
      const out = new Map<string, LockedTrust>();
      for (const row of rows) out.set(row.sensor_id, toLocked(row));
      return out;
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
    async lockFleet(tx: Tx, ids: string[] | null): Promise<FleetEntry[]> {
      const rows = await tx.$queryRaw<
        (LockedRow & { kind: string; unit: string | null; zone_id: string | null; min_value: number | null; max_value: number | null; expected_interval_seconds: number })[]
      >`
        SELECT t.sensor_id, t.engine_state::text AS es, t.status::text AS status, t.score, t.reasons, t.status_since, t.version,
               s.kind, s.unit, s.zone_id, s.min_value, s.max_value, s.expected_interval_seconds
          FROM trust_state t JOIN sensor s ON s.id = t.sensor_id
         WHERE (${ids}::text[] IS NULL OR s.id = ANY(${ids}::text[])
                OR (s.zone_id, s.kind) IN (SELECT p.zone_id, p.kind FROM sensor p WHERE p.id = ANY(${ids}::text[]) AND p.zone_id IS NOT NULL))
         ORDER BY t.sensor_id FOR UPDATE OF t`;
      return rows.map((row) => ({
        profile: {
          id: row.sensor_id,
          kind: row.kind,
          unit: row.unit,
          zoneId: row.zone_id,
          minValue: row.min_value,
          maxValue: row.max_value,
          expectedIntervalSeconds: row.expected_interval_seconds,
        },
        locked: toLocked(row),
      }));
    },

    /** One UPDATE … FROM unnest for all rows; bumps version (engine-state caches key on it). */
    async persist(tx: Tx, writes: TrustWrite[]): Promise<void> {
      if (writes.length === 0) return;
      const n = writes.length;
      const ids = new Array<string>(n);
      const states = new Array<string>(n);
      const scores = new Array<number>(n);
      const statuses = new Array<string>(n);
      const severities = new Array<string>(n);
      const reasons = new Array<string>(n);
      const evaluated = new Array<number>(n);
      const lastReading = new Array<number | null>(n);
      const lastValue = new Array<number | null>(n);
      const since = new Array<number | null>(n);
      for (let i = 0; i < n; i++) {
        const w = writes[i];
        ids[i] = w.sensorId;
        states[i] = w.engineState;
        scores[i] = w.score;
        statuses[i] = w.status;
        severities[i] = w.severity;
        reasons[i] = w.reasons.length ? JSON.stringify(w.reasons) : '[]';
        evaluated[i] = w.lastEvaluated;
        lastReading[i] = w.lastReadingAt;
        lastValue[i] = w.lastValue;
        since[i] = w.statusSince;
      }
      await tx.$executeRaw`
        UPDATE trust_state AS t SET
               engine_state = u.es::jsonb, score = u.score, status = u.st::"TrustStatus", severity = u.sev::"Severity",
               reasons = u.reasons::jsonb, last_evaluated = to_timestamp(u.le / 1000.0),
               last_reading_at = COALESCE(to_timestamp(u.lr / 1000.0), t.last_reading_at),
               last_value = COALESCE(u.lv, t.last_value), status_since = to_timestamp(u.ss / 1000.0),
               version = t.version + 1, updated_at = now()
          FROM unnest(${ids}::text[], ${states}::text[], ${scores}::float8[], ${statuses}::text[], ${severities}::text[],
                      ${reasons}::text[], ${evaluated}::float8[], ${lastReading}::float8[], ${lastValue}::float8[], ${since}::float8[])
               AS u(id, es, score, st, sev, reasons, le, lr, lv, ss)
         WHERE t.sensor_id = u.id`;
    },

    async insertPoints(tx: Tx, points: TrustPointWrite[]): Promise<void> {
      if (points.length === 0) return;
      const ids = points.map((p) => p.sensorId);
      const at = points.map((p) => p.at);
      const scores = points.map((p) => p.score);
      const statuses = points.map((p) => p.status);
      await tx.$executeRaw`
        INSERT INTO trust_point (sensor_id, at, score, status)
        SELECT u.id, to_timestamp(u.at / 1000.0), u.score, u.st::"TrustStatus"
          FROM unnest(${ids}::text[], ${at}::float8[], ${scores}::float8[], ${statuses}::text[]) AS u(id, at, score, st)`;
    },

    /** Serialises sweeps across instances; false when another transaction holds it. */
    async tryLockSweep(tx: Tx): Promise<boolean> {
      const rows = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}::bigint) AS ok`;
      return rows[0]?.ok === true;
    },

    async lockSweep(tx: Tx): Promise<void> {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${SWEEP_LOCK_KEY}::bigint)::text`;
    },
  };
}

/** Arbitrary constant naming the trust sweep among advisory locks. */
const SWEEP_LOCK_KEY = 7_411_001;

export type TrustStateRepository = ReturnType<typeof createTrustStateRepository>;
