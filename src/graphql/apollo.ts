/** Apollo Server for GraphQL over HTTP, with the hub's error masking and request logging. */
import type { Server } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { HubContext } from './context';
import { formatError } from './format-error';
import { httpStatusPlugin } from './http-status';
import { compiledReadsPlugin, type RootCompiler } from './compiled-reads';
import { costError, limitRules, type QueryLimits } from './limits';
import { operationLabel } from './operation-log';
import { personalDataAuditPlugin } from './personal-data-audit';

/** Records the operation name on the context for the request log. */
const operationNamePlugin: ApolloServerPlugin<HubContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue, operation }) {
        contextValue.operationName = operationLabel(operation) ?? undefined;
      },
    };
  },
};

/** Refuses an operation whose estimated cost is over MAX_QUERY_COST, before it runs. */
function costPlugin(limits: QueryLimits): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const error = costError(schema, document, request.operationName, request.variables, limits);
          // Refused before execution, like a validation failure: 400 (200 under application/json, http-status.ts).
          if (error) throw Object.assign(error, { extensions: { ...error.extensions, http: { status: 400, headers: new HeaderMap() } } });
        },
      };
    },
  };
}

export function createApollo(
  schema: GraphQLSchema,
  httpServer: Server,
  log: Logger,
  limits: QueryLimits,
  compiled: { compilers: Readonly<Record<string, RootCompiler>>; enabled: boolean },
): ApolloServer<HubContext> {
  return new ApolloServer<HubContext>({
    schema,
    // Every request carries a bearer key and no cookies, so a cross-site request cannot act for a user:
    // the CSRF check protects nothing here and would block plain GET queries.
    csrfPrevention: false,
    // Never, in any NODE_ENV (jest runs with NODE_ENV=test, where Apollo would include them).
    includeStacktraceInErrorResponses: false,
    introspection: true,
    validationRules: limitRules(limits),
    // The hub stops itself on SIGINT/SIGTERM (closing the database and the embedded database's lock);
    // Apollo's own handler would re-raise the signal before that.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatError(formatted, error, log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Every answer is read from the database (no response cache, issue 11): without this, Apollo's default
      // cache-control plugin would still wrap every field to collect hints nobody reads.
      ApolloServerPluginCacheControlDisabled(),
      // The landing page loads from a CDN; the hub's networks are often offline.
      ApolloServerPluginLandingPageDisabled(),
      operationNamePlugin,
      costPlugin(limits),
      // After every check above: only execution is replaced (compiled-reads.ts).
      compiledReadsPlugin(compiled.compilers, compiled.enabled),
      personalDataAuditPlugin,
      httpStatusPlugin as ApolloServerPlugin<HubContext>,
    ],
  });
}
