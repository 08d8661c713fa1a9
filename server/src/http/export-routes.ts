// Streamed exports: GET /export/readings (CSV or NDJSON of one sensor's or one zone's
// readings in a time range) and GET /export/tickets (CSV of the tickets matching the
// board's filter). Authorised like the API: the auth plugin has resolved the caller
// (401 without a valid key); reading data needs the role table's 'read' (VIEWER and
// above; 403 for an INTEGRATOR). The body is a stream pulled by the socket: the next
// chunk is read from the database only when the previous one has been written.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { can } from '../modules/auth/roles.js';
import { createExportRepository } from '../modules/readings/export-repository.js';
import { CONTENT_TYPES, csvLine, READINGS_CSV_HEADER, type ExportFormat } from '../modules/readings/export-format.js';
import { cursorValues, type TicketCursor, type TicketListFilter } from '../modules/tickets/tickets-repository.js';
import { SEVERITIES } from '../trust/types.js';

const TICKET_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED'] as const;
const TICKET_PAGE = 1000;
/** The default range: everything (dates PostgreSQL and JS both represent). */
const EARLIEST = new Date('0001-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
const TICKETS_CSV_HEADER = csvLine([
  'id',
  'sensorId',
  'kind',
  'severity',
  'status',
  'title',
  'assignee',
  'openedAt',
  'updatedAt',
  'resolvedAt',
]);

class BadExportRequest extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | undefined>;

function when(query: Query, field: 'from' | 'to', fallback: Date): Date {
  const text = query[field];
  if (text === undefined || text === '') return fallback;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(ms))
    throw new BadExportRequest(`${field} must be an ISO-8601 date-time, got "${text}"`, field);
  return new Date(ms);
}

function list<T extends string>(query: Query, field: string, allowed: readonly T[]): T[] | null {
  const text = query[field];
  if (!text) return null;
  const items = text.split(',').map((s) => s.trim().toUpperCase());
  const bad = items.find((s) => !(allowed as readonly string[]).includes(s));
  if (bad) throw new BadExportRequest(`${field} "${bad}" is not one of ${allowed.join(', ')}`, field);
  return items as T[];
}

function refuse(reply: FastifyReply, status: number, code: string, message: string, field?: string) {
  return reply.code(status).send({ code, message, ...(field ? { field } : {}) });
}

/** The caller may read data (VIEWER, OPERATOR, ADMIN); answers 403 otherwise. */
function mayRead(request: FastifyRequest, reply: FastifyReply): boolean {
  const role = request.auth?.role;
  if (role && can(role, 'read')) return true;
  void refuse(
    reply,
    403,
    'FORBIDDEN',
    `Exports need a role that may read data (VIEWER or above); this key is ${role ?? 'none'}`,
  );
  return false;
}

function download(reply: FastifyReply, name: string, format: ExportFormat, body: AsyncGenerator<string | Buffer>) {
  return reply
    .header('content-type', CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${name}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(body, { objectMode: false, highWaterMark: 1 }));
}

export default fp(
  async (app: FastifyInstance) => {
    const exports = createExportRepository({ copyOut: app.db.copyOut, statement: app.db.autocommit });
    const { sensorsRepository, ticketsRepository } = app.services;

    app.get('/export/readings', async (request, reply) => {
      if (!mayRead(request, reply)) return reply;
      const query = request.query as Query;
      try {
        const format = (query.format ?? 'csv').toLowerCase();
        if (format !== 'csv' && format !== 'ndjson')
          throw new BadExportRequest(`format must be csv or ndjson, got "${query.format}"`, 'format');
        const from = when(query, 'from', EARLIEST);
        const to = when(query, 'to', LATEST);
        if (to < from) throw new BadExportRequest('to is before from', 'to');
        if (!query.sensorId === !query.zoneId)
          throw new BadExportRequest('give exactly one of sensorId and zoneId', query.sensorId ? 'zoneId' : 'sensorId');
        let ids: string[];
        let name: string;
        if (query.sensorId) {
          const sensor = await sensorsRepository.findSensor(query.sensorId);
          if (!sensor) return refuse(reply, 404, 'NOT_FOUND', `Sensor "${query.sensorId}" does not exist`, 'sensorId');
          ids = [sensor.id];
          name = `readings-${sensor.id}`;
        } else {
          const zone = await sensorsRepository.findZone(query.zoneId!);
          if (!zone) return refuse(reply, 404, 'NOT_FOUND', `Zone "${query.zoneId}" does not exist`, 'zoneId');
          ids = (await sensorsRepository.sensorsByZoneIds([zone.id])).map((s) => s.id);
          name = `readings-zone-${zone.id}`;
        }
        const fmt: ExportFormat = format;
        async function* body() {
          if (fmt === 'csv') yield READINGS_CSV_HEADER;
          yield* exports.readings(ids, from, to, fmt);
        }
        return download(reply, name.replace(/[^A-Za-z0-9._-]/g, '_'), fmt, body());
      } catch (err) {
        if (err instanceof BadExportRequest) return refuse(reply, 400, 'BAD_USER_INPUT', err.message, err.field);
        throw err;
      }
    });

    app.get('/export/tickets', async (request, reply) => {
      if (!mayRead(request, reply)) return reply;
      const query = request.query as Query;
      let filter: TicketListFilter;
      try {
        filter = {
          status: list(query, 'status', TICKET_STATUSES),
          severity: list(query, 'severity', SEVERITIES),
          zoneId: query.zoneId || null,
          sensorId: query.sensorId || null,
          search: query.search || null,
          assignee: query.assignee ?? null,
        };
      } catch (err) {
        if (err instanceof BadExportRequest) return refuse(reply, 400, 'BAD_USER_INPUT', err.message, err.field);
        throw err;
      }
      async function* body() {
        yield TICKETS_CSV_HEADER;
        let cursor: TicketCursor | null = null;
        for (;;) {
          const page = await ticketsRepository.list(filter, TICKET_PAGE, cursor, 'OPENED_DESC');
          let out = '';
          for (const t of page.rows)
            out += csvLine([
              t.id,
              t.sensorId,
              t.kind,
              t.severity,
              t.status,
              t.title,
              t.assignee,
              t.openedAt,
              t.updatedAt,
              t.resolvedAt,
            ]);
          if (out) yield out;
          const last = page.rows.at(-1);
          if (!page.hasNextPage || !last) return;
          cursor = cursorValues(last, 'OPENED_DESC');
        }
      }
      return download(reply, 'tickets', 'csv', body());
    });
  },
  { name: 'export-routes', dependencies: ['auth'] },
);
