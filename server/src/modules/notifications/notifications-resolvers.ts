import type { Resolvers } from '../../generated/graphql.js';
import type { NotificationEvent } from './notification-routing.js';

export const notificationsResolvers: Resolvers = {
  Query: {
    notificationReceivers: (_root, _args, { services }) => services.notifications.listReceivers(),
  },
  Mutation: {
    createNotificationReceiver: (_root, { input }, { services }) => services.notifications.createReceiver(input),
    deleteNotificationReceiver: (_root, { id }, { services }) => services.notifications.deleteReceiver(id),
    sendTestNotification: (_root, { receiverId }, { services }) =>
      services.notifications.sendTest(receiverId, services.clock.now()),
  },
  NotificationReceiver: {
    kind: (r) => r.kind as 'WEBHOOK' | 'SLACK' | 'EMAIL',
    zoneIds: (r) => (r.zoneIds.length ? r.zoneIds : null),
    deliveries: (r, { first }, { services }) => services.notifications.deliveries(r.id, first),
  },
  NotificationDelivery: {
    event: (d) => d.event as NotificationEvent,
    status: (d) => d.status as 'PENDING' | 'DELIVERED' | 'FAILED',
    nextAttemptAt: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
  },
};
