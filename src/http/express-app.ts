/** The express application: health, readiness, GraphQL over HTTP, and JSON answers for HTTP-level refusals. */
import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import { bearerKey } from '../access/keys';
import { HubContext, type HubRuntime } from '../graphql/context';
import { ErrorCode } from '../errors';
import { GRAPHQL_PATH } from '../graphql/websocket';
import { bodyErrors } from './body-errors';
import { exportRoutes } from './export';
import { bulletinRoute } from './bulletins';
import { healthz, readyz } from './health';
import { requestLog } from './request-log';
import { admission, admittedCaller } from './admission';

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
    // The key first, then the body, read only as far as the caller may send one (admission.ts).
    admission(runtime),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const caller = admittedCaller(res) ?? (await HubContext.authenticate(runtime, bearerKey(req.headers.authorization)));
        const context = HubContext.of(runtime, caller);
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
