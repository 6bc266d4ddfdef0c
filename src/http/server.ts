/**
 * The hub's node:http server, with the bounds that hold before any request is seen: every request's headers arrive
 * within ANONYMOUS_REQUEST_TIMEOUT_MS (the key is among them, so until they are in, every client is anonymous),
 * a whole request within HTTP_REQUEST_TIMEOUT_MS, and at most MAX_CONNECTIONS sockets are open (WebSocket
 * included); more are closed on accept. `Expect: 100-continue` on /graphql is answered only once the body is
 * admitted (http/admission.ts), so a client that asks first never sends a body that would be refused.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { HubConfig } from '../config';
import { GRAPHQL_PATH } from '../graphql/websocket';
import { watchEventLoop } from './event-loop';

/** How often node checks the two timeouts (its default, 30 s, would let a slow client stay that much longer). */
const TIMEOUT_CHECK_MS = 1000;

/** When each socket became ready for its current request: accepted, or its previous answer sent. */
const readySince = new WeakMap<Socket, number>();

export function createHttpServer(config: HubConfig, log: Logger): Server {
  const { anonymousRequestTimeoutMs, requestTimeoutMs, maxConnections, eventLoopWarnMs } = config.admission;
  const server = createServer({
    headersTimeout: anonymousRequestTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, anonymousRequestTimeoutMs),
  });
  server.maxConnections = maxConnections;
  server.on('connection', (socket: Socket) => readySince.set(socket, Date.now()));
  server.on('request', (req: IncomingMessage, res) => res.once('finish', () => readySince.set(req.socket, Date.now())));
  server.on('checkContinue', (req: IncomingMessage, res) => {
    if (!isGraphqlPath(req.url)) res.writeContinue();
    server.emit('request', req, res);
  });
  if (eventLoopWarnMs > 0) {
    const stop = watchEventLoop(eventLoopWarnMs, log);
    server.once('close', stop);
  }
  return server;
}

/** When the client could start sending `req` (ms since the epoch): the start of its ANONYMOUS_REQUEST_TIMEOUT_MS. */
export function requestReadySince(req: IncomingMessage): number {
  return readySince.get(req.socket) ?? Date.now();
}

function isGraphqlPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0];
  return path === GRAPHQL_PATH || path.startsWith(`${GRAPHQL_PATH}/`);
}
