// Registry use cases: validate → write → publish.
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import { UserInputError } from '../../graphql/errors.js';
import type { SensorInput, ZoneInput } from '../../generated/graphql.js';
import type { SensorRow, SensorsRepository, ZoneRow } from './sensors-repository.js';
import {
  checkRange,
  heartbeatSeconds,
  intervalSeconds,
  optionalFinite,
  optionalText,
  requireId,
  requireText,
} from './sensors-validation.js';

export function createSensorsService(repo: SensorsRepository, events: EventBus) {
  return {
    async upsertZone(input: ZoneInput): Promise<ZoneRow> {
      const zone = await repo.upsertZone({
        id: requireId('id', input.id),
        name: requireText('name', input.name),
        description: optionalText('description', input.description),
      });
      events.publish(Topic.DashboardChanged, { reason: 'registry' });
      return zone;
    },

    async upsertSensor(input: SensorInput): Promise<SensorRow> {
      const id = requireId('id', input.id);
      const zoneId = input.zoneId === null || input.zoneId === undefined ? null : requireId('zoneId', input.zoneId);
      const minValue = optionalFinite('minValue', input.minValue);
      const maxValue = optionalFinite('maxValue', input.maxValue);
      checkRange(minValue, maxValue);
      if (zoneId !== null && !(await repo.zoneExists(zoneId))) {
        throw new UserInputError(`Zone "${zoneId}" does not exist; create it with upsertZone first`, {
          field: 'zoneId',
        });
      }
      const interval = intervalSeconds(input.expectedIntervalSeconds);
      const heartbeat = heartbeatSeconds(input.heartbeatSeconds, interval);
      const sensor = await repo.upsertSensor({
        id,
        name: requireText('name', input.name),
        kind: requireText('kind', input.kind, 64),
        unit: optionalText('unit', input.unit, 32),
        zoneId,
        minValue,
        maxValue,
        expectedIntervalSeconds: interval,
        heartbeatSeconds: heartbeat,
      });
      events.publish(Topic.SensorRegistryChanged, { sensorIds: [id] });
      events.publish(Topic.SensorsUpdated, { sensors: [{ sensorId: id, zoneId }] });
      events.publish(Topic.DashboardChanged, { reason: 'registry' });
      return sensor;
    },
  };
}

export type SensorsService = ReturnType<typeof createSensorsService>;
