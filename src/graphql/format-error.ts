/**
 * Error masking, the same over HTTP and WebSocket: an error meant for the client (a {@link HubError}, a scalar's
 * {@link InvalidValueError}, or one graphql-js raised while parsing, validating or coercing the request) keeps
 * its message and gets its code; anything else (a database error, a bug) is logged and reaches the client only
 * as INTERNAL_SERVER_ERROR.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, HubError, InvalidValueError } from '../errors';

/** Codes Apollo gives to request errors it raised itself, and the hub's code for each (DESIGN.md invariant 6). */
const REQUEST_ERROR_CODES: Record<string, string> = {
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_REQUEST',
};

/** The extensions of the first client-meant error in an error's chain of causes. */
function clientExtensions(error: unknown): Record<string, unknown> | undefined {
  for (let current = error; current; current = (current as GraphQLError).originalError) {
    if (current instanceof HubError) {
      // `http` is Apollo's instruction for the status code, not something to tell the client.
      const { http: _http, ...extensions } = current.extensions;
      return extensions;
    }
    if (current instanceof InvalidValueError) return { code: ErrorCode.BAD_USER_INPUT, rule: current.rule };
    if (!(current instanceof GraphQLError)) return undefined;
  }
  return undefined;
}

/** True for an error graphql-js raised about the request itself (parse, validation, variable coercion). */
export function raisedByGraphql(error: GraphQLError): boolean {
  const cause = error.originalError;
  return !cause || (cause instanceof GraphQLError && !cause.originalError);
}

export function formatError(formatted: GraphQLFormattedError, error: unknown, log: Logger): GraphQLFormattedError {
  const { message, locations, path } = formatted;
  const extensions = clientExtensions(error);
  if (extensions) return { message, locations, path, extensions };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code in REQUEST_ERROR_CODES && (!(error instanceof GraphQLError) || raisedByGraphql(error))) {
    return { message, locations, path, extensions: { code: REQUEST_ERROR_CODES[code] } };
  }
  const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  log.error({ err: loggable(cause), path }, 'internal error in a GraphQL operation');
  return { message: 'Internal server error', locations, path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/**
 * What the log keeps of an internal error. The ORM's error messages carry the SQL with its values filled in
 * (personal data among them), so only the database's own reason, its codes and the stack frames are kept.
 */
export function loggable(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const db = error as Error & { code?: string; constraint?: string; table?: string };
  const reason = error.message.includes(' - ') ? error.message.slice(error.message.lastIndexOf(' - ') + 3) : error.message;
  return {
    type: error.name,
    code: db.code,
    constraint: db.constraint,
    table: db.table,
    reason: reason.slice(0, 300),
    stack: error.stack
      ?.split('\n')
      .filter((line) => line.trimStart().startsWith('at '))
      .slice(0, 12)
      .join('\n'),
  };
}
