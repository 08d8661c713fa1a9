// Opaque cursors and page-size limits shared by every connection field.
import { UserInputError } from '../kernel/errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // A key with a NUL (or other control character) was never issued, and PostgreSQL would refuse it.
  // eslint-disable-next-line no-control-regex
  if (!key || encodeCursor(key) !== cursor || /[\u0000-\u001f]/.test(key))
    throw new UserInputError(`Invalid cursor "${cursor}"`);
  return key;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new UserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`);
  }
  return first;
}
