import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../graphql/connection';
import { pageRequest } from '../../db/keyset';
import type { HubContext } from '../../graphql/context';
import { NESTED_LIST_ARGUMENT, NestedList, nestedListLength } from '../../graphql/list-size';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { RiskPublicationService } from './risk-publication.service';
import {
  PublishRiskListInput,
  PublishRiskListPayload,
  RejectedRow,
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
    const page = await ctx.riskPublications.list(
      ctx.principal,
      filter ?? {},
      pageRequest({ first, after }, ctx.config.maxPageSize, RiskPublicationService.CURSOR),
    );
    return toConnection(RiskPublicationConnection, page, toPublicationNode);
  }

  @FieldResolver(() => [RejectedRow], {
    description:
      'Rows skipped under onInvalidRow SKIP, in the order sent: the first `first` (MAX_NESTED_LIST when not given); rejectedCount tells how many there are.',
  })
  @NestedList()
  async rejected(
    @Root() publication: RiskPublicationNode,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    const size = nestedListLength(first, ctx.config.limits.maxNestedList);
    return publication.rejectedRows?.slice(0, size) ?? ctx.loaders.rejectedRows.load({ key: publication.id, size });
  }

  @FieldResolver(() => Int, { description: 'How many rows were skipped under onInvalidRow SKIP.' })
  async rejectedCount(@Root() publication: RiskPublicationNode, @Ctx() ctx: HubContext) {
    return publication.rejectedRows?.length ?? ctx.loaders.rejectedCount.load(publication.id);
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
