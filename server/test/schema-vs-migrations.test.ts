// prisma/schema.prisma and the hand-written migrations must describe the same database:
// the Prisma client is generated from the one, the database is built by the other. The
// schema's DMMF (what `prisma generate` reads) is compared with information_schema,
// pg_indexes and pg_enum of a freshly migrated PGlite. A failure names the table and
// column (or enum) and says which of the two files to change.
import { readFileSync } from 'node:fs';
import { getDMMF } from '@prisma/get-dmmf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';

const root = new URL('../../', import.meta.url).pathname;

/** Column → database type of a model's `Unsupported("type")` fields (with their @map). */
function unsupportedFields(model: string): Map<string, string> {
  const text = readFileSync(`${root}prisma/schema.prisma`, 'utf8');
  const block = new RegExp(`model ${model} \\{([^}]*)\\}`).exec(text)?.[1] ?? '';
  const out = new Map<string, string>();
  for (const [, field = '', type = '', rest = ''] of block.matchAll(
    /^\s*(\w+)\s+Unsupported\("([^"]+)"\)\??([^\n]*)$/gm,
  )) {
    const mapped = /@map\("([^"]+)"\)/.exec(rest)?.[1];
    out.set(mapped ?? field, type);
  }
  return out;
}
const FIX =
  'Keep prisma/schema.prisma and prisma/migrations/*/migration.sql in step: add the missing part to the one that lacks it.';

interface DbColumn {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  data_type: string;
  udt_name: string;
}

// Prisma scalar type → PostgreSQL type (udt_name) it maps to without a @db attribute.
const DEFAULT_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Float: 'float8',
  Boolean: 'bool',
  DateTime: 'timestamp',
  Json: 'jsonb',
  Decimal: 'numeric',
  Bytes: 'bytea',
};
// @db.X native types → udt_name.
const NATIVE_TYPES: Record<string, string> = {
  Timestamptz: 'timestamptz',
  Timestamp: 'timestamp',
  Date: 'date',
  Text: 'text',
  VarChar: 'varchar',
  Char: 'bpchar',
  Uuid: 'uuid',
  SmallInt: 'int2',
  Integer: 'int4',
  BigInt: 'int8',
  DoublePrecision: 'float8',
  Real: 'float4',
  JsonB: 'jsonb',
  Json: 'json',
  Boolean: 'bool',
};

const parsed = getDMMF({ datamodel: readFileSync(`${root}prisma/schema.prisma`, 'utf8') });
if ('error' in parsed)
  throw new Error(`prisma/schema.prisma does not parse: ${parsed.reason}`, { cause: parsed.error });
const dmmf = parsed;
const models = dmmf.datamodel.models;
const enumDbName = new Map<string, string>(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
const tableOf = new Map<string, string>(models.map((m) => [m.name, m.dbName ?? m.name]));
/** Tables of `@@ignore` models (not in the DMMF, e.g. keyed by an Unsupported type): modelled, not typed. */
const ignoredTables = [
  ...readFileSync(`${root}prisma/schema.prisma`, 'utf8').matchAll(/model (\w+) \{([^}]*@@ignore[^}]*)\}/g),
].map(([, name, body]) => /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!);

