// Bulk registration (upsertSensors / upsertZones): each item validated as the single
// upserts validate it, the valid ones written in one set-based statement, an outcome
// per item. A bad item is an outcome, never an error of the whole batch; only a batch
// over MAX_BATCH_SIZE is refused whole (before any work).
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import { UserInputError } from '../../kernel/errors.js';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import type { SensorInput, ZoneInput } from '../../generated/graphql.js';
import type { BulkWritten, SensorsBulkRepository } from './sensors-bulk-repository.js';
import { validSensor, validZone } from './sensors-validation.js';

export type BulkStatus = 'CREATED' | 'UPDATED' | 'REJECTED';

export interface BulkOutcome {
  index: number;
  id: string;
  status: BulkStatus;
  code: string | null;
  field: string | null;
  message: string | null;
}

export interface BulkResult {
  created: number;
  updated: number;
  rejected: number;
  errors: BulkOutcome[];
  outcomes: BulkOutcome[];
}

const rejected = (index: number, id: string, code: string, message: string, field: string | null = null) =>
  ({ index, id, status: 'REJECTED', code, field, message }) satisfies BulkOutcome;

/** Validates every item; the first of each id goes on, later ones are DUPLICATE_ID. */
function sortOut<I extends { id: string }, W extends { id: string }>(
  inputs: readonly I[],
  validate: (input: I) => W,
): { valid: { index: number; write: W }[]; outcomes: (BulkOutcome | null)[] } {
  const outcomes: (BulkOutcome | null)[] = inputs.map(() => null);
  const valid: { index: number; write: W }[] = [];
  const seen = new Map<string, number>();
  inputs.forEach((input, index) => {
    let write: W;
    try {
      write = validate(input);
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      const field = (err.extensions as { field?: unknown } | undefined)?.field;
      outcomes[index] = rejected(
        index,
        input.id,
        'INVALID_INPUT',
        err.message,
        typeof field === 'string' ? field : null,
      );
      return;
    }
    const first = seen.get(write.id);
    if (first !== undefined) {
      outcomes[index] = rejected(
        index,
        input.id,
        'DUPLICATE_ID',
        `id "${write.id}" is also item ${first} of this batch; the first one is kept`,
      );
      return;
    }
    seen.set(write.id, index);
    valid.push({ index, write });
  });
  return { valid, outcomes };
}

function summarise(outcomes: BulkOutcome[]): BulkResult {
  const errors = outcomes.filter((o) => o.status === 'REJECTED');
  const created = outcomes.filter((o) => o.status === 'CREATED').length;
  return { created, updated: outcomes.length - created - errors.length, rejected: errors.length, errors, outcomes };
}

export function createSensorsBulkService(deps: {
  transaction: RunInTransaction;
  repo: SensorsBulkRepository;
  events: EventBus;
  maxBatchSize: number;
}) {
  const { transaction, repo, events, maxBatchSize } = deps;

  function checkSize(n: number, what: string): void {
    if (n > maxBatchSize) {
      throw new UserInputError(
        `A batch may hold at most ${maxBatchSize} ${what}, got ${n}: split it into smaller batches`,
        { field: 'inputs', maxBatchSize },
      );
    }
  }

  /** Outcomes in input order from what was written (keyed by id). */
  function outcomesOf<W extends { id: string }>(
    valid: { index: number; write: W }[],
    pending: (BulkOutcome | null)[],
    written: BulkWritten[],
    notWritten: (write: W) => [code: string, message: string, field: string],
  ): BulkOutcome[] {
    const byId = new Map(written.map((w) => [w.id, w]));
    for (const { index, write } of valid) {
      const row = byId.get(write.id);
      if (row)
        pending[index] = {
          index,
          id: write.id,
          status: row.created ? 'CREATED' : 'UPDATED',
          code: null,
          field: null,
          message: null,
        };
      else {
        const [code, message, field] = notWritten(write);
        pending[index] = rejected(index, write.id, code, message, field);
      }
    }
    return pending.map((o) => o!);
  }

  return {
    async upsertSensors(inputs: readonly SensorInput[]): Promise<BulkResult> {
      checkSize(inputs.length, 'sensors');
      const { valid, outcomes } = sortOut(inputs, validSensor);
      const written = await transaction((tx) =>
        repo.upsertSensors(
          tx,
          valid.map((v) => v.write),
        ),
      );
      const result = summarise(
        outcomesOf(valid, outcomes, written, (s) => [
          'UNKNOWN_ZONE',
          `Zone "${s.zoneId}" does not exist; create it with upsertZone(s) first`,
          'zoneId',
        ]),
      );
      if (written.length) {
        // After commit: the profile cache (and the trust stream's copy) forgets these sensors.
        events.publish(Topic.SensorRegistryChanged, { sensorIds: written.map((w) => w.id) });
        events.publish(Topic.SensorsUpdated, { sensors: written.map((w) => ({ sensorId: w.id, zoneId: w.zoneId })) });
        events.publish(Topic.DashboardChanged, { reason: 'registry' });
      }
      return result;
    },

    async upsertZones(inputs: readonly ZoneInput[]): Promise<BulkResult> {
      checkSize(inputs.length, 'zones');
      const { valid, outcomes } = sortOut(inputs, validZone);
      const written = await transaction((tx) =>
        repo.upsertZones(
          tx,
          valid.map((v) => v.write),
        ),
      );
      const result = summarise(outcomesOf(valid, outcomes, written, () => ['INTERNAL', 'not written', 'id']));
      if (written.length) events.publish(Topic.DashboardChanged, { reason: 'registry' });
      return result;
    },
  };
}

export type SensorsBulkService = ReturnType<typeof createSensorsBulkService>;
