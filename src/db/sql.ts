/**
 * Helpers for the raw SQL of set-based reads and writes. The ORM's `em.execute` expands a JavaScript array bound
 * to `?` into a comma-separated list (for `in (?)`), so an array meant as one PostgreSQL array is passed as an
 * array literal: `= any(?::text[])` with {@link pgArray}.
 */
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
