// Long-lived HTTP responses bound to an API key (the SSE streams of /graphql/stream):
// a key's streams end when it is revoked, at once on this instance and within
// AUTH_RECHECK_SECONDS when another instance revoked it, as its WebSockets do
// (socket-sessions.ts). The auth plugin runs both checks; transports only register.
export function createKeyStreams() {
  const byKey = new Map<string, Set<() => void>>();

  return {
    /** Tracks a stream of this key; `end` closes it. Returns the function that forgets it. */
    add(keyId: string, end: () => void): () => void {
      let set = byKey.get(keyId);
      if (!set) byKey.set(keyId, (set = new Set()));
      set.add(end);
      return () => {
        set.delete(end);
        if (set.size === 0 && byKey.get(keyId) === set) byKey.delete(keyId);
      };
    },

    keyIds(): string[] {
      return [...byKey.keys()];
    },

    /** Ends every stream of the key; how many there were. */
    endKey(keyId: string): number {
      const set = byKey.get(keyId);
      if (!set) return 0;
      byKey.delete(keyId);
      for (const end of set) end();
      return set.size;
    },
  };
}

export type KeyStreams = ReturnType<typeof createKeyStreams>;
