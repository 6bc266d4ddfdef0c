import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Unit } from '../units/unit.entity';

/**
 * One enterprise on one unit's list of one type (a row of 欠税企业名单, 吊销企业名单, …). A unit has at most one
 * ACTIVE entry per enterprise and list type; an update keeps the earlier content as a {@link RiskEntryVersion};
 * a withdrawn entry stays, WITHDRAWN, and a later listing of the same enterprise is a new entry.
 *
 * Written set-based by the publication service (DESIGN.md "Bulk writes"); the entity describes the table.
 */
@Entity({ tableName: 'risk_entry' })
@Index({
  name: 'risk_entry_one_active',
  expression: `create unique index "risk_entry_one_active" on "risk_entry" ("publisher_unit_id", "list_type", "uscc") where "status" = 'ACTIVE'`,
})
// The newest entries, split along the status (Migration20261204000800_newest_active says why).
@Index({
  name: 'risk_entry_newest_active',
  expression: `create index "risk_entry_newest_active" on "risk_entry" ("published_at", "id") where "status" = 'ACTIVE'`,
})
@Index({
  name: 'risk_entry_newest_ended',
  expression: `create index "risk_entry_newest_ended" on "risk_entry" ("published_at", "id") where "status" <> 'ACTIVE'`,
})
@Index({ name: 'risk_entry_list_level', properties: ['listType', 'riskLevel', 'publishedAt'] })
@Index({ name: 'risk_entry_region_prefix', expression: 'create index "risk_entry_region_prefix" on "risk_entry" ("region_code" text_pattern_ops)' })
export class RiskEntry {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => Unit, { fieldName: 'publisher_unit_id', mapToPk: true, deleteRule: 'restrict' })
  publisherUnitId!: string;

  @Property({ type: 'text' })
  listType!: string;

  @ManyToOne(() => Enterprise, { fieldName: 'uscc', mapToPk: true, deleteRule: 'restrict' })
  @Index()
  uscc!: string;

  /** The name as the publisher gave it. */
  @Property({ type: 'text' })
  enterpriseName!: string;

  @Property({ type: 'string', length: 6 })
  regionCode!: string;

  /** 1 RED … 4 BLUE. */
  @Property({ type: 'smallint' })
  riskLevel!: number;

  @Property({ type: 'text[]' })
  categories!: string[];

  /** Yuan, exact. */
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

  /** ACTIVE or WITHDRAWN. */
  @Property({ type: 'text' })
  status!: string;

  /** SHA-256 of the content that decides "unchanged": level, categories, amount, dates, remarks, details, sharing. */
  @Property({ type: 'text' })
  contentHash!: string;

  @Property({ type: 'integer' })
  version!: number;

  /** The period of the publication that gave this version, e.g. 2026-Q3. */
  @Property({ type: 'text', nullable: true })
  period?: string | null;

  @Property({ type: 'datetime' })
  firstPublishedAt!: Date;

  /** When this version was published. */
  @Property({ type: 'datetime' })
  publishedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  withdrawnAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  withdrawalReason?: string | null;

  /** The publication (or withdrawal) that last changed the entry; its change-log rows are selected by it. */
  @Property({ type: 'uuid', nullable: true })
  @Index({ name: 'risk_entry_publication_id_index' })
  publicationId?: string | null;
}
