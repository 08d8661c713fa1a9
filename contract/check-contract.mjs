#!/usr/bin/env node
// Checks that schema.graphql keeps every part of the public API contract
// (contract/api-contract.graphql, a copy of the workspace's shared contract kept in
// sync by server/test/contract.test.ts): prints each breaking difference and exits 1,
// or prints "contract ok" and exits 0.
// Usage, from the project root: npm run check:contract [-- other-schema.graphql]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const contractPath = join(here, 'api-contract.graphql');
const schemaPath = resolve(process.argv[2] ?? join(here, '..', 'schema.graphql'));
const contract = buildSchema(readFileSync(contractPath, 'utf8'));
const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
const breaks = findBreakingChanges(contract, schema);
for (const b of breaks) console.log(`${b.type}: ${b.description}`);
if (breaks.length) {
  console.log(`contract broken: ${breaks.length} difference(s) between api-contract.graphql and ${schemaPath}`);
  process.exit(1);
}
console.log('contract ok');
