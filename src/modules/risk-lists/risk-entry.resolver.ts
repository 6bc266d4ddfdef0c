import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../graphql/connection';
import { pageRequest } from '../../db/keyset';
import type { HubContext } from '../../graphql/context';
import { mentionView } from '../../access/visibility';
import { limitExceeded } from '../../errors';
import { BoundedList, NESTED_LIST_ARGUMENT, NestedList, nestedListLength } from '../../graphql/list-size';
import { EnterpriseNode, toEnterpriseNode } from '../enterprises/enterprise.types';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { SortDirection } from '../../db/keyset';
import { riskEntryCursorShape, RiskEntryOrderField } from './risk-entry.queries';
import {
  RiskEntryConnection,
  RiskEntryFilter,
  RiskEntryNode,
  RiskEntryOrder,
  RiskEntryVersionNode,
  toRiskEntryNode,
  toVersionNode,
  WithdrawRiskEntriesInput,
} from './risk-entry.types';

@Resolver(() => RiskEntryNode)
export class RiskEntryResolver {
  @Query(() => RiskEntryConnection, { description: 'List entries the caller may see; newest first by default. Needs READ.' })
  async riskEntries(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => RiskEntryFilter, { nullable: true }) filter?: RiskEntryFilter,
    @Arg('orderBy', () => RiskEntryOrder, { nullable: true }) orderBy?: RiskEntryOrder,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const order = orderBy ?? { field: RiskEntryOrderField.PUBLISHED_AT, direction: SortDirection.DESC };
    const page = await ctx.riskEntries.list(
      ctx.principal,
      filter ?? {},
      order,
      pageRequest({ first, after }, ctx.config.maxPageSize, riskEntryCursorShape(order)),
    );
    return toConnection(RiskEntryConnection, page, toRiskEntryNode);
  }

  @Mutation(() => [RiskEntryNode], {
    description: "Withdraw entries with a reason, all or none (at most MAX_PAGE_SIZE ids). PUBLISH; a unit its own, the office any unit's.",
  })
  // As long as its ids, which are refused beyond MAX_PAGE_SIZE.
  @BoundedList('MAX_PAGE_SIZE')
  async withdrawRiskEntries(@Ctx() ctx: HubContext, @Arg('input', () => WithdrawRiskEntriesInput) input: WithdrawRiskEntriesInput) {
    const max = ctx.config.maxPageSize;
    if (input.ids.length > max)
      throw limitExceeded(`ids names ${input.ids.length} entries, at most ${max} are withdrawn at once (MAX_PAGE_SIZE)`, 'MAX_PAGE_SIZE', max);
    return (await ctx.riskEntries.withdraw(ctx.principal, input)).map(toRiskEntryNode);
  }

  @FieldResolver(() => EnterpriseNode, {
    description: 'The enterprise as the caller sees it (the registry name when it is public); this entry describes it when nothing else may.',
  })
  async enterprise(@Root() entry: RiskEntryNode, @Ctx() ctx: HubContext) {
    // Null only when the caller may no longer know the enterprise (an entry replayed from the change feed whose
    // sharing has narrowed since): then it knows it from this entry alone.
    const { row } = entry;
    const view = await ctx.loaders.enterprise.load(row.uscc);
    return toEnterpriseNode(
      view ??
        mentionView(ctx.principal, row.uscc, {
          name: row.enterpriseName,
          regionCode: row.regionCode,
          at: row.firstPublishedAt,
          updatedAt: row.publishedAt,
        }),
    );
  }

  @FieldResolver(() => UnitNode)
  async publisher(@Root() entry: RiskEntryNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(entry.row.publisherUnitId))!);
  }

  @FieldResolver(() => [RiskEntryVersionNode], {
    description:
      'Every version, oldest first, the last the current one: the `last` most recent (MAX_NESTED_LIST when not given); historyCount tells how many there are.',
  })
  @NestedList('last')
  async history(
    @Root() entry: RiskEntryNode,
    @Ctx() ctx: HubContext,
    @Arg('last', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) last?: number,
  ) {
    const size = nestedListLength(last, ctx.config.limits.maxNestedList, 'last');
    return (await ctx.loaders.history.load({ key: entry.row, size })).map(toVersionNode);
  }

  @FieldResolver(() => Int, { description: 'How many versions history has for the caller (the earlier ones it may read, and this one).' })
  async historyCount(@Root() entry: RiskEntryNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.historyCount.load(entry.row);
  }
}

@Resolver(() => EnterpriseNode)
export class EnterpriseRiskEntriesResolver {
  @FieldResolver(() => [RiskEntryNode], {
    description:
      'The active list entries of this enterprise the caller may see, newest first: the first `first` (MAX_NESTED_LIST when not given); riskEntryCount tells how many there are.',
  })
  @NestedList()
  async riskEntries(
    @Root() enterprise: EnterpriseNode,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    const size = nestedListLength(first, ctx.config.limits.maxNestedList);
    return (await ctx.loaders.activeByUscc.load({ key: enterprise.uscc, size })).map(toRiskEntryNode);
  }

  @FieldResolver(() => Int, { description: 'How many active list entries of this enterprise the caller may see.' })
  async riskEntryCount(@Root() enterprise: EnterpriseNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.activeCountByUscc.load(enterprise.uscc);
  }
}
