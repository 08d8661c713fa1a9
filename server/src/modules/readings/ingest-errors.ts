// Why a whole ingest request was refused, whichever transport brought it. Transport
// neutral on purpose: the GraphQL adapter maps it to BAD_USER_INPUT
// (graphql/error-formatter.ts), MQTT acknowledges the message and reports it on the
// errors topic (plugins/mqtt-ingest.ts); neither needs the other's error shapes.
export class IngestRefusedError extends Error {
  constructor(
    message: string,
    /** What a program can act on, e.g. { field: 'readings', maxBatchSize: 2000 }. */
    readonly details: Record<string, unknown> = {},
    readonly code: 'BATCH_TOO_LARGE' = 'BATCH_TOO_LARGE',
  ) {
    super(message);
    this.name = 'IngestRefusedError';
  }
}
