import { AuditTrailService } from './audit-trail.service';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../graphql/connection';
import { pageRequest } from '../../db/keyset';
import type { HubContext } from '../../graphql/context';
import { toUnitNode, UnitNode } from '../units/unit.types';
import { AuditRecordConnection, AuditRecordNode, AuditTrailFilter, toAuditRecordNode } from './audit-trail.types';

/** The office's view of the audit trail. */
@Resolver(() => AuditRecordNode)
export class AuditTrailResolver {
  @Query(() => AuditRecordConnection, { description: 'The audit trail, newest first. Office ADMIN.' })
  async auditTrail(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => AuditTrailFilter, { nullable: true }) filter?: AuditTrailFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.auditTrail.page(
      ctx.principal,
      filter ?? {},
      pageRequest({ first, after }, ctx.config.maxPageSize, AuditTrailService.CURSOR),
    );
    return toConnection(AuditRecordConnection, page, toAuditRecordNode);
  }

  @FieldResolver(() => UnitNode, { nullable: true, description: 'The acting unit; null for the command line before any unit existed.' })
  async actingUnit(@Root() node: AuditRecordNode, @Ctx() ctx: HubContext) {
    if (!node.actorUnitId) return null;
    const unit = await ctx.loaders.unit.load(node.actorUnitId);
    return unit ? toUnitNode(unit) : null;
  }
}
