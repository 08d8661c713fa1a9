// Who is signed in, for the whole app: the API key (sessionStorage, or
// localStorage when "remember me" was ticked; storage key in api-key.ts), and
// the name and role the server answered for it (`viewer`). `can(role, action)`
// mirrors the server's roles table (server/src/modules/auth/roles.ts) so the UI
// hides what a role may not do; the server decides either way.
import { useSyncExternalStore } from 'react';
import { API_KEY_STORAGE_KEY, storedApiKey } from './api-key';

export type Role = 'VIEWER' | 'INTEGRATOR' | 'OPERATOR' | 'ADMIN';
export type Action =
  'read' | 'readRegistry' | 'ingest' | 'operate' | 'manageRegistry' | 'manageKeys' | 'manageNotifications';

const GRANTS: Record<Role, readonly Action[]> = {
  VIEWER: ['readRegistry', 'read'],
  INTEGRATOR: ['ingest', 'readRegistry'],
  OPERATOR: ['readRegistry', 'read', 'operate'],
  ADMIN: ['readRegistry', 'read', 'ingest', 'operate', 'manageRegistry', 'manageKeys', 'manageNotifications'],
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return role ? GRANTS[role].includes(action) : false;
}

const ACTION_WORDS: Record<Action, string> = {
  ingest: 'ingest readings',
  readRegistry: 'read the registry',
  read: 'read the dashboard, trust and tickets',
  operate: 'act on tickets and maintenance',
  manageRegistry: 'change the registry',
  manageKeys: 'manage API keys',
  manageNotifications: 'manage notification receivers',
};

/** What a role may do, in words: "ingest readings and read the registry". */
export function describeGrants(role: Role): string {
  const words = GRANTS[role].map((action) => ACTION_WORDS[action]);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : (words[0] ?? 'do nothing');
}

export interface SignedIn {
  name: string;
  role: Role;
  /** False when the server runs open (no keys configured): nobody signs in or out. */
  authRequired: boolean;
}

let current: SignedIn | null = null;
const listeners = new Set<() => void>();

function publish(next: SignedIn | null): void {
  current = next;
  for (const listener of listeners) listener();
}

/** The key to send, or null when nobody is signed in (open mode). */
export function getApiKey(): string | null {
  return storedApiKey();
}

function forget(): void {
  for (const storage of [() => sessionStorage, () => localStorage]) {
    try {
      storage().removeItem(API_KEY_STORAGE_KEY);
    } catch {
      // storage blocked
    }
  }
}

/** Keeps the key for this tab's session, or across sessions when remembered. */
export function storeApiKey(key: string, remember: boolean): void {
  forget();
  try {
    (remember ? localStorage : sessionStorage).setItem(API_KEY_STORAGE_KEY, key);
  } catch {
    // storage blocked: the key lives as long as this page
  }
}

export function setSignedIn(who: SignedIn | null): void {
  publish(who);
}

export function signOut(): void {
  forget();
  publish(null);
}

/** The signed-in caller's name and role, or null before sign-in. */
export function useAuth(): SignedIn | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

export type ViewerAnswer = { ok: true; who: SignedIn } | { ok: false; reason: 'unauthenticated' | 'unreachable' };

/** Asks the server who this key is (no key: whether the server runs open). */
export async function fetchViewer(key: string | null): Promise<ViewerAnswer> {
  try {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: '{ viewer { name role authRequired } }' }),
    });
    if (res.status === 401) return { ok: false, reason: 'unauthenticated' };
    const body = (await res.json()) as { data?: { viewer?: SignedIn } | null };
    if (!body.data?.viewer) return { ok: false, reason: 'unreachable' };
    return { ok: true, who: body.data.viewer };
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
}
