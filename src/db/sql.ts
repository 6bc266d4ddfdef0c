/**
 * Helpers for the raw SQL of set-based reads and writes. The ORM's `em.execute` expands a JavaScript array bound
 * to `?` into a comma-separated list (for `in (?)`), so an array meant as one PostgreSQL array is passed as an
 * array literal: `= any(?::text[])` with {@link pgArray}.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/** A PostgreSQL array literal of text values, e.g. `{"a","b \"c\""}`; cast it with `::text[]` or `::uuid[]`. */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((value) => `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/**
 * Runs one statement with its values sent as bind parameters ($1, $2, … in the protocol), in the EntityManager's
 * transaction when it has one. For bulk statements: the ORM's `em.execute` writes every value into the SQL text,
 * escaping it character by character, which for a multi-megabyte JSON parameter (a 100,000-row publication) costs
 * seconds of CPU and hundreds of MB of garbage. Logged like `em.execute` (the SQL without its values); errors come
 * back as the ORM's exceptions. Placeholders are `?` as in `em.execute`; arrays are sent as PostgreSQL arrays.
 */
export async function executeBound<T = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[],
): Promise<{ rows: T[]; rowCount: number }> {
  const query = em.getKnex().raw(sql, params as Knex.RawBinding[]);
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (transaction) query.transacting(transaction);
  const connection = em.getConnection();
  try {
    // executeQuery is the connection's own timing and query logging (protected in its typings).
    const result = await connection['executeQuery'](sql, () => query as unknown as Promise<{ rows: T[]; rowCount: number | null }>);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw error instanceof Error ? em.getDriver().convertException(error) : error;
  }
}

/**
 * Turns the `?` placeholders of `em.execute`-style SQL into `$1, $2, …`, leaving quoted literals and identifiers
 * alone; for SQL that is shared with `em.execute` and run by {@link queryPrepared}. (No `?` operator of jsonb may
 * appear in such SQL.)
 */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (token) => (token === '?' ? `$${++n}` : token));
}

const statementNames = new Map<string, string>();

/** A stable name per SQL text, under which each pooled connection keeps the statement prepared. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `fyh_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Runs one read statement with `$1, $2, …` placeholders as a named prepared statement on a pooled connection:
 * PostgreSQL parses and plans it once per connection, and the ORM's query building and entity hydration are
 * skipped (it is logged like the ORM's own statements). For the hot read paths (authentication, list pages, DataLoader batches), outside transactions: inside
 * one it would not see the transaction's writes. Values are bound, never written into the SQL text; errors come
 * back as the ORM's exceptions.
 */
export async function queryPrepared<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const client = em.getKnex().client as KnexPoolClient;
  const connection = await client.acquireConnection();
  try {
    // executeQuery is the ORM connection's own timing and query logging (protected in its typings).
    const result = await em.getConnection()['executeQuery'](sql, () =>
      connection.query({ name: statementName(sql), text: sql, values: params as unknown[] }),
    );
    return result.rows as T[];
  } catch (error) {
    throw error instanceof Error ? em.getDriver().convertException(error) : error;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** The part of knex's client that lends out the pool's `pg` connections. */
interface KnexPoolClient {
  acquireConnection(): Promise<{ query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> }>;
  releaseConnection(connection: unknown): Promise<void>;
}
