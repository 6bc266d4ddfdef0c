import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mentionView } from '../../access/visibility';
import { toConnection } from '../../graphql/connection';
import { pageRequest } from '../../db/keyset';
import type { HubContext } from '../../graphql/context';
import { BoundedList, NESTED_LIST_ARGUMENT, NestedList, nestedListLength } from '../../graphql/list-size';
import { CaseNumberScalar } from '../../graphql/scalars';
import { EnterpriseNode, toEnterpriseNode } from '../enterprises/enterprise.types';
import { SortDirection } from '../../db/keyset';
import { RiskEntryNode, toRiskEntryNode } from '../risk-lists/risk-entry.types';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { ALLOWED_MOVES_MAX, allowedMoves, STAGE_HISTORY_MAX, type CaseProcedure, type CaseStage } from './case-stage';
import { caseCursorShape, CaseOrderField } from './case-reads';
import { AddCaseNumberInput, AdvanceCaseStageInput, CaseFilter, CaseOrder, RegisterCaseInput, UpdateCaseInput } from './case-input.types';
import {
  CaseConnection,
  CaseNode,
  CaseProgressNode,
  CaseStageChangeNode,
  CaseStageMoveNode,
  toCaseNode,
  toProgressNode,
  toStageChangeNode,
  toStageMoveNode,
} from './case.types';

