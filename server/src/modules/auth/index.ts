// The public surface of modules/auth: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { createAuthService } from './auth-service.js';
export type { AuthService } from './auth-service.js';
export { actionOf, can } from './roles.js';
