// Why a whole ingest request was refused, whichever transport brought it. A domain error, so
// transport neutral: GraphQL answers BAD_USER_INPUT with `reason` (and the details) in its
// extensions, MQTT acknowledges the message and reports it on the errors topic
// (plugins/mqtt-ingest.ts), REST answers 400; none needs the others' error shapes.
import { DomainError } from '../../kernel/errors.js';

export class IngestRefusedError extends DomainError {
  constructor(
    message: string,
    /** What a program can act on, e.g. { field: 'readings', maxBatchSize: 2000 }. */
    details: Record<string, unknown> = {},
    readonly reason: 'BATCH_TOO_LARGE' = 'BATCH_TOO_LARGE',
  ) {
    super(message, 'BAD_USER_INPUT', { ...details, reason });
  }
}
