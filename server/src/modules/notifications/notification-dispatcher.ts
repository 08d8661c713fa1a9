// Runs the notifications' dispatch round on a timer, and soon after a ticket change
// commits on this instance (other instances find it on their next tick). Rounds never
// overlap; stop() waits for the one in progress.
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { NotificationsService } from './notifications-service.js';

export function startNotificationDispatcher(
  service: Pick<NotificationsService, 'dispatch'>,
  events: EventBus,
  options: {
    pollMs: number;
    log: FastifyBaseLogger;
    /** Runs first in every round: incidents' resolutions, grouped updates and repeats (modules/incidents). */
    beforeRound?: () => Promise<unknown>;
  },
) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref();
  };
  function run() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (options.beforeRound ? options.beforeRound() : Promise.resolve())
      .then(() => service.dispatch())
      .then(
        () => undefined,
        (err: unknown) => options.log.error({ err }, 'notification dispatch failed'),
      )
      .finally(() => {
        running = null;
        const now = again;
        again = false;
        schedule(now ? 0 : options.pollMs);
      });
  }
  // After commit, outside publish(): the trigger has queued the change by now.
  const offTickets = events.onLocalPublish(Topic.TicketUpdated, () => schedule(20));
  const offIncidents = events.onLocalPublish(Topic.IncidentUpdated, () => schedule(20));
  const off = () => {
    offTickets();
    offIncidents();
  };
  schedule(options.pollMs);

  return {
    async stop() {
      stopped = true;
      off();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
