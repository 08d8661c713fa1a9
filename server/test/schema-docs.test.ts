// Introspection is the API's manual (GraphiQL's Docs pane, codegen comments):
// every type, field, argument, input field and enum value says what it is.
import { readFileSync } from 'node:fs';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../src/graphql/plugin.js';

function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (name: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(name);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    need(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

describe('schema.graphql documentation', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
    expect(undocumented(schema)).toEqual([]);
  });
});
