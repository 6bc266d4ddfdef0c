/**
 * graphql-ws waits for each message to be written out before it takes the next result, which costs every message
 * of a subscription a turn of the event loop and a system call of its own: a consumer catching up 100,000 changes
 * would get them one per turn. {@link pipelineSends} lets a send complete at once while the socket has less than
 * {@link SEND_HIGH_WATER} bytes waiting, and the messages sent in one turn leave in one write (the socket is
 * corked until the turn ends). A consumer that does not read still holds its subscription back once that much
 * waits: the feed then sees it stall (SUBSCRIBER_BEHIND), and each socket holds at most this much more.
 */
import type { WebSocket } from 'ws';

/** Bytes a socket may have waiting to be written before a send waits for the network again. */
export const SEND_HIGH_WATER = 128 * 1024;

type SendCallback = (error?: Error) => void;

/** Makes `socket`'s sends pipelined as described above; call it before the protocol handler sees the socket. */
export function pipelineSends(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: SendCallback) => void;
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  let corked = false;
  socket.send = ((data: unknown, optionsOrCb?: object | SendCallback, maybeCb?: SendCallback) => {
    const cb = typeof optionsOrCb === 'function' ? (optionsOrCb as SendCallback) : maybeCb;
    const options = typeof optionsOrCb === 'object' ? optionsOrCb : {};
    if (!cb || socket.readyState !== socket.OPEN || socket.bufferedAmount >= SEND_HIGH_WATER) return send(data, options, cb);
    if (raw && !corked) {
      corked = true;
      raw.cork();
      setImmediate(() => {
        corked = false;
        raw.uncork();
      });
    }
    // A failed write breaks the socket, whose close ends its operations; the caller need not wait for it.
    send(data, options);
    queueMicrotask(() => cb());
  }) as typeof socket.send;
}
