// ingestReadings: validate every item (per-item outcomes, one bad item never sinks
// the batch) → store the new readings with ONE bulk statement in autocommit (no
// BEGIN/COMMIT round trips; the statement is atomic by itself) → after commit,
// publish readingAdded and wake the trust stream. No trust-state lock, no write per
// sensor: trust is applied by the trust stream beside ingestion, which reads the
// stored readings back in commit order (modules/trust/trust-stream.ts,
// docs/trust-stream.md); evaluateTrust waits for it.
//
// Per-item outcomes: the readings are grouped per sensor and the groups settled with
// Promise.allSettled (a group that fails unexpectedly rejects only its own readings);
// then duplicates come from the bulk insert's count (and, only when it stored fewer
// rows than it was given, one read-only lookup of which). Database work stays one
// statement per table per batch, which is what keeps the hot path within its
// budget (a failed statement aborts a PostgreSQL transaction anyway).
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import type { Config } from '../../config.js';
import type { EventBus } from '../../events/event-bus.js';
import { Topic, type ReadingEvent } from '../../events/topics.js';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import type { ReadingSample, SensorProfile } from '../../trust/types.js';
import type { SensorReadings } from '../../kernel/readings.js';
import { IngestRefusedError } from './ingest-errors.js';
import { checkSensorId, checkValueAndTime } from './reading-checks.js';
import type { ReadingsIngestRepository } from './readings-ingest-repository.js';
import type { SensorProfileCache } from './sensor-profile-cache.js';

export interface IngestItem {
  sensorId: string;
  timestamp: Date;
  /** What the client sent; only a finite number is stored, anything else is INVALID_VALUE. */
  value?: unknown;
}

export type IngestErrorCode =
  | 'UNKNOWN_SENSOR'
  | 'SENSOR_RETIRED'
  | 'FUTURE_TIMESTAMP'
  | 'INVALID_VALUE'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_SENSOR_ID'
  | 'INTERNAL_ERROR'
  // MQTT messages only (mqtt-messages.ts): what cannot be an item at all.
  | 'INVALID_JSON'
  | 'INVALID_ITEM'
  // MQTT messages with MQTT_REQUIRE_KEY (plugins/mqtt-ingest.ts): the message's key.
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  // MQTT messages whose storing failed other than for want of a database: acknowledged, not retried.
  | 'NOT_STORED';

export interface IngestError {
  index: number;
  sensorId: string | null;
  code: IngestErrorCode;
  message: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: IngestError[];
}

export interface ReadingsServiceDeps {
  /**
   * Runs the batch's ONE insert statement in autocommit (db.autocommit): no BEGIN/COMMIT
   * round trips on the hot path, and the statement is atomic by itself. (When some rows
   * were already stored, a second, read-only statement finds which.)
   */
  statement: RunInTransaction;
  repo: ReadingsIngestRepository;
  profiles: SensorProfileCache;
  /** The trust stream, woken after each commit (it also polls, for other instances' readings). */
  stream?: {
    notify(): void;
    /** The committed rows, handed over so the stream of this process need not read them back. */
    offer?(xid: string, stored: SensorReadings[], receivedAt: number): void;
  };
  events: EventBus;
  config: Pick<Config, 'maxBatchSize' | 'futureSkewMs'>;
  clock: { now(): Date };
  log: FastifyBaseLogger;
  /** Readings by outcome (accepted, duplicate, rejected), rejected ones by code. */
  metrics?: Counter<'outcome' | 'code'>;
}

interface GroupOutcome {
  errors: IngestError[];
  duplicates: number;
}

interface Group {
  profile: SensorProfile | undefined;
  /** the group's readings with their index in the batch (errors name the index) */
  items: { index: number; reading: IngestItem }[];
  samples: ReadingSample[];
}

