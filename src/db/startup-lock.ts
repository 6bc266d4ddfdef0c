/**
 * A PostgreSQL advisory lock held on a connection of its own while one hub migrates and bootstraps, so that
 * several instances starting at once on one database neither both migrate nor both create the office.
 */
import { Client } from 'pg';

/** Lock key: "fyh" and 1, in pg_advisory_lock's two-integer form. */
const STARTUP_LOCK: [number, number] = [0x667968, 1];

export async function withStartupLock<T>(clientUrl: string, work: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: clientUrl, connectionTimeoutMillis: 10_000 });
  // A connection dropped while it waits must fail the start-up through the query, not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1, $2)', STARTUP_LOCK);
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1, $2)', STARTUP_LOCK);
    }
  } finally {
    await client.end();
  }
}
