import type { Resolvers } from '../../generated/graphql.js';
import type { ModuleContext } from '../../graphql/context.js';
import type { NotificationEvent } from './notification-routing.js';

export type NotificationsContext = ModuleContext<'notifications'>;

export const notificationsResolvers: Resolvers<NotificationsContext> = {
  Query: {
    notificationReceivers: (_root, _args, { services }) => services.facades.notifications.listReceivers(),
  },
  Mutation: {
    createNotificationReceiver: (_root, { input }, { services }) =>
      services.facades.notifications.createReceiver(input),
    deleteNotificationReceiver: (_root, { id }, { services }) => services.facades.notifications.deleteReceiver(id),
    sendTestNotification: (_root, { receiverId }, { services }) => services.facades.notifications.sendTest(receiverId),
  },
  NotificationReceiver: {
    kind: (r) => r.kind as 'WEBHOOK' | 'SLACK' | 'EMAIL',
    zoneIds: (r) => (r.zoneIds.length ? r.zoneIds : null),
    deliveries: (r, { first }, { services }) => services.facades.notifications.deliveries(r.id, first),
  },
  NotificationDelivery: {
    event: (d) => d.event as NotificationEvent,
    status: (d) => d.status as 'PENDING' | 'DELIVERED' | 'FAILED',
    nextAttemptAt: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
  },
};
