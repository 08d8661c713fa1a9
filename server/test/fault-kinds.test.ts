// The fault kinds are listed once in code (FAULT_KINDS, server/src/trust/types.ts) and, by
// necessity, again in schema.graphql, prisma/schema.prisma and the migrations' enum. This test
// fails when one of them misses a kind (see the checklist in server/src/trust/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../src/trust/types.js';

const root = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const enumBody = (text: string, open: RegExp): string[] => {
  const m = open.exec(text);
  if (!m) throw new Error(`enum not found: ${open}`);
  const body = text.slice(m.index + m[0].length, text.indexOf('}', m.index));
  return body
    .split('\n')
    .map((l) =>
      l
        .replace(/#.*$/, '')
        .replace(/\/\/.*$/, '')
        .trim(),
    )
    .filter((l) => /^[A-Z_]+$/.test(l));
};

describe('fault kinds are the same everywhere', () => {
  it('schema.graphql lists FAULT_KINDS', () => {
    expect(enumBody(read('schema.graphql'), /enum FaultKind\s*\{/)).toEqual([...FAULT_KINDS]);
  });
  it('prisma/schema.prisma lists FAULT_KINDS', () => {
    expect(enumBody(read('prisma/schema.prisma'), /enum FaultKind\s*\{/)).toEqual([...FAULT_KINDS]);
  });
  it('the migrations create and extend the FaultKind enum to FAULT_KINDS', () => {
    const dirs = readdirSync(join(root, 'prisma/migrations'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const kinds: string[] = [];
    for (const dir of dirs) {
      const sql = read(`prisma/migrations/${dir}/migration.sql`);
      const created = /CREATE TYPE "FaultKind" AS ENUM \(([^)]*)\)/.exec(sql);
      if (created) kinds.push(...[...created[1]!.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!));
      for (const m of sql.matchAll(/ALTER TYPE "FaultKind" ADD VALUE (?:IF NOT EXISTS )?'([A-Z_]+)'/g))
        kinds.push(m[1]!);
    }
    expect(kinds).toEqual([...FAULT_KINDS]);
  });
});
