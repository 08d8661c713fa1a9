// Routes pub/sub events to this instance's GraphQL subscribers. One bus listener
// per topic per instance (with Redis: one Redis message per event per instance),
// then in-process fan-out with server-side filtering:
// - readingAdded: a ReadingsAdded message is one ingest batch; it is split into
//   Reading items and each subscriber gets only the readings its filter accepts;
// - every delivery but the dashboard's is taken from its key's budget first
//   (key-budgets.ts): past it the event is dropped before it is queued, and the
//   subscriber is told how many it lost, at most once per notice interval;
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
  type IncidentUpdatedPayload,
} from '../../events/topics.js';
import type { IncidentRow, IncidentsRepository } from '../incidents/index.js';
import type { DashboardSummaryRow } from '../dashboard/index.js';
import type { SensorWithTrust } from '../trust/trust-repository.js';
import type { SensorRow, SensorsRepository } from '../sensors/index.js';
import type { TrustRepository } from '../trust/trust-repository.js';
import type { TicketRow, TicketsRepository } from '../tickets/index.js';
import type { EventStream } from './event-stream.js';
import { createKeyBudgets, DroppedNotice, type KeyBudgetSettings } from './key-budgets.js';
import { SubscriberRegistry, type SensorFilter, type Subscriber } from './subscriber-registry.js';

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
  incidentsRepository?: Pick<IncidentsRepository, 'findById'>;
  /** Events queued per subscription before it is ended (config.subscriptionBufferLimit). */
  bufferLimit: number;
  /** Per key: subscriptions held and deliveries per second (config.limits). */
  keyBudgets: KeyBudgetSettings;
  /** How often a subscriber that lost events is told (default 1000 ms). */
  droppedNoticeMs?: number;
  log: FastifyBaseLogger;
}

/** A subscriber of a topic whose events a key's budget can drop. */
type Budgeted<T> = Subscriber<T | DroppedNotice>;

