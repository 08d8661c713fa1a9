// The secret part of an API key: 192 random bits, shown once, stored as SHA-256.
// A fast hash is enough for keys this random (nothing to guess or brute-force),
// and it lets a request find its key with one indexed lookup.
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'st_';

export function generateApiKey(): string {
  return PREFIX + randomBytes(24).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The key from `Authorization: Bearer <key>` (or a bare key, as graphql-ws connectionParams may carry it). */
export function presentedKey(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const value = authorization.trim();
  if (!value) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  if (match) return match[1] ?? null;
  return /\s/.test(value) ? null : value;
}
