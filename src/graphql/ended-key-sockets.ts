/**
 * A WebSocket whose key stopped working while it had operations open (revoked, expired, its unit deactivated:
 * feed/subscriber-access.ts): each of its subscriptions ends with its own UNAUTHENTICATED error message, and once
 * no other operation remains open on the socket it is closed with 4403 Forbidden, as a socket whose key is
 * refused at `connection_init`. A socket carries one key, so every subscription on it ends together; what may
 * remain is an operation still running (a query), and the socket closes when the last one finishes.
 */
import type { GraphQLError } from 'graphql';
import { KeyEndedError } from '../feed/subscriber-access';

export class EndedKeySockets {
  private readonly ended = new WeakSet<object>();

  constructor(private readonly closeCode: number) {}

  /** The errors an operation ended with or was refused with: one saying its key stopped working marks the socket. */
  note(socket: object, errors: readonly GraphQLError[]): void {
    if (errors.some((error) => error instanceof KeyEndedError || error.originalError instanceof KeyEndedError)) this.ended.add(socket);
  }

  /**
   * Operation `id` finished: a marked socket with no other operation open (`open()`, by id) is closed — after
   * this turn, so that the operation's own last message (graphql-ws sends `complete` after this hook) goes first.
   */
  finished(socket: { close(code: number, reason: string): void }, id: string, open: () => Record<string, unknown>): void {
    if (!this.ended.has(socket)) return;
    setImmediate(() => {
      if (!Object.keys(open()).some((other) => other !== id)) socket.close(this.closeCode, 'Forbidden');
    });
  }
}
