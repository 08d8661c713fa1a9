// The public surface of modules/readings: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { createReadingsService } from './readings-service.js';
export type { ReadingsService } from './readings-service.js';
