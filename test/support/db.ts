/** Test databases: created on the PostgreSQL server for one test file and dropped afterwards. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The audit key of the tests' hubs on the server (AUDIT_KEY is required with DATABASE_URL). */
export const TEST_AUDIT_KEY = 'test-audit-key-0123456789abcdefghijklmnop';

/** The server's URL, or undefined when the suite runs without a server. */
export function serverUrl(): string | undefined {
  const url = process.env.FYH_TEST_SERVER;
  return url && url !== 'none' ? url : undefined;
}

/** `describe` for tests that need a real server; says so visibly when it skips them. */
export function describeWithServer(name: string, body: () => void): void {
  if (serverUrl()) {
    describe(name, body);
  } else {
    console.log(`SKIPPED (needs a PostgreSQL server): ${name}`);
    describe.skip(`${name} [skipped: needs a PostgreSQL server]`, body);
  }
}

/** One test that needs the PostgreSQL server (e.g. a second hub instance on the same database), skipped visibly without it. */
export function itWithServer(name: string, body: () => Promise<void>, timeout?: number): void {
  if (serverUrl()) {
    it(name, body, timeout);
  } else {
    console.log(`SKIPPED (needs a PostgreSQL server): ${name}`);
    it.skip(`${name} [skipped: needs a PostgreSQL server]`, body, timeout);
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database of this run's own on the server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `fyh_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl()!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

/** Runs SQL on a test database directly (to arrange states the API does not offer, e.g. an expired key). */
export async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
