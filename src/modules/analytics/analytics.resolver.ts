import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { limitExceeded } from '../../errors';
import { BoundedList, NESTED_LIST_ARGUMENT, NestedList, nestedListLength } from '../../graphql/list-size';
import { LocalDateScalar } from '../../graphql/scalars';
import { toUnitNode, UnitNode } from '../units/unit.types';
import type { HubContext } from '../../graphql/context';
import { CaseFilter } from '../cases/case-input.types';
import { RiskEntryFilter } from '../risk-lists/risk-entry.types';
import { CaseStatsDimension, RiskStatsDimension } from './analytics.service';
import {
  BulletinCaseNode,
  BulletinEnterpriseNode,
  BulletinNode,
  CaseStatsGroupNode,
  RiskStatsGroupNode,
  SubmissionStatusNode,
} from './analytics.types';

/** Aggregates over what the caller may see; ANALYZE. */
@Resolver()
export class AnalyticsResolver {
  // At most MAX_PAGE_SIZE groups: more are refused (analytics.service.ts), so is the list of each aggregate below.
  @Query(() => [RiskStatsGroupNode], {
    description: 'Counts of list entries and of distinct enterprises, and sums of amounts, per group. Needs ANALYZE.',
  })
  @BoundedList('MAX_PAGE_SIZE')
  async riskStats(
    @Ctx() ctx: HubContext,
    @Arg('groupBy', () => [RiskStatsDimension]) groupBy: RiskStatsDimension[],
    @Arg('filter', () => RiskEntryFilter, { nullable: true }) filter?: RiskEntryFilter,
  ) {
    return (await ctx.analytics.riskStats(ctx.principal, filter ?? {}, groupBy)).map((row) => Object.assign(new RiskStatsGroupNode(), row));
  }

  @Query(() => [CaseStatsGroupNode], {
    description: 'Counts of cases and sums of employees, wages owed, debts and assets, per group. Needs ANALYZE.',
  })
  @BoundedList('MAX_PAGE_SIZE')
  async caseStats(
    @Ctx() ctx: HubContext,
    @Arg('groupBy', () => [CaseStatsDimension]) groupBy: CaseStatsDimension[],
    @Arg('filter', () => CaseFilter, { nullable: true }) filter?: CaseFilter,
  ) {
    return (await ctx.analytics.caseStats(ctx.principal, filter ?? {}, groupBy)).map((row) => Object.assign(new CaseStatsGroupNode(), row));
  }

  @Query(() => [SubmissionStatusNode], {
    description:
      "Who submitted which list for a period: each unit's expected list types and whatever it published for the period. The office sees every unit, others their own. Needs ANALYZE.",
  })
  @BoundedList('MAX_PAGE_SIZE')
  async submissionStatus(
    @Ctx() ctx: HubContext,
    @Arg('period', () => String) period: string,
    @Arg('onlyMissing', () => Boolean, { nullable: true, description: 'Only the expected lists not submitted yet.' }) onlyMissing?: boolean,
  ) {
    const rows = await ctx.submissions.forPeriod(ctx.principal, period, onlyMissing ?? false);
    const max = ctx.config.maxPageSize;
    if (rows.length > max) throw limitExceeded(`the status has ${rows.length} rows, more than MAX_PAGE_SIZE (${max})`, 'MAX_PAGE_SIZE', max);
    return rows.map((row) => Object.assign(new SubmissionStatusNode(), row));
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

/** The bulletin's lists of cases and enterprises, which grow with the period: cut at `first`, each with its count. */
@Resolver(() => BulletinNode)
export class BulletinResolver {
  @FieldResolver(() => [BulletinCaseNode], {
    description: 'The cases registered in the period, oldest first: the first `first` (MAX_NESTED_LIST when not given).',
  })
  @NestedList()
  casesRegistered(
    @Root() bulletin: BulletinNode,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    return bulletin.casesRegistered.slice(0, nestedListLength(first, ctx.config.limits.maxNestedList));
  }

  @FieldResolver(() => Int, { description: 'How many cases were registered in the period.' })
  casesRegisteredCount(@Root() bulletin: BulletinNode) {
    return bulletin.casesRegistered.length;
  }

  @FieldResolver(() => [BulletinEnterpriseNode], {
    description: 'The enterprises that came onto the lists of two or more units, by USCC: the first `first` (MAX_NESTED_LIST when not given).',
  })
  @NestedList()
  enterprisesOnSeveralLists(
    @Root() bulletin: BulletinNode,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    return bulletin.enterprisesOnSeveralLists.slice(0, nestedListLength(first, ctx.config.limits.maxNestedList));
  }

  @FieldResolver(() => Int, { description: 'How many enterprises came onto the lists of two or more units in the period.' })
  enterprisesOnSeveralListsCount(@Root() bulletin: BulletinNode) {
    return bulletin.enterprisesOnSeveralLists.length;
  }
}
