import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../../graphql/context';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { AddCaseProgressInput } from './case-input.types';
import { AddCaseProgressPayload, CaseNode, CaseProgressNode, toCaseNode, toProgressNode } from './case.types';

@Resolver(() => CaseProgressNode)
export class CaseProgressResolver {
  @Mutation(() => AddCaseProgressPayload, { description: 'Add a progress entry to a case the caller may see. PUBLISH.' })
  async addCaseProgress(@Ctx() ctx: HubContext, @Arg('input', () => AddCaseProgressInput) input: AddCaseProgressInput) {
    const { progress, replayed } = await ctx.caseProgress.add(ctx.principal, input);
    return Object.assign(new AddCaseProgressPayload(), { progress: toProgressNode(progress), replayed });
  }

  @FieldResolver(() => UnitNode, { description: 'The unit that added it.' })
  async unit(@Root() node: CaseProgressNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(node.row.unitId))!);
  }

  @FieldResolver(() => CaseNode, { name: 'case', nullable: true, description: 'Null when the caller may no longer see the case.' })
  async caseOf(@Root() node: CaseProgressNode, @Ctx() ctx: HubContext) {
    const row = await ctx.loaders.caseById.load(node.row.caseId);
    return row ? toCaseNode(row) : null;
  }
}
