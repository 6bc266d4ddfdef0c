/**
 * Refusals of the plain HTTP routes (exports, bulletins) in the GraphQL error shape, with the HTTP status of the
 * code; anything that is not a {@link HubError} is logged and answered 500 without details.
 */
import type { Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, HubError } from '../errors';
import { loggable } from '../graphql/format-error';

const STATUS: Record<string, number> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.LIMIT_EXCEEDED]: 400,
};

/** Answers `error` as a coded GraphQL error with its HTTP status. */
export function replyError(res: Response, error: unknown, log: Logger): void {
  if (error instanceof HubError) {
    // RFC 9110: a 401 names the scheme it wants.
    if (error.code === ErrorCode.UNAUTHENTICATED) res.set('www-authenticate', 'Bearer');
    res.status(STATUS[error.code] ?? 400).json({ errors: [{ message: error.message, extensions: error.extensions }] });
    return;
  }
  log.error({ err: loggable(error) }, 'an HTTP route failed');
  res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
}
