// Keeps the dashboard live on this instance: every change event (from any
// instance) drops the cached summary/zone stats and feeds the coalescer, which
// pushes dashboardUpdated to this instance's subscribers only.
//
// Multi-instance choice: each instance runs its own coalescer for its own
// subscribers and recomputes the payload from the shared database (through the
// shared cache). Change events travel over Redis; dashboardUpdated payloads
// never do, so no instance delivers another instance's push to its clients
// (no duplicates) and a dead instance cannot silence the others.
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { SubscriptionHub } from './subscription-hub.js';
import { createDashboardCoalescer } from '../dashboard/index.js';
import type { DashboardService } from '../dashboard/index.js';

/** Writes that change what dashboardSummary or zoneStats show. */
const CHANGE_TOPICS = [Topic.DashboardChanged, Topic.ReadingsAdded, Topic.SensorsUpdated, Topic.TicketUpdated] as const;

export interface DashboardLiveOptions {
  events: EventBus;
  dashboard: DashboardService;
  hub: SubscriptionHub;
  coalesceMs: number;
  log: FastifyBaseLogger;
}

export function startDashboardLive(options: DashboardLiveOptions) {
  const { events, dashboard, hub, log } = options;
  const coalescer = createDashboardCoalescer({
    intervalMs: options.coalesceMs,
    compute: () => dashboard.freshSummary(),
    deliver: (summary) => hub.publishDashboard(summary),
    hasSubscribers: () => hub.dashboardSubscribers() > 0,
    log,
  });
  const invalidate = () => {
    dashboard.invalidateDashboard().catch((err) => log.warn({ err }, 'dashboard cache invalidation failed'));
  };
  const off: (() => void)[] = [];
  const subscribed: Promise<void>[] = [];
  for (const topic of CHANGE_TOPICS) {
    // The writer's own instance drops the cache before the writer answers, so
    // its client's next read sees the write even inside the TTL.
    off.push(events.onLocalPublish(topic, invalidate));
    subscribed.push(
      new Promise((resolve) =>
        off.push(
          events.on(
            topic,
            () => {
              invalidate();
              coalescer.changed();
            },
            resolve,
          ),
        ),
      ),
    );
  }
  // Other instances' writes while the link was down: drop the (possibly shared) values and push afresh.
  off.push(
    events.onResync(() => {
      invalidate();
      coalescer.changed();
    }),
  );
  return {
    /** Resolves once the change listeners are active (Redis confirms subscriptions asynchronously). */
    ready: Promise.all(subscribed).then(() => undefined),
    async stop(): Promise<void> {
      for (const f of off.splice(0)) f();
      await coalescer.stop();
    },
  };
}
