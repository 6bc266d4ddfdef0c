/**
 * HTTP-level refusals answered in the GraphQL error shape: malformed JSON (400, BAD_REQUEST), a body over
 * BODY_LIMIT (413, LIMIT_EXCEEDED), a body too large for a request without a valid key (401, UNAUTHENTICATED,
 * with WWW-Authenticate). Anything else unexpected is a 500 without details. A refusal sent before the body was
 * read closes the connection: the rest of the body is never read.
 */
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, type HubError } from '../errors';
import { loggable } from '../graphql/format-error';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** One error in the GraphQL shape; with `close`, the connection is closed once it is sent. */
export function refuse(
  res: Response,
  status: number,
  message: string,
  extensions: Record<string, unknown>,
  options: { close?: boolean; headers?: Record<string, string> } = {},
): void {
  if (options.close) res.setHeader('Connection', 'close');
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.status(status).json({ errors: [{ message, extensions }] });
}

/** A request without a valid key (`refusal` says why) whose body is over ANONYMOUS_BODY_LIMIT: 401, closed. */
export function refuseAnonymousBody(res: Response, refusal: HubError, limit: number, keyGiven: boolean): void {
  const why = refusal.message.replace(/\.$/, '');
  refuse(
    res,
    401,
    `${why}; without a valid key a request body may be at most ${limit} bytes (ANONYMOUS_BODY_LIMIT)`,
    { code: ErrorCode.UNAUTHENTICATED, limit: 'ANONYMOUS_BODY_LIMIT', value: limit },
    { close: true, headers: { 'WWW-Authenticate': keyGiven ? 'Bearer realm="fuyuan-hub", error="invalid_token"' : 'Bearer realm="fuyuan-hub"' } },
  );
}

/** A body over BODY_LIMIT: 413; `close` when it was refused before being read. */
export function refuseBodyLimit(res: Response, bodyLimit: number, close = false): void {
  refuse(
    res,
    413,
    `the request body is larger than BODY_LIMIT (${bodyLimit} bytes)`,
    { code: ErrorCode.LIMIT_EXCEEDED, limit: 'BODY_LIMIT', value: bodyLimit },
    { close },
  );
}

/** Set on `res.locals.anonymous` by http/admission.ts for a request without a valid key. */
export interface AnonymousRequest {
  /** Why the key was refused (or that there was none). */
  refusal: HubError;
  keyGiven: boolean;
  /** ANONYMOUS_BODY_LIMIT: a compressed body that inflates past it ends here as a 401, as an uncompressed one would. */
  limit: number;
}

export function bodyErrors(bodyLimit: number, log: Logger): ErrorRequestHandler {
  return (error: BodyParserError, _req, res, _next) => {
    // Already answered (a refusal sent while the body was still being read, then the socket closed): done.
    if (res.headersSent) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const reply = (status: number, message: string, extensions: Record<string, unknown>) => refuse(res, status, message, extensions);
    switch (error.type) {
      case 'entity.parse.failed':
        return reply(400, 'the request body is not valid JSON', { code: ErrorCode.BAD_REQUEST });
      case 'entity.too.large': {
        const without = res.locals.anonymous as AnonymousRequest | undefined;
        if (without) return refuseAnonymousBody(res, without.refusal, without.limit, without.keyGiven);
        return refuseBodyLimit(res, bodyLimit);
      }
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