export function createReadingsService(deps: ReadingsServiceDeps) {
  const { statement, repo, profiles, events, config, clock, log } = deps;

  function reject(
    errors: IngestError[],
    index: number,
    sensorId: string | null,
    code: IngestErrorCode,
    message: string,
  ) {
    errors.push({ index, sensorId, code, message });
  }

  /** The source last recorded per sensor by this instance: a write only when it changes. */
  const recordedSource = new Map<string, string>();

  async function recordSources(stored: SensorReadings[], source: string): Promise<void> {
    const changed = stored.map((s) => s.profile.id).filter((id) => recordedSource.get(id) !== source);
    if (!changed.length) return;
    try {
      await statement((tx) => repo.recordSources(tx, changed, source));
      for (const id of changed) recordedSource.set(id, source);
    } catch (err) {
      log.warn({ err }, 'recording the readings source failed');
    }
  }

  return {
    /**
     * `source`: who sent them ("key:<API key name>"), recorded per sensor when it changes so a
     * source falling silent is one incident (modules/incidents); null when unknown (open mode).
     */
    async ingest(readings: readonly IngestItem[], options: { source?: string | null } = {}): Promise<IngestResult> {
      if (readings.length > config.maxBatchSize) {
        throw new IngestRefusedError(
          `A batch may hold at most ${config.maxBatchSize} readings, got ${readings.length}: split it into smaller batches`,
          { field: 'readings', maxBatchSize: config.maxBatchSize },
        );
      }
      const now = clock.now();
      const latest = now.getTime() + config.futureSkewMs;
      const errors: IngestError[] = [];

      // Group by sensor, then resolve every distinct sensor once (cache; one query for misses).
      // An id the database could not even look up (NUL, control characters) is refused
      // here, alone, so it never reaches the lookup that would fail the whole batch.
      const groups = new Map<string, Group>();
      for (const [index, reading] of readings.entries()) {
        const badId = checkSensorId(reading.sensorId);
        if (badId) {
          const sensorId = typeof reading.sensorId === 'string' ? reading.sensorId : null;
          reject(errors, index, sensorId, badId.code, badId.message);
          continue;
        }
        const g = groups.get(reading.sensorId);
        if (g) g.items.push({ index, reading });
        else groups.set(reading.sensorId, { profile: undefined, items: [{ index, reading }], samples: [] });
      }
      const retired = new Set<string>();
      const known = groups.size
        ? await profiles.resolve(groups.keys(), undefined, retired)
        : new Map<string, SensorProfile>();

      // Per-sensor groups settle independently (Promise.allSettled): a group that fails
      // unexpectedly rejects only its own readings, with INTERNAL_ERROR, never the batch.
      const settleGroup = async (id: string, g: Group): Promise<GroupOutcome> => {
        const out: GroupOutcome = { errors: [], duplicates: 0 };
        g.profile = known.get(id);
        if (!g.profile && retired.has(id)) {
          for (const { index } of g.items)
            reject(
              out.errors,
              index,
              id,
              'SENSOR_RETIRED',
              `Sensor "${id}" is retired; reactivate it with reactivateSensor to accept its readings`,
            );
          return out;
        }
        if (!g.profile) {
          for (const { index } of g.items)
            reject(
              out.errors,
              index,
              id,
              'UNKNOWN_SENSOR',
              `Sensor "${id}" is not registered; create it with upsertSensor first`,
            );
          return out;
        }
        let sorted = true;
        let prevTs = -Infinity;
        for (const { index: i, reading: r } of g.items) {
          const bad = checkValueAndTime(r.value, r.timestamp);
          if (bad) {
            reject(out.errors, i, id, bad.code, bad.message);
            continue;
          }
          const value = r.value as number;
          const ts = r.timestamp.getTime();
          if (ts > latest) {
            reject(
              out.errors,
              i,
              id,
              'FUTURE_TIMESTAMP',
              `timestamp ${r.timestamp.toISOString()} is more than ${config.futureSkewMs / 1000} s ahead of the server clock (${now.toISOString()})`,
            );
          } else {
            if (ts < prevTs) sorted = false;
            prevTs = ts;
            g.samples.push({ ts, value });
          }
        }
        // The engine sees each sensor's readings in timestamp order; the first of equal ts wins (stable sort).
        if (!sorted) g.samples.sort((a, b) => a.ts - b.ts);
        let w = 0;
        const samples = g.samples;
        for (const sample of samples) {
          // compacting in place: w never passes the sample being read
          if (w > 0 && samples[w - 1]?.ts === sample.ts) out.duplicates++;
          else samples[w++] = sample;
        }
        samples.length = w;
        return out;
      };
      type Settled = { id: string; g: Group } & ({ ok: true; value: GroupOutcome } | { ok: false; reason: unknown });
      const settled = await Promise.all(
        [...groups].map(([id, g]): Promise<Settled> =>
          settleGroup(id, g).then(
            (value) => ({ id, g, ok: true, value }),
            (reason: unknown) => ({ id, g, ok: false, reason }),
          ),
        ),
      );
      let duplicates = 0;
      let candidates = 0;
      for (const outcome of settled) {
        const { id, g } = outcome;
        if (!outcome.ok) {
          log.error({ err: outcome.reason, sensorId: id }, 'validating a sensor group failed');
          g.samples.length = 0;
          for (const { index } of g.items)
            reject(
              errors,
              index,
              id,
              'INTERNAL_ERROR',
              'This reading could not be processed; it was not stored. Retry it.',
            );
          continue;
        }
        for (const e of outcome.value.errors) errors.push(e);
        duplicates += outcome.value.duplicates;
        candidates += g.samples.length;
      }
      if (errors.length > 1) errors.sort((a, b) => a.index - b.index);
      if (errors.length && deps.metrics) countRejected(deps.metrics, errors);
      if (candidates === 0) {
        deps.metrics?.inc({ outcome: 'duplicate' }, duplicates);
        return { accepted: 0, duplicates, rejected: errors.length, errors };
      }

      // Column arrays in (sensor id, ts) order: index-friendly inserts.
      const sortedIds: string[] = [];
      for (const [id, g] of groups) if (g.samples.length) sortedIds.push(id);
      sortedIds.sort();
      const columns = {
        sensorIds: new Array<string>(candidates),
        ts: new Array<number>(candidates),
        values: new Array<number>(candidates),
      };
      const work = new Array<SensorReadings>(sortedIds.length);
      let p = 0;
      for (const [k, id] of sortedIds.entries()) {
        const g = groups.get(id)!;
        for (const sample of g.samples) {
          columns.sensorIds[p] = id;
          columns.ts[p] = sample.ts;
          columns.values[p++] = sample.value;
        }
        work[k] = { profile: g.profile!, samples: g.samples };
      }

      const inserted = await statement((tx) => repo.insertBatch(tx, columns, now.getTime()));
      const { duplicates: dup, xid } = inserted;
      const stored = dup.length ? withoutStored(work, dup) : work;

      const accepted = countSamples(stored);
      duplicates += candidates - accepted;
      deps.metrics?.inc({ outcome: 'accepted' }, accepted);
      deps.metrics?.inc({ outcome: 'duplicate' }, duplicates);
      if (accepted > 0) {
        // The rows handed over are exactly the statement's (the stream relies on it): else none.
        if (accepted === inserted.stored) deps.stream?.offer?.(xid, stored, now.getTime());
        deps.stream?.notify();
        publishAfterCommit(stored, accepted);
        if (options.source) await recordSources(stored, options.source);
      }
      return { accepted, duplicates, rejected: errors.length, errors };
    },
  };

  function publishAfterCommit(stored: SensorReadings[], accepted: number): void {
    try {
      const events_ = new Array<ReadingEvent>(accepted);
      let p = 0;
      for (const { profile, samples } of stored) {
        for (const s of samples)
          events_[p++] = { sensorId: profile.id, zoneId: profile.zoneId, ts: s.ts, value: s.value };
      }
      events.publish(Topic.ReadingsAdded, { readings: events_ });
      events.publish(Topic.DashboardChanged, { reason: 'readings' });
    } catch (err) {
      log.warn({ err }, 'publishing ingest events failed');
    }
  }
}

function countSamples(groups: SensorReadings[]): number {
  let n = 0;
  for (const g of groups) n += g.samples.length;
  return n;
}

/** Drops the readings the insert reported as already stored (positions in column order). */
function withoutStored(work: SensorReadings[], dupPositions: number[]): SensorReadings[] {
  const dup = new Set(dupPositions);
  const out: SensorReadings[] = [];
  let p = 0;
  for (const g of work) {
    const kept: ReadingSample[] = [];
    for (const s of g.samples) if (!dup.has(p++)) kept.push(s);
    if (kept.length) out.push({ profile: g.profile, samples: kept });
  }
  return out;
}

export type ReadingsService = ReturnType<typeof createReadingsService>;

function countRejected(metrics: Counter<'outcome' | 'code'>, errors: IngestError[]): void {
  const byCode = new Map<string, number>();
  for (const e of errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
  for (const [code, n] of byCode) metrics.inc({ outcome: 'rejected', code }, n);
}
