// schema.graphql must stay a compatible superset of the public API contract. The
// contract lives in the repository (contract/api-contract.graphql) so this runs in any
// clone; in the development workspace it must also equal the shared original.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const contractFile = `${root}contract/api-contract.graphql`;
const checker = `${root}contract/check-contract.mjs`;
const sharedContract = `${root}../shared/api-contract.graphql`;

describe('API contract', () => {
  it('contract/check-contract.mjs prints "contract ok"', () => {
    const out = execFileSync(process.execPath, [checker], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('contract ok');
  });

  it('has no breaking change against the contract (graphql-js findBreakingChanges)', () => {
    const contract = buildSchema(readFileSync(contractFile, 'utf8'));
    const schema = buildSchema(readFileSync(`${root}schema.graphql`, 'utf8'));
    expect(findBreakingChanges(contract, schema)).toEqual([]);
  });

  // Outside the workspace (a plain clone) there is no ../shared: the copy is the contract.
  it.runIf(existsSync(sharedContract))('the in-repo copy equals ../shared/api-contract.graphql', () => {
    const copy = readFileSync(contractFile, 'utf8');
    const shared = readFileSync(sharedContract, 'utf8');
    if (copy !== shared)
      throw new Error(
        'contract/api-contract.graphql differs from ../shared/api-contract.graphql: the shared contract changed. ' +
          'Copy it over (cp ../shared/api-contract.graphql contract/) and make schema.graphql satisfy it.',
      );
  });
});
