// Registers the fleet through the public API (upsertZone / upsertSensor),
// many aliased mutations per HTTP request and a few requests in flight.
import { EXPECTED_INTERVAL_SECONDS, type Fleet } from './fleet.js';
import type { GraphqlClient } from './http-client.js';

const PER_REQUEST = 100;

function aliased(field: 'upsertZone' | 'upsertSensor', inputType: string, inputs: object[]) {
  const params = inputs.map((_, i) => `$i${i}: ${inputType}!`).join(', ');
  const fields = inputs.map((_, i) => `m${i}: ${field}(input: $i${i}) { id }`).join('\n');
  const variables = Object.fromEntries(inputs.map((input, i) => [`i${i}`, input]));
  return { query: `mutation(${params}) {\n${fields}\n}`, variables };
}

async function inChunks(
  client: GraphqlClient,
  field: 'upsertZone' | 'upsertSensor',
  inputType: string,
  inputs: object[],
  concurrency: number,
) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const chunk = inputs.slice(next, next + PER_REQUEST);
      next += PER_REQUEST;
      const { query, variables } = aliased(field, inputType, chunk);
      const data = await client.request<Record<string, { id: string } | null>>(query, variables);
      const ok = Object.values(data).filter((v) => v && v.id).length;
      if (ok !== chunk.length) throw new Error(`${field}: ${ok} of ${chunk.length} succeeded`);
      done += ok;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

export async function registerFleet(client: GraphqlClient, fleet: Fleet, concurrency: number): Promise<number> {
  const zones = fleet.zoneIds.map((id, z) => ({ id, name: `Bench zone ${z}`, description: 'npm run bench' }));
  await inChunks(client, 'upsertZone', 'ZoneInput', zones, 1);
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
  return inChunks(client, 'upsertSensor', 'SensorInput', sensors, concurrency);
}
