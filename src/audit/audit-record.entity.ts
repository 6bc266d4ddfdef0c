import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One entry of the append-only, hash-chained audit trail: who did what to which record, and who read what
 * under accountability (exports, bulletins, unmasked personal data). Each row's `hash` (its link) covers its
 * content and the previous row's link, so an edited or deleted row breaks the chain; rows written since the audit
 * key (issue 10) are linked by an HMAC under the key named by `keyId`, which is kept outside the database.
 */
@Entity({ tableName: 'audit_record' })
@Index({ name: 'audit_record_entity', properties: ['entityType', 'entityId', 'id'] })
@Index({ name: 'audit_record_actor', properties: ['actorUnitId', 'id'] })
@Index({ name: 'audit_record_action', properties: ['action', 'id'] })
@Index({ name: 'audit_record_occurred_at', properties: ['occurredAt'] })
@Index({ name: 'audit_record_key', properties: ['keyId', 'id'] })
export class AuditRecord {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  /** The acting unit; null for the command line before any unit exists. */
  @Property({ type: 'uuid', nullable: true })
  actorUnitId?: string | null;

  /** The acting credential; null for the command line and the first-start bootstrap. */
  @Property({ type: 'uuid', nullable: true })
  actorCredentialId?: string | null;

  /** e.g. `unit.create`, `credential.revoke`, `enterprise.register`, `riskEntry.export`. */
  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  entityType!: string;

  @Property({ type: 'text' })
  entityId!: string;

  @Property({ type: 'jsonb' })
  detail!: Record<string, unknown>;

  @Property({ type: 'text' })
  prevHash!: string;

  @Property({ type: 'text', unique: true })
  hash!: string;

  /** The id of the key of this record's HMAC link (AUDIT_KEY_ID); null: an unkeyed SHA-256 link, written before the key. */
  @Property({ type: 'text', nullable: true })
  keyId?: string | null;
}
