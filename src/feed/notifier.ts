/**
 * What wakes the feed's tail (DESIGN.md invariant 4: NOTIFY wakes, the table tells). Two sources, both only
 * wake-ups — the change log stays the truth, so a lost one costs latency, never a change:
 * - in this process, every committed transaction (the ORM's afterTransactionCommit), with no round trip;
 * - from other hub instances, PostgreSQL NOTIFY on {@link CHANGES_CHANNEL}, heard on one dedicated connection
 *   that reconnects by itself (and wakes the tail on reconnecting, to read what it may have missed). The embedded
 *   database has no other instance and its LISTEN does not cross connections, so it has no listener.
 */
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm';
import { CHANGES_CHANNEL } from '../change-log/change-log';

/** Stops a wake-up source. */
export type StopListening = () => Promise<void>;

/** Wakes `wake` after every transaction this process commits. */
export function wakeOnLocalCommits(orm: Orm, wake: () => void): StopListening {
  let active = true;
  const subscriber: EventSubscriber = {
    afterTransactionCommit(_args: TransactionEventArgs) {
      if (active) wake();
    },
  };
  orm.em.getEventManager().registerSubscriber(subscriber);
  return async () => {
    active = false;
  };
}

/** Backoff between reconnection attempts of the listening connection, in milliseconds. */
const RETRY_MS = [200, 500, 1_000, 2_000, 5_000];

/**
 * Listens for NOTIFY on {@link CHANGES_CHANNEL} on a connection of its own to `url`, reconnecting after a lost
 * connection (a restarted server, a terminated backend, a cut network) with a growing pause; wakes on every
 * notification and after every (re)connection. `listening` hears when the connection starts and stops
 * listening (what the credential cache may rely on).
 */
export function wakeOnNotify(url: string, log: Logger, wake: () => void, listening: (connected: boolean) => void = () => undefined): StopListening {
  let client: Client | null = null;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (stopped) return;
    const next = new Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    next.on('notification', () => wake());
    next.on('error', (error) => {
      // Whether or not 'end' follows, what this connection hears can no longer be relied on.
      if (client === next) listening(false);
      log.warn({ err: { message: error.message } }, 'change feed: the listening connection failed');
    });
    next.on('end', () => {
      if (client !== next || stopped) return;
      client = null;
      listening(false);
      schedule();
    });
    try {
      await next.connect();
      await next.query(`listen ${CHANGES_CHANNEL}`);
      if (stopped) return void (await next.end().catch(() => undefined));
      client = next;
      listening(true);
      if (failures) log.info('change feed: listening again');
      failures = 0;
      // Whatever was committed while not listening is in the log.
      wake();
    } catch (error) {
      await next.end().catch(() => undefined);
      log.warn({ err: { message: (error as Error).message } }, 'change feed: could not listen for notifications; retrying');
      schedule();
    }
  };
  const schedule = () => {
    if (stopped) return;
    retry = setTimeout(connect, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
    retry.unref();
  };

  void connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const last = client;
    client = null;
    listening(false);
    await last?.end().catch(() => undefined);
  };
}
