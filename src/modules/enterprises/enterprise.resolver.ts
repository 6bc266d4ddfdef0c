import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { pageRequest, toConnection } from '../../graphql/connection';
import type { HubContext } from '../../graphql/context';
import { UsccScalar } from '../../graphql/scalars';
import { EnterpriseService } from './enterprise.service';
import {
  EnterpriseConnection,
  EnterpriseFilter,
  EnterpriseNode,
  RegisterEnterpriseInput,
  RegisterEnterprisePayload,
  toEnterpriseNode,
} from './enterprise.types';

@Resolver(() => EnterpriseNode)
export class EnterpriseResolver {
  @Query(() => EnterpriseNode, { nullable: true, description: 'An enterprise by USCC; null when the hub does not know it. Needs READ.' })
  async enterprise(@Ctx() ctx: HubContext, @Arg('uscc', () => UsccScalar) uscc: string) {
    const view = await ctx.enterprises.get(ctx.principal, uscc);
    return view ? toEnterpriseNode(view) : null;
  }

  @Query(() => EnterpriseConnection, { description: 'Enterprises by USCC. Needs READ.' })
  async enterprises(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => EnterpriseFilter, { nullable: true }) filter?: EnterpriseFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.enterprises.list(ctx.principal, filter ?? {}, pageRequest({ first, after }, ctx.config.maxPageSize, EnterpriseService.CURSOR));
    return toConnection(EnterpriseConnection, page, toEnterpriseNode);
  }

  @Mutation(() => RegisterEnterprisePayload, { description: 'Register an enterprise or correct its registry facts. Office ADMIN.' })
  async registerEnterprise(@Ctx() ctx: HubContext, @Arg('input', () => RegisterEnterpriseInput) input: RegisterEnterpriseInput) {
    const result = await ctx.enterprises.register(ctx.principal, input);
    return Object.assign(new RegisterEnterprisePayload(), { enterprise: toEnterpriseNode(result.enterprise), created: result.created });
  }
}
