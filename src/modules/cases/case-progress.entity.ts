import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Opt } from '@mikro-orm/core';
import { Unit } from '../units/unit.entity';
import { BankruptcyCase } from './bankruptcy-case.entity';

/**
 * A dated progress entry of a case (案件进展): a claim filed, assets found, a coordination request or reply, a
 * meeting, a risk assessment, a note. Appended by any unit that may see the case, never edited.
 */
@Entity({ tableName: 'case_progress' })
@Index({ name: 'case_progress_timeline', properties: ['caseId', 'occurredOn', 'recordedAt', 'id'] })
@Unique({ name: 'case_progress_idempotency', properties: ['unitId', 'idempotencyKey'] })
export class CaseProgress {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => BankruptcyCase, { fieldName: 'case_id', mapToPk: true, deleteRule: 'restrict' })
  caseId!: string;

  @Property({ type: 'text' })
  kind!: string;

  /** The date it happened. */
  @Property({ type: 'date' })
  occurredOn!: string;

  @Property({ type: 'text' })
  summary!: string;

  /** Yuan, exact: a claim's amount, an asset's estimated value. */
  @Property({ type: 'decimal', precision: 18, scale: 2, nullable: true })
  amount?: string | null;

  /** CLAIM_FILED: TAX, BANK, SOCIAL_INSURANCE, WAGES, OTHER. */
  @Property({ type: 'text', nullable: true })
  claimType?: string | null;

  /** ASSET_FOUND: LAND, PROPERTY, VEHICLE, ACCOUNT, EQUIPMENT, EQUITY, OTHER. */
  @Property({ type: 'text', nullable: true })
  assetType?: string | null;

  /** RISK_ASSESSMENT: the level assessed, 1 RED … 4 BLUE. */
  @Property({ type: 'smallint', nullable: true })
  riskLevel?: number | null;

  /** COORDINATION_REQUEST: the unit codes asked. */
  @Property({ type: 'text[]' })
  addressedTo: string[] & Opt = [];

  /** COORDINATION_REPLY: the request answered. */
  @ManyToOne(() => CaseProgress, { fieldName: 'in_reply_to', mapToPk: true, nullable: true, deleteRule: 'restrict' })
  inReplyTo?: string | null;

  @Property({ type: 'jsonb' })
  details!: Record<string, unknown>;

  /** The unit that added it. */
  @ManyToOne(() => Unit, { fieldName: 'unit_id', mapToPk: true, deleteRule: 'restrict' })
  unitId!: string;

  @Property({ type: 'uuid', nullable: true })
  credentialId?: string | null;

  /** Per unit: a retry with the same key and payload returns the first entry. */
  @Property({ type: 'text', nullable: true })
  idempotencyKey?: string | null;

  @Property({ type: 'text', nullable: true })
  payloadHash?: string | null;

  @Property({ type: 'datetime' })
  recordedAt!: Date;

  /** The change-log transaction (change_commit.tx_id) that added it; null only on older rows not derivable (migration …0700). */
  @Property({ type: 'uuid', nullable: true })
  changeTxId?: string | null;
}
