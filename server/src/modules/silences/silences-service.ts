// Silences (modelled on Alertmanager's): for a while, the tickets of one sensor, zone,
// ticket or incident notify nobody. Tickets still open, escalate and resolve; only the
// notifications fan-out (modules/notifications) leaves them out. Who silenced is the
// caller, never what the input says, like a maintenance window's planner.
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { SilenceTarget } from '../../generated/graphql.js';
import { NotFoundError, UserInputError } from '../../kernel/errors.js';
import type { SensorsRepository } from '../sensors/index.js';
import type { TicketsRepository } from '../tickets/index.js';
import type { SilenceRow, SilencesRepository, SilenceTargetIds } from './silences-repository.js';

const MAX_AHEAD_MS = 366 * 24 * 3600_000;
const MAX_NOTE = 500;

export interface SilencesServiceDeps {
  repo: SilencesRepository;
  sensors: SensorsRepository;
  tickets: TicketsRepository;
  events: EventBus;
  clock: { now(): Date };
}

function targetOf(target: SilenceTarget): SilenceTargetIds {
  const pick = (v: string | null | undefined) => v?.trim() || null;
  const ids = {
    sensorId: pick(target.sensorId),
    ticketId: pick(target.ticketId),
    zoneId: pick(target.zoneId),
    incidentId: pick(target.incidentId),
  };
  const given = Object.values(ids).filter((v) => v !== null).length;
  if (given !== 1)
    throw new UserInputError(`Give exactly one of sensorId, ticketId, zoneId and incidentId (got ${given})`, {
      field: 'target',
    });
  return ids;
}

export function createSilencesService({ repo, sensors, tickets, events, clock }: SilencesServiceDeps) {
  /** Pages showing the silenced sensors refresh (sensorUpdated), like a maintenance window's. */
  async function announce(s: SilenceRow): Promise<void> {
    let sensorIds: string[] = [];
    if (s.sensorId) sensorIds = [s.sensorId];
    else if (s.ticketId) sensorIds = [(await tickets.findById(s.ticketId))?.sensorId ?? ''].filter(Boolean);
    const affected = s.zoneId ? await sensors.sensorsByZoneIds([s.zoneId]) : await sensors.sensorsByIds(sensorIds);
    if (affected.length)
      events.publish(Topic.SensorsUpdated, { sensors: affected.map((x) => ({ sensorId: x.id, zoneId: x.zoneId })) });
  }

  return {
    async silence(target: SilenceTarget, until: Date, note: string, actor: string): Promise<SilenceRow> {
      const ids = targetOf(target);
      const now = clock.now();
      if (until <= now) throw new UserInputError('until must be in the future', { field: 'until' });
      if (until.getTime() - now.getTime() > MAX_AHEAD_MS)
        throw new UserInputError('until is more than a year ahead', { field: 'until' });
      const why = note.trim();
      if (!why) throw new UserInputError('note must say why', { field: 'note' });
      if (why.length > MAX_NOTE)
        throw new UserInputError(`note is too long (limit is ${MAX_NOTE} characters)`, { field: 'note' });
      if (ids.sensorId && !(await sensors.sensorsByIds([ids.sensorId])).length)
        throw new NotFoundError('Sensor', ids.sensorId);
      if (ids.zoneId && !(await sensors.zoneExists(ids.zoneId))) throw new NotFoundError('Zone', ids.zoneId);
      if (ids.ticketId && !(await tickets.findById(ids.ticketId))) throw new NotFoundError('Ticket', ids.ticketId);
      const row = await repo.create({ ...ids, until, note: why, createdBy: actor, createdAt: now });
      await announce(row);
      return row;
    },

    /** Ends a silence now; one that has ended is returned as it is. */
    async unsilence(id: string): Promise<SilenceRow> {
      const found = await repo.findById(id);
      if (!found) throw new NotFoundError('Silence', id);
      const ended = (await repo.endAt(id, clock.now())) ?? found;
      if (ended !== found) await announce(ended);
      return ended;
    },
  };
}

export type SilencesService = ReturnType<typeof createSilencesService>;
