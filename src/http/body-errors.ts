/**
 * HTTP-level refusals answered in the GraphQL error shape: malformed JSON (400, BAD_REQUEST) and a body over
 * BODY_LIMIT (413, LIMIT_EXCEEDED). Anything else unexpected is a 500 without details.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../graphql/errors';
import { loggable } from '../graphql/format-error';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export function bodyErrors(bodyLimit: number, log: Logger): ErrorRequestHandler {
  return (error: BodyParserError, _req, res, next) => {
    if (res.headersSent) return next(error);
    const reply = (status: number, message: string, extensions: Record<string, unknown>) =>
      res.status(status).json({ errors: [{ message, extensions }] });
    switch (error.type) {
      case 'entity.parse.failed':
        return reply(400, 'the request body is not valid JSON', { code: ErrorCode.BAD_REQUEST });
      case 'entity.too.large':
        return reply(413, `the request body is larger than BODY_LIMIT (${bodyLimit} bytes)`, {
          code: ErrorCode.LIMIT_EXCEEDED,
          limit: 'BODY_LIMIT',
          value: bodyLimit,
        });
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return reply(415, 'the request body must be UTF-8 JSON', { code: ErrorCode.BAD_REQUEST });
      case 'request.aborted':
        return reply(400, 'the request was aborted', { code: ErrorCode.BAD_REQUEST });
      default:
        if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
          return reply(error.status, 'the request could not be read', { code: ErrorCode.BAD_REQUEST });
        }
        log.error({ err: loggable(error) }, 'unexpected error in an HTTP request');
        return reply(500, 'Internal server error', { code: ErrorCode.INTERNAL_SERVER_ERROR });
    }
  };
}
