import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { LocalDateScalar } from '../../graphql/scalars';
import { toUnitNode, UnitNode } from '../units/unit.types';
import type { HubContext } from '../../graphql/context';
import { CaseFilter } from '../cases/case.types';
import { RiskEntryFilter } from '../risk-lists/risk-entry.types';
import { CaseStatsDimension, RiskStatsDimension } from './analytics.service';
import { BulletinNode, CaseStatsGroupNode, RiskStatsGroupNode, SubmissionStatusNode } from './analytics.types';

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

  @Query(() => [SubmissionStatusNode], {
    description: "Who submitted which list for a period: each unit's expected list types and whatever it published for the period. The office sees every unit, others their own. Needs ANALYZE.",
  })
  async submissionStatus(
    @Ctx() ctx: HubContext,
    @Arg('period', () => String) period: string,
    @Arg('onlyMissing', () => Boolean, { nullable: true, description: 'Only the expected lists not submitted yet.' }) onlyMissing?: boolean,
  ) {
    return (await ctx.submissions.forPeriod(ctx.principal, period, onlyMissing ?? false)).map((row) => Object.assign(new SubmissionStatusNode(), row));
  }

  @Query(() => BulletinNode, { description: 'The periodic bulletin for the days from `from` to `to` (both included, HUB_TIMEZONE). Needs ANALYZE.' })
  async bulletin(
    @Ctx() ctx: HubContext,
    @Arg('from', () => LocalDateScalar) from: string,
    @Arg('to', () => LocalDateScalar) to: string,
    @Arg('regionPrefix', () => String, { nullable: true }) regionPrefix?: string,
  ) {
    return Object.assign(new BulletinNode(), await ctx.bulletins.bulletin(ctx.principal, { from, to, regionPrefix }));
  }
}

@Resolver(() => SubmissionStatusNode)
export class SubmissionStatusResolver {
  @FieldResolver(() => UnitNode)
  async unit(@Root() row: SubmissionStatusNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(row.unitId))!);
  }
}
