/**
 * Helpers for the raw SQL of set-based reads and writes. The ORM's `em.execute` expands a JavaScript array bound
 * to `?` into a comma-separated list (for `in (?)`), so an array meant as one PostgreSQL array is passed as an
 * array literal: `= any(?::text[])` with {@link pgArray}.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * A timestamp expression as ISO 8601 text. The ORM's driver hands raw timestamps back as PostgreSQL's own text
 * form, which JavaScript's Date does not read reliably; callers turn these into Dates.
 */
export function isoTime(expression: string): string {
  return `(to_json(${expression}) #>> '{}')`;
}

/**
 * A timestamp expression as the API's DateTime writes it: UTC, milliseconds (truncated, as a JavaScript Date
 * read from the database truncates them), `Z` — for answers PostgreSQL builds as JSON (compiled reads).
 */
export function apiTime(expression: string): string {
  return `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

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
 * alone, and checks that there are `count` of them. Refuses what it cannot number safely: comments, dollar
 * quoting, E'' strings and knex's `??` (and no `?` operator of jsonb may appear in such SQL).
 */
export function numberedPlaceholders(sql: string, count: number): string {
  const unsafe = /--|\/\*|\$\$|\bE'|\?\?/i.exec(sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, "''"));
  if (unsafe) throw new Error(`numberedPlaceholders: "${unsafe[0]}" in the SQL cannot be numbered safely`);
  let n = 0;
  const numbered = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (token) => (token === '?' ? `$${++n}` : token));
  if (n !== count) throw new Error(`numberedPlaceholders: ${n} placeholders for ${count} values`);
  return numbered;
}

/** ORM connections whose pooled connections are all one database session (the embedded database). */
const sharedSessions = new WeakSet<object>();

/**
 * Declares that every pooled connection of `orm` is one and the same session, as on the embedded database; see
 * {@link queryPrepared}.
 */
export function declareSharedSession(orm: { em: { getConnection(): object } }): void {
  sharedSessions.add(orm.em.getConnection());
}

/** Distinct SQL texts kept prepared per connection; texts beyond are sent unnamed (a filter's combinations are many). */
const MAX_NAMED = 100;
/** Distinct SQL texts whose numbered form is remembered. */
const MAX_REMEMBERED = 1000;
const statements = new Map<string, { text: string; name?: string }>();

/** The numbered text of `sql`, and the name it is kept prepared under (for the first MAX_NAMED texts). */
function statementOf(sql: string, count: number): { text: string; name?: string } {
  let statement = statements.get(sql);
  if (!statement) {
    const text = numberedPlaceholders(sql, count);
    const named = statements.size < MAX_NAMED;
    statement = { text, name: named ? `fyh_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` : undefined };
    if (statements.size < MAX_REMEMBERED) statements.set(sql, statement);
  }
  return statement;
}

/**
 * Runs one read statement (`?` placeholders, as `em.execute`) for the hot read paths: authentication, list
 * pages, DataLoader batches. Outside transactions only (inside one it would run on another connection and not
 * see the transaction's writes). On a PostgreSQL server the values are bound and the statement is kept prepared
 * per connection under a name, so PostgreSQL parses and plans it once; the ORM's query building and entity
 * hydration are skipped. On a shared session (the embedded database, {@link declareSharedSession}) it goes
 * through `em.execute` (the simple protocol, values written into the text): there, a statement prepared by one
 * connection is seen by all, and one connection's unnamed statement could be replaced by another's between its
 * Parse and its Bind. Either way it is logged like the ORM's own statements, and errors come back as the ORM's
 * exceptions. Arrays are PostgreSQL arrays: write `?::text[]`.
 */
export async function queryPrepared<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  if (em.isInTransaction()) throw new Error('queryPrepared runs outside transactions: inside one, use em.execute or executeBound');
  const ormConnection = em.getConnection();
  if (sharedSessions.has(ormConnection)) {
    return em.execute<T[]>(sql, params.map((value) => (Array.isArray(value) ? pgArray(value) : value)) as Knex.RawBinding[]);
  }
  const { text, name } = statementOf(sql, params.length);
  const client = em.getKnex().client as KnexPoolClient;
  const connection = await client.acquireConnection();
  try {
    // executeQuery is the ORM connection's own timing and query logging (protected in its typings).
    const result = await ormConnection['executeQuery'](sql, () => connection.query({ name, text, values: params as unknown[] }));
    return result.rows as T[];
  } catch (error) {
    throw error instanceof Error ? em.getDriver().convertException(error) : error;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** The part of knex's client that lends out the pool's `pg` connections. */
interface KnexPoolClient {
  acquireConnection(): Promise<{ query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> }>;
  releaseConnection(connection: unknown): Promise<void>;
}
