// Errors a client can act on carry `extensions.code`; anything else is logged
// with context and masked.
import mercurius from 'mercurius';

export class UserInputError extends mercurius.ErrorWithProps {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, { code: 'BAD_USER_INPUT', ...extra });
  }
}

export class NotFoundError extends mercurius.ErrorWithProps {
  constructor(what: string, id: string) {
    super(`${what} "${id}" does not exist`, { code: 'NOT_FOUND', id });
  }
}

export function isClientError(err: unknown): boolean {
  return err instanceof mercurius.ErrorWithProps;
}
