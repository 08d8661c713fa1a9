// Routes pub/sub events to this instance's GraphQL subscribers. One bus listener
// per topic per instance (with Redis: one Redis message per event per instance),
// then in-process fan-out with server-side filtering:
// - readingAdded: a ReadingsAdded message is one ingest batch; it is split into
//   Reading items and each subscriber gets only the readings its filter accepts;
// - sensorUpdated / ticketUpdated: rows are loaded once per message (one
//   statement however many subscribers and sensors; sensors with their trust
//   rows, so a subscriber's selection of trust costs no statement) and shared;
// - dashboardUpdated: instance-local only. Each instance's coalescer computes
//   the summary for its own subscribers (see dashboard-live.ts), so it never
//   goes through Redis and is never delivered twice.
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../../events/event-bus.js';
import {
  Topic,
  type ReadingsAddedPayload,
  type SensorsUpdatedPayload,
  type TicketUpdatedPayload,
} from '../../events/topics.js';
import type { DashboardSummaryRow } from '../dashboard/dashboard-repository.js';
import type { SensorWithTrust } from '../sensors/sensors-loaders.js';
import type { SensorRow, SensorsRepository } from '../sensors/sensors-repository.js';
import type { TrustRepository } from '../trust/trust-repository.js';
import type { TicketRow, TicketsRepository } from '../tickets/tickets-repository.js';
import type { EventStream } from './event-stream.js';
import { SubscriberRegistry, type SensorFilter } from './subscriber-registry.js';

export interface ReadingItem {
  sensorId: string;
  timestamp: Date;
  value: number;
}

export interface SubscriptionHubOptions {
  events: EventBus;
  sensorsRepository: Pick<SensorsRepository, 'sensorsByIds'>;
  trustRepository: Pick<TrustRepository, 'bySensorIds'>;
  ticketsRepository: Pick<TicketsRepository, 'findById'>;
  /** Events queued per subscription before it is ended (config.subscriptionBufferLimit). */
  bufferLimit: number;
  log: FastifyBaseLogger;
}

export function createSubscriptionHub(options: SubscriptionHubOptions) {
  const { events, log } = options;
  const readings = new SubscriberRegistry<ReadingItem>('queue', options.bufferLimit);
  const sensors = new SubscriberRegistry<SensorRow>('queue', options.bufferLimit);
  const tickets = new SubscriberRegistry<TicketRow>('queue', options.bufferLimit);
  const dashboard = new SubscriberRegistry<DashboardSummaryRow>('latest', 1);
  const unsubscribe: (() => void)[] = [];
  // Loads are serialised per topic so that subscribers see changes in order.
  let sensorChain = Promise.resolve();
  let ticketChain = Promise.resolve();

  function onReadings({ readings: batch }: ReadingsAddedPayload): void {
    if (!readings.hasAny()) return;
    for (const r of batch) {
      let item: ReadingItem | null = null;
      for (const s of readings.matching(r.sensorId, r.zoneId)) {
        item ??= { sensorId: r.sensorId, timestamp: new Date(r.ts), value: r.value };
        s.stream.push(item);
      }
    }
  }

  async function onSensors({ sensors: changed }: SensorsUpdatedPayload): Promise<void> {
    const wanted = changed.filter((c) => !isEmpty(sensors.matching(c.sensorId, c.zoneId)));
    if (!wanted.length) return;
    const ids = wanted.map((c) => c.sensorId);
    // The trust rows come with them: a subscriber's `trust { … }` then needs no statement per event.
    const [sensorRows, trustRows] = await Promise.all([
      options.sensorsRepository.sensorsByIds(ids),
      options.trustRepository.bySensorIds(ids),
    ]);
    const rows = new Map(sensorRows.map((s) => [s.id, s]));
    for (const c of wanted) {
      const row = rows.get(c.sensorId);
      if (!row) continue;
      const item: SensorWithTrust = { ...row, loadedTrust: trustRows.get(c.sensorId) ?? null };
      for (const s of sensors.matching(c.sensorId, c.zoneId)) s.stream.push(item);
    }
  }

  async function onTicket(event: TicketUpdatedPayload): Promise<void> {
    if (isEmpty(tickets.matching(event.sensorId, event.zoneId))) return;
    const row = await options.ticketsRepository.findById(event.ticketId);
    if (!row) return;
    for (const s of tickets.matching(event.sensorId, event.zoneId)) s.stream.push(row);
  }

  return {
    /** Registers the bus listeners; resolves once they are active on every transport. */
    async start(): Promise<void> {
      const subscribed: Promise<void>[] = [];
      const listen = <T extends keyof typeof handlers>(topic: T) =>
        subscribed.push(
          new Promise((resolve) => unsubscribe.push(events.on(topic, handlers[topic] as never, resolve))),
        );
      const handlers = {
        [Topic.ReadingsAdded]: onReadings,
        [Topic.SensorsUpdated]: (p: SensorsUpdatedPayload) => {
          sensorChain = sensorChain
            .then(() => onSensors(p))
            .catch((err) => log.warn({ err }, 'sensorUpdated delivery failed'));
        },
        [Topic.TicketUpdated]: (p: TicketUpdatedPayload) => {
          ticketChain = ticketChain
            .then(() => onTicket(p))
            .catch((err) => log.warn({ err }, 'ticketUpdated delivery failed'));
        },
      };
      listen(Topic.ReadingsAdded);
      listen(Topic.SensorsUpdated);
      listen(Topic.TicketUpdated);
      await Promise.all(subscribed);
    },

    /** Ends every subscription (shutdown) and detaches from the bus. */
    async stop(): Promise<void> {
      for (const off of unsubscribe.splice(0)) off();
      for (const registry of [readings, sensors, tickets, dashboard]) registry.endAll();
      await Promise.all([sensorChain, ticketChain]);
    },

    readingAdded: (filter: SensorFilter): EventStream<ReadingItem> => readings.subscribe(filter),
    sensorUpdated: (filter: SensorFilter): EventStream<SensorRow> => sensors.subscribe(filter),
    ticketUpdated: (filter: SensorFilter): EventStream<TicketRow> => tickets.subscribe(filter),
    dashboardUpdated: (): EventStream<DashboardSummaryRow> => dashboard.subscribe({ sensorId: null, zoneId: null }),

    dashboardSubscribers: (): number => dashboard.size,
    /** Delivers a summary to this instance's dashboardUpdated subscribers. */
    publishDashboard(summary: DashboardSummaryRow): void {
      for (const s of dashboard.subscribers()) s.stream.push(summary);
    },
    /** Open subscriptions on this instance, per field (metrics, tests). */
    counts: () => ({
      readingAdded: readings.size,
      sensorUpdated: sensors.size,
      ticketUpdated: tickets.size,
      dashboardUpdated: dashboard.size,
    }),
  };
}

function isEmpty(items: Iterable<unknown>): boolean {
  for (const _ of items) return false;
  return true;
}

export type SubscriptionHub = ReturnType<typeof createSubscriptionHub>;
