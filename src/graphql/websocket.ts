/**
 * GraphQL over WebSocket (graphql-ws protocol) on the same port and path as HTTP. The key travels in
 * `connectionParams.authorization` ("Bearer <key>"); a missing or bad key closes the socket with 4403, and the
 * key is checked again for every operation, so a revoked key stops at its next operation; a key that stops
 * working ends its open subscriptions, and its socket closes with 4403 once nothing remains (ended-key-sockets.ts).
 * Validation and error masking are the same as over HTTP. What a socket may send and hold (message sizes,
 * operations per socket and per key) is decided in socket-admission.ts.
 */
import type { Server } from 'node:http';
import {
  createSourceEventStream,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { ChangeSubscription } from '../feed/feed';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { pipelineSends } from './pipelined-sends';
import { SocketAdmission } from './socket-admission';
import { authenticate } from '../access/authenticate';
import { bearerKey } from '../access/keys';
import { HubContext, type HubRuntime } from './context';
import { ErrorCode, HubError, limitExceeded } from '../errors';
import { costError, limitRules } from './limits';
import { formatError, loggable, raisedByGraphql } from './format-error';
import { OperationLog, operationLabel } from './operation-log';
import { EndedKeySockets } from './ended-key-sockets';
import { auditWebSocketResult } from './personal-data-audit';

export const GRAPHQL_PATH = '/graphql';
/** Close code for a missing, unknown, expired or revoked key (graphql-ws's Forbidden). */
export const CLOSE_FORBIDDEN = 4403;
/** Close code when the hub itself failed (e.g. the database was unreachable while checking the key). */
export const CLOSE_INTERNAL_ERROR = 1011;

export interface WebSocketEndpoint {
  /** Closes every socket and stops accepting new ones. */
  dispose(): Promise<void>;
}

export function startWebSocket(httpServer: Server, schema: GraphQLSchema, runtime: HubRuntime): WebSocketEndpoint {
  const { orm, config, log } = runtime;
  // No larger message is ever buffered: ws closes the socket with 1009 (publications that large go over HTTP).
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: config.admission.wsMessageLimit });
  const queryLimits = { ...config.limits, maxPageSize: config.maxPageSize, trustedDocuments: config.trustedDocuments };
  const limits = limitRules(queryLimits);
  const admission = new SocketAdmission({ anonymousMessageLimit: config.admission.anonymousBodyLimit, ...config.caps }, log);
  // Registered before graphql-ws's own handler, so that every socket it serves pipelines its sends and has its
  // messages checked before graphql-ws parses them.
  wsServer.on('connection', (socket) => {
    pipelineSends(socket);
    admission.watch(socket);
  });
  const keyOf = (params: Record<string, unknown> | undefined) =>
    bearerKey(typeof params?.authorization === 'string' ? params.authorization : undefined);
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error, log));
  const operations = new OperationLog(log);
  const endedKeys = new EndedKeySockets(CLOSE_FORBIDDEN);

  const server = useServer(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          const principal = await authenticate(orm.em.fork(), keyOf(ctx.connectionParams), runtime.credentialCache);
          admission.acknowledge(ctx.extra.socket, principal.credentialId ?? principal.unit.id);
          return true;
        } catch (error) {
          if (error instanceof GraphQLError) return false; // graphql-ws closes with 4403 Forbidden
          // Not the key's fault: say so rather than Forbidden.
          log.error({ err: loggable(error) }, 'could not check the key of a WebSocket');
          ctx.extra.socket.close(CLOSE_INTERNAL_ERROR, 'Internal server error');
          return false;
        }
      },
      // Authenticates afresh, parses and validates; every refusal is an error message, never a thrown error
      // (graphql-ws would print a thrown one with its stack and close the socket with its message).
      onSubscribe: async (ctx, id, payload) => {
        operations.start(ctx.extra.socket, id);
        const overCap = admission.startOperation(ctx.extra.socket, id);
        if (overCap) return [overCap];
        let contextValue: HubContext;
        try {
          contextValue = await HubContext.create(runtime, keyOf(ctx.connectionParams));
          void contextValue.principal;
        } catch (error) {
          if (error instanceof GraphQLError) {
            ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden');
            return [error];
          }
          log.error({ err: loggable(error) }, 'could not prepare a WebSocket operation');
          return [new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })];
        }
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const operation = getOperationAST(document, payload.operationName);
        contextValue.operationName = operationLabel(operation) ?? undefined;
        operations.name(ctx.extra.socket, id, contextValue.operationName ?? null);
        // The body limit, as over HTTP (when BODY_LIMIT is below WS_MESSAGE_LIMIT, the socket's own cap, which closes it).
        const size = Buffer.byteLength(JSON.stringify(payload));
        if (size > config.bodyLimit) {
          return [limitExceeded(`the message is larger than BODY_LIMIT (${config.bodyLimit} bytes)`, 'BODY_LIMIT', config.bodyLimit)];
        }
        const errors = validate(schema, document, [...specifiedRules, ...limits]);
        if (errors.length) {
          // A limit's refusal keeps its own code (LIMIT_EXCEEDED); graphql-js's own are validation failures.
          return errors.map((error) =>
            error instanceof HubError
              ? error
              : new GraphQLError(error.message, {
                  nodes: error.nodes,
                  originalError: error.originalError,
                  extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
                }),
          );
        }
        const tooCostly = costError(schema, document, payload.operationName, payload.variables, queryLimits);
        if (tooCostly) return [tooCostly];
        const tooMany = operation?.operation === 'subscription' ? admission.startSubscription(ctx.extra.socket, id) : null;
        if (tooMany) return [tooMany];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      // The change feed's subscriptions share each change's result among subscribers (feed.ts); any other
      // subscription would be executed event by event, as graphql-js does.
      subscribe: async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (source instanceof ChangeSubscription) return runtime.sharing.results(source, args as ExecutionArgs & { contextValue: HubContext });
        if (!(Symbol.asyncIterator in source)) return source; // the subscription was refused: its errors
        throw new Error('the change feed is the only subscription of this hub');
      },
      onNext: (ctx, id, _payload, args, result: ExecutionResult) => {
        // Personal data let out goes on record before it leaves (personal-data-audit.ts); a promise only then.
        const audited = auditWebSocketResult(ctx.extra.socket, id, args as ExecutionArgs & { contextValue: HubContext }, result);
        if (audited) return audited.then((withheld) => (withheld ? { errors: format(withheld.errors!) } : sent(ctx.extra.socket, id, result)));
        return sent(ctx.extra.socket, id, result);
      },
      // An error message ends its operation as a complete message does.
      onError: (ctx, id, _payload, errors) => {
        endedKeys.note(ctx.extra.socket, errors);
        operations.countErrors(ctx.extra.socket, id, errors.length);
        operations.finish(ctx.extra.socket, id);
        admission.finish(ctx.extra.socket, id);
        void runtime.personalDataAudit.ended(ctx.extra.socket, id);
        return format(errors);
      },
      onComplete: (ctx, id) => {
        operations.finish(ctx.extra.socket, id);
        admission.finish(ctx.extra.socket, id);
        // A socket whose key stopped working closes with 4403 once nothing else remains on it.
        endedKeys.finished(ctx.extra.socket, id, () => ctx.subscriptions);
        return runtime.personalDataAudit.ended(ctx.extra.socket, id);
      },
    },
    wsServer,
  );

  /** A result as it is sent: its errors counted and masked (undefined: as it is). */
  function sent(socket: WebSocket, id: string, result: ExecutionResult) {
    if (!result.errors) return;
    endedKeys.note(socket, result.errors);
    operations.countErrors(socket, id, result.errors.length);
    // Errors before execution (variables that do not coerce) come without data: they are the caller's.
    const requestError = result.data === undefined;
    const errors = result.errors.map((error) =>
      requestError && !error.extensions.code && raisedByGraphql(error)
        ? new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } })
        : error,
    );
    return { ...result, errors: format(errors) };
  }

  return {
    async dispose() {
      await server.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
