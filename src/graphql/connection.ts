/**
 * Relay-style connections (`edges { cursor node }`, `pageInfo`, `totalCount` computed only when selected) over
 * the keyset pages of db/keyset.ts.
 */
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { encodeCursor, type Page } from '../db/keyset';
import { BoundedList } from './list-size';

@ObjectType({ description: 'Where a page stands in its list.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; null on an empty page.' })
  startCursor!: string | null;

  /** Asked only when a client selects hasPreviousPage (it may cost a statement). */
  previous!: () => Promise<boolean>;

  @Field(() => Boolean, {
    description:
      'Lists page forwards only: true when `after` was given and a row comes before the page, i.e. the row `after` names or one sorting before it, among those the same filter shows the caller (on `changes`: a change of the log at or before `after`, whoever may see it).',
  })
  hasPreviousPage(): Promise<boolean> {
    return this.previous();
  }
}

/** A page's PageInfo: `cursors` are its edges' cursors, `previous` answers hasPreviousPage when it is selected. */
export function pageInfo(cursors: string[], hasNextPage: boolean, previous: () => Promise<boolean>, endCursor = cursors.at(-1) ?? null): PageInfo {
  return Object.assign(new PageInfo(), { hasNextPage, endCursor, startCursor: cursors[0] ?? null, previous });
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
  connection.pageInfo = pageInfo(
    connection.edges.map((edge) => edge.cursor),
    page.hasNextPage,
    page.hasPreviousPage,
  );
  connection.count = page.totalCount;
  return connection;
}
