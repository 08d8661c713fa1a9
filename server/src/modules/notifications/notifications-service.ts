// Webhook notifications of ticket changes, modelled on Alertmanager's receivers:
// receivers with a URL, a secret (HMAC-SHA256 signature header), a minimum severity
// and zones; a delivery log with attempts, retried with exponential backoff.
//
// What to notify comes from the durable outbox the ticket_event trigger fills in the
// ticket change's own transaction (migration 20261129500000), so a ticket opening,
// escalating, reopening or resolving is notified once per change, never per reading,
// whichever instance or path (ingest, sweep, a person) made it. `dispatch()` fans the
// outbox out to deliveries and sends the due ones; it runs on a timer on every
// instance (claims are SKIP LOCKED) and is woken after a ticket change commits.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { NotificationSettings } from '../../config.js';
import type { Severity } from '../../generated/prisma/enums.js';
import { NotFoundError, UserInputError } from '../../kernel/errors.js';
import { createEmailSender, mailtoAddresses } from './email-sender.js';
import {
  incidentEventOf,
  incidentPayload,
  inhibited,
  receiverWantsIncident,
  bodyFor,
  notificationEventOf,
  receiverWants,
  retryDelayMs,
  testPayload,
  ticketPayload,
  type ReceiverKind,
} from './notification-routing.js';
import type {
  OutboxIncidentEvent,
  AttemptOutcome,
  ClaimedDelivery,
  DeliveryRow,
  NewDelivery,
  NotificationsRepository,
  ReceiverRow,
} from './notifications-repository.js';
import { postWebhook } from './webhook-sender.js';
import { literalAddress, targetPolicy, type TargetPolicy } from './webhook-target.js';

const FAN_OUT_BATCH = 200;
const SEND_BATCH = 20;

export interface ReceiverInput {
  name: string;
  kind?: ReceiverKind | null;
  url: string;
  secret?: string | null;
  minSeverity?: Severity | null;
  zoneIds?: readonly string[] | null;
}

export interface NotificationsServiceDeps {
  repo: NotificationsRepository;
  settings: NotificationSettings;
  log: FastifyBaseLogger;
}

