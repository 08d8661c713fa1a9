// The demo simulator's own API keys. While the API runs open it needs none; once keys are
// required (at start, or when someone creates the first key while the demo runs) the
// server mints keys for it in process, as the `npm run apikey` CLI would: an INTEGRATOR
// key to stream readings, and an ADMIN key that only lives while the simulator registers
// its fleet and is revoked right after. Keys live in memory only; a restart revokes the
// previous run's keys of the same names and mints new ones.
import type { AuthService } from '../modules/auth/auth-service.js';

export type DemoKeyPurpose = 'setup' | 'ingest';

const KEYS = {
  setup: { name: 'demo simulator (setup)', role: 'ADMIN' },
  ingest: { name: 'demo simulator', role: 'INTEGRATOR' },
} as const;

export interface DemoCredentials {
  /** Whether requests need a key now. */
  required(): boolean;
  /** A fresh key for this purpose (earlier keys of the same name are revoked). */
  mint(purpose: DemoKeyPurpose): Promise<string>;
  /** Revokes the key minted last for this purpose, if any. */
  retire(purpose: DemoKeyPurpose): Promise<void>;
  /** The name and role a purpose's key has (log lines). */
  describe(purpose: DemoKeyPurpose): string;
}

export function demoCredentials(auth: AuthService): DemoCredentials {
  const minted = new Map<DemoKeyPurpose, string>();

  async function revokeNamed(name: string): Promise<void> {
    for (const key of await auth.list()) if (key.name === name && !key.revokedAt) await auth.revoke(key.id);
  }

  return {
    required: () => auth.required,
    async mint(purpose) {
      const { name, role } = KEYS[purpose];
      await revokeNamed(name);
      const { key, apiKey } = await auth.create(name, role);
      minted.set(purpose, apiKey.id);
      return key;
    },
    async retire(purpose) {
      const id = minted.get(purpose);
      if (id === undefined) return;
      minted.delete(purpose);
      await auth.revoke(id);
    },
    describe: (purpose) => `${KEYS[purpose].role} key "${KEYS[purpose].name}"`,
  };
}
