/**
 * Status codes of GraphQL over HTTP (the GraphQL-over-HTTP specification): a request that fails before execution
 * (a document that does not parse or validate, variables that do not coerce) is answered 400 under
 * `application/graphql-response+json`, but 200 under the legacy `application/json`, where a client reads errors
 * from the body. Apollo Server answers 400 under both; this plugin gives `application/json` its 200.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import Negotiator from 'negotiator';

/** Apollo Server's own media types (MEDIA_TYPES), so that the negotiation below picks what Apollo will send. */
const APPLICATION_JSON = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
/**
 * Codes of failures before execution that are the GraphQL request's, not the HTTP request's (BAD_REQUEST stays
 * 400): a document that does not parse or validate, variables that do not coerce, a limit, a document that is not
 * a trusted one. Execution never answers 400, so only these failures before it are turned to 200.
 */
const PRE_EXECUTION_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'LIMIT_EXCEEDED', 'FORBIDDEN']);

/** The media type Apollo Server answers a single result with, for this Accept header (its own rule). */
export function responseMediaType(accept: string | undefined): string | undefined {
  if (!accept) return APPLICATION_JSON;
  return new Negotiator({ headers: { accept } }).mediaType([APPLICATION_JSON, GRAPHQL_RESPONSE_JSON]);
}

/** The plugin that gives `application/json` its 200 for failures before execution. */
export const httpStatusPlugin: ApolloServerPlugin = {
  async requestDidStart({ request }) {
    return {
      async willSendResponse({ response }) {
        const { body, http } = response;
        const errors = body.kind === 'single' && body.singleResult.data === undefined ? body.singleResult.errors : undefined;
        if (http.status !== 400 || !errors?.length || !errors.every((error) => PRE_EXECUTION_CODES.has(String(error.extensions?.code)))) return;
        if (responseMediaType(request.http?.headers.get('accept')) === APPLICATION_JSON) http.status = 200;
      },
    };
  },
};
