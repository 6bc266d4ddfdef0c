/**
 * A change-feed consumer for tests: a graphql-ws client subscribed to `changes`, collecting what arrives, and the
 * polling query. Each waits with a deadline so a missing change fails the test instead of hanging it.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestHub } from './hub';

export const CHANGE_FIELDS = 'cursor topic kind entityId occurredAt actingUnit { code } payload';

export interface Collector {
  client: Client;
  received: { cursor: string; topic: string; kind: string; entityId: string; [field: string]: any }[];
  /** The error that ended the operation, if one did. */
  error: { message: string; extensions?: Record<string, any> } | null;
  completed: boolean;
  /** Resolves once `count` changes have arrived (rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<void>;
  /** Resolves once the operation ended (error or complete). */
  ended(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export function subscribeChanges(
  t: TestHub,
  key: string,
  variables: { after?: string | null; filter?: Record<string, unknown> | null } = {},
  fields = CHANGE_FIELDS,
): Collector {
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  const collector: Collector = {
    client,
    received: [],
    error: null,
    completed: false,
    waitFor: (count, ms = 10_000) =>
      until(
        () => collector.received.length >= count || collector.error !== null || collector.completed,
        ms,
        () => `${collector.received.length} of ${count} changes`,
      ),
    ended: (ms = 10_000) =>
      until(
        () => collector.error !== null || collector.completed,
        ms,
        () => 'the end of the operation',
      ),
    stop: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
  function until(done: () => boolean, ms: number, what: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what()}${collector.error ? `; error: ${JSON.stringify(collector.error)}` : ''}`));
      }, ms);
      listeners.add(check);
      check();
    });
  }
  const unsubscribe = client.subscribe(
    { query: `subscription($after: String, $filter: ChangeFilter) { changes(after: $after, filter: $filter) { ${fields} } }`, variables },
    {
      next: (result) => {
        if (result.errors) collector.error = result.errors[0] as Collector['error'];
        else collector.received.push((result.data as any).changes);
        changed();
      },
      error: (error) => {
        collector.error = Array.isArray(error) ? error[0] : { message: String((error as Error)?.message ?? error) };
        changed();
      },
      complete: () => {
        collector.completed = true;
        changed();
      },
    },
  );
  return collector;
}

/** Every change after `after` through the polling query, page by page (`first` per page). */
export async function pollChanges(t: TestHub, key: string, after: string | null, filter: Record<string, unknown> | null = null, first = 100) {
  const all: any[] = [];
  let cursor = after;
  for (;;) {
    const page = await t.gql(
      `query($after: String, $first: Int, $filter: ChangeFilter) { changes(after: $after, first: $first, filter: $filter) { edges { cursor node { ${CHANGE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { after: cursor, first, filter },
      key,
    );
    if (page.errors) throw new Error(JSON.stringify(page.errors));
    all.push(...page.data.changes.edges.map((edge: any) => edge.node));
    cursor = page.data.changes.pageInfo.endCursor;
    if (!page.data.changes.pageInfo.hasNextPage) return { changes: all, endCursor: cursor as string };
  }
}

/** A raw graphql-transport-ws socket: every message the hub sends, in order, and how the hub closed it. */
export interface RawSocket {
  socket: WebSocket;
  messages: any[];
  /** The close code and reason, once closed. */
  close: { code: number; reason: string } | null;
  /** Resolves true on connection_ack, false when the socket closed first. */
  acked: Promise<boolean>;
  /** Sends a subscribe message for operation `id`. */
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Resolves with the first message (or close) that `match` accepts; rejects after `ms`. */
  waitFor<T = any>(match: () => T | undefined | null | false, ms?: number, what?: string): Promise<T>;
  /** The messages of operation `id`. */
  of(id: string): any[];
}

/**
 * Opens a raw socket to `t` and sends `connection_init` with `key`: unlike the graphql-ws client, it never closes
 * the socket itself, so a test sees exactly what the hub sends and how the hub closes it.
 */
export function rawSocket(t: TestHub, key: string): RawSocket {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  const raw: RawSocket = {
    socket,
    messages: [],
    close: null,
    acked: new Promise((resolve) => {
      socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve(true));
      socket.on('close', () => resolve(false));
    }),
    subscribe: (id, query, variables) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    waitFor: (match, ms = 10_000, what = 'a message') =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = match();
          if (!found) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`timed out waiting for ${what}; messages: ${JSON.stringify(raw.messages).slice(0, 2000)}; close: ${JSON.stringify(raw.close)}`),
          );
        }, ms);
        listeners.add(check);
        check();
      }),
    of: (id) => raw.messages.filter((message) => message.id === id),
  };
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
  socket.on('message', (data) => {
    raw.messages.push({ ...JSON.parse(String(data)), receivedAt: Date.now() });
    changed();
  });
  socket.on('close', (code, reason) => {
    raw.close = { code, reason: String(reason) };
    changed();
  });
  socket.on('error', () => undefined); // a refused socket closes; its close is what the tests look at
  return raw;
}
