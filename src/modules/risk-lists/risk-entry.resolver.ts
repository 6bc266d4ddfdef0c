import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { pageRequest, toConnection } from '../../graphql/connection';
import type { HubContext } from '../../graphql/context';
import { mentionView } from '../../access/visibility';
import { listCost } from '../../graphql/limits';
import { EnterpriseNode, toEnterpriseNode } from '../enterprises/enterprise.types';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { riskEntryCursorShape, RiskEntryOrderField, SortDirection } from './risk-entry.service';
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
    const page = await ctx.riskEntries.list(ctx.principal, filter ?? {}, order, pageRequest({ first, after }, ctx.config.maxPageSize, riskEntryCursorShape(order)));
    return toConnection(RiskEntryConnection, page, toRiskEntryNode);
  }

  @Mutation(() => [RiskEntryNode], { description: "Withdraw entries with a reason, all or none. PUBLISH; a unit its own, the office any unit's." })
  async withdrawRiskEntries(@Ctx() ctx: HubContext, @Arg('input', () => WithdrawRiskEntriesInput) input: WithdrawRiskEntriesInput) {
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
      view ?? mentionView(ctx.principal, row.uscc, { name: row.enterpriseName, regionCode: row.regionCode, at: row.firstPublishedAt, updatedAt: row.publishedAt }),
    );
  }

  @FieldResolver(() => UnitNode)
  async publisher(@Root() entry: RiskEntryNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(entry.row.publisherUnitId))!);
  }

  @FieldResolver(() => [RiskEntryVersionNode], { description: 'Every version, oldest first; the last is the current one.', complexity: listCost(10) })
  async history(@Root() entry: RiskEntryNode, @Ctx() ctx: HubContext) {
    return (await ctx.loaders.history.load(entry.row)).map(toVersionNode);
  }
}

@Resolver(() => EnterpriseNode)
export class EnterpriseRiskEntriesResolver {
  @FieldResolver(() => [RiskEntryNode], { description: 'The active list entries of this enterprise the caller may see, newest first.', complexity: listCost(10) })
  async riskEntries(@Root() enterprise: EnterpriseNode, @Ctx() ctx: HubContext) {
    return (await ctx.loaders.activeByUscc.load(enterprise.uscc)).map(toRiskEntryNode);
  }
}
