// schema.graphql must stay a compatible superset of the public API contract.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const contractTool = `${root}../shared/tools/check-contract.mjs`;
const contractFile = `${root}../shared/api-contract.graphql`;

describe('API contract', () => {
  it.skipIf(!existsSync(contractTool))('check-contract.mjs prints "contract ok"', () => {
    const out = execFileSync(process.execPath, [contractTool], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('contract ok');
  });

  it.skipIf(!existsSync(contractFile))(
    'has no breaking change against the contract (graphql-js findBreakingChanges)',
    () => {
      const contract = buildSchema(readFileSync(contractFile, 'utf8'));
      const schema = buildSchema(readFileSync(`${root}schema.graphql`, 'utf8'));
      expect(findBreakingChanges(contract, schema)).toEqual([]);
    },
  );
});
