/**
 * Counting the SQL statements a request costs (DataLoader tests): start the hub with {@link StatementCounter.log}
 * (a pino logger at trace level, at which the ORM logs each statement with `orm: true`), then ask through
 * {@link StatementCounter.statements}.
 */
import pino, { type Logger } from 'pino';
import type { GqlResult, TestHub } from './hub';

export interface StatementCounter {
  log: Logger;
  /**
   * Settings for the counted hub: no credential cache (each request has its one look-up, which is not counted)
   * and no safety poll of the change feed (its reads would land in a request's count by chance).
   */
  env: Record<string, string>;
  /** The statements one request costs, not counting the authentication's; the request must succeed. */
  statements(
    t: TestHub,
    query: string,
    variables: Record<string, unknown>,
    key?: string,
  ): Promise<{ count: number; result: GqlResult; statements: (string | undefined)[] }>;
}

export function statementCounter(): StatementCounter {
  const lines: { orm?: boolean; msg?: string }[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return {
    log,
    env: { CREDENTIAL_CACHE_MS: '0', FEED_POLL_MS: '3600000' },
    async statements(t, query, variables, key = t.adminKey) {
      // What earlier commits set off in the background (the feed's read after a commit) must not land in this
      // request's count: wait until the hub has been quiet for 50 ms (at most 2 s).
      for (let quiet = 0, waited = 0; quiet < 50 && waited < 2000; waited += 10) {
        const before = lines.length;
        await new Promise((resolve) => setTimeout(resolve, 10));
        quiet = lines.length === before ? quiet + 10 : 0;
      }
      const start = lines.length;
      const result = await t.gql(query, variables, key);
      expect(result.errors).toBeUndefined();
      const queries = lines.slice(start).filter((line) => line.orm === true && /^\[query\] /.test(line.msg ?? ''));
      // Authentication looks the credential up by its key's hash.
      const auth = queries.filter((line) => /\bfrom credential\b[\s\S]*\bkey_hash = /.test(line.msg ?? ''));
      expect(auth).toHaveLength(1);
      return { count: queries.length - auth.length, result, statements: queries.map((line) => line.msg) };
    },
  };
}
