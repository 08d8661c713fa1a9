// The public surface of modules/sensors: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { sensorProfileSelectList, toSensorProfile } from './sensor-profile.js';
export type { SensorProfileRow } from './sensor-profile.js';
export type { SensorRow, SensorsRepository, ZoneRow } from './sensors-repository.js';
export { createSensorsService } from './sensors-service.js';
export type { SensorsService } from './sensors-service.js';
