// POST /api/readings: the ingestion of `ingestReadings` for integrators that do not need
// GraphQL. `{ "readings": [{ "sensorId", "timestamp", "value" }, …] }` in, the same
// IngestResult out (accepted, duplicates, rejected, errors with index, sensorId, code,
// message). Fastify's JSON schema checks the envelope and the answer's shape; each item
// is checked by the ingest service like GraphQL's and MQTT's (raw-items.ts,
// reading-checks.ts), so one bad item is one entry in `errors` and the rest is stored.
// Authorised like the mutation (the role table's 'ingest': INTEGRATOR and ADMIN; 401
// without a key, by the auth plugin), rate limited per key like every route, with the
// body limit sized to MAX_BATCH_SIZE.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { parseIsoWithOffset } from '../graphql/scalars.js';
import { can } from '../modules/auth/roles.js';
import { IngestRefusedError } from '../modules/readings/ingest-errors.js';
import { mergeOutcome, parseItems } from '../modules/readings/raw-items.js';

export const INGEST_PATH = '/api/readings';

/** GraphQL's DateTime rule: an ISO-8601 date-time with an explicit offset. */
function timestampOf(raw: unknown): Date {
  return new Date(typeof raw === 'string' ? parseIsoWithOffset(raw) : NaN);
}

export default fp(
  async (app: FastifyInstance) => {
    const { readings } = app.services;
    const { bodyLimitBytes } = app.services.config.limits;
    app.post(
      INGEST_PATH,
      {
        bodyLimit: bodyLimitBytes,
        schema: {
          body: {
            type: 'object',
            required: ['readings'],
            // Items are checked one by one by the service (a bad one never sinks the batch);
            // a single object is a batch of one (Fastify's coerceTypes: 'array'), as on MQTT.
            properties: { readings: { type: 'array', items: {} } },
          },
          response: {
            200: {
              type: 'object',
              required: ['accepted', 'duplicates', 'rejected', 'errors'],
              properties: {
                accepted: { type: 'integer' },
                duplicates: { type: 'integer' },
                rejected: { type: 'integer' },
                errors: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['index', 'sensorId', 'code', 'message'],
                    properties: {
                      index: { type: 'integer' },
                      sensorId: { type: ['string', 'null'] },
                      code: { type: 'string' },
                      message: { type: 'string' },
                    },
                  },
                },
              },
            },
            // Refusals (FORBIDDEN, BATCH_TOO_LARGE, Fastify's FST_ERR_VALIDATION…), as they are.
            '4xx': {
              type: 'object',
              properties: {
                statusCode: { type: 'integer' },
                error: { type: 'string' },
                code: { type: 'string' },
                message: { type: 'string' },
                field: { type: 'string' },
                maxBatchSize: { type: 'integer' },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const role = request.auth?.role;
        if (!role || !can(role, 'ingest')) {
          return reply.code(403).send({
            code: 'FORBIDDEN',
            message: `Ingesting readings needs the INTEGRATOR or ADMIN role; this key is ${role ?? 'none'}`,
          });
        }
        const { readings: list } = request.body as { readings: unknown[] };
        const parsed = parseItems(list, {
          timestamp: timestampOf,
          shape: '{ sensorId, timestamp, value }',
        });
        try {
          return mergeOutcome(parsed, await readings.ingest(parsed.items));
        } catch (err) {
          // The transport-neutral refusal, as JSON: its reason (BATCH_TOO_LARGE) is the code here.
          if (err instanceof IngestRefusedError)
            return reply.code(400).send({ ...err.extensions, code: err.reason, message: err.message });
          throw err;
        }
      },
    );
  },
  { name: 'ingest-route', dependencies: ['auth'] },
);
