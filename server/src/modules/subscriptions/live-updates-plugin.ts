// Starts this instance's live updates when the app builds (cheap: a few bus
// listeners and an idle coalescer) and stops them on close.
import fp from 'fastify-plugin';
import type { Services } from '../../services.js';
import { startDashboardLive } from './dashboard-live.js';

// With Redis down at start-up the subscriptions are confirmed once it is back
// (ioredis reconnects); do not hold the whole app hostage meanwhile.
const READY_TIMEOUT_MS = 10_000;

export default fp<{ services: Services }>(
  async (app, { services }) => {
    const live = startDashboardLive({
      events: app.events,
      dashboard: services.dashboard,
      hub: services.subscriptions,
      coalesceMs: services.config.dashboardCoalesceMs,
      log: app.log,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
    });
    const outcome = await Promise.race([Promise.all([services.subscriptions.start(), live.ready]), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      app.log.warn('pub/sub subscriptions not confirmed yet; live updates start when Redis answers');
    app.addHook('onClose', async () => {
      await live.stop();
      await services.subscriptions.stop();
    });
  },
  { name: 'live-updates', dependencies: ['pubsub', 'cache'] },
);