describe('prisma/schema.prisma against the migrated database', () => {
  let t: TestApp;
  let columns: DbColumn[];
  beforeAll(async () => {
    t = await startTestApp('pglite');
    columns = await t.app.db.prisma.$queryRaw<DbColumn[]>`
      SELECT c.table_name, c.column_name, c.is_nullable, c.data_type, c.udt_name
        FROM information_schema.columns c
       WHERE c.table_schema = current_schema() AND c.table_name <> '_prisma_migrations'
         -- partitions of a partitioned table (reading's days) are that table's model
         AND NOT EXISTS (SELECT 1 FROM pg_class p JOIN pg_namespace n ON n.oid = p.relnamespace
                          WHERE n.nspname = c.table_schema AND p.relname = c.table_name AND p.relispartition)`;
  });
  afterAll(() => t?.close());

  it('has every model as a table or view, and every table as a model', () => {
    const dbTables = new Set(columns.map((c) => c.table_name));
    const modelTables = new Set([...tableOf.values(), ...ignoredTables]);
    const missing = [...modelTables].filter((name) => !dbTables.has(name));
    const unmodelled = [...dbTables].filter((name) => !modelTables.has(name));
    expect(missing, `models whose table no migration creates. ${FIX}`).toEqual([]);
    expect(unmodelled, `tables the migrations create that schema.prisma has no model for. ${FIX}`).toEqual([]);
  });

  it('has every field as a column of the same type and nullability, and no column without a field', () => {
    const problems: string[] = [];
    for (const model of models) {
      const table = tableOf.get(model.name)!;
      const dbColumns = new Map(columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c]));
      if (dbColumns.size === 0) continue; // reported by the test above
      const seen = new Set<string>();
      for (const field of model.fields) {
        if (field.kind === 'object') continue; // relations have no column
        const column = field.dbName ?? field.name;
        seen.add(column);
        const db = dbColumns.get(column);
        const where = `${model.name}.${field.name} (${table}.${column})`;
        if (!db) {
          problems.push(`${where}: no such column in the migrated database`);
          continue;
        }
        const base: string | undefined =
          field.kind === 'enum'
            ? enumDbName.get(field.type)
            : field.nativeType
              ? NATIVE_TYPES[field.nativeType[0]]
              : DEFAULT_TYPES[field.type];
        const expected = field.isList ? `_${base}` : base;
        if (expected && db.udt_name !== expected)
          problems.push(`${where}: schema says ${expected}, the database has ${db.udt_name}`);
        // Lists: Prisma itself creates them without NOT NULL (a list is never optional in the schema).
        const nullable = !field.isRequired;
        if (!field.isList && nullable !== (db.is_nullable === 'YES'))
          problems.push(
            `${where}: schema says ${nullable ? 'optional (NULL allowed)' : 'required (NOT NULL)'}, ` +
              `the database column is ${db.is_nullable === 'YES' ? 'nullable' : 'NOT NULL'}`,
          );
      }
      // Unsupported("…") fields (e.g. xid8) are not in the DMMF: read them from the schema text.
      for (const [column, type] of unsupportedFields(model.name)) {
        seen.add(column);
        const db = dbColumns.get(column);
        if (!db) problems.push(`${model.name}.${column}: no such column in the migrated database`);
        else if (db.udt_name !== type)
          problems.push(`${model.name}.${column}: schema says ${type}, the database has ${db.udt_name}`);
      }
      for (const column of dbColumns.keys())
        if (!seen.has(column)) problems.push(`${table}.${column}: a column with no field in model ${model.name}`);
    }
    expect(problems, `schema.prisma and the migrations disagree. ${FIX}`).toEqual([]);
  });

  it('has every enum as a database enum with the same values in the same order, and no enum without one', async () => {
    // Order matters: SQL that sorts by an enum column (severity) sorts in the database's order.
    const dbEnums = await t.app.db.prisma.$queryRaw<{ name: string; labels: string[] }[]>`
      SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
        FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = current_schema()
       GROUP BY t.typname`;
    const inDb = new Map(dbEnums.map((e) => [e.name, e.labels]));
    const problems: string[] = [];
    for (const schemaEnum of dmmf.datamodel.enums) {
      const name = schemaEnum.dbName ?? schemaEnum.name;
      const values = schemaEnum.values.map((v) => v.dbName ?? v.name);
      const labels = inDb.get(name);
      if (!labels) problems.push(`enum ${name}: no such type in the migrated database`);
      else if (labels.join() !== values.join())
        problems.push(`enum ${name}: schema says ${values.join(', ')}; the database has ${labels.join(', ')}`);
      inDb.delete(name);
    }
    for (const name of inDb.keys()) problems.push(`enum ${name}: in the database, not in schema.prisma`);
    expect(problems, `schema.prisma and the migrations disagree on enums. ${FIX}`).toEqual([]);
  });

  it('has an index in the database for every @id, @unique, @@index and @@unique of the schema', async () => {
    const indexes = await t.app.db.prisma.$queryRaw<{ table_name: string; columns: string[]; is_unique: boolean }[]>`
      SELECT t.relname AS table_name, i.indisunique AS is_unique,
             array_agg(a.attname ORDER BY k.ord)::text[] AS columns
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       GROUP BY i.indexrelid, t.relname, i.indisunique`;
    const problems: string[] = [];
    for (const index of dmmf.datamodel.indexes) {
      const model = models.find((m) => m.name === index.model);
      const table = tableOf.get(index.model);
      if (!model || !table) continue;
      const wanted = index.fields.map((f) => {
        const field = model.fields.find((x) => x.name === f.name);
        return field?.dbName ?? f.name;
      });
      const unique = index.type !== 'normal' && index.type !== 'fulltext';
      const found = indexes.some(
        (i) => i.table_name === table && i.columns.join() === wanted.join() && (!unique || i.is_unique),
      );
      if (!found)
        problems.push(
          `${index.model} ${index.type} (${wanted.join(', ')}): no ${unique ? 'unique ' : ''}index on ${table}`,
        );
    }
    expect(problems, `indexes schema.prisma declares that no migration creates. ${FIX}`).toEqual([]);
  });
});
