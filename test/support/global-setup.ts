/**
 * Finds the PostgreSQL server the tests use: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres.
 * Without one, the suite runs on the embedded database and the tests that need a server are skipped, visibly.
 * The answer is handed to the test workers in FYH_TEST_SERVER ("none" when there is no server).
 */
import { Client } from 'pg';

export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    process.env.FYH_TEST_SERVER = url;
    console.log(`\nfuyuan-hub tests: PostgreSQL server at ${redact(url)}; each test file works in databases of its own.`);
  } catch (error) {
    if (process.env.CI) {
      // In CI nothing is skipped: a missing server is a failure, not a reason to fall back.
      throw new Error(`CI is set but there is no PostgreSQL server at ${redact(url)}: ${(error as Error).message}`);
    }
    process.env.FYH_TEST_SERVER = 'none';
    console.log(
      `\nfuyuan-hub tests: NO PostgreSQL server at ${redact(url)} (${(error as Error).message}).\n` +
        'Running on the embedded database; tests that need several real connections or a server are SKIPPED.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
