// Keeps the schema on the path to Citus distributed by sensor id (docs/scaling.md): every
// sensor-keyed table has the sensor id in its primary key, so its rows can be co-located
// with their sensor; foreign keys between them follow the sensor id or point at a table
// small enough to be a reference table; `reading` has no foreign key at all. Tables that
// do not qualify yet are listed with what would have to change, so a new sensor-keyed
// table cannot slip past the rule unnoticed.
import { readFileSync } from 'node:fs';
import { getDMMF } from '@prisma/get-dmmf';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const parsed = getDMMF({ datamodel: readFileSync(`${root}prisma/schema.prisma`, 'utf8') });
if ('error' in parsed) throw new Error(`prisma/schema.prisma does not parse: ${parsed.reason}`);
const models = parsed.datamodel.models;

/** Small, rarely written tables that Citus would copy to every node. */
const REFERENCE_TABLES = new Set(['Zone']);
/** Sensor-keyed tables not distributable by sensor id yet, and what docs/scaling.md says must change. */
const NOT_YET: Record<string, string> = {
  TrustPoint: 'serial id as the key: (sensor_id, id) instead',
  Ticket: 'UUID as the key: (sensor_id, id) instead, and ticket_event carries the sensor id',
  MaintenanceWindow: 'sensor or zone scoped: a reference table (few rows)',
  Silence: 'sensor, zone, ticket or incident scoped: a reference table (few rows)',
};

const sensorColumn = (m: (typeof models)[number]) => m.fields.find((f) => f.name === 'sensorId' && f.kind === 'scalar');
const primaryKey = (m: (typeof models)[number]) =>
  m.primaryKey?.fields ?? m.fields.filter((f) => f.isId).map((f) => f.name);

describe('schema: distributable by sensor id', () => {
  const sensorKeyed = models.filter((m) => sensorColumn(m));

  it('has the sensor id in the primary key of every sensor-keyed table (or says why not)', () => {
    expect(sensorKeyed.map((m) => m.name)).toEqual(expect.arrayContaining(['Reading', 'TrustState']));
    for (const m of sensorKeyed) {
      const inKey = primaryKey(m).includes('sensorId');
      if (m.name in NOT_YET) expect(inKey, `${m.name} is listed as not distributable yet`).toBe(false);
      else expect(inKey, `${m.name} (${m.dbName}): the sensor id belongs in its primary key`).toBe(true);
    }
  });

  it('keeps foreign keys of distributable tables on the sensor id or on reference tables', () => {
    for (const m of sensorKeyed.filter((x) => !(x.name in NOT_YET))) {
      for (const rel of m.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
        const coLocated = rel.type === 'Sensor' && rel.relationFromFields!.join() === 'sensorId';
        expect(coLocated || REFERENCE_TABLES.has(rel.type), `${m.name}.${rel.name} → ${rel.type}`).toBe(true);
      }
    }
    const reading = models.find((m) => m.name === 'Reading')!;
    expect(reading.fields.filter((f) => f.kind === 'object')).toEqual([]);
    expect(primaryKey(reading)).toEqual(['sensorId', 'timestamp']);
  });
});
