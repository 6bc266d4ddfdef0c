import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { pageRequest, toConnection } from '../../graphql/connection';
import type { HubContext } from '../../graphql/context';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { RiskPublicationService } from './risk-publication.service';
import {
  PublishRiskListInput,
  PublishRiskListPayload,
  RiskPublicationConnection,
  RiskPublicationFilter,
  RiskPublicationNode,
  toPublicationNode,
  toPublishPayload,
} from './risk-publication.types';

@Resolver(() => RiskPublicationNode)
export class RiskPublicationResolver {
  @Mutation(() => PublishRiskListPayload, { description: "Publish one of the unit's lists (SNAPSHOT or DELTA). Needs PUBLISH." })
  async publishRiskList(@Ctx() ctx: HubContext, @Arg('input', () => PublishRiskListInput) input: PublishRiskListInput) {
    return toPublishPayload(await ctx.riskPublications.publish(ctx.principal, input));
  }

  @Query(() => RiskPublicationConnection, { description: "Publications, newest first: the unit's own, every unit's for the office. Needs READ." })
  async riskPublications(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => RiskPublicationFilter, { nullable: true }) filter?: RiskPublicationFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.riskPublications.list(ctx.principal, filter ?? {}, pageRequest({ first, after }, ctx.config.maxPageSize, RiskPublicationService.CURSOR));
    return toConnection(RiskPublicationConnection, page, toPublicationNode);
  }

  @FieldResolver(() => UnitNode, { description: 'The unit whose list this is.' })
  async publisher(@Root() publication: RiskPublicationNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(publication.publisherUnitId))!);
  }

  @FieldResolver(() => UnitNode, { description: 'The unit that made it: the publisher, or the office publishing a correction.' })
  async actingUnit(@Root() publication: RiskPublicationNode, @Ctx() ctx: HubContext) {
    return toUnitNode((await ctx.loaders.unit.load(publication.actingUnitId))!);
  }
}
