import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../graphql/connection';
import { pageRequest } from '../../db/keyset';
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
  @Query(() => EnterpriseNode, {
    nullable: true,
    description:
      'An enterprise by USCC; null when the hub does not know it, or the caller may not (one named only by RESTRICTED rows it may not read). Needs READ.',
  })
  async enterprise(@Ctx() ctx: HubContext, @Arg('uscc', () => UsccScalar) uscc: string) {
    const view = await ctx.enterprises.get(ctx.principal, uscc);
    return view ? toEnterpriseNode(view) : null;
  }

  @Query(() => EnterpriseConnection, {
    description: 'The enterprises the caller may know (public ones, and those named by RESTRICTED rows it may read), by USCC. Needs READ.',
  })
  async enterprises(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => EnterpriseFilter, { nullable: true }) filter?: EnterpriseFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.enterprises.list(
      ctx.principal,
      filter ?? {},
      pageRequest({ first, after }, ctx.config.maxPageSize, EnterpriseService.CURSOR),
    );
    return toConnection(EnterpriseConnection, page, toEnterpriseNode);
  }

  @Mutation(() => RegisterEnterprisePayload, { description: 'Register an enterprise or correct its registry facts. Office ADMIN.' })
  async registerEnterprise(@Ctx() ctx: HubContext, @Arg('input', () => RegisterEnterpriseInput) input: RegisterEnterpriseInput) {
    const result = await ctx.enterprises.register(ctx.principal, input);
    return Object.assign(new RegisterEnterprisePayload(), { enterprise: toEnterpriseNode(result.enterprise), created: result.created });
  }

  // The two fields of personal data: an unmasked value returned is noted for the operation's audit record
  // (graphql/personal-data-audit.ts); their types and descriptions are those of EnterpriseNode.
  @FieldResolver()
  legalRepresentativeIdNumber(@Root() node: EnterpriseNode, @Ctx() ctx: HubContext) {
    return personalValue(node, node.legalRepresentativeIdNumber, ctx);
  }

  @FieldResolver()
  contactPhone(@Root() node: EnterpriseNode, @Ctx() ctx: HubContext) {
    return personalValue(node, node.contactPhone, ctx);
  }
}

function personalValue(node: EnterpriseNode, value: string | null, ctx: HubContext): string | null {
  if (value !== null && !node.personalDataMasked) ctx.personalData.add(node.uscc);
  return value;
}
