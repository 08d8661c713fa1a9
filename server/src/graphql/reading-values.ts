// A reading whose value is not a number is one bad item, not a bad request.
//
// schema.graphql types ReadingInput.value as `Float` (nullable; the contract's `Float!`
// would refuse a null before any resolver runs, and a custom scalar would break the
// contract). A string such as "NaN" in the request's variables would still fail
// graphql-js' Float coercion and sink the whole batch with a 400, so before the
// variables are coerced (compat/single-coercion.ts hands them over) every ReadingInput
// variable's non-number `value` is set aside and replaced by null; the resolver puts
// the original back and the ingest service reports it as INVALID_VALUE with the rest
// of the batch stored. JSON has no NaN or Infinity, so every number that arrives
// here is finite. Inline literals (`value: "NaN"` in the query text) are still
// validated as Float by graphql-js.
import type { DocumentNode, GraphQLResolveInfo, OperationDefinitionNode, TypeNode } from 'graphql';
import { graphql } from '../compat/graphql-js.js';

const READING_INPUT = 'ReadingInput';

/** Per variable name, the original values by item index (absent when every value was a number). */
export type SetAsideValues = Map<string, Map<number, unknown>>;

const namedType = (type: TypeNode): string =>
  type.kind === graphql.Kind.NAMED_TYPE ? type.name.value : namedType(type.type);

// Variable names typed ReadingInput (or lists of it), per document and operation name.
const variablesOf = new WeakMap<DocumentNode, Map<string | null, string[]>>();

export function readingVariables(document: DocumentNode, operationName: string | null): string[] {
  let byName = variablesOf.get(document);
  if (!byName) variablesOf.set(document, (byName = new Map<string | null, string[]>()));
  let names = byName.get(operationName);
  if (!names) {
    const operation: OperationDefinitionNode | null | undefined = graphql.getOperationAST(document, operationName);
    names = (operation?.variableDefinitions ?? [])
      .filter((d) => namedType(d.type) === READING_INPUT)
      .map((d) => d.variable.name.value);
    byName.set(operationName, names);
  }
  return names;
}

/**
 * Replaces every non-number `value` of the ReadingInput variables by null, in place,
 * and returns the originals, or null when there were none (the usual case: one
 * `typeof` per item).
 */
export function setAsideInvalidValues(
  document: DocumentNode,
  operationName: string | null,
  variables: Record<string, unknown>,
): SetAsideValues | null {
  let out: SetAsideValues | null = null;
  for (const name of readingVariables(document, operationName)) {
    const raw = variables[name];
    const items = Array.isArray(raw) ? raw : [raw];
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      if (!item || typeof item !== 'object') continue;
      const reading = item as { value?: unknown };
      if (typeof reading.value === 'number' || reading.value === null) continue;
      out ??= new Map();
      let forVariable = out.get(name);
      if (!forVariable) out.set(name, (forVariable = new Map<number, unknown>()));
      forVariable.set(i, reading.value);
      reading.value = null;
    }
  }
  return out;
}

/** The readings argument with the values set aside put back (the same array when there were none). */
export function withOriginalValues<T extends { value?: unknown }>(
  readings: readonly T[],
  setAside: SetAsideValues | undefined,
  info: GraphQLResolveInfo,
): readonly T[] {
  if (!setAside) return readings;
  const argument = info.fieldNodes[0]?.arguments?.find((a) => a.name.value === 'readings');
  if (argument?.value.kind !== graphql.Kind.VARIABLE) return readings;
  const originals = setAside.get(argument.value.name.value);
  if (!originals) return readings;
  return readings.map((r, i) => (originals.has(i) ? { ...r, value: originals.get(i) } : r));
}
