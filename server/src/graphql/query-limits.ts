// What one GraphQL document may ask for, checked before it runs, with a code each:
// - cost (QUERY_TOO_COMPLEX): graphql-query-complexity with an estimator where a
//   list multiplies what is under it by its size: `first`/`last` when the document
//   gives a number, the largest page when it gives a variable, else the list's own
//   estimate below (or QUERY_LIST_SIZE). Lists that grow with the fleet count as the fleet
//   is now (modules/sensors/fleet-sizes.ts): `Zone.sensors` as the largest zone,
//   `Query.zones` as the zone count, `Query.trustScores` as the sensor count. So
//   `{ zones { sensors { zone { sensors … } } } }` is refused for its fan-out however
//   shallow each level looks, and `zone { sensors { readings(last: 490) } }` on a
//   3,000-sensor zone costs 1.47 million, not 49,101;
// - depth (QUERY_TOO_DEEP) and aliases (TOO_MANY_ALIASES): graphql-armor's rules;
// - tokens (QUERY_TOO_LARGE): graphql-js' own parser limit, before anything else.
// Mercurius validates a document once per query text and caches the verdict, so
// the rules never see variables: every variable counts as its worst case (a
// variable first/last as the largest page, @skip/@include as included). A document
// costed under other fleet sizes is costed again before it runs (costCheck below).
import type {
  DocumentNode,
  FieldNode,
  GraphQLInputType,
  NamedTypeNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import mercurius from 'mercurius';
import {
  getComplexity,
  graphql,
  isArgumentValueError,
  isTokenLimitError,
  maxAliasesRule,
  maxDepthRule,
} from '../compat/graphql-js.js';
import type { LimitSettings } from '../config.js';
import type { FleetSizes } from '../modules/sensors/fleet-sizes.js';
import { MAX_READINGS_PER_QUERY } from '../modules/readings/readings-repository.js';
import { MAX_SERIES_POINTS } from '../modules/readings/series-service.js';
import { FAULT_KINDS } from '../trust/types.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';

// The CommonJS copies, as Mercurius loads graphql-js (compat/graphql-js.ts).
const {
  GraphQLError,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  typeFromAST,
  validate,
  visit,
} = graphql;

/** Expected sizes of lists that take no first/last; the rest count QUERY_LIST_SIZE. */
const LIST_SIZES: Record<string, number> = {
  'Sensor.readings': MAX_READINGS_PER_QUERY,
  'Sensor.trustHistory': 1000,
  'Sensor.series': MAX_SERIES_POINTS,
  'Sensor.tickets': 20,
  'Sensor.maintenance': 10,
  'Sensor.silences': 5,
  'Zone.silences': 5,
  'Zone.maintenance': 10,
  'Ticket.silences': 5,
  'Query.silences': 100,
  'Ticket.events': 20,
  'TrustScore.reasons': FAULT_KINDS.length,
  'TrustPoint.reasons': FAULT_KINDS.length,
  'DashboardSummary.statusCounts': 4,
  'DashboardSummary.openTicketsBySeverity': 4,
  'ZoneStats.statusCounts': 4,
  'Query.trustScores': 1000,
  'Query.fleetTrend': 288,
  'IngestResult.errors': 10_000,
};

function argumentNode(node: FieldNode, name: string) {
  return node.arguments?.find((a) => a.name.value === name)?.value;
}

/** The list size a field stands for, or null when it is not a list. */
function listSize(
  coordinate: string,
  parentType: string,
  returnType: string,
  node: FieldNode,
  isList: boolean,
  defaultListSize: number,
  fleetSizes: Record<string, number>,
): number | null {
  for (const name of ['first', 'last']) {
    const value = argumentNode(node, name);
    if (!value) continue;
    // Beyond the largest page the resolver refuses the argument (BAD_USER_INPUT) before any work.
    const largest = coordinate === 'Sensor.readings' ? MAX_READINGS_PER_QUERY : MAX_PAGE_SIZE;
    if (value.kind === Kind.INT) return Math.min(largest, Math.max(1, Number(value.value)));
    if (value.kind === Kind.VARIABLE) return largest;
  }
  // A connection without first is one default page; its nodes are counted here, not again below.
  if (returnType.endsWith('Connection')) return DEFAULT_PAGE_SIZE;
  if (!isList) return null;
  if (parentType.endsWith('Connection')) return 1;
  return fleetSizes[coordinate] ?? LIST_SIZES[coordinate] ?? defaultListSize;
}

/** Sizes of the lists that grow with the fleet; without counts, QUERY_LIST_SIZE each. */
export interface FleetSizesSource {
  current(): FleetSizes;
  version(): number;
}

function fleetListSizes(fleet: FleetSizesSource | undefined): Record<string, number> {
  if (!fleet) return {};
  const { zones, largestZone, sensors } = fleet.current();
  return {
    'Zone.sensors': Math.max(1, largestZone),
    'Query.zones': Math.max(1, zones),
    'Query.trustScores': Math.max(1, sensors),
  };
}

function listCostEstimator(defaultListSize: number, sized: () => Record<string, number>): ComplexityEstimator {
  return ({ type, field, node, childComplexity }) => {
    // Introspection answers from the schema in memory: bounded by the schema's size, not by
    // data, so it costs nothing here (depth still applies; INTROSPECTION=false turns it off).
    if (field.name.startsWith('__') || type.name.startsWith('__')) return 0;
    const named = getNamedType(field.type);
    const coordinate = `${type.name}.${field.name}`;
    const isList = isListType(getNullableType(field.type));
    const size = listSize(coordinate, type.name, named.name, node, isList, defaultListSize, sized());
    if (size === null) return (isLeafType(named) ? 0 : 1) + childComplexity;
    return size * (1 + childComplexity);
  };
}

/** A value of the variable's type that coerces: the cost never depends on variables' values. */
function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, placeholder(f.type)]),
    );
  }
  switch (type.name) {
    case 'Int':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '1970-01-01T00:00:00.000Z';
    default:
      return '0';
  }
}

