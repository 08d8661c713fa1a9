// API keys: create, list, revoke, and the check every request goes through.
// A checked key is trusted for AUTH_RECHECK_SECONDS (one indexed lookup per key
// per period, not per request); revoking on this instance takes effect at once,
// on other instances within that period.
import type { FastifyBaseLogger } from 'fastify';
import { NotFoundError, UserInputError } from '../../kernel/errors.js';
import { generateApiKey, hashApiKey } from './api-key-secret.js';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys-repository.js';
import { isRole, ROLES, type Role } from './roles.js';

/** Who a request acts as. keyId is null in open mode. */
export interface Identity {
  keyId: string | null;
  name: string;
  role: Role;
  /** False in open mode (no key configured, loopback only). */
  authRequired: boolean;
}

export type AuthFailureReason = 'missing' | 'unknown' | 'revoked';

export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: AuthFailureReason };

/** The caller in open mode; its name is the ticket actor, as before keys existed. */
export const OPEN_IDENTITY: Identity = Object.freeze({
  keyId: null,
  name: 'operator',
  role: 'ADMIN',
  authRequired: false,
});

export const ADMIN_BOOTSTRAP_NAME = 'admin (ADMIN_API_KEY)';
const MAX_CACHED = 10_000;
const TOUCH_EVERY_MS = 60_000;

export const FAILURE_MESSAGES: Record<AuthFailureReason, string> = {
  missing: 'An API key is required: send it as "Authorization: Bearer <key>"',
  unknown: 'The API key is not valid',
  revoked: 'The API key has been revoked',
};

export interface AuthServiceOptions {
  repo: ApiKeysRepository;
  adminApiKey: string | null;
  recheckMs: number;
  /** OPEN_MODE: true / false, null for auto (open only until the first key exists). */
  openMode?: boolean | null;
  clock: { now(): Date };
  log: FastifyBaseLogger;
}

