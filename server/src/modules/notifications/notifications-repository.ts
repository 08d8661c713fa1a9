// Webhook receivers, the outbox the ticket_event trigger fills, and the delivery log.
// Claims use FOR UPDATE SKIP LOCKED, so any number of instances can dispatch at once.
import type { NotificationDelivery, NotificationReceiver, PrismaClient } from '../../generated/prisma/client.js';
import type { Severity } from '../../generated/prisma/enums.js';

export type ReceiverRow = NotificationReceiver;
export type DeliveryRow = NotificationDelivery;

/** A ticket event taken from the outbox, with its ticket as it is now. */
export interface OutboxEvent {
  eventId: string;
  type: string;
  at: Date;
  actor: string | null;
  note: string | null;
  ticketId: string;
  title: string;
  kind: string;
  severity: Severity;
  status: string;
  sensorId: string;
  zoneId: string | null;
  openedAt: Date;
  resolvedAt: Date | null;
  assignee: string | null;
  /** The ticket's incident: the ticket notifies only through it. */
  incidentId: string | null;
  /** A silence of the ticket, its sensor, its zone or its incident was in force at the event's time or now: nobody is told. */
  silenced: boolean;
}

/** An incident event taken from the outbox, with its incident as it is now. */
export interface OutboxIncidentEvent {
  eventId: string;
  type: string;
  at: Date;
  actor: string | null;
  note: string | null;
  incidentId: string;
  cause: string;
  scope: string;
  summary: string;
  severity: Severity;
  status: string;
  zoneId: string | null;
  source: string | null;
  sensorCount: number;
  openedAt: Date;
  resolvedAt: Date | null;
  /** A silence of the incident was in force at the event's time or now: nobody is told. */
  silenced: boolean;
}

export interface NewDelivery {
  id: string;
  receiverId: string;
  event: string;
  ticketId: string | null;
  incidentId?: string | null;
  payload: string;
}

/** A delivery claimed for one attempt, with where to send it. */
export interface ClaimedDelivery {
  id: string;
  receiverId: string;
  /** Creation order: a receiver is sent its deliveries in this order. */
  seq: bigint;
  payload: string;
  event: string;
  attempts: number;
  url: string;
  secret: string;
  kind: string;
}

export interface AttemptOutcome {
  id: string;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** Retry after this many ms; null when the delivery is done (DELIVERED or FAILED). */
  retryInMs: number | null;
}

