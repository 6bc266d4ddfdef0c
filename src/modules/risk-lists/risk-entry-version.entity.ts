import { Entity, ManyToOne, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { RiskEntry } from './risk-entry.entity';

/** An earlier content of a {@link RiskEntry}, kept when an update replaced it: the entry's history. */
@Entity({ tableName: 'risk_entry_version' })
export class RiskEntryVersion {
  @ManyToOne(() => RiskEntry, { fieldName: 'entry_id', mapToPk: true, primary: true, deleteRule: 'cascade' })
  entryId!: string;

  @PrimaryKey({ type: 'integer' })
  version!: number;

  @Property({ type: 'text' })
  enterpriseName!: string;

  @Property({ type: 'string', length: 6 })
  regionCode!: string;

  @Property({ type: 'smallint' })
  riskLevel!: number;

  @Property({ type: 'text[]' })
  categories!: string[];

  @Property({ type: 'decimal', precision: 18, scale: 2, nullable: true })
  amount?: string | null;

  @Property({ type: 'date', nullable: true })
  effectiveDate?: string | null;

  @Property({ type: 'text', nullable: true })
  remarks?: string | null;

  @Property({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Property({ type: 'text' })
  classification!: string;

  @Property({ type: 'text[]' })
  sharedUnitCodes: string[] & Opt = [];

  @Property({ type: 'text[]' })
  sharedKinds: string[] & Opt = [];

  @Property({ type: 'text', nullable: true })
  period?: string | null;

  @Property({ type: 'datetime' })
  publishedAt!: Date;

  /** When the next version replaced this one. */
  @Property({ type: 'datetime' })
  supersededAt!: Date;

  @Property({ type: 'uuid', nullable: true })
  publicationId?: string | null;

  /**
   * The change-log transaction (change_commit.tx_id) that wrote this row: the one that replaced this version by the
   * next (its change, UPDATED, carries the next version). Null only on rows written before it was recorded and not
   * derivable (migration …0700).
   */
  @Property({ type: 'uuid', nullable: true })
  changeTxId?: string | null;
}