function validated(input: ReceiverInput, policy: TargetPolicy) {
  const name = input.name.trim();
  if (!name) throw new UserInputError('name must not be empty', { field: 'name' });
  const kind: ReceiverKind = input.kind ?? 'WEBHOOK';
  const zoneIds = input.zoneIds?.length ? [...new Set(input.zoneIds)] : null;
  const common = { kind, name, minSeverity: input.minSeverity ?? null, zoneIds };
  if (kind === 'EMAIL') {
    if (!mailtoAddresses(input.url))
      throw new UserInputError(`url must be mailto:address[,address] for an EMAIL receiver, got "${input.url}"`, {
        field: 'url',
      });
    return { ...common, url: input.url.trim(), secret: input.secret ?? '' };
  }
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new UserInputError(`url is not a valid URL: "${input.url}"`, { field: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UserInputError(`url must be http: or https:, got "${url.protocol}"`, { field: 'url' });
  // An address in the URL is refused now; a name is checked on each delivery, after it resolves.
  const literal = literalAddress(url);
  const refusal = literal ? policy.refusal(literal) : null;
  if (refusal) throw new UserInputError(`url: ${refusal}`, { field: 'url' });
  if (kind === 'WEBHOOK' && !input.secret) throw new UserInputError('secret must not be empty', { field: 'secret' });
  return { ...common, url: url.toString(), secret: input.secret ?? '' };
}

export function createNotificationsService({ repo, settings, log }: NotificationsServiceDeps) {
  const leaseMs = settings.timeoutMs * 2 + 5_000;
  const policy = targetPolicy(settings.allowPrivate);
  const email = createEmailSender(settings.smtpUrl, settings.smtpFrom, settings.timeoutMs);

  /**
   * Receivers in parallel; each receiver's deliveries one after another in the order
   * the ticket changes happened (an "opened" before the "escalated" of the same tick).
   * A delivery that fails is retried later and may then arrive after newer ones: the
   * body's `at` dates the change.
   */
  async function send(claimed: ClaimedDelivery[]): Promise<AttemptOutcome[]> {
    const byReceiver = new Map<string, ClaimedDelivery[]>();
    for (const d of [...claimed].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))) {
      const queue = byReceiver.get(d.receiverId);
      if (queue) queue.push(d);
      else byReceiver.set(d.receiverId, [d]);
    }
    const perReceiver = await Promise.all(
      [...byReceiver.values()].map(async (queue) => {
        const done: AttemptOutcome[] = [];
        for (const d of queue) done.push(await attempt(d));
        return done;
      }),
    );
    const outcomes = perReceiver.flat();
    await repo.recordAttempts(outcomes);
    return outcomes;
  }

  async function deliver(d: ClaimedDelivery) {
    if (d.kind === 'EMAIL') {
      const mail = JSON.parse(d.payload) as { subject: string; text: string };
      return email.send(mailtoAddresses(d.url) ?? [], mail.subject, mail.text);
    }
    return postWebhook(
      d.url,
      d.secret,
      d.payload,
      { 'x-sensor-trust-event': d.event, 'x-sensor-trust-delivery': d.id },
      settings.timeoutMs,
      policy,
    );
  }

  async function attempt(d: ClaimedDelivery): Promise<AttemptOutcome> {
    const result = await deliver(d);
    const attempts = d.attempts + 1;
    const retryInMs =
      result.ok || attempts >= settings.maxAttempts ? null : retryDelayMs(attempts, settings.retryBaseMs);
    if (!result.ok)
      log.warn(
        { deliveryId: d.id, attempts, error: result.error },
        retryInMs === null ? 'webhook delivery failed for good' : 'webhook delivery failed, will retry',
      );
    return { id: d.id, ok: result.ok, statusCode: result.statusCode, error: result.error, retryInMs };
  }

  function plan(
    events: Parameters<Parameters<NotificationsRepository['fanOut']>[1]>[0],
    receivers: ReceiverRow[],
    incidents: OutboxIncidentEvent[] = [],
  ) {
    const rows: NewDelivery[] = [];
    for (const e of incidents) {
      const event = incidentEventOf(e.type);
      if (!event || e.silenced) continue;
      for (const r of receivers) {
        if (!receiverWantsIncident(r, e)) continue;
        const id = randomUUID();
        rows.push({
          id,
          receiverId: r.id,
          event,
          ticketId: null,
          incidentId: e.incidentId,
          payload: incidentPayload(id, r, event, e),
        });
      }
    }
    for (const e of events) {
      const event = notificationEventOf(e.type);
      // Silenced tickets still change (and are in the ticket's history), but notify nobody.
      if (!event || inhibited(e) || e.silenced) continue;
      for (const r of receivers) {
        if (!receiverWants(r, e)) continue;
        const id = randomUUID();
        rows.push({
          id,
          receiverId: r.id,
          event,
          ticketId: e.ticketId,
          payload: bodyFor(r.kind as ReceiverKind, ticketPayload(id, r, event, e)),
        });
      }
    }
    return rows;
  }

  return {
    createReceiver(input: ReceiverInput): Promise<ReceiverRow> {
      return repo.createReceiver(validated(input, policy));
    },

    listReceivers: () => repo.listReceivers(),

    deleteReceiver: (id: string) => repo.deleteReceiver(id),

    deliveries(receiverId: string, first: number | null | undefined): Promise<DeliveryRow[]> {
      const n = first ?? 20;
      if (!Number.isInteger(n) || n < 1 || n > 500)
        throw new UserInputError(`first must be between 1 and 500, got ${n}`, { field: 'first' });
      return repo.deliveries(receiverId, n);
    },

    /** Sends a TEST notification now and returns its delivery after the first attempt (retried like any other). */
    async sendTest(receiverId: string, now: Date): Promise<DeliveryRow> {
      const receiver = await repo.findReceiver(receiverId);
      if (!receiver) throw new NotFoundError('Notification receiver', receiverId);
      const id = randomUUID();
      const payload = bodyFor(receiver.kind as ReceiverKind, testPayload(id, receiver, now));
      // Inserted already leased to this call: the dispatcher must not send it at the same time.
      await repo.insertDelivery({ id, receiverId, event: 'TEST', ticketId: null, payload }, leaseMs);
      await send([
        {
          id,
          receiverId,
          seq: 0n,
          payload,
          event: 'TEST',
          attempts: 0,
          url: receiver.url,
          secret: receiver.secret,
          kind: receiver.kind,
        },
      ]);
      return (await repo.findDelivery(id))!;
    },

    /** One round: outbox → deliveries, then the due deliveries sent. Returns how many attempts were made. */
    async dispatch(): Promise<number> {
      for (;;) {
        const { events } = await repo.fanOut(FAN_OUT_BATCH, plan);
        if (events < FAN_OUT_BATCH) break;
      }
      let attempts = 0;
      for (;;) {
        const claimed = await repo.claimDue(SEND_BATCH, leaseMs);
        if (!claimed.length) break;
        attempts += (await send(claimed)).length;
        if (claimed.length < SEND_BATCH) break;
      }
      return attempts;
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