export function createAuthService(options: AuthServiceOptions) {
  const { repo, clock, log } = options;
  const openMode = options.openMode ?? null;
  /** Callers without a key act as OPEN_IDENTITY. */
  let open = false;
  /** An API key has been created on this database at some time (auth_state). */
  let keysExisted = false;
  const checked = new Map<string, { result: AuthResult; until: number }>();
  const touched = new Map<string, number>();
  const revokeListeners: ((keyId: string) => void)[] = [];

  // Fail closed: in auto mode the API is open only while no key was ever made here.
  const decideOpen = () => openMode ?? (!keysExisted && !options.adminApiKey);

  function keysNowExist(): void {
    keysExisted = true;
    if (!open || decideOpen()) return;
    open = false;
    log.warn(
      'Open mode has ended: an API key now exists, so every request needs a key from now on ' +
        '(revoking every key does not reopen the API; OPEN_MODE=true does, on a loopback HOST)',
    );
  }

  function identityOf(row: ApiKeyRow): AuthResult {
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (!isRole(row.role)) return { ok: false, reason: 'unknown' };
    return { ok: true, identity: { keyId: row.id, name: row.name, role: row.role, authRequired: true } };
  }

  function remember(hash: string, result: AuthResult): void {
    if (checked.size >= MAX_CACHED) checked.delete(checked.keys().next().value!);
    checked.set(hash, { result, until: Date.now() + options.recheckMs });
  }

  function touch(keyId: string): void {
    const now = Date.now();
    if ((touched.get(keyId) ?? 0) > now - TOUCH_EVERY_MS) return;
    touched.set(keyId, now);
    repo.touch(keyId, clock.now()).catch((err: unknown) => log.warn({ err, keyId }, 'could not record API key use'));
  }

  function validName(name: string): string {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 128) throw new UserInputError('name must be 1-128 characters');
    return trimmed;
  }

  async function check(key: string): Promise<AuthResult> {
    if (key.length > 512) return { ok: false, reason: 'unknown' };
    const hash = hashApiKey(key);
    const cached = checked.get(hash);
    let result: AuthResult;
    if (cached && cached.until > Date.now()) {
      result = cached.result;
    } else {
      const row = await repo.findByHash(hash);
      result = row ? identityOf(row) : { ok: false, reason: 'unknown' };
      remember(hash, result);
    }
    if (result.ok && result.identity.keyId) touch(result.identity.keyId);
    return result;
  }

  return {
    /** Bootstraps ADMIN_API_KEY and decides open or key-required mode. */
    async init(): Promise<void> {
      if (options.adminApiKey) {
        const keyHash = hashApiKey(options.adminApiKey);
        const existing = await repo.findByHash(keyHash);
        if (!existing) {
          await repo.create({ name: ADMIN_BOOTSTRAP_NAME, role: 'ADMIN', keyHash }).catch(async (err: unknown) => {
            // Another instance created it at the same moment.
            if (!(await repo.findByHash(keyHash))) throw err;
          });
          log.info('ADMIN_API_KEY: admin key created');
        } else if (existing.revokedAt) {
          log.warn('ADMIN_API_KEY has been revoked: it does not sign in; set a new one or remove it');
        }
      }
      keysExisted = await repo.keysEverExisted();
      open = decideOpen();
    },

    /** False in open mode: callers without a key are served (as ADMIN "operator"). */
    get required(): boolean {
      return !open;
    },

    /** OPEN_MODE as set: true, false, or null (auto). */
    get openMode(): boolean | null {
      return openMode;
    },

    /** Whether an API key was ever created on this database (as last read). */
    get keysExisted(): boolean {
      return keysExisted;
    },

    /** Re-reads whether keys exist (another instance or the CLI may have created the first one). */
    async refreshMode(): Promise<void> {
      if (!keysExisted && (await repo.keysEverExisted())) keysNowExist();
    },

    /**
     * True in open mode and for a key that passed a check before (still remembered, even
     * when due for a recheck): no guess, so it is checked even from an address over its
     * AUTH_FAILURE_LIMIT (auth-failure-limit.ts).
     */
    vouched(key: string | null): boolean {
      if (open) return true;
      if (!key || key.length > 512) return false;
      return checked.get(hashApiKey(key))?.result.ok === true;
    },

    /**
     * The caller of a request. In open mode a request without a key, or with one that does
     * not check, acts as OPEN_IDENTITY (it could drop the key and be that anyway); a valid
     * key acts as itself (its role, its name on tickets).
     */
    async authenticate(key: string | null): Promise<AuthResult> {
      if (open) {
        if (!key || !keysExisted) return { ok: true, identity: OPEN_IDENTITY };
        const result = await check(key);
        return result.ok
          ? { ok: true, identity: { ...result.identity, authRequired: false } }
          : { ok: true, identity: OPEN_IDENTITY };
      }
      if (!key) return { ok: false, reason: 'missing' };
      return check(key);
    },

    list: () => repo.list(),

    /** Keys that are not revoked (start-up messages). */
    activeKeyCount: () => repo.countActive(),

    async create(name: string, role: string): Promise<{ key: string; apiKey: ApiKeyRow }> {
      if (!isRole(role)) throw new UserInputError(`role must be one of ${ROLES.join(', ')}, got "${role}"`);
      const key = generateApiKey();
      const apiKey = await repo.create({ name: validName(name), role, keyHash: hashApiKey(key) });
      keysNowExist();
      return { key, apiKey };
    },

    async revoke(id: string): Promise<ApiKeyRow> {
      const row = await repo.revoke(id, clock.now());
      if (!row) throw new NotFoundError('API key', id);
      for (const [hash, entry] of checked) {
        if (entry.result.ok && entry.result.identity.keyId === id) checked.delete(hash);
      }
      for (const listener of revokeListeners) listener(id);
      return row;
    },

    /** Of these key ids, those revoked or deleted since they were checked. */
    invalidKeyIds: (ids: string[]) => repo.invalidIds(ids),

    onRevoke(listener: (keyId: string) => void): void {
      revokeListeners.push(listener);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
