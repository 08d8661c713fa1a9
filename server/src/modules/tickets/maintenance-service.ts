// Maintenance windows: planned work on a sensor or a whole zone. While one is active,
// readings are still scored but automation opens, reopens and escalates no ticket for the
// covered sensors (see ticket-planner.ts); Sensor.maintenance shows the window.
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { MaintenanceInput } from '../../generated/graphql.js';
import { NotFoundError, UserInputError } from '../../kernel/errors.js';
import type { SensorsRepository } from '../sensors/index.js';
import type { MaintenanceRepository, MaintenanceWindowRow } from './maintenance-repository.js';

function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) return null;
  if (trimmed.length > max) throw new UserInputError(`${field} is too long (limit is ${max} characters)`, { field });
  return trimmed;
}

/**
 * Who planned a window: the caller (the API key's name, or x-actor behind a signing-in proxy),
 * never what the input says. `createdBy` stays in MaintenanceInput for clients that send it;
 * naming the caller is accepted, naming anyone else is refused (ACTOR_MISMATCH).
 */
function plannerOf(claimed: string | null | undefined, actor: string): string {
  const named = claimed?.trim();
  if (!named || named === actor) return actor;
  throw new UserInputError(
    `createdBy must be left out or name the caller ("${actor.slice(0, 128)}"): the planner is taken from the API key`,
    { code: 'ACTOR_MISMATCH', field: 'createdBy' },
  );
}

export function createMaintenanceService(
  repo: MaintenanceRepository,
  sensors: SensorsRepository,
  events: EventBus,
  clock: { now(): Date },
) {
  async function announce(window: MaintenanceWindowRow): Promise<void> {
    const affected = window.sensorId
      ? await sensors.sensorsByIds([window.sensorId])
      : await sensors.sensorsByZoneIds([window.zoneId!]);
    if (affected.length)
      events.publish(Topic.SensorsUpdated, { sensors: affected.map((s) => ({ sensorId: s.id, zoneId: s.zoneId })) });
  }

  return {
    async schedule(input: MaintenanceInput, actor: string): Promise<MaintenanceWindowRow> {
      const sensorId = input.sensorId?.trim() || null;
      const zoneId = input.zoneId?.trim() || null;
      if ((sensorId === null) === (zoneId === null)) {
        throw new UserInputError('Give exactly one of sensorId and zoneId', {
          field: sensorId ? 'zoneId' : 'sensorId',
        });
      }
      if (!(input.startsAt < input.endsAt))
        throw new UserInputError('endsAt must be after startsAt', { field: 'endsAt' });
      const now = clock.now();
      if (input.endsAt <= now)
        throw new UserInputError('endsAt is in the past: the window would never be active', { field: 'endsAt' });
      if (sensorId && !(await sensors.sensorsByIds([sensorId])).length) {
        throw new UserInputError(`Sensor "${sensorId}" does not exist`, { field: 'sensorId' });
      }
      if (zoneId && !(await sensors.zoneExists(zoneId)))
        throw new UserInputError(`Zone "${zoneId}" does not exist`, { field: 'zoneId' });
      const window = await repo.create({
        sensorId,
        zoneId,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        reason: optionalText('reason', input.reason, 500),
        createdBy: plannerOf(input.createdBy, actor),
      });
      await announce(window);
      return window;
    },

    /** Ends a running window now, or deletes one that has not started; over windows are kept as history. */
    async cancel(id: string): Promise<MaintenanceWindowRow> {
      const window = await repo.findById(id);
      if (!window) throw new NotFoundError('Maintenance window', id);
      const now = clock.now();
      if (window.endsAt <= now) throw new UserInputError(`Maintenance window "${id}" is already over`, { id });
      const result = window.startsAt > now && (await repo.deleteUpcoming(id, now)) ? window : await repo.endAt(id, now);
      if (!result) throw new UserInputError(`Maintenance window "${id}" is already over`, { id });
      await announce(result);
      return result;
    },
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
