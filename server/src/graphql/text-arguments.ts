// No NUL reaches the database from a GraphQL request. PostgreSQL refuses U+0000 in
// text outright ("invalid byte sequence for encoding UTF8: 0x00"), which would answer
// INTERNAL for a client's fault; so before execution every string in the document
// (argument literals, defaults) and in the variables is checked, once, for every
// field and resolver, over HTTP and WebSocket alike. Other control characters pass:
// a newline in a note is text. Readings are the exception: their items are checked
// one by one by the ingest service (modules/readings/reading-checks.ts), so one bad
// sensor id is one item error, not a refused batch.
import type { DocumentNode } from 'graphql';
import { graphql } from '../compat/graphql-js.js';
import { readingVariables } from './reading-values.js';
import { UserInputError } from '../kernel/errors.js';

const NUL = '\u0000';

/** The path of the first string holding a NUL in a variable's value, or null. */
function nulPath(value: unknown, root: string): string | null {
  // Iterative: variables may nest as deep as the body allows.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) stack.push([inner, `${path}.${k}`]);
    }
  }
  return null;
}

function literalWithNul(document: DocumentNode): boolean {
  let found = false;
  graphql.visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) {
        found = true;
        return graphql.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

const checkedDocuments = new WeakSet<DocumentNode>();

/** Throws BAD_USER_INPUT when a string of the request holds a NUL (ReadingInput variables aside). */
export function refuseNulText(document: DocumentNode, variables: Record<string, unknown> | null | undefined): void {
  // Documents are cached by Mercurius: their literals are checked on first use only.
  if (!checkedDocuments.has(document)) {
    if (literalWithNul(document))
      throw new UserInputError('A string argument contains a NUL character (U+0000), which text may not hold');
    checkedDocuments.add(document);
  }
  if (!variables) return;
  // (The hook that calls this is not told the operation's name: the ReadingInput variables of any.)
  const readings = new Set(
    document.definitions.flatMap((d) =>
      d.kind === graphql.Kind.OPERATION_DEFINITION ? readingVariables(document, d.name?.value ?? null) : [],
    ),
  );
  for (const [name, value] of Object.entries(variables)) {
    if (readings.has(name)) continue;
    const path = nulPath(value, `$${name}`);
    if (path)
      throw new UserInputError(`Variable ${path} contains a NUL character (U+0000), which text may not hold`, {
        variable: name,
      });
  }
}
