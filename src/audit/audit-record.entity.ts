import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One entry of the append-only, hash-chained audit trail: who did what to which record. Each row's `hash`
 * covers its content and the previous row's hash, so an edited or deleted row breaks the chain.
 */
@Entity({ tableName: 'audit_record' })
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

  /** e.g. `unit.create`, `credential.revoke`, `enterprise.register`. */
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
}
