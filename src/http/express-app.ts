/** The express application: health, readiness, GraphQL over HTTP, and JSON answers for HTTP-level refusals. */
import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import { bearerKey } from '../access/keys';
import { HubContext, type HubRuntime } from '../graphql/context';
import { ErrorCode } from '../graphql/errors';
import { GRAPHQL_PATH } from '../graphql/websocket';
import { bodyErrors } from './body-errors';
import { exportRoutes } from './export';
import { bulletinRoute } from './bulletins';
import { healthz, readyz } from './health';
import { requestLog } from './request-log';
import { collectGarbageSoon } from '../memory';

/** Request bodies from which the answer is followed by a full garbage collection (src/memory.ts). */
const LARGE_REQUEST_BYTES = 4 * 1024 * 1024;

export function createExpressApp(apollo: ApolloServer<HubContext>, runtime: HubRuntime): Express {
  const { orm, config, log } = runtime;
  const app = express();
  app.disable('x-powered-by');
  // An ETag would hash every answer; GraphQL answers are POSTed and never revalidated.
  app.disable('etag');
  app.use(requestLog(log));
  app.get('/healthz', healthz);
  app.get('/readyz', readyz(orm, log));
  const exports = exportRoutes(runtime);
  app.get('/export/risk-entries.csv', exports.riskEntries);
  app.get('/export/cases.csv', exports.cases);
  app.get('/bulletins', bulletinRoute(runtime));
  app.use(
    GRAPHQL_PATH,
    // A large request (a whole list published) leaves hundreds of MB of garbage: give it back once answered.
    (req, res, next) => {
      if (Number(req.headers['content-length']) >= LARGE_REQUEST_BYTES) res.once('finish', collectGarbageSoon);
      next();
    },
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const context = await HubContext.create(runtime, bearerKey(req.headers.authorization));
        res.locals.hubContext = context;
        return context;
      },
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'not found: GraphQL is served at /graphql', extensions: { code: ErrorCode.NOT_FOUND } }] });
  });
  app.use(bodyErrors(config.bodyLimit, log));
  return app;
}
