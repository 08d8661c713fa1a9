// The public surface of modules/readings: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { MINUTE_SHARDS } from './readings-ingest-repository.js';
export { MAX_READINGS_PER_QUERY } from './readings-repository.js';
export { createReadingsService } from './readings-service.js';
export type { ReadingsService } from './readings-service.js';
export type { SensorProfileCache } from './sensor-profile-cache.js';
export type { SeriesRepository } from './series-repository.js';
export { createSeriesRollup, flaggedRows, rollupRows } from './series-rollup.js';
export type { FlaggedCells, SeriesRollup } from './series-rollup.js';