/** @skip/@include removed: a field counts whatever a variable decides at run time. */
function unconditional(document: DocumentNode): DocumentNode {
  return visit(document, {
    Directive: (node) => (node.name.value === 'skip' || node.name.value === 'include' ? null : undefined),
  });
}

/** Documents that passed the cost rule, with the fleet sizes' version they were costed under. */
type Costed = WeakMap<DocumentNode, number>;

function costRule(limits: LimitSettings, fleet?: FleetSizesSource, costed?: Costed): ValidationRule {
  let sized: Record<string, number> = {};
  const estimators = [listCostEstimator(limits.defaultListSize, () => sized)];
  return (context: ValidationContext) => ({
    Document(document) {
      const version = fleet?.version() ?? 0;
      sized = fleetListSizes(fleet);
      const schema = context.getSchema();
      const query = unconditional(document);
      for (const operation of query.definitions) {
        if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
        const variables = Object.fromEntries(
          (operation.variableDefinitions ?? []).map((d) => {
            const type = typeFromAST(schema, d.type as NamedTypeNode) as GraphQLInputType | undefined;
            return [d.variable.name.value, type ? placeholder(type) : null];
          }),
        );
        let cost: number;
        try {
          cost = getComplexity({ schema, query, variables, estimators, operationName: operation.name?.value });
        } catch (err) {
          // An argument graphql-js' own rules refuse (a wrong enum value, a missing required
          // argument): they report it with its location; a second error here would only blur it.
          if (isArgumentValueError(err)) return;
          // Too many nodes (fragments spread over and over) or a document graphql-js refuses anyway.
          context.reportError(limitError(`Query cannot be costed: ${(err as Error).message}`, 'QUERY_TOO_COMPLEX'));
          return;
        }
        if (cost > limits.maxCost) {
          context.reportError(
            limitError(
              `Query is too expensive: estimated cost ${cost} exceeds ${limits.maxCost} (QUERY_MAX_COST). ` +
                'Lists multiply what they contain: ask for fewer levels or pass a smaller first/last.',
              'QUERY_TOO_COMPLEX',
            ),
          );
          return;
        }
      }
      costed?.set(document, version);
    },
  });
}

function limitError(message: string, code: string): import('graphql').GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

