// Subscribers of one topic on this instance, indexed by their filter so that
// routing an event costs O(matching subscribers), not O(all subscribers).
import { EventStream, type OverflowPolicy } from './event-stream.js';
import type { KeyBudget } from './key-budgets.js';

export interface SensorFilter {
  sensorId: string | null;
  zoneId: string | null;
}

export interface Subscriber<T> {
  filter: SensorFilter;
  stream: EventStream<T>;
  /** Its key's delivery budget (key-budgets.ts); null in open mode. */
  budget: KeyBudget | null;
  /** Events not delivered for the budget since its client was last told. */
  dropped: number;
}

export function matches(filter: SensorFilter, sensorId: string, zoneId: string | null): boolean {
  return (
    (filter.sensorId === null || filter.sensorId === sensorId) && (filter.zoneId === null || filter.zoneId === zoneId)
  );
}

export class SubscriberRegistry<T> {
  private readonly bySensor = new Map<string, Set<Subscriber<T>>>();
  private readonly byZone = new Map<string, Set<Subscriber<T>>>();
  private readonly unfiltered = new Set<Subscriber<T>>();
  private readonly all = new Set<Subscriber<T>>();
  /** Subscriptions ended with SUBSCRIBER_TOO_SLOW since start (metrics). */
  tooSlow = 0;

  constructor(
    private readonly policy: OverflowPolicy,
    private readonly limit: number,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** `onEnd` runs once when the subscription ends (its key's count is released there). */
  subscribe(filter: SensorFilter, budget: KeyBudget | null = null, onEnd?: () => void): EventStream<T> {
    const subscriber: Subscriber<T> = {
      filter,
      budget,
      dropped: 0,
      stream: new EventStream<T>(this.policy, this.limit, () => {
        this.remove(subscriber);
        if (subscriber.stream.endedTooSlow) this.tooSlow++;
        onEnd?.();
      }),
    };
    this.all.add(subscriber);
    this.indexFor(filter).add(subscriber);
    return subscriber.stream;
  }

  /** Subscribers whose filter accepts an event about this sensor. */
  *matching(sensorId: string, zoneId: string | null): Iterable<Subscriber<T>> {
    for (const s of this.unfiltered) yield s;
    yield* this.filteredMatching(sensorId, zoneId);
  }

  /** Subscribers without a filter: they take every event. */
  unfilteredSubscribers(): Iterable<Subscriber<T>> {
    return this.unfiltered;
  }

  /** Subscribers with a sensor or zone filter that accepts an event about this sensor. */
  *filteredMatching(sensorId: string, zoneId: string | null): Iterable<Subscriber<T>> {
    for (const s of this.bySensor.get(sensorId) ?? []) if (matches(s.filter, sensorId, zoneId)) yield s;
    if (zoneId !== null) {
      // Subscribers with both filters are indexed by sensor only: no duplicates.
      for (const s of this.byZone.get(zoneId) ?? []) yield s;
    }
  }

  hasAny(): boolean {
    return this.all.size > 0;
  }

  /** Every subscriber (unfiltered topics such as the dashboard). */
  subscribers(): Iterable<Subscriber<T>> {
    return this.all;
  }

  endAll(): void {
    for (const s of [...this.all]) s.stream.end();
  }

  private indexFor(filter: SensorFilter): Set<Subscriber<T>> {
    if (filter.sensorId !== null) return bucket(this.bySensor, filter.sensorId);
    if (filter.zoneId !== null) return bucket(this.byZone, filter.zoneId);
    return this.unfiltered;
  }

  private remove(subscriber: Subscriber<T>): void {
    this.all.delete(subscriber);
    const { sensorId, zoneId } = subscriber.filter;
    if (sensorId !== null) drop(this.bySensor, sensorId, subscriber);
    else if (zoneId !== null) drop(this.byZone, zoneId, subscriber);
    else this.unfiltered.delete(subscriber);
  }
}

function bucket<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

function drop<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
