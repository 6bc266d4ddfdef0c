/**
 * PostgreSQL advisory locks held on a connection of their own: the start-up lock, held while one hub migrates and
 * bootstraps, so that several instances starting at once on one database neither both migrate nor both create the
 * office; and the demo's lock, so that two demo loads never run at once. A lock ends with its connection, so a
 * process that dies releases it.
 */
import { Client } from 'pg';

/** A lock key in pg_advisory_lock's two-integer form: "fyh" and a number. */
export type AdvisoryLock = [number, number];

export const STARTUP_LOCK: AdvisoryLock = [0x667968, 1];
/** 2 is the audit trail's append lock (src/audit/audit.service.ts). */
export const DEMO_LOCK: AdvisoryLock = [0x667968, 3];

/** Runs `work` holding `lock`; when another session holds it, calls `onWait` once and waits for it. */
export async function withAdvisoryLock<T>(clientUrl: string, lock: AdvisoryLock, work: () => Promise<T>, onWait?: () => void): Promise<T> {
  const client = new Client({ connectionString: clientUrl, connectionTimeoutMillis: 10_000 });
  // A connection dropped while it waits must fail the work through the query, not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const [{ taken }] = (await client.query<{ taken: boolean }>('select pg_try_advisory_lock($1, $2) as taken', lock)).rows;
    if (!taken) {
      onWait?.();
      await client.query('select pg_advisory_lock($1, $2)', lock);
    }
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1, $2)', lock);
    }
  } finally {
    await client.end();
  }
}

export function withStartupLock<T>(clientUrl: string, work: () => Promise<T>): Promise<T> {
  return withAdvisoryLock(clientUrl, STARTUP_LOCK, work);
}