export function createSubscriptionHub(options: SubscriptionHubOptions) {
  const { events, log } = options;
  const readings = new SubscriberRegistry<ReadingItem | DroppedNotice>('queue', options.bufferLimit);
  const sensors = new SubscriberRegistry<SensorRow | DroppedNotice>('queue', options.bufferLimit);
  const tickets = new SubscriberRegistry<TicketRow | DroppedNotice>('queue', options.bufferLimit);
  const incidents = new SubscriberRegistry<IncidentRow | DroppedNotice>('queue', options.bufferLimit);
  const dashboard = new SubscriberRegistry<DashboardSummaryRow>('latest', 1);
  const unsubscribe: (() => void)[] = [];
  const budgets = createKeyBudgets(options.keyBudgets);
  const deliveries = { delivered: 0, dropped: 0 };
  // Counted by the socket fan-out (ws-fanout-transport.ts): selections executed once for
  // every socket that shares them, and the frames written from them.
  const shared = { executions: 0, frames: 0, fanouts: 0, fanoutSeconds: 0 };
  const lagging = new Set<Budgeted<unknown>>();
  let noticeTimer: NodeJS.Timeout | undefined;

  /** Queues as many of `items` as the subscriber's key may still receive; counts the rest. */
  function deliver<T>(s: Budgeted<T>, items: readonly T[]): void {
    const granted = s.budget === null ? items.length : s.budget.take(items.length);
    for (let i = 0; i < granted; i++) s.stream.push(items[i] as T);
    deliveries.delivered += granted;
    if (granted === items.length) return;
    s.dropped += items.length - granted;
    deliveries.dropped += items.length - granted;
    lagging.add(s as Budgeted<unknown>);
  }

  function noticeDropped(): void {
    for (const s of lagging) if (s.dropped > 0) s.stream.push(new DroppedNotice(s.dropped));
    for (const s of lagging) s.dropped = 0;
    lagging.clear();
  }

  /** A subscription counted against its key (TOO_MANY_SUBSCRIPTIONS past the maximum). */
  function open<T>(registry: SubscriberRegistry<T>, filter: SensorFilter, keyId: string | null, budgeted = true) {
    const budget = budgets.acquire(keyId);
    return registry.subscribe(filter, budgeted ? budget : null, () => budgets.release(keyId));
  }
  // Loads are serialised per topic so that subscribers see changes in order.
  let sensorChain = Promise.resolve();
  let ticketChain = Promise.resolve();
  let incidentChain = Promise.resolve();

  function onReadings({ readings: batch }: ReadingsAddedPayload): void {
    if (!readings.hasAny()) return;
    // Unfiltered subscribers take the whole batch: their budget is taken once per batch,
    // so what it refuses costs nothing per reading.
    let all: ReadingItem[] | null = null;
    for (const s of readings.unfilteredSubscribers()) {
      all ??= batch.map((r) => ({ sensorId: r.sensorId, timestamp: new Date(r.ts), value: r.value }));
      deliver(s, all);
    }
    for (const r of batch) {
      let item: ReadingItem[] | null = null;
      for (const s of readings.filteredMatching(r.sensorId, r.zoneId)) {
        item ??= [{ sensorId: r.sensorId, timestamp: new Date(r.ts), value: r.value }];
        deliver(s, item);
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
      for (const s of sensors.matching(c.sensorId, c.zoneId)) deliver(s, [item]);
    }
  }

  async function onTicket(event: TicketUpdatedPayload): Promise<void> {
    if (isEmpty(tickets.matching(event.sensorId, event.zoneId))) return;
    const row = await options.ticketsRepository.findById(event.ticketId);
    if (!row) return;
    for (const s of tickets.matching(event.sensorId, event.zoneId)) deliver(s, [row]);
  }

  async function onIncident(event: IncidentUpdatedPayload): Promise<void> {
    if (!incidents.hasAny() || !options.incidentsRepository) return;
    const row = await options.incidentsRepository.findById(event.incidentId);
    if (!row) return;
    for (const s of incidents.unfilteredSubscribers()) deliver(s, [row]);
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
        [Topic.IncidentUpdated]: (p: IncidentUpdatedPayload) => {
          incidentChain = incidentChain
            .then(() => onIncident(p))
            .catch((err) => log.warn({ err }, 'incidentUpdated delivery failed'));
        },
      };
      listen(Topic.ReadingsAdded);
      listen(Topic.SensorsUpdated);
      listen(Topic.TicketUpdated);
      listen(Topic.IncidentUpdated);
      noticeTimer = setInterval(noticeDropped, options.droppedNoticeMs ?? 1000);
      noticeTimer.unref();
      await Promise.all(subscribed);
    },

    /** Ends every subscription (shutdown) and detaches from the bus. */
    async stop(): Promise<void> {
      for (const off of unsubscribe.splice(0)) off();
      clearInterval(noticeTimer);
      for (const registry of [readings, sensors, tickets, incidents, dashboard]) registry.endAll();
      await Promise.all([sensorChain, ticketChain, incidentChain]);
    },

    // keyId: the subscribing API key (null in open mode).
    readingAdded: (filter: SensorFilter, keyId: string | null = null): EventStream<ReadingItem | DroppedNotice> =>
      open(readings, filter, keyId),
    sensorUpdated: (filter: SensorFilter, keyId: string | null = null): EventStream<SensorRow | DroppedNotice> =>
      open(sensors, filter, keyId),
    ticketUpdated: (filter: SensorFilter, keyId: string | null = null): EventStream<TicketRow | DroppedNotice> =>
      open(tickets, filter, keyId),
    incidentUpdated: (keyId: string | null = null): EventStream<IncidentRow | DroppedNotice> =>
      open(incidents, { sensorId: null, zoneId: null }, keyId),
    // Counted against the key, never budgeted: at most one coalesced summary per DASHBOARD_COALESCE_MS.
    dashboardUpdated: (keyId: string | null = null): EventStream<DashboardSummaryRow> =>
      open(dashboard, { sensorId: null, zoneId: null }, keyId, false),

    dashboardSubscribers: (): number => dashboard.size,
    /** Delivers a summary to this instance's dashboardUpdated subscribers. */
    publishDashboard(summary: DashboardSummaryRow): void {
      for (const s of dashboard.subscribers()) s.stream.push(summary);
    },
    /**
     * Since start (metrics): events queued for subscribers, dropped for their key's budget,
     * and subscriptions ended SUBSCRIBER_TOO_SLOW.
     */
    deliveries: (): { delivered: number; dropped: number; tooSlow: number } => ({
      ...deliveries,
      tooSlow: [readings, sensors, tickets, incidents].reduce((n, r) => n + r.tooSlow, 0),
    }),
    /** The socket fan-out's counters (it increments them; metrics read them). */
    shared,
    /** Open subscriptions on this instance, per field (metrics, tests). */
    counts: () => ({
      readingAdded: readings.size,
      sensorUpdated: sensors.size,
      ticketUpdated: tickets.size,
      incidentUpdated: incidents.size,
      dashboardUpdated: dashboard.size,
    }),
  };
}

function isEmpty(items: Iterable<unknown>): boolean {
  for (const _ of items) return false;
  return true;
}

export type SubscriptionHub = ReturnType<typeof createSubscriptionHub>;
