/**
 * Relay-style connections (`edges { cursor node }`, `pageInfo`, `totalCount` computed only when selected) and
 * keyset pages behind them. A cursor is opaque to clients: base64url of the JSON sort key of its row.
 */
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { badInput, limitExceeded } from './errors';
import { BoundedList } from './list-size';

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
}

export const DEFAULT_PAGE_SIZE = 50;

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} with `arity` key parts; BAD_USER_INPUT otherwise. */
export function decodeCursor(cursor: string, arity: number): unknown[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((part) => typeof part === 'string' || typeof part === 'number')) {
      return key;
    }
  } catch {
    // fall through
  }
  throw badInput('after is not a cursor of this list', { field: 'after', rule: 'cursor' });
}

/** Validates `first` against the hub's page-size limit and decodes `after`. */
export function pageRequest(
  args: { first?: number | null; after?: string | null },
  maxPageSize: number,
  cursorArity: number,
): PageRequest {
  const first = args.first ?? Math.min(DEFAULT_PAGE_SIZE, maxPageSize);
  if (first < 1) throw badInput('first must be at least 1', { field: 'first', rule: 'min' });
  if (first > maxPageSize) {
    throw limitExceeded(`first is ${first}, the largest page is ${maxPageSize} (MAX_PAGE_SIZE)`, 'MAX_PAGE_SIZE', maxPageSize);
  }
  return { first, after: args.after ? decodeCursor(args.after, cursorArity) : undefined };
}

/** Cuts rows fetched with `limit first + 1` into a page. */
export function toPage<T>(rows: T[], request: PageRequest, keyOf: (node: T) => unknown[], totalCount: () => Promise<number>): Page<T> {
  return { nodes: rows.slice(0, request.first), hasNextPage: rows.length > request.first, keyOf, totalCount };
}

@ObjectType({ description: 'Where a page stands in its list.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function Connection<T extends object>(name: string, nodeType: ClassType<T>) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass implements ConnectionShape<T> {
    // As long as the page, which the connection's own field (its `first`) already counts in the cost estimate.
    @Field(() => [Edge])
    @BoundedList(1)
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    count!: () => Promise<number>;

    @Field(() => Int, { description: 'Every item that matches the filter, across pages.' })
    totalCount(): Promise<number> {
      return this.count();
    }
  }
  return ConnectionClass;
}

/** Turns a service page into a connection object, mapping nodes to their GraphQL type. */
export function toConnection<T, N extends object>(
  ConnectionClass: ClassType<ConnectionShape<N> & { count: () => Promise<number> }>,
  page: Page<T>,
  toNode: (node: T) => N,
) {
  const connection = new ConnectionClass();
  connection.edges = page.nodes.map((node) => ({ cursor: encodeCursor(page.keyOf(node)), node: toNode(node) }));
  connection.pageInfo = {
    hasNextPage: page.hasNextPage,
    endCursor: connection.edges.length ? connection.edges[connection.edges.length - 1].cursor : null,
  };
  connection.count = page.totalCount;
  return connection;
}
