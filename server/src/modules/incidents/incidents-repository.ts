// Reads of incidents (writes: incident-grouping-repository.ts inside ticket automation's
// transaction, incidents-service.ts for people's actions and the notification tick).
import type { Incident, PrismaClient } from '../../generated/prisma/client.js';

export type IncidentRow = Incident;

export interface IncidentListFilter {
  status?: string[] | null;
  cause?: string[] | null;
  zoneId?: string | null;
}

export function createIncidentsRepository(prisma: PrismaClient) {
  const where = (f: IncidentListFilter) => ({
    ...(f.status?.length ? { status: { in: f.status } } : {}),
    ...(f.cause?.length ? { cause: { in: f.cause } } : {}),
    ...(f.zoneId ? { zoneId: f.zoneId } : {}),
  });
  return {
    findById: (id: string) => prisma.incident.findUnique({ where: { id } }),

    /** Newest first, keyset on (openedAt desc, id). */
    async list(filter: IncidentListFilter, first: number, after: { openedAt: Date; id: string } | null) {
      const base = where(filter);
      const page = after
        ? {
            OR: [{ openedAt: { lt: after.openedAt } }, { openedAt: after.openedAt, id: { gt: after.id } }],
          }
        : {};
      const [rows, totalCount] = await Promise.all([
        prisma.incident.findMany({
          where: { ...base, ...page },
          orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
          take: first + 1,
        }),
        prisma.incident.count({ where: base }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },

    /** Its tickets, newest first, keyset on (openedAt desc, id). */
    async tickets(incidentId: string, first: number, after: { openedAt: Date; id: string } | null) {
      const page = after
        ? { OR: [{ openedAt: { lt: after.openedAt } }, { openedAt: after.openedAt, id: { gt: after.id } }] }
        : {};
      const [rows, totalCount] = await Promise.all([
        prisma.ticket.findMany({
          where: { incidentId, ...page },
          orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
          take: first + 1,
        }),
        prisma.ticket.count({ where: { incidentId } }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },
  };
}

/** What a notification round changed: an incident and the event it was given. */
export interface IncidentTickRow {
  id: string;
  type: 'resolved' | 'updated' | 'repeated';
}

/**
 * The notification round's writes (each an atomic UPDATE … RETURNING, so instances that run
 * it at once never both write the same event): resolve incidents whose tickets are all
 * resolved (and ENVIRONMENT incidents quiet for the window), then at most one `updated` per
 * group interval when tickets joined or resolved, and a `repeated` after the repeat interval.
 */
export function createIncidentTicks(prisma: PrismaClient) {
  return async function tick(
    now: Date,
    s: { groupIntervalMs: number; repeatMs: number; windowMs: number },
  ): Promise<IncidentTickRow[]> {
    const nowMs = now.getTime();
    return prisma.$transaction(async (tx) => {
      const resolved = await tx.$queryRaw<{ id: string }[]>`
        WITH done AS (
          UPDATE incident i SET status = 'RESOLVED', group_key = NULL, resolved_by = 'automation',
                 resolved_at = to_timestamp(${nowMs}::float8 / 1000), updated_at = now()
           WHERE i.status <> 'RESOLVED'
             AND CASE WHEN i.cause = 'ENVIRONMENT'
                      THEN i.last_joined_at < to_timestamp(${nowMs - s.windowMs}::float8 / 1000)
                      ELSE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.incident_id = i.id AND t.status <> 'RESOLVED')
                 END
          RETURNING i.id, i.cause, i.summary, i.sensor_count
        ), ev AS (
          INSERT INTO incident_event (incident_id, at, type, actor, note)
          SELECT id, to_timestamp(${nowMs}::float8 / 1000), 'resolved', 'automation',
                 summary || CASE WHEN cause = 'ENVIRONMENT' THEN ': the move is over'
                                 ELSE ': all tickets resolved (' || sensor_count || ' sensor(s))' END
            FROM done
        )
        SELECT id FROM done`;
      const updated = await tx.$queryRaw<{ id: string }[]>`
        WITH counts AS (
          SELECT i.id, i.pending_joined,
                 (SELECT count(*)::int FROM ticket t WHERE t.incident_id = i.id AND t.status = 'RESOLVED'
                     AND t.resolved_at > i.notified_at) AS resolved,
                 (SELECT count(*)::int FROM ticket t WHERE t.incident_id = i.id AND t.status <> 'RESOLVED') AS open
            FROM incident i
           WHERE i.status <> 'RESOLVED' AND i.notified_at <= to_timestamp(${nowMs - s.groupIntervalMs}::float8 / 1000)
        ), up AS (
          UPDATE incident i SET notified_at = to_timestamp(${nowMs}::float8 / 1000), pending_joined = 0, updated_at = now()
            FROM counts c
           WHERE i.id = c.id AND (c.pending_joined > 0 OR c.resolved > 0)
             AND i.notified_at <= to_timestamp(${nowMs - s.groupIntervalMs}::float8 / 1000)
          RETURNING i.id, i.summary, c.pending_joined, c.resolved, c.open, i.sensor_count
        ), ev AS (
          INSERT INTO incident_event (incident_id, at, type, actor, note)
          SELECT id, to_timestamp(${nowMs}::float8 / 1000), 'updated', 'automation',
                 summary || ': ' || pending_joined || ' more ticket(s) joined, ' || resolved || ' resolved; '
                 || open || ' open, ' || sensor_count || ' sensor(s) in all'
            FROM up
        )
        SELECT id FROM up`;
      const repeated = await tx.$queryRaw<{ id: string }[]>`
        WITH up AS (
          UPDATE incident i SET notified_at = to_timestamp(${nowMs}::float8 / 1000), updated_at = now()
           WHERE i.status <> 'RESOLVED' AND i.notified_at <= to_timestamp(${nowMs - s.repeatMs}::float8 / 1000)
          RETURNING i.id, i.summary, i.sensor_count, i.opened_at
        ), ev AS (
          INSERT INTO incident_event (incident_id, at, type, actor, note)
          SELECT id, to_timestamp(${nowMs}::float8 / 1000), 'repeated', 'automation',
                 summary || ': still open since ' || to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
                 || ', ' || sensor_count || ' sensor(s)'
            FROM up
        )
        SELECT id FROM up`;
      return [
        ...resolved.map((r) => ({ id: r.id, type: 'resolved' as const })),
        ...updated.map((r) => ({ id: r.id, type: 'updated' as const })),
        ...repeated.map((r) => ({ id: r.id, type: 'repeated' as const })),
      ];
    });
  };
}

/** A person's change of an incident's status, with its event (notified when it resolves). */
export async function setIncidentStatus(
  prisma: PrismaClient,
  id: string,
  to: 'ACKNOWLEDGED' | 'RESOLVED',
  actor: string,
  note: string | null,
  at: Date,
): Promise<{ from: string } | null> {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM incident WHERE id = ${id} FOR UPDATE`;
    if (!row) return null;
    if (row.status === 'RESOLVED' || row.status === to) return { from: row.status };
    await tx.incident.update({
      where: { id },
      data:
        to === 'RESOLVED'
          ? { status: to, groupKey: null, resolvedAt: at, resolvedBy: actor, updatedAt: at }
          : { status: to, updatedAt: at },
    });
    await tx.incidentEvent.create({
      data: { incidentId: id, at, type: to === 'RESOLVED' ? 'resolved' : 'acknowledged', actor, note },
    });
    return { from: row.status };
  });
}

export async function incidentTicketIds(prisma: PrismaClient, id: string, statuses: string[]): Promise<string[]> {
  const rows = await prisma.ticket.findMany({
    where: { incidentId: id, status: { in: statuses as ('OPEN' | 'ACKNOWLEDGED' | 'IN_PROGRESS')[] } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

export type IncidentsRepository = ReturnType<typeof createIncidentsRepository>;
