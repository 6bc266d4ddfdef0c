/**
 * What the hub answers between binding its port and being ready. The port is bound first (a port in use stops
 * start-up before the database is opened, so nothing is written), then the hub migrates, bootstraps and builds
 * its schema; a request arriving meanwhile gets a clear answer instead of hanging: `/healthz` 200 (the process is
 * up), `/readyz` 503, anything else 503 with `Retry-After` in the GraphQL error shape, and a WebSocket upgrade
 * 503. Nothing of a request is read and its connection is closed; no request reaches the hub before it is ready.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors';

const RETRY_AFTER_SECONDS = '1';

function answer(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const [status, body] =
    path === '/healthz'
      ? [200, { status: 'starting' }]
      : path === '/readyz'
        ? [503, { status: 'not ready', reason: 'starting' }]
        : [503, { errors: [{ message: 'the hub is starting: try again in a moment', extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] }];
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'retry-after': RETRY_AFTER_SECONDS, connection: 'close' });
  res.end(JSON.stringify(body));
}

function refuseUpgrade(_req: IncomingMessage, socket: Duplex): void {
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${RETRY_AFTER_SECONDS}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Answers `server`'s requests as "starting" until the returned function is called (then it answers none). */
export function answerWhileStarting(server: Server): () => void {
  server.on('request', answer);
  server.on('upgrade', refuseUpgrade);
  return () => {
    server.off('request', answer);
    server.off('upgrade', refuseUpgrade);
  };
}
