// The public surface of modules/subscriptions: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { createSubscriptionHub } from './subscription-hub.js';
export type { SubscriptionHub } from './subscription-hub.js';
