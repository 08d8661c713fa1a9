// Registry use cases: validate → write → publish.
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import { DomainError, NotFoundError, UserInputError } from '../../kernel/errors.js';
import { publishTicketUpdates } from '../../events/ticket-updates.js';
import type { SensorInput, ZoneInput } from '../../generated/graphql.js';
import type { SensorRow, SensorsRepository, ZoneRow } from './sensors-repository.js';
import { optionalText, validSensor, validZone } from './sensors-validation.js';

export class ZoneNotEmptyError extends DomainError {
  constructor(id: string, sensors: number) {
    super(
      `Zone "${id}" still holds ${sensors} sensor${sensors === 1 ? '' : 's'} (retired ones count): move or delete them first`,
      'ZONE_NOT_EMPTY',
      { id, sensors },
    );
  }
}

export function createSensorsService(repo: SensorsRepository, events: EventBus, clock: { now(): Date }) {
  function publishRegistry(sensor: SensorRow): void {
    events.publish(Topic.SensorRegistryChanged, { sensorIds: [sensor.id] });
    events.publish(Topic.SensorsUpdated, { sensors: [{ sensorId: sensor.id, zoneId: sensor.zoneId }] });
    events.publish(Topic.DashboardChanged, { reason: 'registry' });
  }

  return {
    /**
     * Out of service: out of fleet figures, sweeps and ticketing; its open tickets are
     * resolved with `note` (or a default saying why). Retiring a retired sensor changes nothing.
     */
    async retireSensor(id: string, actor: string, note?: string | null): Promise<SensorRow> {
      const why = optionalText('note', note, 2000);
      const at = clock.now();
      const result = await repo.retireSensor(
        id,
        at,
        actor,
        `Sensor retired by ${actor}${why ? `: ${why}` : ''}; the ticket was resolved with it`,
        why,
      );
      if (!result) throw new NotFoundError('Sensor', id);
      if (result.sensor.retiredAt?.getTime() === at.getTime()) {
        publishRegistry(result.sensor);
        publishTicketUpdates(
          events,
          result.tickets.map((t) => ({ ticketId: t.id, sensorId: t.sensorId, zoneId: t.zoneId })),
        );
      }
      return result.sensor;
    },

    /** Back in service, judged afresh from its next reading. Reactivating a sensor in service changes nothing. */
    async reactivateSensor(id: string): Promise<SensorRow> {
      const before = await repo.findSensor(id);
      if (!before) throw new NotFoundError('Sensor', id);
      const sensor = await repo.reactivateSensor(id);
      if (!sensor) throw new NotFoundError('Sensor', id);
      if (before.retiredAt) publishRegistry(sensor);
      return sensor;
    },

    /** Deletes an empty zone; false when there is no such zone, ZONE_NOT_EMPTY while it holds sensors. */
    async deleteZone(id: string): Promise<boolean> {
      const result = await repo.deleteZone(id);
      if (result.deleted) {
        events.publish(Topic.DashboardChanged, { reason: 'registry' });
        return true;
      }
      if (result.reason === 'not-empty') throw new ZoneNotEmptyError(id, result.sensors);
      return false;
    },

    async upsertZone(input: ZoneInput): Promise<ZoneRow> {
      const zone = await repo.upsertZone(validZone(input));
      events.publish(Topic.DashboardChanged, { reason: 'registry' });
      return zone;
    },

    async upsertSensor(input: SensorInput): Promise<SensorRow> {
      const write = validSensor(input);
      if (write.zoneId !== null && !(await repo.zoneExists(write.zoneId))) {
        throw new UserInputError(`Zone "${write.zoneId}" does not exist; create it with upsertZone first`, {
          field: 'zoneId',
        });
      }
      const sensor = await repo.upsertSensor(write);
      publishRegistry(sensor);
      return sensor;
    },
  };
}

export type SensorsService = ReturnType<typeof createSensorsService>;