@Resolver(() => CaseNode)
export class CaseResolver {
  @Query(() => CaseConnection, { description: 'Cases the caller may see; most recently changed first by default. Needs READ.' })
  async cases(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => CaseFilter, { nullable: true }) filter?: CaseFilter,
    @Arg('orderBy', () => CaseOrder, { nullable: true }) orderBy?: CaseOrder,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const order = orderBy ?? { field: CaseOrderField.UPDATED_AT, direction: SortDirection.DESC };
    const page = await ctx.cases.list(
      ctx.principal,
      filter ?? {},
      order,
      pageRequest({ first, after }, ctx.config.maxPageSize, caseCursorShape(order)),
    );
    return toConnection(CaseConnection, page, toCaseNode);
  }

  @Query(() => CaseNode, {
    description: 'One case by id or by any of its numbers (exactly one of the two). NOT_FOUND when the caller may not see it. Needs READ.',
  })
  async case(
    @Ctx() ctx: HubContext,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('caseNumber', () => CaseNumberScalar, { nullable: true }) caseNumber?: string,
  ) {
    return toCaseNode(await ctx.cases.get(ctx.principal, { id, caseNumber }));
  }

  @Mutation(() => CaseNode, { description: 'Put a case on the ledger: a COURT unit for itself, the office naming the court. PUBLISH.' })
  async registerCase(@Ctx() ctx: HubContext, @Arg('input', () => RegisterCaseInput) input: RegisterCaseInput) {
    return toCaseNode(await ctx.cases.register(ctx.principal, input));
  }

  @Mutation(() => CaseNode, { description: 'Move a case to a stage the rules allow; only its court or the office. PUBLISH.' })
  async advanceCaseStage(@Ctx() ctx: HubContext, @Arg('input', () => AdvanceCaseStageInput) input: AdvanceCaseStageInput) {
    return toCaseNode(await ctx.cases.advanceStage(ctx.principal, input));
  }

  @Mutation(() => CaseNode, { description: 'Edit monitoring points, flags, administrator and sharing; only its court or the office. PUBLISH.' })
  async updateCase(@Ctx() ctx: HubContext, @Arg('input', () => UpdateCaseInput) input: UpdateCaseInput) {
    return toCaseNode(await ctx.cases.update(ctx.principal, input));
  }

  @Mutation(() => CaseNode, { description: 'Add a number the case was given; only its court or the office. PUBLISH.' })
  async addCaseNumber(@Ctx() ctx: HubContext, @Arg('input', () => AddCaseNumberInput) input: AddCaseNumberInput) {
    return toCaseNode(await ctx.cases.addNumber(ctx.principal, input));
  }

  @FieldResolver(() => UnitNode, { description: 'The court that hears the case.' })
  async court(@Root() node: CaseNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(node.row.courtUnitId))!);
  }

  @FieldResolver(() => EnterpriseNode, {
    description: 'The debtor as the caller sees it (the registry name when it is public); this case describes it when nothing else may.',
  })
  async debtor(@Root() node: CaseNode, @Ctx() ctx: HubContext) {
    // Null only when the caller may no longer know the debtor (a case replayed from the change feed, restricted since).
    const { row } = node;
    const view = await ctx.loaders.enterprise.load(row.debtorUscc);
    return toEnterpriseNode(
      view ??
        mentionView(ctx.principal, row.debtorUscc, {
          name: row.debtorName,
          regionCode: row.regionCode,
          at: row.registeredAt,
          updatedAt: row.updatedAt,
        }),
    );
  }

  @FieldResolver(() => [CaseProgressNode], {
    description:
      'The timeline, oldest first: its `last` most recent entries (MAX_NESTED_LIST when not given); progressCount tells how many there are.',
  })
  @NestedList('last')
  async progress(
    @Root() node: CaseNode,
    @Ctx() ctx: HubContext,
    @Arg('last', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) last?: number,
  ) {
    const size = nestedListLength(last, ctx.config.limits.maxNestedList, 'last');
    return (await ctx.loaders.timeline.load({ key: node.id, size })).map(toProgressNode);
  }

  @FieldResolver(() => Int, { description: 'How many progress entries the timeline has (progress shows at most MAX_NESTED_LIST of them).' })
  async progressCount(@Root() node: CaseNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.progressCount.load(node.id);
  }

  // The registration and the moves of one case: never more than the stage table's longest chain.
  @FieldResolver(() => [CaseStageChangeNode], { description: 'The registration and every stage move, oldest first.' })
  @BoundedList(STAGE_HISTORY_MAX)
  async stageHistory(@Root() node: CaseNode, @Ctx() ctx: HubContext) {
    return (await ctx.loaders.stageHistory.load(node.id)).map(toStageChangeNode);
  }

  @FieldResolver(() => [CaseStageMoveNode], { description: 'The moves the stage rules allow from here.' })
  @BoundedList(ALLOWED_MOVES_MAX)
  allowedNextStages(@Root() node: CaseNode) {
    return allowedMoves(node.row.procedure as CaseProcedure, node.row.stage as CaseStage).map(toStageMoveNode);
  }

  @FieldResolver(() => [RiskEntryNode], {
    description:
      "The debtor's active list entries the caller may see, newest first: the first `first` (MAX_NESTED_LIST when not given); debtorRiskEntryCount tells how many there are.",
  })
  @NestedList()
  async debtorRiskEntries(
    @Root() node: CaseNode,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    const size = nestedListLength(first, ctx.config.limits.maxNestedList);
    return (await ctx.loaders.activeByUscc.load({ key: node.row.debtorUscc, size })).map(toRiskEntryNode);
  }

  @FieldResolver(() => Int, { description: 'How many active list entries of the debtor the caller may see.' })
  async debtorRiskEntryCount(@Root() node: CaseNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.activeCountByUscc.load(node.row.debtorUscc);
  }
}

@Resolver(() => EnterpriseNode)
export class EnterpriseCasesResolver {
  @FieldResolver(() => [CaseNode], {
    description:
      'The cases of this enterprise as debtor that the caller may see, newest first: the first `first` (MAX_NESTED_LIST when not given); caseCount tells how many there are.',
  })
  @NestedList()
  async cases(
    @Root() enterprise: EnterpriseNode,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    const size = nestedListLength(first, ctx.config.limits.maxNestedList);
    return (await ctx.loaders.casesByDebtor.load({ key: enterprise.uscc, size })).map(toCaseNode);
  }

  @FieldResolver(() => Int, { description: 'How many cases of this enterprise as debtor the caller may see.' })
  async caseCount(@Root() enterprise: EnterpriseNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.caseCountByDebtor.load(enterprise.uscc);
  }
}
