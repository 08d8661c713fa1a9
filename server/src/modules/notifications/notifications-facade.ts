// What the GraphQL adapter may do with notification receivers: manage them, read their
// deliveries and send a test. Dispatching stays with the background dispatcher (app.ts),
// which keeps the whole service; the clock is applied here.
import type { NotificationsService } from './notifications-service.js';

export type NotificationsFacade = Pick<
  NotificationsService,
  'listReceivers' | 'createReceiver' | 'deleteReceiver' | 'deliveries'
> & {
  /** Queues a test delivery to one receiver, now. */
  sendTest(receiverId: string): ReturnType<NotificationsService['sendTest']>;
};

export function createNotificationsFacade(service: NotificationsService, clock: { now(): Date }): NotificationsFacade {
  return {
    listReceivers: () => service.listReceivers(),
    createReceiver: (input) => service.createReceiver(input),
    deleteReceiver: (id) => service.deleteReceiver(id),
    deliveries: (receiverId, first) => service.deliveries(receiverId, first),
    sendTest: (receiverId) => service.sendTest(receiverId, clock.now()),
  };
}
