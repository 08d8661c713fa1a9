// Errors a caller can act on, independent of the transport that carries them. Domain code throws
// these; each adapter maps them: GraphQL answers `extensions` (graphql-js copies an original error's
// `extensions` into the GraphQL error, and `statusCode` sets the HTTP status of an answer without
// data), MQTT publishes `code` and the message on the errors topic, SSE and REST send them as JSON.
// Anything that is not a DomainError is a fault of ours: logged and masked by every adapter.

export class DomainError extends Error {
  /** What a client can switch on: BAD_USER_INPUT, NOT_FOUND, ZONE_NOT_EMPTY, ... */
  readonly code: string;
  /** `code` plus the details a client may use (ids, limits); what GraphQL puts in `extensions`. */
  readonly extensions: Readonly<Record<string, unknown>> & { code: string };
  /** HTTP status for an answer that carries no data (GraphQL), or for a REST refusal. */
  readonly statusCode?: number;

  constructor(message: string, code: string, details: Record<string, unknown> = {}, statusCode?: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.extensions = { ...details, code };
    if (statusCode !== undefined) this.statusCode = statusCode;
  }
}

export class UserInputError extends DomainError {
  /** `details.code` names a more precise refusal (ACTOR_MISMATCH) where a client needs one. */
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, typeof details.code === 'string' ? details.code : 'BAD_USER_INPUT', details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super(`${what} "${id}" does not exist`, 'NOT_FOUND', { id });
  }
}

/** An error the caller caused or can act on (it carries a code), as opposed to a fault of ours. */
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
