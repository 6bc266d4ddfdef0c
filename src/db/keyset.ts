/**
 * Keyset pages: what a service reads one page with, and the page it returns. A cursor is opaque to clients: base64url of the JSON sort key of its row. A cursor
 * comes back from the client, so each part of its key is checked against the kind of its sort column (the list's
 * {@link CursorShape}, declared next to its order) before it reaches SQL: BAD_USER_INPUT, never a database error.
 */
import { badInput, limitExceeded } from '../errors';

/** What a service needs to read one page: how many rows, after which sort key. */
export interface PageRequest {
  first: number;
  /** Sort key of the row the page starts after. */
  after?: unknown[];
}

/** One page as a service returns it. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  /** The sort key of a node, turned into its cursor. */
  keyOf(node: T): unknown[];
  /** Counts every row of the filter; run only when a client selects totalCount. */
  totalCount(): Promise<number>;
  /**
   * Whether a row of the filter comes before the page: with `after`, the row the cursor names or one sorting before
   * it; without, false. Run only when a client selects hasPreviousPage.
   */
  hasPreviousPage(): Promise<boolean>;
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * The kind of one part of a sort key: `int` a PostgreSQL integer (int4: the range where PostgreSQL and JavaScript
 * agree), `decimal` an exact decimal as text, `time` a timestamp as PostgreSQL or ISO 8601 writes it, `uuid` an
 * id, `text` a code (a unit's code, a USCC).
 */
export type CursorPart = 'int' | 'decimal' | 'time' | 'uuid' | 'text';

/** The kinds of a list's sort key, in order: what a cursor of that list must hold. */
export type CursorShape = readonly CursorPart[];

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;
/** A decimal as numeric::text writes it: no exponent, no plus sign, no leading zeros, bounded length. */
const DECIMAL = /^-?(0|[1-9]\d{0,29})(\.\d{1,30})?$/;
const INTEGER = /^-?(0|[1-9]\d{0,9})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** timestamptz::text (`2026-11-29 02:13:14.123456+00`) or ISO 8601 (`2026-11-29T02:13:14.123Z`). */
const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2})(?::?(\d{2}))?)$/;
const TEXT_MAX = 100;

function isTime(value: string): boolean {
  const m = TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over into March: the calendar date must survive the round trip.
  const realDate = year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return realDate && hour < 24 && minute < 60 && second < 60 && offsetHours < 16 && offsetMinutes < 60;
}

/** Whether `value` is a sort-key part of kind `part`. */
function fits(value: unknown, part: CursorPart): boolean {
  switch (part) {
    case 'int':
      if (typeof value === 'number') return Number.isInteger(value) && value >= INT4_MIN && value <= INT4_MAX;
      return typeof value === 'string' && INTEGER.test(value) && Number(value) >= INT4_MIN && Number(value) <= INT4_MAX;
    case 'decimal':
      return typeof value === 'string' && DECIMAL.test(value);
    case 'time':
      return typeof value === 'string' && isTime(value);
    case 'uuid':
      return typeof value === 'string' && UUID.test(value);
    case 'text':
      // eslint-disable-next-line no-control-regex
      return typeof value === 'string' && value.length > 0 && value.length <= TEXT_MAX && !/[\u0000-\u001f]/.test(value);
  }
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} for a list of sort key `shape`; BAD_USER_INPUT otherwise. */
export function decodeCursor(cursor: string, shape: CursorShape): unknown[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (Array.isArray(key) && key.length === shape.length && key.every((part, i) => fits(part, shape[i]))) return key;
  throw badInput('after is not a cursor of this list', { field: 'after', rule: 'cursor' });
}

/** Validates `first` against the hub's page-size limit and decodes `after` as a cursor of sort key `shape`. */
export function pageRequest(args: { first?: number | null; after?: string | null }, maxPageSize: number, shape: CursorShape): PageRequest {
  const first = args.first ?? Math.min(DEFAULT_PAGE_SIZE, maxPageSize);
  if (first < 1) throw badInput('first must be at least 1', { field: 'first', rule: 'min' });
  if (first > maxPageSize) {
    throw limitExceeded(`first is ${first}, the largest page is ${maxPageSize} (MAX_PAGE_SIZE)`, 'MAX_PAGE_SIZE', maxPageSize);
  }
  return { first, after: args.after ? decodeCursor(args.after, shape) : undefined };
}

/**
 * The keyset conditions of a list ordered by `columns` (its sort expressions, the last one unique, e.g. `r.published_at,
 * r.id`) in one direction, against `values` (the cursor's parts as placeholders cast back, e.g. `?::timestamptz,
 * ?::uuid`): the rows after the cursor (the page) and the rows at or before it (what comes before the page).
 */
export function keysetConditions(columns: string, values: string, descending: boolean): { after: string; atOrBefore: string } {
  return { after: `(${columns}) ${descending ? '<' : '>'} (${values})`, atOrBefore: `(${columns}) ${descending ? '>=' : '<='} (${values})` };
}

/** A statement answering whether `from … where` (e.g. `risk_entry r where … and <atOrBefore>`) has a row, as `found`. */
export function anyRowSql(fromWhere: string): string {
  return `select exists (select 1 from ${fromWhere}) as found`;
}

/**
 * Cuts rows fetched with `limit first + 1` into a page. `anyBefore` answers whether a row of the filter sorts at or
 * before the sort key `after` (for hasPreviousPage; called only when the request has `after`).
 */
export function toPage<T>(
  rows: T[],
  request: PageRequest,
  keyOf: (node: T) => unknown[],
  totalCount: () => Promise<number>,
  anyBefore: (after: unknown[]) => Promise<boolean>,
): Page<T> {
  const { after } = request;
  return {
    nodes: rows.slice(0, request.first),
    hasNextPage: rows.length > request.first,
    keyOf,
    totalCount,
    hasPreviousPage: after ? () => anyBefore(after) : async () => false,
  };
}

/** The direction of a page's order (every list's `orderBy.direction`). */
export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

/**
 * A cursor's values reach SQL as casts (`?::timestamptz`, `?::uuid`, …): when PostgreSQL cannot read them (a
 * forged cursor, or one of another order) the query fails with a data exception (SQLSTATE class 22), which is
 * bad input naming `after`, not an internal error. Use as `.catch(cursorRefused(page))` on the page's query.
 */
export function cursorRefused(page: PageRequest): (error: unknown) => never {
  return (error) => {
    if (page.after && /^22/.test(String((error as { code?: unknown })?.code ?? ''))) {
      throw badInput('after is not a cursor of this list', { field: 'after', rule: 'cursor' });
    }
    throw error;
  };
}
