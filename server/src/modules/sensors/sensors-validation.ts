// Input rules for the registry. Each violation becomes a BAD_USER_INPUT error
// naming the field.
import { UserInputError } from '../../kernel/errors.js';
import type { SensorInput, ZoneInput } from '../../generated/graphql.js';
import type { SensorWrite, ZoneWrite } from './sensors-repository.js';

export const MAX_ID_LENGTH = 128;
export const MAX_NAME_LENGTH = 200;
export const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;
export const DEFAULT_INTERVAL_SECONDS = 60;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:\-/]*$/;

export function requireId(field: string, value: string): string {
  const id = value.trim();
  if (!id) throw new UserInputError(`${field} must not be empty`, { field });
  if (id.length > MAX_ID_LENGTH) {
    throw new UserInputError(`${field} is ${id.length} characters long; the limit is ${MAX_ID_LENGTH}`, { field });
  }
  if (!ID_PATTERN.test(id)) {
    throw new UserInputError(
      `${field} "${id}" may contain only letters, digits and . _ : - / and must start with a letter or digit`,
      { field },
    );
  }
  return id;
}

export function requireText(field: string, value: string, max = MAX_NAME_LENGTH): string {
  const text = value.trim();
  if (!text) throw new UserInputError(`${field} must not be empty`, { field });
  if (text.length > max) throw new UserInputError(`${field} is longer than ${max} characters`, { field });
  return text;
}

export function optionalText(field: string, value: string | null | undefined, max = 2000): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text.length > max) throw new UserInputError(`${field} is longer than ${max} characters`, { field });
  return text || null;
}

export function optionalFinite(field: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value)) throw new UserInputError(`${field} must be a finite number`, { field });
  return value;
}

export function checkRange(minValue: number | null, maxValue: number | null): void {
  if (minValue !== null && maxValue !== null && minValue >= maxValue) {
    throw new UserInputError(`minValue (${minValue}) must be less than maxValue (${maxValue})`, {
      field: 'minValue',
    });
  }
}

export function intervalSeconds(value: number | null | undefined): number {
  if (value === null || value === undefined) return DEFAULT_INTERVAL_SECONDS;
  if (!Number.isInteger(value) || value <= 0 || value > MAX_INTERVAL_SECONDS) {
    throw new UserInputError(
      `expectedIntervalSeconds must be a whole number of seconds between 1 and ${MAX_INTERVAL_SECONDS}, got ${value}`,
      { field: 'expectedIntervalSeconds' },
    );
  }
  return value;
}

/** Heartbeat of a report-by-exception sensor: null (periodic) or whole seconds, at least its interval. */
export function heartbeatSeconds(value: number | null | undefined, interval: number): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < interval || value > MAX_INTERVAL_SECONDS) {
    throw new UserInputError(
      `heartbeatSeconds must be a whole number of seconds between expectedIntervalSeconds (${interval}) and ${MAX_INTERVAL_SECONDS}, got ${value}`,
      { field: 'heartbeatSeconds' },
    );
  }
  return value;
}

/** A sensor input checked as upsertSensor checks it (the zone's existence apart). */
export function validSensor(input: SensorInput): SensorWrite {
  const id = requireId('id', input.id);
  const zoneId = input.zoneId === null || input.zoneId === undefined ? null : requireId('zoneId', input.zoneId);
  const minValue = optionalFinite('minValue', input.minValue);
  const maxValue = optionalFinite('maxValue', input.maxValue);
  checkRange(minValue, maxValue);
  const interval = intervalSeconds(input.expectedIntervalSeconds);
  return {
    id,
    zoneId,
    minValue,
    maxValue,
    expectedIntervalSeconds: interval,
    heartbeatSeconds: heartbeatSeconds(input.heartbeatSeconds, interval),
    name: requireText('name', input.name),
    kind: requireText('kind', input.kind, 64),
    unit: optionalText('unit', input.unit, 32),
    gatewayId: optionalText('gatewayId', input.gatewayId, 200),
  };
}

export function validZone(input: ZoneInput): ZoneWrite {
  return {
    id: requireId('id', input.id),
    name: requireText('name', input.name),
    description: optionalText('description', input.description),
  };
}
