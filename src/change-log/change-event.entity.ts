/**
 * The change log's change rows (DESIGN.md invariants 2 and 5): each row carries the entity as it was right after
 * the change and the sharing it had then, so who may see a change, and which filters it passes, is decided from the
 * row alone, whenever and on whichever instance it is read.
 */
import { Entity, Index, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

/**
 * One change of the change log (DESIGN.md invariants 3–5): the entity as it was right after the change, and
 * the columns that decide, in memory, who may see it and which filters it passes. A change becomes visible to
 * readers only through its transaction's {@link ChangeCommit}, which gives it its place in commit order.
 */
@Entity({ tableName: 'change_event' })
export class ChangeEvent {
  /** The transaction that wrote the change (joins {@link ChangeCommit}). */
  @PrimaryKey({ type: 'uuid' })
  txId!: string;

  /** Position within the transaction. */
  @PrimaryKey({ type: 'integer' })
  ordinal!: number;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  /** RISK_ENTRY, CASE, CASE_PROGRESS, … */
  @Property({ type: 'text' })
  topic!: string;

  /** CREATED, UPDATED, WITHDRAWN, … */
  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'text' })
  entityId!: string;

  @Property({ type: 'uuid', nullable: true })
  actorUnitId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorCredentialId?: string | null;

  // Visibility (access/visibility canSee): the record's classification and sharing at the time of the change.
  @Property({ type: 'text' })
  classification!: string;

  @Property({ type: 'uuid', nullable: true })
  ownerUnitId?: string | null;

  @Property({ type: 'text[]' })
  sharedUnitCodes: string[] & Opt = [];

  @Property({ type: 'text[]' })
  sharedKinds: string[] & Opt = [];

  // Filter columns of the feed.
  @Property({ type: 'text', nullable: true })
  listType?: string | null;

  @Property({ type: 'smallint', nullable: true })
  riskLevel?: number | null;

  @Property({ type: 'string', length: 6, nullable: true })
  regionCode?: string | null;

  @Property({ type: 'string', length: 18, nullable: true })
  uscc?: string | null;

  @Property({ type: 'uuid', nullable: true })
  @Index()
  caseId?: string | null;

  /**
   * The entity right after the change, in the shape of its GraphQL type. Stored as `json` (text, checked), not
   * `jsonb`: it is written once per change, never queried inside, and read back whole; building and storing
   * jsonb cost a 100,000-entry publication more than a second.
   */
  @Property({ type: 'json', columnType: 'json' })
  payload!: Record<string, unknown>;
}
