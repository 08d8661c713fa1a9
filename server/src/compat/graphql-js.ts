// graphql-js, and the rules built on it, as Mercurius loads them: CommonJS.
//
// Mercurius `require`s graphql-js; an ESM `import 'graphql'` can resolve to another
// copy of the module (vitest does this). The schema and documents Mercurius hands us
// come from its copy, and graphql-js refuses to mix copies outside production
// ("Cannot use GraphQLSchema from another module or realm"). So everything that
// touches them loads graphql-js, graphql-query-complexity and graphql-armor's rules
// through `require`, here, once. Errors can come from either copy: isGraphQLError
// matches by name as well. graphql-js' errors carry no code: the few we tell apart
// (a syntax error, the parser's token limit, an argument value it refuses) are told
// by their message text, here and nowhere else. test/library-compat.test.ts fails if
// Mercurius loads another copy than this one, or if its errors stop being recognised.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** graphql-js, the copy Mercurius uses. */
export const graphql = require('graphql') as typeof import('graphql');

export const { getComplexity } = require('graphql-query-complexity') as typeof import('graphql-query-complexity');
export const { maxAliasesRule } =
  require('@escape.tech/graphql-armor-max-aliases') as typeof import('@escape.tech/graphql-armor-max-aliases');
export const { maxDepthRule } =
  require('@escape.tech/graphql-armor-max-depth') as typeof import('@escape.tech/graphql-armor-max-depth');

/** A GraphQLError of either copy of graphql-js (instanceof only knows one): by class, else by name. */
export function isGraphQLError(err: unknown): err is import('graphql').GraphQLError {
  return err instanceof graphql.GraphQLError || (err instanceof Error && err.name === 'GraphQLError');
}

/** A parse error: graphql-js' messages start "Syntax Error: …". */
export function isSyntaxError(err: { message: string }): boolean {
  return err.message.startsWith('Syntax Error');
}

/**
 * The parser's `maxTokens` limit: "Syntax Error: Document contains more that N tokens. Parsing
 * aborted." (graphql-js 16 spells it "that"; "than" is accepted too, should it be corrected).
 */
export function isTokenLimitError(err: unknown): boolean {
  return err instanceof Error && isSyntaxError(err) && /Document contains more tha[nt] \d+ tokens/.test(err.message);
}

/**
 * An argument value graphql-js' `getArgumentValues` refuses ('Argument "n" of required type …',
 * '… has invalid value …'), which graphql-query-complexity's getComplexity throws and
 * graphql-js' own validation rules report as well.
 */
export function isArgumentValueError(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('Argument "');
}
