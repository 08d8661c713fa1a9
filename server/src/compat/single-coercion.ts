// Variables are coerced once per request, not twice.
//
// Mercurius checks a POSTed request's variables with graphql-js before execution
// (to answer bad variables with a 400), then the compiled query (graphql-jit)
// coerces them again. For a 1,000-reading ingestReadings the first pass alone was
// about a sixth of the server's CPU. Here the variables go around it: held from
// the parsed body (preHandler) and handed back in Mercurius' preExecution hook,
// then coerced by the compiled query, or by graphql-js `execute` before the query
// is compiled. Bad variables still get a 400 (see the error formatter), and their
// errors are recomputed with graphql-js, whose messages name the exact item
// (`r[412].value`) where graphql-jit's name only the field.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import type { GraphQLContext } from '../graphql/context.js';
import { operationNameOf, postedGraphQL } from '../graphql/posted-body.js';
import { setAsideInvalidValues } from '../graphql/reading-values.js';
import { graphql } from './graphql-js.js';

interface Held {
  variables: Record<string, unknown>;
  operationName: string | null;
  schema?: GraphQLSchema;
  document?: DocumentNode;
}

export function installSingleCoercion(app: FastifyInstance) {
  const held = new WeakMap<FastifyRequest, Held>();

  app.addHook('preHandler', async (request) => {
    const body = postedGraphQL(request);
    if (!body || typeof body.variables !== 'object' || body.variables === null) return;
    held.set(request, { variables: body.variables as Record<string, unknown>, operationName: operationNameOf(body) });
    body.variables = undefined;
  });

  return {
    /** Registered on Mercurius once it is loaded: hands the variables back for execution. */
    attach() {
      app.graphql.addHook('preExecution', async (schema, document, context) => {
        const entry = context.reply?.request ? held.get(context.reply.request) : undefined;
        if (!entry) return;
        entry.schema = schema;
        entry.document = document;
        // Non-number reading values become per-item errors, not a refused batch (reading-values.ts).
        const setAside = setAsideInvalidValues(document, entry.operationName, entry.variables);
        if (setAside) (context as GraphQLContext).readingValuesSetAside = setAside;
        return { variables: entry.variables };
      });
    },

    /** graphql-js' errors for this request's variables, or null when they are fine or unknown. */
    variableErrors(context: MercuriusContext): GraphQLFormattedError[] | null {
      const entry = context.reply?.request ? held.get(context.reply.request) : undefined;
      if (!entry?.schema || !entry.document) return null;
      const operation = graphql.getOperationAST(entry.document, entry.operationName);
      if (!operation) return null;
      const result = graphql.getVariableValues(entry.schema, operation.variableDefinitions ?? [], entry.variables, {
        maxErrors: 20,
      });
      if (!result.errors) return null;
      return result.errors.map((e) => ({
        message: e.message,
        locations: e.locations,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }));
    },
  };
}
