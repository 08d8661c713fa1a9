// What read models (dashboard summary, zone stats) need of a cache; plugins/cache.ts holds the
// in-process and Redis implementations.
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
}
