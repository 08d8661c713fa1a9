// The public surface of modules/silences: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { createSilencesFacade } from './silences-facade.js';
export type { SilencesFacade } from './silences-facade.js';
export { createSilencesService } from './silences-service.js';
export type { SilencesService } from './silences-service.js';
