// The public surface of modules/notifications: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { createNotificationsFacade } from './notifications-facade.js';
export type { NotificationsFacade } from './notifications-facade.js';
export { createNotificationsService } from './notifications-service.js';
export type { NotificationsService } from './notifications-service.js';