export function createNotificationsRepository(prisma: PrismaClient) {
  return {
    createReceiver(data: {
      kind: string;
      name: string;
      url: string;
      secret: string;
      minSeverity: Severity | null;
      zoneIds: string[] | null;
    }): Promise<ReceiverRow> {
      return prisma.notificationReceiver.create({ data: { ...data, zoneIds: data.zoneIds ?? undefined } });
    },

    listReceivers(): Promise<ReceiverRow[]> {
      return prisma.notificationReceiver.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    },

    findReceiver(id: string): Promise<ReceiverRow | null> {
      return prisma.notificationReceiver.findUnique({ where: { id } });
    },

    async deleteReceiver(id: string): Promise<boolean> {
      const { count } = await prisma.notificationReceiver.deleteMany({ where: { id } });
      return count > 0;
    },

    deliveries(receiverId: string, first: number): Promise<DeliveryRow[]> {
      return prisma.notificationDelivery.findMany({
        where: { receiverId },
        orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
        take: first,
      });
    },

    findDelivery(id: string): Promise<DeliveryRow | null> {
      return prisma.notificationDelivery.findUnique({ where: { id } });
    },

    /**
     * Takes up to `limit` outbox entries and turns them into deliveries in one
     * transaction: an entry is gone exactly when its deliveries exist.
     */
    fanOut(
      limit: number,
      plan: (events: OutboxEvent[], receivers: ReceiverRow[], incidents: OutboxIncidentEvent[]) => NewDelivery[],
    ): Promise<{ events: number; deliveries: number }> {
      return prisma.$transaction(async (tx) => {
        const taken = await tx.$queryRaw<{ ticket_event_id: string | null; incident_event_id: string | null }[]>`
          DELETE FROM notification_outbox
           WHERE id IN (SELECT id FROM notification_outbox ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          RETURNING ticket_event_id::text, incident_event_id::text`;
        if (!taken.length) return { events: 0, deliveries: 0 };
        const ticketEventIds = taken.map((t) => t.ticket_event_id).filter((id): id is string => id !== null);
        const incidentEventIds = taken.map((t) => t.incident_event_id).filter((id): id is string => id !== null);
        const events = ticketEventIds.length
          ? await tx.$queryRaw<OutboxEvent[]>`
              SELECT e.id::text AS "eventId", e.type, e.at, e.actor, e.note, t.id AS "ticketId", t.title,
                     t.kind::text AS kind, t.severity::text AS severity, t.status::text AS status,
                     t.sensor_id AS "sensorId", t.zone_id AS "zoneId", t.opened_at AS "openedAt",
                     t.resolved_at AS "resolvedAt", t.assignee, t.incident_id AS "incidentId",
                     EXISTS (SELECT 1 FROM silence s
                              WHERE (s.ticket_id = t.id OR s.sensor_id = t.sensor_id OR s.zone_id = t.zone_id
                                     OR s.incident_id = t.incident_id)
                                AND ((s.created_at <= e.at AND e.at < s.until)
                                     OR (s.created_at <= now() AND now() < s.until))) AS silenced
                FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id
               WHERE e.id = ANY(${ticketEventIds}::bigint[])
               ORDER BY e.id`
          : [];
        const incidentEvents = incidentEventIds.length
          ? await tx.$queryRaw<OutboxIncidentEvent[]>`
              SELECT e.id::text AS "eventId", e.type, e.at, e.actor, e.note, i.id AS "incidentId", i.cause, i.scope,
                     i.summary, i.severity::text AS severity, i.status, i.zone_id AS "zoneId", i.source,
                     i.sensor_count AS "sensorCount", i.opened_at AS "openedAt", i.resolved_at AS "resolvedAt",
                     EXISTS (SELECT 1 FROM silence s
                              WHERE s.incident_id = i.id
                                AND ((s.created_at <= e.at AND e.at < s.until)
                                     OR (s.created_at <= now() AND now() < s.until))) AS silenced
                FROM incident_event e JOIN incident i ON i.id = e.incident_id
               WHERE e.id = ANY(${incidentEventIds}::bigint[])
               ORDER BY e.id`
          : [];
        const receivers = await tx.notificationReceiver.findMany();
        const rows = plan(events, receivers, incidentEvents);
        if (rows.length) await tx.notificationDelivery.createMany({ data: rows });
        return { events: taken.length, deliveries: rows.length };
      });
    },

    /** A delivery whose first attempt the caller makes itself (due only after `leasedForMs`, for retries). */
    insertDelivery(row: NewDelivery, leasedForMs: number): Promise<DeliveryRow> {
      return prisma.notificationDelivery.create({
        data: { ...row, nextAttemptAt: new Date(Date.now() + leasedForMs) },
      });
    },

    /** Claims due deliveries for one attempt: each is leased for `leaseMs` so no other instance sends it meanwhile. */
    claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      return prisma.$queryRaw<ClaimedDelivery[]>`
        UPDATE notification_delivery d
           SET next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
          FROM notification_receiver r
         WHERE r.id = d.receiver_id
           AND d.id IN (SELECT id FROM notification_delivery
                         WHERE status = 'PENDING' AND next_attempt_at <= now()
                         ORDER BY next_attempt_at, seq LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.receiver_id AS "receiverId", d.seq, d.payload, d.event, d.attempts, r.url, r.secret, r.kind`;
    },

    async recordAttempts(outcomes: AttemptOutcome[]): Promise<void> {
      if (!outcomes.length) return;
      await prisma.$executeRaw`
        UPDATE notification_delivery d
           SET attempts = d.attempts + 1,
               status = CASE WHEN o.ok THEN 'DELIVERED' WHEN o.retry_ms IS NULL THEN 'FAILED' ELSE 'PENDING' END,
               delivered_at = CASE WHEN o.ok THEN now() ELSE NULL END,
               next_attempt_at = CASE WHEN o.retry_ms IS NULL THEN d.next_attempt_at
                                      ELSE now() + make_interval(secs => o.retry_ms / 1000.0) END,
               last_status_code = o.status_code,
               last_error = o.error
          FROM unnest(${outcomes.map((o) => o.id)}::text[], ${outcomes.map((o) => o.ok)}::boolean[],
                      ${outcomes.map((o) => o.statusCode)}::int[], ${outcomes.map((o) => o.error)}::text[],
                      ${outcomes.map((o) => o.retryInMs)}::float8[]) AS o(id, ok, status_code, error, retry_ms)
         WHERE d.id = o.id`;
    },
  };
}

export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;
