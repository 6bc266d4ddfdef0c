/** GraphQL types of the audit trail (the office's `auditTrail` query). */
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { JSONScalar } from '../../graphql/scalars';
import type { AuditTrailRow } from './audit-trail.sql';

@ObjectType('AuditRecord', { description: 'One record of the append-only, keyed hash-chained audit trail.' })
export class AuditRecordNode {
  @Field(() => ID, { description: 'Increasing in the order records were written (gaps are rolled-back writes).' })
  id!: string;

  @Field(() => Date)
  occurredAt!: Date;

  actorUnitId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The acting credential; null for the command line and the first start.' })
  credentialId!: string | null;

  @Field(() => String, { description: 'e.g. unit.create, riskList.publish, riskEntry.export, bulletin.read, enterprise.readPersonalData.' })
  action!: string;

  @Field(() => String)
  entityType!: string;

  @Field(() => String, { description: 'The record concerned; * for an act over many (see detail).' })
  entityId!: string;

  @Field(() => JSONScalar, { description: 'What was done or read: never personal data values.' })
  detail!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The id of the audit key of this record's link; null for a record written before the key." })
  keyId!: string | null;

  @Field(() => String, {
    description: "This record's link (HMAC-SHA256 under its key, or SHA-256 before the key), as `npm run hub -- audit verify` checks it.",
  })
  link!: string;

  @Field(() => String, { description: 'The link of the record before it.' })
  previousLink!: string;
}

export function toAuditRecordNode(row: AuditTrailRow): AuditRecordNode {
  return Object.assign(new AuditRecordNode(), {
    id: row.id,
    occurredAt: row.occurredAt,
    actorUnitId: row.actorUnitId,
    credentialId: row.actorCredentialId,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    detail: row.detail,
    keyId: row.keyId,
    link: row.hash,
    previousLink: row.prevHash,
  });
}

export const AuditRecordConnection = Connection('AuditRecord', AuditRecordNode);

@InputType({ description: 'Every criterion given must hold.' })
export class AuditTrailFilter {
  @Field(() => String, { nullable: true, description: 'The code of the acting unit.' })
  unit?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact action, e.g. riskEntry.export.' })
  action?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact entity type, e.g. Enterprise.' })
  entityType?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact entity id, e.g. a USCC or a unit id.' })
  entityId?: string | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Exclusive.' })
  to?: Date | null;
}
