// People's actions on incidents (acting on their tickets through the tickets service, so
// every ticket keeps its own history) and the notification round's tick.
import type { IncidentSettings } from '../../config.js';
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import { NotFoundError, UserInputError } from '../../kernel/errors.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { MAX_BULK_TICKETS, type TicketsService } from '../tickets/index.js';
import {
  createIncidentTicks,
  incidentTicketIds,
  setIncidentStatus,
  type IncidentRow,
  type IncidentsRepository,
} from './incidents-repository.js';

export interface IncidentsServiceDeps {
  prisma: PrismaClient;
  repo: IncidentsRepository;
  tickets: TicketsService;
  events: EventBus;
  clock: { now(): Date };
  settings: IncidentSettings;
}

export function createIncidentsService({ prisma, repo, tickets, events, clock, settings }: IncidentsServiceDeps) {
  const ticks = createIncidentTicks(prisma);

  async function onTickets(ids: string[], action: 'ACKNOWLEDGE' | 'RESOLVE', actor: string, note: string | null) {
    for (let i = 0; i < ids.length; i += MAX_BULK_TICKETS)
      await tickets.bulk({ ids: ids.slice(i, i + MAX_BULK_TICKETS), action, note }, actor);
  }

  async function change(id: string, to: 'ACKNOWLEDGED' | 'RESOLVED', actor: string, note?: string | null) {
    const trimmed = note?.trim() || null;
    if (trimmed && trimmed.length > 2000)
      throw new UserInputError('note is too long (limit is 2000 characters)', { field: 'note' });
    const result = await setIncidentStatus(prisma, id, to, actor, trimmed, clock.now());
    if (!result) throw new NotFoundError('Incident', id);
    if (result.from === 'RESOLVED')
      throw new UserInputError(`Cannot change incident "${id}": it is RESOLVED`, { status: 'RESOLVED' });
    if (to === 'ACKNOWLEDGED')
      await onTickets(await incidentTicketIds(prisma, id, ['OPEN']), 'ACKNOWLEDGE', actor, trimmed);
    else
      await onTickets(
        await incidentTicketIds(prisma, id, ['OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS']),
        'RESOLVE',
        actor,
        trimmed ?? 'Resolved with its incident',
      );
    events.publish(Topic.IncidentUpdated, { incidentId: id });
    return (await repo.findById(id)) as IncidentRow;
  }

  return {
    acknowledge: (id: string, actor: string, note?: string | null) => change(id, 'ACKNOWLEDGED', actor, note),
    resolve: (id: string, actor: string, note?: string | null) => change(id, 'RESOLVED', actor, note),
    /** Resolutions, grouped updates and repeats due at `now`; publishes each changed incident. */
    async tick(now: Date = clock.now()) {
      const rows = await ticks(now, settings);
      for (const id of new Set(rows.map((r) => r.id))) events.publish(Topic.IncidentUpdated, { incidentId: id });
      return rows;
    },
  };
}

export type IncidentsService = ReturnType<typeof createIncidentsService>;
