import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Opt } from '@mikro-orm/core';
import { Unit } from '../units/unit.entity';

/**
 * One committed publication of a list (SNAPSHOT or DELTA), also one that changed nothing: the unit's evidence
 * that it submitted its list for the period. Holds what the caller was answered, so that a retry with the same
 * idempotency key gets the same answer.
 */
@Entity({ tableName: 'risk_publication' })
@Unique({ name: 'risk_publication_idempotency', properties: ['actingUnitId', 'idempotencyKey'] })
@Index({ name: 'risk_publication_list', properties: ['publisherUnitId', 'listType', 'publishedAt'] })
export class RiskPublication {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** The unit whose list this is. */
  @ManyToOne(() => Unit, { fieldName: 'publisher_unit_id', mapToPk: true, deleteRule: 'restrict' })
  publisherUnitId!: string;

  /** The unit that made the publication: the publisher, or the office publishing a correction for it. */
  @ManyToOne(() => Unit, { fieldName: 'acting_unit_id', mapToPk: true, deleteRule: 'restrict' })
  actingUnitId!: string;

  @Property({ type: 'uuid', nullable: true })
  credentialId?: string | null;

  @Property({ type: 'text' })
  listType!: string;

  /** SNAPSHOT or DELTA. */
  @Property({ type: 'text' })
  mode!: string;

  @Property({ type: 'text', nullable: true })
  period?: string | null;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  /** SHA-256 of the canonical form of the input. */
  @Property({ type: 'text' })
  payloadHash!: string;

  @Property({ type: 'integer' })
  entryCount!: number;

  @Property({ type: 'integer' })
  added!: number;

  @Property({ type: 'integer' })
  updated!: number;

  @Property({ type: 'integer' })
  withdrawn!: number;

  @Property({ type: 'integer' })
  unchanged!: number;

  /** Rows skipped under onInvalidRow SKIP: [{ index, uscc, field, message }]. */
  @Property({ type: 'jsonb' })
  rejected!: { index: number; uscc: string | null; field: string; message: string }[];

  /** The committing transaction's time (the column's default, now()), as the published_at of the entries it wrote. */
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  publishedAt!: Date & Opt;
}
