import { Arg, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { HubContext } from '../graphql/context';
import { pageRequest } from '../db/keyset';
import { pageInfo } from '../graphql/connection';
import type { StoredChange } from '../change-log/change-reader';
import type { ChangeFilterInput } from './change.service';
import { ChangeConnection, ChangeFilter, ChangeNode, toChangeNode } from './change.types';

/**
 * The change feed: the polling query, the head and the subscription. The typed views of a change's payload (Change.actingUnit,
 * riskEntry, case, progress) are each module's: `@Resolver(() => ChangeNode)` classes beside the module's own resolvers.
 */
@Resolver(() => ChangeNode)
export class ChangeResolver {
  @Query(() => ChangeConnection, {
    description: 'The change log as pages, in commit order, for systems that poll; without after, from its start. Needs READ.',
  })
  async changes(
    @Ctx() ctx: HubContext,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('filter', () => ChangeFilter, { nullable: true }) filter?: ChangeFilter,
  ) {
    const size = pageRequest({ first }, ctx.config.maxPageSize, []).first;
    const page = await ctx.changes.page(ctx.principal, { after, first: size, filter: filter as ChangeFilterInput });
    const edges = page.changes.map((change) => {
      const node = toChangeNode(change, ctx.cursors);
      return { cursor: node.cursor, node };
    });
    const cursors = edges.map((edge) => edge.cursor);
    return Object.assign(new ChangeConnection(), { edges, pageInfo: pageInfo(cursors, page.hasNextPage, page.hasPreviousPage, page.endCursor) });
  }

  @Query(() => String, { description: 'The cursor of the last change: start from it to see only what comes next. Needs READ.' })
  async changesHead(@Ctx() ctx: HubContext) {
    return ctx.changes.head(ctx.principal);
  }

  @Subscription(() => ChangeNode, {
    name: 'changes',
    description:
      'Every change the caller may see, as it happens; with after, first every change after that cursor, then live, with no gap and no duplicate. Needs SUBSCRIBE. A consumer that falls too far behind gets SUBSCRIBER_BEHIND with the cursor to resume from.',
    subscribe: async ({ args, context }) => {
      const ctx = context as HubContext;
      const { principal, start, filter } = await ctx.changes.prepare(ctx.principal, args);
      return ctx.feed.open(principal, filter, start);
    },
  })
  changesLive(
    @Root() change: StoredChange,
    @Ctx() ctx: HubContext,
    @Arg('after', () => String, { nullable: true }) _after?: string,
    @Arg('filter', () => ChangeFilter, { nullable: true }) _filter?: ChangeFilter,
  ) {
    return toChangeNode(change, ctx.cursors);
  }
}
