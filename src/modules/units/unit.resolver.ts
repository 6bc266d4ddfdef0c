import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { toConnection } from '../../graphql/connection';
import { pageRequest } from '../../db/keyset';
import type { HubContext } from '../../graphql/context';
import { UnitService } from './unit.service';
import { CreateUnitInput, toUnitNode, UnitConnection, UnitFilter, UnitNode, UpdateUnitInput } from './unit.types';

@Resolver(() => UnitNode)
export class UnitResolver {
  @Query(() => UnitConnection, { description: 'Member units, by code. Needs READ or ADMIN.' })
  async units(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => UnitFilter, { nullable: true }) filter?: UnitFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.units.list(ctx.principal, filter ?? {}, pageRequest({ first, after }, ctx.config.maxPageSize, UnitService.CURSOR));
    return toConnection(UnitConnection, page, toUnitNode);
  }

  @Mutation(() => UnitNode, { description: 'Admit a member unit. Office ADMIN.' })
  async createUnit(@Ctx() ctx: HubContext, @Arg('input', () => CreateUnitInput) input: CreateUnitInput) {
    return toUnitNode(await ctx.units.create(ctx.principal, input));
  }

  @Mutation(() => UnitNode, { description: 'Change or deactivate a member unit. Office ADMIN.' })
  async updateUnit(@Ctx() ctx: HubContext, @Arg('input', () => UpdateUnitInput) input: UpdateUnitInput) {
    return toUnitNode(await ctx.units.update(ctx.principal, input));
  }
}