export interface LimitRuleOptions {
  introspection: boolean;
  /** The fleet's counts for the lists that grow with it (absent: QUERY_LIST_SIZE). */
  fleet?: FleetSizesSource;
  /** Filled with the documents the cost rule passed (costCheck). */
  costed?: Costed;
}

export function queryLimitRules(limits: LimitSettings, options: LimitRuleOptions): ValidationRule[] {
  const cost = costRule(limits, options.fleet, options.costed);
  const depth = maxDepthRule({
    n: limits.maxDepth,
    propagateOnRejection: false,
    onReject: [
      (context, err) => context?.reportError(limitError(err.message.replace(/^Syntax Error: /, ''), 'QUERY_TOO_DEEP')),
    ],
  }) as unknown as ValidationRule;
  const aliases = maxAliasesRule({
    n: limits.maxAliases,
    propagateOnRejection: false,
    onReject: [
      (context, err) =>
        context?.reportError(limitError(err.message.replace(/^Syntax Error: /, ''), 'TOO_MANY_ALIASES')),
    ],
  }) as unknown as ValidationRule;
  return [depth, aliases, cost, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
}

/**
 * Subscriptions over plain HTTP POST/GET: Mercurius would run the subscription's
 * resolvers as if it were a query and fail inside them (INTERNAL_SERVER_ERROR). A
 * Mercurius validation rule only: subscriptions over the socket and SSE skip it.
 */
export const noSubscriptionOverHttpRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if ((node.operation as string) !== 'subscription') return;
    context.reportError(
      new GraphQLError(
        'Subscriptions are served over a WebSocket (graphql-ws at /graphql) or server-sent events (/graphql/stream), not a plain request',
        { nodes: [node], extensions: { code: 'BAD_REQUEST' } },
      ),
    );
  },
});

/** JSON where a query belongs: Mercurius would take it for a serialised document (AST). */
const LOOKS_LIKE_JSON = /^\s*(\{\s*"|\[|-?\d|"|null\b|true\b|false\b)/;

/**
 * Refuses a document of more than QUERY_MAX_TOKENS tokens before it is parsed for
 * real, and JSON in place of a query: when graphql-js cannot parse a query,
 * Mercurius tries it as a JSON-encoded document, which skips the token limit and
 * can hand validation something that is not a document at all.
 */
export function checkTokenLimit(source: string, maxTokens: number): void {
  if (LOOKS_LIKE_JSON.test(source)) {
    throw new mercurius.ErrorWithProps(
      'Syntax Error: the query is not a GraphQL document',
      {
        code: 'GRAPHQL_PARSE_FAILED',
      },
      400,
    );
  }
  // A token is at least one character: shorter texts cannot exceed the limit.
  if (source.length <= maxTokens) return;
  try {
    parse(source, { maxTokens, noLocation: true });
  } catch (err) {
    if (isTokenLimitError(err)) {
      throw new mercurius.ErrorWithProps(
        `Query has more than ${maxTokens} tokens (QUERY_MAX_TOKENS); send large inputs as variables`,
        { code: 'QUERY_TOO_LARGE' },
        400,
      );
    }
    // Syntax errors are Mercurius' to report.
  }
}

/**
 * Mercurius caches a document's validation per query text: one costed when the fleet was
 * small would pass for ever. Before each execution, a document costed under other fleet
 * sizes (or never) is costed again; the refusal is the cost rule's (QUERY_TOO_COMPLEX, 400).
 */
export function costCheck(limits: LimitSettings, fleet: FleetSizesSource) {
  const costed: Costed = new WeakMap();
  const rule = costRule(limits, fleet, costed);
  return {
    costed,
    check(schema: import('graphql').GraphQLSchema, document: DocumentNode): void {
      if (costed.get(document) === fleet.version()) return;
      const [error] = validate(schema, document, [rule]);
      if (error) {
        throw new mercurius.ErrorWithProps(error.message, { code: error.extensions?.code ?? 'QUERY_TOO_COMPLEX' }, 400);
      }
    },
  };
}

/** The limit rules alone, for documents that skip Mercurius' validation (subscriptions over the socket). */
export function limitErrors(
  schema: import('graphql').GraphQLSchema,
  document: DocumentNode,
  rules: ValidationRule[],
): readonly import('graphql').GraphQLError[] {
  return validate(schema, document, rules);
}
