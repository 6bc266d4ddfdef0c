/**
 * What a WebSocket may send and hold, per socket and per key, on this instance (issue 10, items 2 and 4).
 *
 * - ws buffers a whole message before anyone sees it, up to its maxPayload (WS_MESSAGE_LIMIT): larger closes the
 *   socket with 1009. Until connection_init is acknowledged the socket is anonymous, so a message over
 *   ANONYMOUS_BODY_LIMIT closes it with 4400, checked on the raw message before graphql-ws parses it (its
 *   'message' listener is attached after {@link SocketAdmission.watch} wraps the socket's emit).
 * - Operations at once per socket (MAX_OPERATIONS_PER_SOCKET), sockets per key (MAX_SOCKETS_PER_KEY) and
 *   subscriptions per key (MAX_SUBSCRIPTIONS_PER_KEY): over a cap, that one subscribe gets LIMIT_EXCEEDED naming
 *   the cap and the socket's other operations go on. A socket counts toward its key from its acknowledgement (or,
 *   when the key had no room then, from its first operation that finds room) until it closes. Counts are per
 *   instance: several instances behind a load balancer each allow as much.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { limitExceeded, type HubError } from '../errors';

/** Close code for a message over ANONYMOUS_BODY_LIMIT before connection_init is acknowledged (graphql-ws's BadRequest). */
export const CLOSE_TOO_LARGE_BEFORE_INIT = 4400;

export interface SocketLimits {
  /** ANONYMOUS_BODY_LIMIT: the largest message before the acknowledgement. */
  anonymousMessageLimit: number;
  operationsPerSocket: number;
  socketsPerKey: number;
  subscriptionsPerKey: number;
}

interface SocketState {
  acknowledged: boolean;
  /** The credential of the socket's key, once acknowledged. */
  key: string | null;
  /** Whether the socket holds one of its key's MAX_SOCKETS_PER_KEY places. */
  placed: boolean;
  /** Operations running, by id; true for a subscription (counted toward the key). */
  operations: Map<string, boolean>;
}

interface KeyUse {
  sockets: number;
  subscriptions: number;
}

export class SocketAdmission {
  private readonly sockets = new WeakMap<WebSocket, SocketState>();
  private readonly keys = new Map<string, KeyUse>();

  constructor(
    private readonly limits: SocketLimits,
    private readonly log: Logger,
  ) {}

  /** Call on 'connection', before graphql-ws sees the socket: gates its messages and releases its counts on close. */
  watch(socket: WebSocket): void {
    const state: SocketState = { acknowledged: false, key: null, placed: false, operations: new Map() };
    this.sockets.set(socket, state);
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'message' && !this.admitMessage(socket, state, args[0])) return false;
      // A frame ws refused (over maxPayload: 1009, or malformed): ws closes the socket with its code already. It
      // is the client's doing, not the hub's: graphql-ws would print it as an internal error with its stack.
      if (event === 'error' && isProtocolError(args[0])) {
        this.log.debug({ code: (args[0] as { code: string }).code }, 'a WebSocket frame was refused');
        return false;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    socket.once('close', () => this.release(state));
  }

  /** connection_init accepted for the key of `credentialId`: it takes one of the key's places if one is free. */
  acknowledge(socket: WebSocket, credentialId: string): void {
    const state = this.sockets.get(socket);
    if (!state) return;
    state.acknowledged = true;
    state.key = credentialId;
    this.place(state);
  }

  /** An operation starts on `socket`; a refusal when a cap is reached (then nothing is counted). */
  startOperation(socket: WebSocket, id: string): HubError | null {
    const state = this.sockets.get(socket);
    if (!state || socket.readyState !== socket.OPEN) return null;
    const { operationsPerSocket, socketsPerKey } = this.limits;
    if (state.operations.size >= operationsPerSocket) {
      return limitExceeded(
        `this socket already runs MAX_OPERATIONS_PER_SOCKET (${operationsPerSocket}) operations: complete one first`,
        'MAX_OPERATIONS_PER_SOCKET',
        operationsPerSocket,
      );
    }
    if (!this.place(state)) {
      return limitExceeded(
        `this key already has MAX_SOCKETS_PER_KEY (${socketsPerKey}) sockets open on this instance: use fewer sockets, each carries many operations`,
        'MAX_SOCKETS_PER_KEY',
        socketsPerKey,
      );
    }
    state.operations.set(id, false);
    return null;
  }

  /** The operation `id` is a subscription: counted toward its key, or refused at MAX_SUBSCRIPTIONS_PER_KEY. */
  startSubscription(socket: WebSocket, id: string): HubError | null {
    const state = this.sockets.get(socket);
    if (!state?.key || !state.operations.has(id)) return null;
    const use = this.keys.get(state.key)!;
    const max = this.limits.subscriptionsPerKey;
    if (use.subscriptions >= max) {
      return limitExceeded(
        `this key already has MAX_SUBSCRIPTIONS_PER_KEY (${max}) subscriptions on this instance: complete one first`,
        'MAX_SUBSCRIPTIONS_PER_KEY',
        max,
      );
    }
    use.subscriptions++;
    state.operations.set(id, true);
    return null;
  }

  /** The operation `id` ended (complete, error, or refused): what it held is free again. */
  finish(socket: WebSocket, id: string): void {
    const state = this.sockets.get(socket);
    if (!state?.operations.has(id)) return;
    if (state.operations.get(id)) this.keys.get(state.key!)!.subscriptions--;
    state.operations.delete(id);
  }

  private admitMessage(socket: WebSocket, state: SocketState, data: unknown): boolean {
    if (socket.readyState !== socket.OPEN) return false;
    if (state.acknowledged) return true;
    if (rawLength(data) <= this.limits.anonymousMessageLimit) return true;
    socket.close(CLOSE_TOO_LARGE_BEFORE_INIT, 'message over ANONYMOUS_BODY_LIMIT before connection_ack');
    return false;
  }

  /** Takes one of the key's socket places unless held already; false when the key has none free. */
  private place(state: SocketState): boolean {
    if (state.placed) return true;
    if (!state.key) return false;
    let use = this.keys.get(state.key);
    if (!use) this.keys.set(state.key, (use = { sockets: 0, subscriptions: 0 }));
    if (use.sockets >= this.limits.socketsPerKey) return false;
    use.sockets++;
    state.placed = true;
    return true;
  }

  private release(state: SocketState): void {
    if (!state.key) return;
    const use = this.keys.get(state.key);
    if (!use) return;
    for (const subscription of state.operations.values()) if (subscription) use.subscriptions--;
    state.operations.clear();
    if (state.placed) use.sockets--;
    state.placed = false;
    if (use.sockets === 0 && use.subscriptions === 0) this.keys.delete(state.key);
  }
}

/** ws's errors for frames a client got wrong (WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, WS_ERR_INVALID_UTF8, …). */
function isProtocolError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('WS_ERR_');
}

/** Bytes of a message as ws hands it over (a Buffer, an ArrayBuffer, or the fragments of one). */
function rawLength(data: unknown): number {
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((sum: number, part: Buffer) => sum + part.byteLength, 0);
  return 0;
}
