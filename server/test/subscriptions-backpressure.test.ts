// Slow subscribers never slow ingestion: producers push into a subscriber's
// stream without waiting; memory stays bounded ('latest' keeps one snapshot,
// 'queue' ends the subscription with SUBSCRIBER_TOO_SLOW past its limit).
import { describe, expect, it } from 'vitest';
import { EventStream } from '../src/modules/subscriptions/event-stream.js';
import { SubscriberRegistry } from '../src/modules/subscriptions/subscriber-registry.js';

describe('subscriber streams', () => {
  it('never blocks the producer and ends a subscriber that falls too far behind', async () => {
    let ended = 0;
    const stream = new EventStream<number>('queue', 100, () => ended++);
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) stream.push(i); // nobody reads
    expect(performance.now() - started).toBeLessThan(200);
    expect(ended).toBe(1);
    await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers in order to a consumer that keeps up', async () => {
    const stream = new EventStream<number>('queue', 10, () => undefined);
    const got: number[] = [];
    const reader = (async () => {
      for await (const v of stream) {
        got.push(v);
        if (got.length === 50) break;
      }
    })();
    for (let i = 0; i < 50; i++) {
      stream.push(i);
      await Promise.resolve();
    }
    await reader;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("keeps only the newest dashboard snapshot for a slow 'latest' subscriber", async () => {
    const stream = new EventStream<{ n: number }>('latest', 1, () => undefined);
    for (let n = 0; n < 1000; n++) stream.push({ n });
    expect(await stream.next()).toEqual({ value: { n: 999 }, done: false });
  });

  it('routes by filter and forgets subscribers that unsubscribed', async () => {
    const registry = new SubscriberRegistry<string>('queue', 10);
    const bySensor = registry.subscribe({ sensorId: 's1', zoneId: null });
    const byZone = registry.subscribe({ sensorId: null, zoneId: 'z1' });
    const both = registry.subscribe({ sensorId: 's1', zoneId: 'z2' });
    const all = registry.subscribe({ sensorId: null, zoneId: null });
    const route = (sensorId: string, zoneId: string | null) =>
      [...registry.matching(sensorId, zoneId)].map((s) => [bySensor, byZone, both, all].indexOf(s.stream)).sort();
    expect(route('s1', 'z1')).toEqual([0, 1, 3]);
    expect(route('s1', 'z2')).toEqual([0, 2, 3]);
    expect(route('s2', 'z1')).toEqual([1, 3]);
    expect(route('s2', null)).toEqual([3]);
    await bySensor.return();
    await all.return();
    expect(registry.size).toBe(2);
    expect(route('s1', 'z1')).toEqual([1]);
  });
});
