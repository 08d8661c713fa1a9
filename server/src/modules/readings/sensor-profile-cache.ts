// In-process cache of the sensor registry (id → profile) so that validating a
// batch needs no query. Entries are dropped on Topic.SensorRegistryChanged (from
// any instance); misses are loaded with one query per batch, so a sensor created
// on another instance a moment ago is found. While the pub/sub link is down the
// cache is not used (each batch loads its sensors) and it starts empty once the
// link is back.
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { SensorProfile } from '../../trust/types.js';
import { toSensorProfile, type SensorProfileRow } from '../sensors/index.js';

/** Cached for a retired sensor: known, but out of service (its readings are refused, never judged). */
const RETIRED = Symbol('retired');

export function createSensorProfileCache(loadByIds: (ids: string[]) => Promise<SensorProfileRow[]>, events: EventBus) {
  const profiles = new Map<string, SensorProfile | typeof RETIRED>();
  // Bumped on every invalidation: a load that raced one is used once, not cached.
  let generation = 0;
  const unsubscribe = events.on(Topic.SensorRegistryChanged, ({ sensorIds }) => {
    generation++;
    for (const id of sensorIds) profiles.delete(id);
  });
  // Changes made on other instances while the pub/sub link was down never reached us.
  const offResync = events.onResync(() => clear());
  function clear(): void {
    generation++;
    profiles.clear();
  }

  return {
    /**
     * Profiles of the given distinct ids; unknown and retired sensors are absent from the
     * result (retired ones are added to `retired` when given).
     * `load` replaces the loader for the misses (the trust stream loads them inside its
     * own transaction: on the embedded database a query outside it would wait for it).
     */
    async resolve(
      ids: Iterable<string>,
      load: (ids: string[]) => Promise<SensorProfileRow[]> = loadByIds,
      retired?: Set<string>,
    ): Promise<Map<string, SensorProfile>> {
      const found = new Map<string, SensorProfile>();
      let missing: string[] | null = null;
      // While other instances cannot tell us of registry changes, every batch reads the registry.
      if (!events.linked()) clear();
      for (const id of ids) {
        const profile = profiles.get(id);
        if (profile === RETIRED) retired?.add(id);
        else if (profile) found.set(id, profile);
        else (missing ??= []).push(id);
      }
      if (missing) {
        const startedAt = generation;
        const rows = await load(missing);
        for (const row of rows) {
          const profile = row.retiredAt ? RETIRED : toSensorProfile(row);
          if (profile === RETIRED) retired?.add(row.id);
          else found.set(row.id, profile);
          if (generation === startedAt) profiles.set(row.id, profile);
        }
      }
      return found;
    },
    clear,
    close(): void {
      unsubscribe();
      offResync();
    },
  };
}

export type SensorProfileCache = ReturnType<typeof createSensorProfileCache>;
