/** One log line per HTTP request: method, path, GraphQL operation name, status and duration. Never a key. */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { HubContext } from '../graphql/context';

export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const context = res.locals.hubContext as HubContext | undefined;
      log.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          operation: context?.operationName ?? null,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
