// Registers the fleet through the public API's bulk mutations (upsertZones /
// upsertSensors), PER_REQUEST items per request and a few requests in flight;
// every item's outcome is checked.
import { EXPECTED_INTERVAL_SECONDS, type Fleet } from './fleet.js';
import type { GraphqlClient } from './http-client.js';

const PER_REQUEST = 1000;

type Field = 'upsertZones' | 'upsertSensors';

async function inChunks(client: GraphqlClient, field: Field, inputType: string, inputs: object[], concurrency: number) {
  const query = `mutation($inputs: [${inputType}!]!) { ${field}(inputs: $inputs) { created updated rejected errors { index code message } } }`;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const chunk = inputs.slice(next, next + PER_REQUEST);
      next += PER_REQUEST;
      type Result = { created: number; updated: number; rejected: number; errors: { message: string }[] };
      const data = await client.request<Record<Field, Result>>(query, { inputs: chunk });
      const r = data[field];
      if (r.rejected) throw new Error(`${field}: ${r.rejected} of ${chunk.length} refused: ${r.errors[0]?.message}`);
      done += r.created + r.updated;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

export async function registerFleet(client: GraphqlClient, fleet: Fleet, concurrency: number): Promise<number> {
  const zones = fleet.zoneIds.map((id, z) => ({ id, name: `Bench zone ${z}`, description: 'npm run bench' }));
  await inChunks(client, 'upsertZones', 'ZoneInput', zones, 1);
  const sensors = fleet.sensorIds.map((id, i) => {
    const k = fleet.kindOf(i);
    return {
      id,
      name: `${k.kind} ${id}`,
      kind: k.kind,
      unit: k.unit,
      zoneId: fleet.zoneIds[Math.floor(i / fleet.sensorsPerZone)],
      minValue: k.min,
      maxValue: k.max,
      expectedIntervalSeconds: EXPECTED_INTERVAL_SECONDS,
    };
  });
  return inChunks(client, 'upsertSensors', 'SensorInput', sensors, concurrency);
}
