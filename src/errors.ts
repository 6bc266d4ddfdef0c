/**
 * The hub's error codes (DESIGN.md invariant 6) and the one constructor for each. Every error a client can see
 * carries `extensions.code`; anything else is masked as INTERNAL_SERVER_ERROR by {@link ./format-error}.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  SUBSCRIBER_BEHIND: 'SUBSCRIBER_BEHIND',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  BAD_REQUEST: 'BAD_REQUEST',
  /** HTTP 503 with Retry-After: the hub is starting (src/http/starting.ts). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error meant for the client: its message and extensions reach the caller as they are. */
export class HubError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }

  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const unauthenticated = (message: string) => new HubError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message: string) => new HubError(ErrorCode.FORBIDDEN, message);
export const notFound = (message: string) => new HubError(ErrorCode.NOT_FOUND, message);
export const conflict = (message: string, extensions?: Record<string, unknown>) => new HubError(ErrorCode.CONFLICT, message, extensions);

/** Bad input; `field` names the argument or input field, `rule` the rule it broke. */
export const badInput = (message: string, details: { field?: string; rule?: string } = {}) =>
  new HubError(ErrorCode.BAD_USER_INPUT, message, details);

/**
 * A scalar value that breaks its rule. Scalars throw this plain error (not a GraphQLError) so that graphql-js
 * wraps it with the location and the expected type; the error masking turns it into BAD_USER_INPUT with `rule`.
 */
export class InvalidValueError extends Error {
  override name = 'InvalidValueError';

  constructor(
    message: string,
    readonly rule: string,
  ) {
    super(message);
  }
}

export const limitExceeded = (message: string, limit: string, value: number) => new HubError(ErrorCode.LIMIT_EXCEEDED, message, { limit, value });
