import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../../graphql/context';
import { CaseFilter } from '../cases/case.types';
import { RiskEntryFilter } from '../risk-lists/risk-entry.types';
import { CaseStatsDimension, RiskStatsDimension } from './analytics.service';
import { CaseStatsGroupNode, RiskStatsGroupNode } from './analytics.types';

/** Aggregates over what the caller may see; ANALYZE. */
@Resolver()
export class AnalyticsResolver {
  @Query(() => [RiskStatsGroupNode], { description: 'Counts of list entries and of distinct enterprises, and sums of amounts, per group. Needs ANALYZE.' })
  async riskStats(
    @Ctx() ctx: HubContext,
    @Arg('groupBy', () => [RiskStatsDimension]) groupBy: RiskStatsDimension[],
    @Arg('filter', () => RiskEntryFilter, { nullable: true }) filter?: RiskEntryFilter,
  ) {
    return (await ctx.analytics.riskStats(ctx.principal, filter ?? {}, groupBy)).map((row) => Object.assign(new RiskStatsGroupNode(), row));
  }

  @Query(() => [CaseStatsGroupNode], { description: 'Counts of cases and sums of employees, wages owed, debts and assets, per group. Needs ANALYZE.' })
  async caseStats(
    @Ctx() ctx: HubContext,
    @Arg('groupBy', () => [CaseStatsDimension]) groupBy: CaseStatsDimension[],
    @Arg('filter', () => CaseFilter, { nullable: true }) filter?: CaseFilter,
  ) {
    return (await ctx.analytics.caseStats(ctx.principal, filter ?? {}, groupBy)).map((row) => Object.assign(new CaseStatsGroupNode(), row));
  }
}
